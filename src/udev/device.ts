/**
 * The device view udev works on (twin of sd-device.c and device-private.c): syspath, sysname,
 * subsystem/driver links, the uevent file, ordered properties (with the subset stored in the
 * database), tags and current tags, devlinks, the per-object attribute cache, the lazily found
 * parent, and reading/writing the device's udev database entry. All strings are byte strings.
 */
import { type FlatPairs, flatValue, flattenPairs } from '../base/index.js';
import { canonicalString } from './bytes.js';
import type { DbEntry, UdevDatabase } from './database.js';
import { baseName, dirName, type FsError, isNormalizedPath, joinPath, simplifyPath, type SysfsAccess } from './sources/sysfs-access.js';

/** The actions a uevent can carry (sd_device_action_t). */
export const deviceActions = ['add', 'remove', 'change', 'move', 'online', 'offline', 'bind', 'unbind'] as const;
export type DeviceAction = (typeof deviceActions)[number];

/** strtoul()-style unsigned decimal parse; undefined on anything but digits. */
function parseUnsigned(s: string): number | undefined {
  let i = 0;
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  if (i >= s.length) return undefined;
  let v = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  return v;
}

/**
 * Path strings are interned: a device's syspath and the paths of its files are created once and
 * then reused by every later device object for the same path, so filesystems that key on the
 * path string hash it once instead of per event. The tables are process-wide and cleared as a
 * whole past PATH_CACHE_MAX paths: a working set (the devices of the events in flight and
 * their parents), not a copy of every path of every machine — at 65,536 they held about 1.5 KB
 * per device of a coldplugged machine (issue #12, heap per device).
 */
const PATH_CACHE_MAX = 8192;
const internedPaths = new Map<string, string>();
const childPaths = new Map<string, Map<string, string>>();

function internPath(p: string): string {
  const known = internedPaths.get(p);
  if (known !== undefined) return known;
  if (internedPaths.size > PATH_CACHE_MAX) {
    internedPaths.clear();
    childPaths.clear();
    pathNames.clear();
    ueventSyspaths.clear();
  }
  internedPaths.set(p, p);
  return p;
}

/**
 * The interned syspath of a uevent's DEVPATH (`/sys` + DEVPATH, simplified), by the DEVPATH
 * string: the kernel sends the same string object for a device's every event, whose hash the
 * engine keeps, where `/sys` + DEVPATH would be a new string to hash each time. Cleared with
 * the interned paths.
 */
const ueventSyspaths = new Map<string, string>();

function ueventSyspath(devpath: string): string {
  let p = ueventSyspaths.get(devpath);
  if (p === undefined) {
    const raw = '/sys' + devpath;
    p = internPath(raw.includes('//') || raw.includes('/./') || raw.endsWith('/') ? simplifyPath(raw) : raw);
    if (ueventSyspaths.size > PATH_CACHE_MAX) ueventSyspaths.clear();
    ueventSyspaths.set(devpath, p);
  }
  return p;
}

/** What a syspath's text alone determines; computed once per interned path. */
interface PathNames {
  readonly devpath: string;
  /** Last component with '!' as '/', and its trailing digits (see UdevDevice.sysname). */
  sysname: string | undefined;
  sysnum: string | undefined;
  /** The interned directory part (dirName). */
  dir: string | undefined;
  /** The path is "/sys" itself: the parent walk stops here (device_new_from_child). */
  readonly top: boolean;
}
const pathNames = new Map<string, PathNames>();

function namesOf(syspath: string): PathNames {
  let n = pathNames.get(syspath);
  if (n === undefined) {
    n = { devpath: syspath.slice(4), sysname: undefined, sysnum: undefined, dir: undefined, top: syspath === '/sys' || syspath === '/' };
    pathNames.set(syspath, n);
  }
  return n;
}

/** dirName() of an interned path, itself interned. */
function parentDir(syspath: string): string {
  const n = namesOf(syspath);
  return (n.dir ??= internPath(dirName(syspath)));
}

