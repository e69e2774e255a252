/**
 * The device enumerator (sd-device's device-enumerator.c, 252) that `udevadm trigger` and
 * `udevadm info --export-db` walk: devices from /sys/bus/<bus>/devices and /sys/class/<class>
 * (plus their parent devices), or modules, buses and drivers for `--type=subsystems`; filtered
 * by subsystem, sysname, attribute, property, tag and parent; sorted by devpath, parents first.
 */
import type { UdevDatabase } from './database.js';
import { UdevDevice } from './device.js';
import { fnmatch } from './rules/fnmatch.js';
import type { SysfsAccess } from './sources/sysfs-access.js';

/** What `udevadm trigger --type` scans. */
export const enumerationTypes = ['devices', 'subsystems', 'all'] as const;
export type EnumerationType = (typeof enumerationTypes)[number];

/** The enumerator's filters; every list is a set of fnmatch patterns. */
export interface EnumeratorMatches {
  readonly subsystems?: readonly string[];
  readonly nomatchSubsystems?: readonly string[];
  readonly sysnames?: readonly string[];
  /** ATTR[=VALUE]: the attribute must be readable and, with a value, match it; all must hold. */
  readonly sysattrs?: ReadonlyArray<readonly [name: string, value: string | undefined]>;
  readonly nomatchSysattrs?: ReadonlyArray<readonly [name: string, value: string | undefined]>;
  /** KEY=VALUE patterns: at least one property must match one of them. */
  readonly properties?: ReadonlyArray<readonly [key: string, value: string]>;
  /** Every tag must be set (database G:). */
  readonly tags?: readonly string[];
  /** Canonical syspaths: the device must be one of them or below one. */
  readonly parents?: readonly string[];
}

/** set_fnmatch(): not excluded, and included when there is an include list. */
function setFnmatch(include: readonly string[] | undefined, exclude: readonly string[] | undefined, s: string): boolean {
  if ((exclude ?? []).some((p) => fnmatch(p, s))) return false;
  if (!include || include.length === 0) return true;
  return include.some((p) => fnmatch(p, s));
}

function sysattrsMatch(dev: UdevDevice, m: EnumeratorMatches): boolean {
  const matchOne = (name: string, value: string | undefined): boolean => {
    const v = dev.sysattr(name);
    if (v === undefined) return false;
    return value === undefined || fnmatch(value, v);
  };
  for (const [name, value] of m.sysattrs ?? []) if (!matchOne(name, value)) return false;
  for (const [name, value] of m.nomatchSysattrs ?? []) if (matchOne(name, value)) return false;
  return true;
}

function propertiesMatch(dev: UdevDevice, m: EnumeratorMatches): boolean {
  const filters = m.properties ?? [];
  if (filters.length === 0) return true;
  const props = dev.allProperties();
  return filters.some(([kp, vp]) => [...props].some(([k, v]) => fnmatch(kp, k) && fnmatch(vp, v)));
}

/** path_startswith() on whole components. */
function isBelow(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : prefix + '/');
}

/** test_matches(): every filter but the sysname (checked on the directory entry) when `sysname` is false. */
function testMatches(dev: UdevDevice, m: EnumeratorMatches, sysname: boolean): boolean {
  if (sysname && !setFnmatch(m.sysnames, undefined, dev.sysname)) return false;
  const subsystem = dev.subsystem;
  if (subsystem === undefined || !setFnmatch(m.subsystems, m.nomatchSubsystems, subsystem)) return false;
  if ((m.parents ?? []).length > 0 && !m.parents!.some((p) => isBelow(dev.syspath, p))) return false;
  if ((m.tags ?? []).length > 0) {
    dev.readDb(false);
    if (!m.tags!.every((t) => dev.allTags.has(t))) return false;
  }
  if (!propertiesMatch(dev, m)) return false;
  return sysattrsMatch(dev, m);
}

/**
 * path_compare(): component by component (strcmp on each), a path before the paths below it.
 */