/** `${dir}/${name}` for an interned directory path, itself interned. */
function childPath(dir: string, name: string): string {
  let m = childPaths.get(dir);
  if (m === undefined) {
    m = new Map();
    childPaths.set(dir, m);
  }
  let p = m.get(name);
  if (p === undefined) {
    p = internPath(joinPath(dir, name));
    m.set(name, p);
  }
  return p;
}

/**
 * Parsed uevent files by content (an unchanged file reads back as the same string): an event
 * reads its device's file and its parents'; a few hundred cover the events in flight.
 */
const UEVENT_FILE_CACHE_MAX = 512;
const ueventFiles = new Map<string, ReadonlyArray<readonly [string, string]>>();

/**
 * The KEY=VALUE lines of a uevent file, keys canonical. Newline runs are skipped, a line
 * without '=' is ignored, and a last line without a newline is not used, as in 252.
 */
function parseUeventFile(text: string): ReadonlyArray<readonly [string, string]> {
  const known = ueventFiles.get(text);
  if (known !== undefined) return known;
  const pairs: Array<readonly [string, string]> = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      i++;
      continue;
    }
    const keyStart = i;
    while (i < n && (c = text.charCodeAt(i)) !== 61 && c !== 10 && c !== 13) i++;
    if (i >= n) break;
    if (c !== 61) continue;
    const key = text.slice(keyStart, i);
    const valStart = ++i;
    while (i < n && (c = text.charCodeAt(i)) !== 10 && c !== 13) i++;
    if (i >= n) break;
    pairs.push([canonicalString(key), text.slice(valStart, i)]);
  }
  if (text.length <= 4096) {
    if (ueventFiles.size > UEVENT_FILE_CACHE_MAX) ueventFiles.clear();
    ueventFiles.set(text, pairs);
  }
  return pairs;
}

/** The empty set the read-only views of a device's tags and links give when it has none. */
const noStrings: ReadonlySet<string> = new Set();

/** A device: what one sd_device object knows. */
export class UdevDevice {
  #syspath: string;
  #devpath: string;
  #sysname: string | undefined;
  #sysnum: string | undefined;
  #subsystemSet = false;
  #subsystem: string | undefined;
  #driverSubsystem: string | undefined;
  #driverSet = false;
  #driver: string | undefined;
  #parentSet = false;
  #parent: UdevDevice | undefined;
  #deviceId: string | undefined;

  /** MAJOR/MINOR of the device node, if it has one. */
  devnum: { readonly major: number; readonly minor: number } | undefined;
  /** Absolute /dev path of the node (DEVNAME), if any. */
  devname: string | undefined;
  /** Network interface index, if it is a netdev. */
  ifindex: number | undefined;
  devtype: string | undefined;
  /** DEVMODE of the uevent (permission the node was created with), if given. */
  devmode: number | undefined;

  /** All properties, in insertion order (a replaced value keeps its position). */
  readonly properties = new Map<string, string>();
  // The sets below are made on first use: most device objects are ancestors that never need them.
  #propertiesDb: Map<string, string> | undefined;
  #allTags: Set<string> | undefined;
  #currentTags: Set<string> | undefined;
  #devlinks: Set<string> | undefined;

  /** The properties that go to the database: added by rules/imports, never '.'-prefixed. */
  get propertiesDb(): Map<string, string> {
    return (this.#propertiesDb ??= new Map());
  }

  /** All tags, sticky across events (database G:). */
  get allTags(): Set<string> {
    return (this.#allTags ??= new Set());
  }

  /** Tags set by the current event (database Q:). */
  get currentTags(): Set<string> {
    return (this.#currentTags ??= new Set());
  }

  get devlinks(): Set<string> {
    return (this.#devlinks ??= new Set());
  }

  /** allTags for reading: a device without tags makes no set for it. */
  get allTagsRead(): ReadonlySet<string> {
    return this.#allTags ?? noStrings;
  }

  /** devlinks for reading: a device without links makes no set for it. */
  get devlinksRead(): ReadonlySet<string> {
    return this.#devlinks ?? noStrings;
  }

  devlinkPriority = 0;
  usecInitialized = 0;
  /** Database version read (0: no database entry, or pre-current-tags format). */
  databaseVersion = 0;
  dbPersist = false;
  action: DeviceAction | undefined;

  #ueventLoaded = false;
  #dbLoaded = false;
  /** A sealed device reads neither its uevent file nor its database again. */
  sealed = false;
  #propertyTagsOutdated = false;
  #propertyDevlinksOutdated = false;
  #sysattrCache: Map<string, string | undefined> | undefined;

  private constructor(
    readonly fs: SysfsAccess,
    readonly db: UdevDatabase | undefined,
    syspath: string,
  ) {
    this.#syspath = internPath(syspath);
    this.#devpath = namesOf(this.#syspath).devpath;
    this.addPropertyInternal('DEVPATH', this.#devpath);
  }

  /**
   * sd_device_new_from_syspath(): the device at `syspath` (a byte string below /sys), after
   * chasing symlinks; /sys/devices/… paths need a `uevent` file, others only a directory.
   */
  static fromSyspath(fs: SysfsAccess, db: UdevDatabase | undefined, syspath: string): UdevDevice | FsError {
    if (!syspath.startsWith('/sys/')) return 'EINVAL';
    const real = fs.realpath(syspath);
    if (real.charCodeAt(0) !== 47) return 'ENODEV';
    if (!real.startsWith('/sys/')) return 'ENODEV';
    if (!UdevDevice.isDevice(fs, real)) return 'ENODEV';
    return new UdevDevice(fs, db, real);
  }

  /**
   * True if the (canonical) path is a device directory by sd-device's rules: /sys/devices and
   * below need a `uevent` file (path_startswith() compares whole components, so /sys/devices
   * itself is held to that too), any other directory below /sys is a device (/sys/module,
   * /sys/bus/pci/drivers, …: `udevadm info -a` walks up through them).
   */
  static isDevice(fs: SysfsAccess, real: string): boolean {
    if (real === '/sys/devices' || real.startsWith('/sys/devices/')) {
      return fs.lstat(childPath(internPath(real), 'uevent')) !== undefined;
    }
    const st = fs.lstat(real);
    return st !== undefined && st.type === 'dir';
  }

  /** A device object for a path already known to be canonical and a device (no checks). */
  static unchecked(fs: SysfsAccess, db: UdevDatabase | undefined, syspath: string): UdevDevice {
    return new UdevDevice(fs, db, syspath);
  }

  /**
   * device_new_from_strv(): the device of a kernel uevent (what udevd receives on netlink). The
   * object is sealed: it never reads its uevent file or database.
   */
  static fromUevent(fs: SysfsAccess, db: UdevDatabase | undefined, env: ReadonlyArray<readonly [string, string]>): UdevDevice | FsError {
    return UdevDevice.fromUeventVars(fs, db, flattenPairs(env));
  }

  /** fromUevent() of the message flat, `[key, value, …]` in message order (as the kernel's log keeps it). */
  static fromUeventVars(fs: SysfsAccess, db: UdevDatabase | undefined, vars: FlatPairs): UdevDevice | FsError {
    const devpath = flatValue(vars, 'DEVPATH');
    if (devpath === undefined) return 'EINVAL';
    const dev = new UdevDevice(fs, db, ueventSyspath(devpath));
    let major: string | undefined;
    let minor: string | undefined;
    for (let i = 0; i < vars.length; i += 2) {
      const k = vars[i]!;
      const v = vars[i + 1]!;
      switch (k) {
        case 'DEVPATH':
          break;
        case 'ACTION':
          if ((deviceActions as readonly string[]).includes(v)) dev.setAction(v as DeviceAction);
          break;
        case 'SUBSYSTEM':
          dev.#setSubsystem(v);
          break;
        case 'DRIVER':
          dev.#setDriver(v);
          break;
        case 'MAJOR':
          major = v;
          break;
        case 'MINOR':
          minor = v;
          break;
        default:
          dev.#handleUeventLine(canonicalString(k), v);
      }
    }
    if (major !== undefined) dev.#setDevnum(major, minor);
    dev.#ueventLoaded = true;
    dev.sealed = true;
    return dev;
  }

  get syspath(): string {
    return this.#syspath;
  }

  /** `${syspath}/${name}`, one string object per path (cheap to look up again). */
  filePath(name: string): string {
    return childPath(this.#syspath, name);
  }

  get devpath(): string {
    return this.#devpath;
  }

  /** Last devpath component, '!' translated to '/'. */
  get sysname(): string {
    if (this.#sysname === undefined) this.#setSysname();
    return this.#sysname!;
  }

  /** Trailing digits of the sysname (undefined if none, or if the sysname is all digits). */
  get sysnum(): string | undefined {
    if (this.#sysname === undefined) this.#setSysname();
    return this.#sysnum;
  }

  #setSysname(): void {
    const names = namesOf(this.#syspath);
    if (names.sysname === undefined) {
      const name = baseName(this.#devpath).replaceAll('!', '/');
      let n = 0;
      while (n < name.length) {
        const c = name.charCodeAt(name.length - 1 - n);
        if (c < 48 || c > 57) break;
        n++;
      }
      if (n === name.length) n = 0;
      names.sysname = name;
      names.sysnum = n > 0 ? name.slice(name.length - n) : undefined;
    }
    this.#sysname = names.sysname;
    this.#sysnum = names.sysnum;
  }

  /** sd_device_get_subsystem(): from the `subsystem` link, or implied by the path. */
  get subsystem(): string | undefined {
    if (!this.#subsystemSet) {
      const link = this.fs.readlinkValue(childPath(this.#syspath, 'subsystem'));
      if (link !== undefined) this.#setSubsystem(link);
      else if (this.#devpath.startsWith('/module/') && this.#devpath.length > 8) this.#setSubsystem('module');
      else if (this.#syspath.includes('/drivers/') || this.#syspath.endsWith('/drivers')) this.#setDriversSubsystem();
      else if ((this.#devpath.startsWith('/class/') && this.#devpath.length > 7) || (this.#devpath.startsWith('/bus/') && this.#devpath.length > 5))
        this.#setSubsystem('subsystem');
      else this.#subsystemSet = true;
    }
    return this.#subsystem;
  }

  /** For the 'drivers' pseudo subsystem: the bus the driver directory belongs to. */
  get driverSubsystem(): string | undefined {
    return this.#driverSubsystem;
  }

  #setSubsystem(s: string | undefined): void {
    this.addPropertyInternal('SUBSYSTEM', s);
    this.#subsystemSet = true;
    this.#subsystem = s;
  }

  #setDriversSubsystem(): void {
    const dp = this.#devpath;
    let idx = dp.indexOf('/drivers/');
    if (idx < 0 && dp.endsWith('/drivers')) idx = dp.length - 8;
    const before = dp.slice(0, idx);
    const sub = baseName(before);
    this.#setSubsystem('drivers');
    this.#driverSubsystem = sub;
  }

  /** sd_device_get_driver(): the `driver` link's last component (also sets/clears DRIVER). */
  get driver(): string | undefined {
    if (!this.#driverSet) this.#setDriver(this.fs.readlinkValue(childPath(this.#syspath, 'driver')));
    return this.#driver;
  }

  #setDriver(d: string | undefined): void {
    this.addPropertyInternal('DRIVER', d);
    this.#driverSet = true;
    this.#driver = d;
  }

  /**
   * sd_device_get_parent(): nearest ancestor directory that is a device (cached), up to but not
   * including /sys. /sys/devices itself is never a parent (it has no `uevent`: KERNELS=="devices"
   * matches nothing); outside /sys/devices every directory is (/sys/module for a module).
   */
  get parent(): UdevDevice | undefined {
    if (!this.#parentSet) {
      this.#parentSet = true;
      let p = this.#syspath;
      for (;;) {
        p = parentDir(p);
        if (namesOf(p).top) break;
        if (UdevDevice.isDevice(this.fs, p)) {
          this.#parent = new UdevDevice(this.fs, this.db, p);
          break;
        }
      }
    }
    return this.#parent;
  }

  /** The ancestor with the given subsystem (sd_device_get_parent_with_subsystem_devtype). */
  parentWithSubsystem(subsystem: string): UdevDevice | undefined {
    for (let p = this.parent; p; p = p.parent) if (p.subsystem === subsystem) return p;
    return undefined;
  }

  setAction(a: DeviceAction): void {
    this.action = a;
    this.addPropertyInternal('ACTION', a);
  }

  // ---------------------------------------------------------------- uevent file

  /** device_read_uevent_file(): once, unless sealed. */
  readUevent(): void {
    if (this.#ueventLoaded || this.sealed) return;
    this.#ueventLoaded = true;
    const text = this.fs.readFile(childPath(this.#syspath, 'uevent'));
    if (typeof text !== 'string') return;
    let major: string | undefined;
    let minor: string | undefined;
    for (const [key, value] of parseUeventFile(text)) {
      if (key === 'MAJOR') major = value;
      else if (key === 'MINOR') minor = value;
      else this.#handleUeventLine(key, value);
    }
    if (major !== undefined) this.#setDevnum(major, minor);
  }

  #handleUeventLine(key: string, value: string): void {
    switch (key) {
      case 'DEVTYPE':
        this.devtype = value;
        this.addPropertyInternal('DEVTYPE', value);
        return;
      case 'IFINDEX': {
        const v = parseUnsigned(value);
        if (v === undefined || v <= 0) return;
        this.ifindex = v;
        this.addPropertyInternal('IFINDEX', value);
        return;
      }
      case 'DEVNAME': {
        const name = value.startsWith('/') ? value : '/dev/' + value;
        this.devname = name;
        this.addPropertyInternal('DEVNAME', name);
        return;
      }
      case 'DEVMODE': {
        const m = Number.parseInt(value, 8);
        if (!/^[0-7]+$/.test(value) || m > 0o7777) return;
        this.devmode = m;
        this.addPropertyInternal('DEVMODE', value);
        return;
      }
      default:
        this.addPropertyInternal(key, value);
    }
  }

  #setDevnum(major: string, minor: string | undefined): void {
    const ma = parseUnsigned(major);
    const mi = minor === undefined ? 0 : parseUnsigned(minor);
    if (ma === undefined || mi === undefined) return;
    this.devnum = { major: ma, minor: mi };
    this.addPropertyInternal('MAJOR', major);
    if (minor !== undefined) this.addPropertyInternal('MINOR', minor);
  }

  /** sd_device_get_devnum(): reads the uevent file first. */
  getDevnum(): { readonly major: number; readonly minor: number } | undefined {
    this.readUevent();
    return this.devnum;
  }

  getDevname(): string | undefined {
    this.readUevent();
    return this.devname;
  }

  getIfindex(): number | undefined {
    this.readUevent();
    return this.ifindex;
  }

  getDevtype(): string | undefined {
    this.readUevent();
    return this.devtype;
  }

  // ---------------------------------------------------------------- properties

  /** device_add_property_internal(): set (or with undefined, remove) a property. */
  addPropertyInternal(key: string, value: string | undefined): void {
    if (value === undefined) this.properties.delete(key);
    else this.properties.set(key, value);
  }

  /** device_add_property(): a property set by rules/imports; also stored in the database unless '.'-prefixed. */
  addProperty(key: string, value: string | undefined): void {
    this.addPropertyInternal(key, value);
    if (key.charCodeAt(0) !== 46 /* . */) {
      if (value === undefined) this.propertiesDb.delete(key);
      else this.propertiesDb.set(key, value);
    }
  }

  /**
   * device_properties_prepare(): load the uevent file and database if not done (and not
   * sealed), then refresh DEVLINKS/TAGS/CURRENT_TAGS if they changed. An emptied set leaves the
   * old property value in place, as 252 does. False when the database cannot be read because
   * the device has no id (no subsystem, e.g. the host bridge /devices/pci0000:00): then 252
   * has no properties for it at all, not even DEVPATH.
   */
  prepareProperties(): boolean {
    if (this.#cloneUeventPending) {
      this.#cloneUeventPending = false;
      this.sealed = false;
      this.readUevent();
      this.sealed = true;
    }
    if (!this.#ueventLoaded && !this.sealed) this.readUevent();
    if (!this.#dbLoaded && !this.sealed) {
      if (this.deviceId === undefined) return false;
      this.readDb(false);
    }
    if (this.#propertyDevlinksOutdated) {
      if (this.devlinks.size > 0) this.addPropertyInternal('DEVLINKS', [...this.devlinks].join(' '));
      this.#propertyDevlinksOutdated = false;
    }
    if (this.#propertyTagsOutdated) {
      if (this.allTags.size > 0) this.addPropertyInternal('TAGS', ':' + [...this.allTags].join(':') + ':');
      if (this.currentTags.size > 0) this.addPropertyInternal('CURRENT_TAGS', ':' + [...this.currentTags].join(':') + ':');
      this.#propertyTagsOutdated = false;
    }
    return true;
  }

  /** sd_device_get_property_value(). */
  getProperty(key: string): string | undefined {
    if (!this.prepareProperties()) return undefined;
    return this.properties.get(key);
  }

  /** FOREACH_DEVICE_PROPERTY: all properties after preparing (none if that fails). */
  allProperties(): Map<string, string> {
    if (!this.prepareProperties()) return new Map();
    return this.properties;
  }

  // ---------------------------------------------------------------- tags and links

  /** device_add_tag(): all tags always, current tags when `both`. */
  addTag(tag: string, both: boolean): boolean {
    if (tag.includes(':') || tag.includes(' ')) return false;
    this.allTags.add(tag);
    if (both) this.currentTags.add(tag);
    this.#propertyTagsOutdated = true;
    return true;
  }

  /** device_remove_tag(): only from the current tags. */
  removeTag(tag: string): void {
    this.currentTags.delete(tag);
    this.#propertyTagsOutdated = true;
  }

  /** device_cleanup_tags(): TAG= clears both sets. */
  cleanupTags(): void {
    this.allTags.clear();
    this.currentTags.clear();
    this.#propertyTagsOutdated = true;
  }

  /**
   * The tags TAG==/TAGS look at (FOREACH_DEVICE_CURRENT_TAG): current tags when the database
   * entry read had version ≥ 1, else all tags (so a sealed event device matches every tag,
   * including ones removed with TAG-=).
   */
  matchTags(): ReadonlySet<string> {
    if (!this.#dbLoaded && !this.sealed) this.readDb(false);
    return this.databaseVersion >= 1 ? this.currentTags : this.allTags;
  }

  addDevlink(link: string): void {
    this.devlinks.add(link);
    this.#propertyDevlinksOutdated = true;
  }

  cleanupDevlinks(): void {
    this.devlinks.clear();
    this.#propertyDevlinksOutdated = true;
  }

  /** Devlinks, loading the database first (FOREACH_DEVICE_DEVLINK). */
  getDevlinks(): ReadonlySet<string> {
    if (!this.#dbLoaded && !this.sealed) this.readDb(false);
    return this.devlinksRead;
  }

  setUsecInitialized(usec: number): void {
    this.usecInitialized = usec;
    this.addPropertyInternal('USEC_INITIALIZED', String(usec));
  }

  // ---------------------------------------------------------------- attributes

  /**
   * sd_device_get_sysattr_value(): the attribute's value with trailing newlines dropped, cut at
   * an embedded NUL. Symlinks give their target's last component for driver/subsystem/module
   * only; directories, unreadable files and other symlinks give undefined.
   */
  sysattr(name: string): string | undefined {
    const cache = (this.#sysattrCache ??= new Map());
    const known = cache.get(name);
    if (known !== undefined || cache.has(name)) return known;
    const path = name.length === 0 ? this.#syspath : childPath(this.#syspath, name);
    const st = this.fs.lstat(path);
    if (!st) {
      cache.set(name, undefined);
      return undefined;
    }
    let value: string;
    if (st.type === 'link') {
      if (name !== 'driver' && name !== 'subsystem' && name !== 'module') return undefined;
      const v = this.fs.readlinkValue(path);
      if (v === undefined) return undefined;
      value = v;
    } else if (st.type === 'dir') return undefined;
    else if ((st.mode & 0o400) === 0) return undefined;
    else {
      const data = this.fs.readFile(path);
      if (typeof data !== 'string') return undefined;
      let end = data.length;
      while (end > 0 && (data.charCodeAt(end - 1) === 10 || data.charCodeAt(end - 1) === 13)) end--;
      value = data.slice(0, end);
      const nul = value.indexOf('\0');
      if (nul >= 0) value = value.slice(0, nul);
    }
    cache.set(name, value);
    return value;
  }

  // ---------------------------------------------------------------- database

  /** device_get_device_id(): c/b<maj>:<min>, n<ifindex>, +<subsystem>:<sysname>; needs a subsystem. */
  get deviceId(): string | undefined {
    if (this.#deviceId === undefined) {
      const subsystem = this.subsystem;
      if (subsystem === undefined) return undefined;
      const devnum = this.getDevnum();
      let id: string;
      if (devnum) id = `${subsystem === 'block' ? 'b' : 'c'}${devnum.major}:${devnum.minor}`;
      else if (this.getIfindex() !== undefined) id = `n${this.ifindex}`;
      else {
        const sysname = baseName(this.#devpath);
        if (subsystem === 'drivers') id = `+drivers:${this.#driverSubsystem ?? ''}:${sysname}`;
        else id = `+${subsystem}:${sysname}`;
      }
      if (id.includes('/') || id.length > 255) return undefined;
      this.#deviceId = id;
    }
    return this.#deviceId;
  }

  /** device_read_db_internal(): load this device's database entry (once; `force` ignores the seal). */
  readDb(force: boolean): void {
    if (this.#dbLoaded || (!force && this.sealed)) return;
    const id = this.deviceId;
    if (id === undefined || !this.db) return;
    const entry = this.db.get(id);
    if (!entry) return;
    this.#dbLoaded = true;
    this.#loadDbEntry(entry);
  }

  #loadDbEntry(e: DbEntry): void {
    for (const link of e.devlinks) this.addDevlink('/dev/' + link);
    if (e.priority !== 0) this.devlinkPriority = e.priority;
    if (e.usec !== undefined) this.setUsecInitialized(e.usec);
    for (const [k, v] of e.properties) this.addPropertyInternal(k, v);
    for (const t of e.tags) this.addTag(t, false);
    for (const t of e.currentTags) this.addTag(t, true);
    this.databaseVersion = e.version;
  }

  /** device_has_info(): anything worth a database entry. */
  hasInfo(): boolean {
    return (
      (this.#devlinks?.size ?? 0) > 0 ||
      this.devlinkPriority !== 0 ||
      (this.#propertiesDb?.size ?? 0) > 0 ||
      (this.#allTags?.size ?? 0) > 0 ||
      (this.#currentTags?.size ?? 0) > 0
    );
  }

  /**
   * device_update_db(): write the database entry ('db'; 'empty' for a device with a node or
   * ifindex but nothing stored), or delete it for an empty device ('deleted').
   */
  updateDb(): 'db' | 'empty' | 'deleted' | undefined {
    const id = this.deviceId;
    if (id === undefined || !this.db) return undefined;
    const devnum = this.devnum;
    const hasInfo = this.hasInfo();
    if (!hasInfo && (devnum === undefined || devnum.major === 0) && (this.ifindex ?? 0) === 0) {
      this.db.delete(id);
      return 'deleted';
    }
    const hasNode = devnum !== undefined && devnum.major > 0;
    this.db.set(id, {
      devlinks: hasInfo && hasNode ? [...this.devlinks].map((l) => (l.startsWith('/dev/') ? l.slice(5) : l)) : [],
      priority: hasInfo && hasNode ? this.devlinkPriority : 0,
      usec: hasInfo && this.usecInitialized > 0 ? this.usecInitialized : undefined,
      properties: hasInfo ? [...this.propertiesDb] : [],
      tags: hasInfo ? [...this.allTags] : [],
      currentTags: hasInfo ? [...this.currentTags] : [],
      version: 1,
      persist: this.dbPersist,
    });
    return hasInfo ? 'db' : 'empty';
  }

  /** device_delete_db(). */
  deleteDb(): void {
    const id = this.deviceId;
    if (id !== undefined && this.db) this.db.delete(id);
  }

  /**
   * device_clone_with_db(): a second object for the same device holding its previous database
   * entry (read before the rules run; the uevent file is read too).
   */
  cloneWithDb(): UdevDevice {
    const c = new UdevDevice(this.fs, this.db, this.#syspath);
    c.#setSubsystem(this.subsystem);
    if (this.#driverSubsystem !== undefined) c.#driverSubsystem = this.#driverSubsystem;
    // The device id comes from the event device's numbers; the clone's uevent file is read
    // when one of its properties is first asked for (252 reads it while computing the id).
    c.ifindex = this.ifindex;
    c.devnum = this.devnum;
    c.#deviceId = this.deviceId;
    c.readDb(false);
    c.#cloneUeventPending = true;
    c.sealed = true;
    return c;
  }

  /** Set on a database clone whose uevent file has not been read yet. */
  #cloneUeventPending = false;

  /**
   * device_rename(): the netdev's new name; DEVPATH changes, INTERFACE_OLD keeps the old
   * INTERFACE. Returns false for a name that is not a valid file name.
   */
  rename(name: string): boolean {
    if (name.length === 0 || name.length > 255 || name === '.' || name === '..' || name.includes('/')) return false;
    const newSyspath = dirName(this.#syspath) + '/' + name;
    if (!isNormalizedPath(newSyspath)) return false;
    this.#syspath = internPath(newSyspath);
    this.#devpath = namesOf(this.#syspath).devpath;
    this.addPropertyInternal('DEVPATH', this.#devpath);
    this.#sysname = undefined;
    this.#sysnum = undefined;
    const iface = this.properties.get('INTERFACE');
    if (iface === undefined) return true;
    this.addPropertyInternal('INTERFACE_OLD', iface);
    this.addPropertyInternal('INTERFACE', name);
    return true;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [
      this.#syspath,
      this.#devpath,
      this.#sysname,
      this.#sysnum,
      this.#subsystemSet,
      this.#subsystem,
      this.#driverSubsystem,
      this.#driverSet,
      this.#driver,
      this.#parentSet,
      this.#parent,
      this.#deviceId,
      this.#propertiesDb,
      this.#allTags,
      this.#currentTags,
      this.#devlinks,
      this.#ueventLoaded,
      this.#dbLoaded,
      this.#propertyTagsOutdated,
      this.#propertyDevlinksOutdated,
      this.#sysattrCache,
      this.#cloneUeventPending,
    ];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#syspath = v[0] as never;
    this.#devpath = v[1] as never;
    this.#sysname = v[2] as never;
    this.#sysnum = v[3] as never;
    this.#subsystemSet = v[4] as never;
    this.#subsystem = v[5] as never;
    this.#driverSubsystem = v[6] as never;
    this.#driverSet = v[7] as never;
    this.#driver = v[8] as never;
    this.#parentSet = v[9] as never;
    this.#parent = v[10] as never;
    this.#deviceId = v[11] as never;
    this.#propertiesDb = v[12] as never;
    this.#allTags = v[13] as never;
    this.#currentTags = v[14] as never;
    this.#devlinks = v[15] as never;
    this.#ueventLoaded = v[16] as never;
    this.#dbLoaded = v[17] as never;
    this.#propertyTagsOutdated = v[18] as never;
    this.#propertyDevlinksOutdated = v[19] as never;
    this.#sysattrCache = v[20] as never;
    this.#cloneUeventPending = v[21] as never;
  }
}