export function pathCompare(a: string, b: string): number {
  const ca = a.split('/').filter((x) => x.length > 0);
  const cb = b.split('/').filter((x) => x.length > 0);
  for (let i = 0; ; i++) {
    if (i >= ca.length) return i >= cb.length ? 0 : -1;
    if (i >= cb.length) return 1;
    const x = ca[i]!;
    const y = cb[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
}

/** Block devices of md and dm sort after every other device (devpath_is_late_block). */
function isLateBlock(devpath: string): boolean {
  return devpath.includes('/block/md') || devpath.includes('/block/dm-');
}

/** device_compare(): late block devices last, then path_compare on the devpath. */
function deviceCompare(a: UdevDevice, b: UdevDevice): number {
  const la = isLateBlock(a.devpath);
  const lb = isLateBlock(b.devpath);
  if (la !== lb) return la ? 1 : -1;
  return pathCompare(a.devpath, b.devpath);
}

class Enumerator {
  readonly #bySyspath = new Map<string, UdevDevice>();

  constructor(
    readonly fs: SysfsAccess,
    readonly db: UdevDatabase,
    readonly m: EnumeratorMatches,
  ) {}

  get devices(): UdevDevice[] {
    return [...this.#bySyspath.values()].sort(deviceCompare);
  }

  /** Directory entries that may be kobjects: directories and links, no dot files. */
  #subdirs(path: string): string[] {
    const names = this.fs.readdir(path) ?? [];
    return names.filter((n) => {
      if (n.startsWith('.')) return false;
      const st = this.fs.lstat(`${path}/${n}`);
      return st !== undefined && (st.type === 'dir' || st.type === 'link');
    });
  }

  /** device_enumerator_add_device(): false if that syspath is in already. */
  #add(dev: UdevDevice): boolean {
    if (this.#bySyspath.has(dev.syspath)) return false;
    this.#bySyspath.set(dev.syspath, dev);
    return true;
  }

  /** enumerator_add_parent_devices(): matching ancestors up to the first already present. */
  #addParents(dev: UdevDevice): void {
    for (let p = dev.parent; p; p = p.parent) {
      if (!testMatches(p, this.m, true)) continue;
      if (!this.#add(p)) break;
    }
  }

  /** enumerator_scan_dir_and_add_devices(): every entry of /sys/<dir> that is a matching device. */
  scanDirAndAdd(dir: string): void {
    const path = `/sys/${dir}`;
    for (const name of this.#subdirs(path)) {
      if (!setFnmatch(this.m.sysnames, undefined, name)) continue;
      const dev = UdevDevice.fromSyspath(this.fs, this.db, `${path}/${name}`);
      if (typeof dev === 'string') continue;
      if (!testMatches(dev, this.m, false)) continue;
      this.#add(dev);
      this.#addParents(dev);
    }
  }

  /** enumerator_scan_dir(): for each matching /sys/<base>/<entry>, scan its `sub` directory. */
  scanDir(base: string, sub: string | undefined, subsystem: string | undefined): void {
    for (const name of this.#subdirs(`/sys/${base}`)) {
      if (!setFnmatch(this.m.subsystems, this.m.nomatchSubsystems, subsystem ?? name)) continue;
      this.scanDirAndAdd(sub === undefined ? `${base}/${name}` : `${base}/${name}/${sub}`);
    }
  }

  scanDevices(): void {
    this.scanDir('bus', 'devices', undefined);
    this.scanDir('class', undefined, undefined);
  }

  scanSubsystems(): void {
    const wants = (s: string) => setFnmatch(this.m.subsystems, this.m.nomatchSubsystems, s);
    if (wants('module')) this.scanDirAndAdd('module');
    if (wants('subsystem')) this.scanDirAndAdd('bus');
    if (wants('drivers')) this.scanDir('bus', 'drivers', 'drivers');
  }
}

/**
 * The devices (or subsystems, or both) `udevadm trigger --type` would walk, in its order. Device
 * objects are fresh: they read sysfs and `db` lazily.
 */
export function enumerateDevices(
  fs: SysfsAccess,
  db: UdevDatabase,
  matches: EnumeratorMatches = {},
  type: EnumerationType = 'devices',
): UdevDevice[] {
  const e = new Enumerator(fs, db, matches);
  if (type !== 'devices') e.scanSubsystems();
  if (type !== 'subsystems') e.scanDevices();
  return e.devices;
}
