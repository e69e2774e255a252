/**
 * The sysfs view (fs/sysfs over kernfs): every directory, attribute file and symlink below
 * /sys is computed on lookup from the object model (devices, drivers, buses, classes, modules),
 * never stored, so it cannot drift. Attribute files carry their mode; the syscall layer applies
 * kernfs's open rules (EACCES even for root on a file without the needed bits or callback).
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { isPlainAbsolute, kerr } from '../base/index.js';
import { type AnyAttribute, type AttributeGroup, attrRO, isBinAttribute } from './attribute.js';
import type { BusType } from './bus-type.js';
import { BusRegistry, IBusRegistry } from './bus.js';
import { DeviceCore, IDeviceCore } from './core.js';
import type { Device } from './device.js';
import { DeviceLink } from './devlink.js';
import { type DevicePower, IDevicePower } from './power.js';
import type { DeviceDriver } from './driver.js';
import { IKobjectUevent, type IKobjectUevent as KobjectUevent } from './uevent.js';

export type SysfsNode = SysfsDir | SysfsFile | SysfsLink;

export interface SysfsDir {
  readonly kind: 'dir';
  readonly path: string;
  readonly mode: number;
  entries(): string[];
  child(name: string): SysfsNode | undefined;
}

export interface SysfsFile {
  readonly kind: 'file';
  readonly path: string;
  readonly mode: number;
  // The attribute and the object it belongs to; the syscall layer calls show/store/read/write.
  readonly attr: AnyAttribute<unknown>;
  readonly obj: unknown;
  /**
   * kernfs_get_active on the node itself: true while this attribute is still in sysfs, asked
   * without a path walk (an open file holds its node, `of->kn`, not its path). Absent on nodes
   * that only a path walk can re-check; the syscall layer then looks the path up again.
   */
  active?(): boolean;
}

export interface SysfsLink {
  readonly kind: 'link';
  readonly path: string;
  /** Absolute /sys path the link points at. */
  readonly target: string;
}

/** A directory some other service contributes (/sys/module, /sys/kernel). */
export type SysfsDirProvider = (path: string) => SysfsDir;

export const ISysfs: ServiceIdentifier<Sysfs> = Symbol.for('ISysfs');

/** A directory entry: the node itself (files, links), or a function making it (directories, built on demand). */
type Entry = SysfsNode | (() => SysfsNode);

function resolve(e: Entry | undefined): SysfsNode | undefined {
  return typeof e === 'function' ? e() : e;
}

/** An attribute file; its path is only joined when asked for. */
class FileNode implements SysfsFile {
  readonly kind = 'file';
  constructor(
    readonly dirPath: string,
    readonly attr: AnyAttribute<unknown>,
    readonly mode: number,
    readonly obj: unknown,
  ) {}
  get path(): string {
    return join(this.dirPath, this.attr.name);
  }
}

class LinkNode implements SysfsLink {
  readonly kind = 'link';
  constructor(
    readonly dirPath: string,
    readonly name: string,
    readonly target: string,
  ) {}
  get path(): string {
    return join(this.dirPath, this.name);
  }
}

/**
 * Which creation made a device attribute file, each undone as one removal: device_add_attrs and
 * the device's own groups (`attrs`, until device_del), bus_add_device's bus groups (`bus`, until
 * bus_remove_device), the bound driver's dev_groups (`driver`, created by really_probe after a
 * successful probe, removed by __device_release_driver).
 */
type DeviceFileSection = 'attrs' | 'bus' | 'driver';

/**
 * A device's attribute file as an open file holds it (`of->kn`). kernfs (fs/kernfs/dir.c):
 * kernfs_get_active() answers from the node alone — it fails once __kernfs_remove() has biased
 * the node's active count (KN_DEACTIVATED_BIAS) with every node below the removed one and
 * drained it — and a file created again under the same name is a new node (kernfs_new_node), so
 * the old open file never comes back. Here the marks are the device's own: its directory
 * (`p.state`, and every ancestor's: removing a directory removes everything below it), and the
 * flag of the creation that made the file; the driver's groups, which come and go with each
 * bind, also carry the creation count they were opened under. No path, devpath or directory is
 * computed. Two answers stay computed, as the model computes its directories: the file's group
 * turning invisible, and a child device or class directory of the same name shadowing it. Like
 * a kernfs node it follows its device through a rename (device_rename moves the node).
 */
class DeviceFileNode extends FileNode {
  readonly #section: DeviceFileSection;
  /** `dev.p.driverGroupsCreated` when the file was found (the `driver` section's creation). */
  readonly #created: number;

  constructor(
    file: FileNode,
    readonly dev: Device,
    /** The group the attribute was made from; undefined for the core files (`uevent`, `dev`). */
    readonly group: AttributeGroup<unknown> | undefined,
    /** The group list the directory took `group` from (a driver's or bus's dev_groups, or another). */
    groupList: object | undefined,
    private readonly core: DeviceCore,
  ) {
    super(file.dirPath, file.attr, file.mode, file.obj);
    const p = dev.p;
    if (groupList !== undefined && groupList === dev.driver?.devGroups) this.#section = 'driver';
    else if (groupList !== undefined && groupList === dev.bus?.devGroups) this.#section = 'bus';
    else this.#section = 'attrs';
    this.#created = p.driverGroupsCreated;
  }

  active(): boolean {
    const dev = this.dev;
    const p = dev.p;
    switch (this.#section) {
      case 'attrs':
        if (!p.attrsAdded) return false;
        break;
      case 'bus':
        if (!p.busAdded) return false;
        break;
      case 'driver':
        if (!p.driverGroupsAdded || p.driverGroupsCreated !== this.#created) return false;
        break;
    }
    for (let d: Device | undefined = dev; d; d = d.parent) if (d.p.state !== 'added') return false;
    const group = this.group;
    if (group?.isVisible && !group.isVisible(this.obj, this.attr)) return false;
    const c = this.core.kobjectChildren(dev);
    return !c || !(c.glue.has(this.attr.name) || c.directByName.has(this.attr.name));
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#section, this.#created];
  }
  restoreFields(): void {
    // Every field is readonly.
  }
}

/**
 * A directory whose entries `make` computes on each call. `lookup`, when given, answers a single
 * name without building the whole map, and must answer as the map would (what
 * `sysfsListedChild` gives: test/bus/sysfs-lookup.test.ts checks every directory).
 */
class DirNode implements SysfsDir {
  readonly kind = 'dir';
  constructor(
    readonly path: string,
    readonly mode: number,
    private readonly make: () => Map<string, Entry>,
    private readonly lookup: ((name: string) => SysfsNode | undefined) | undefined,
  ) {}

  entries(): string[] {
    return [...this.make().keys()].sort();
  }

  child(name: string): SysfsNode | undefined {
    return this.lookup ? this.lookup(name) : resolve(this.make().get(name));
  }

  /** The entry `name` as the directory's map holds it. */
  listedChild(name: string): SysfsNode | undefined {
    return resolve(this.make().get(name));
  }
}

function dir(path: string, make: () => Map<string, Entry>, mode = 0o755, lookup?: (name: string) => SysfsNode | undefined): SysfsDir {
  return new DirNode(path, mode, make, lookup);
}

/** A bus's `devices/` or a class's directory: a link per device, in registration order, to its /sys path. */
function deviceLinksDir(path: string, devices: Iterable<Device>, byName: ReadonlyMap<string, Device>): SysfsDir {
  return dir(
    path,
    () => {
      const b = new SysfsDirBuilder(path);
      for (const dev of devices) b.link(dev.name, `/sys${dev.devpath}`);
      return b.map;
    },
    0o755,
    (name) => {
      const dev = byName.get(name);
      return dev ? new LinkNode(path, name, `/sys${dev.devpath}`) : undefined;
    },
  );
}

/**
 * The driver a bus's `drivers/` directory shows under `name`: the last registered of that name,
 * as its map keeps it (driver_register refuses duplicates, so there is at most one).
 */
function lastDriverNamed(bus: BusType, name: string): DeviceDriver | undefined {
  const drivers = bus.p.drivers;
  for (let i = drivers.length - 1; i >= 0; i--) if (drivers[i]!.name === name) return drivers[i];
  return undefined;
}

/**
 * For tests: the entry `name` of a directory as its full listing holds it, bypassing a
 * single-name lookup; undefined for a directory not built here.
 */
export function sysfsListedChild(d: SysfsDir, name: string): SysfsNode | undefined {
  return d instanceof DirNode ? d.listedChild(name) : d.child(name);
}

function join(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/**
 * Where a directory's entries go, in the directory's order (a later entry of the same name
 * replaces an earlier one, as `Map.set` does): a `SysfsDirBuilder` keeps them all, a
 * `SysfsEntryFinder` only the one name a path step asks for.
 */
interface EntrySink {
  /** False when an entry of this name would be dropped (skip computing its target). */
  wants(name: string): boolean;
  file<O>(attr: AnyAttribute<O>, obj: O, mode?: number): this;
  link(name: string, target: string): this;
  dir(name: string, make: (path: string) => SysfsDir): this;
  groups<O>(groups: readonly AttributeGroup<O>[], obj: O): this;
}

/** Builds directory maps for the generic shapes below. */
export class SysfsDirBuilder implements EntrySink {
  readonly map = new Map<string, Entry>();
  constructor(readonly path: string) {}

  file<O>(attr: AnyAttribute<O>, obj: O, mode = attr.mode): this {
    this.map.set(attr.name, new FileNode(this.path, attr as AnyAttribute<unknown>, mode, obj));
    return this;
  }

  link(name: string, target: string): this {
    this.map.set(name, new LinkNode(this.path, name, target));
    return this;
  }

  dir(name: string, make: (path: string) => SysfsDir): this {
    const path = join(this.path, name);
    this.map.set(name, () => make(path));
    return this;
  }

  /** Attribute groups: unnamed ones into this directory, named ones into a subdirectory. */
  groups<O>(groups: readonly AttributeGroup<O>[], obj: O): this {
    for (const group of groups) {
      const visible = (b: SysfsDirBuilder) => {
        for (const attr of group.attrs) {
          const mode = group.isVisible ? group.isVisible(obj, attr) : attr.mode;
          if (mode) b.file(attr, obj, mode);
        }
      };
      if (group.name?.includes('/')) {
        // A nested group (`ports/1`, `ports/1/gids`): the first component holds the rest.
        const slash = group.name.indexOf('/');
        const head = group.name.slice(0, slash);
        const inner: AttributeGroup<O> = { ...group, name: group.name.slice(slash + 1) };
        const existing = this.map.get(head);
        this.dir(head, (p) =>
          dir(p, () => {
            const sub = new SysfsDirBuilder(p);
            if (existing) {
              const prior = resolve(existing)!;
              if (prior.kind === 'dir') for (const n of prior.entries()) sub.map.set(n, () => prior.child(n)!);
            }
            sub.groups([inner], obj);
            return sub.map;
          }),
        );
      } else if (group.name) {
        const existing = this.map.get(group.name);
        this.dir(group.name, (p) =>
          dir(p, () => {
            const sub = new SysfsDirBuilder(p);
            if (existing) {
              const prior = resolve(existing)!;
              if (prior.kind === 'dir') for (const n of prior.entries()) sub.map.set(n, () => prior.child(n)!);
            }
            visible(sub);
            return sub.map;
          }),
        );
      } else {
        visible(this);
      }
    }
    return this;
  }

  build(): SysfsDir {
    const map = this.map;
    return dir(this.path, () => map);
  }

  wants(): boolean {
    return true;
  }
}

/** #walk's node before its first step from a device found by the plain-path shortcut (never read). */
const deviceDirPlaceholder: SysfsDir = { kind: 'dir', path: '', mode: 0o755, entries: () => [], child: () => undefined };

/** An attribute list's attributes by name, in list order; rebuilt if the list grew. */
const attrIndexes = new WeakMap<readonly AnyAttribute<never>[], { readonly length: number; readonly byName: Map<string, AnyAttribute<never>[]> }>();

/** The attributes of `attrs` called `name`, in list order (a path step asks one group for one name). */
function attrsNamed<O>(attrs: readonly AnyAttribute<O>[], name: string): readonly AnyAttribute<O>[] | undefined {
  const key = attrs as readonly AnyAttribute<never>[];
  let index = attrIndexes.get(key);
  if (index === undefined || index.length !== attrs.length) {
    const byName = new Map<string, AnyAttribute<never>[]>();
    for (const a of key) {
      const list = byName.get(a.name);
      if (list) list.push(a);
      else byName.set(a.name, [a]);
    }
    index = { length: attrs.length, byName };
    attrIndexes.set(key, index);
  }
  return index.byName.get(name) as readonly AnyAttribute<O>[] | undefined;
}

/**
 * The entry one name resolves to in a directory, found by offering it the directory's entries
 * in the builder's order without building the map: a path step costs what the directory's own
 * entry list costs, with no node made for the other names.
 */
export class SysfsEntryFinder implements EntrySink {
  /** The last entry offered under `name` (the one the map would hold). */
  found: Entry | undefined;
  /** The group `found` came from, when it is a file made from an unnamed group, and the list holding it. */
  foundGroup: AttributeGroup<unknown> | undefined;
  foundIn: object | undefined;
  constructor(
    readonly path: string,
    readonly name: string,
  ) {}

  wants(name: string): boolean {
    return name === this.name;
  }

  file<O>(attr: AnyAttribute<O>, obj: O, mode = attr.mode): this {
    if (attr.name === this.name) {
      this.found = new FileNode(this.path, attr as AnyAttribute<unknown>, mode, obj);
      this.foundGroup = undefined;
      this.foundIn = undefined;
    }
    return this;
  }

  link(name: string, target: string): this {
    if (name === this.name) this.found = new LinkNode(this.path, name, target);
    return this;
  }

  dir(name: string, make: (path: string) => SysfsDir): this {
    if (name === this.name) {
      const path = join(this.path, name);
      this.found = () => make(path);
    }
    return this;
  }

  groups<O>(groups: readonly AttributeGroup<O>[], obj: O): this {
    const name = this.name;
    for (const group of groups) {
      if (group.name === undefined || group.name === '') {
        const named = attrsNamed(group.attrs, name);
        if (named === undefined) continue;
        for (const attr of named) {
          const mode = group.isVisible ? group.isVisible(obj, attr) : attr.mode;
          if (mode) {
            this.file(attr, obj, mode);
            this.foundGroup = group as AttributeGroup<unknown>;
            this.foundIn = groups;
          }
        }
        continue;
      }
      // A named (or nested) group makes one directory: build it as the builder does, on top of
      // what the name held so far.
      const slash = group.name.indexOf('/');
      if ((slash < 0 ? group.name : group.name.slice(0, slash)) !== name) continue;
      const b = new SysfsDirBuilder(this.path);
      if (this.found !== undefined) b.map.set(name, this.found);
      b.groups([group], obj);
      this.found = b.map.get(name);
    }
    return this;
  }
}

@injectable()
export class Sysfs {
  readonly #providers = new Map<string, SysfsDirProvider>();
  readonly #kernelDirs = new Map<string, SysfsDirProvider>();
  readonly #seqnumAttr = attrRO('uevent_seqnum', () => `${this.uevent.seqnum}\n`);

  constructor(
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(IKobjectUevent) private readonly uevent: KobjectUevent,
    @inject(IDevicePower) private readonly power: DevicePower,
  ) {}

  /** Path walks so far (lookup, tryLookup, readlink): for tests that count work, never time. */
  walks = 0;

  /** Another service contributes a top-level directory (`module`, `kernel`). */
  registerRoot(name: string, provider: SysfsDirProvider): void {
    this.#providers.set(name, provider);
  }

  /** A directory below /sys/kernel (`iommu_groups`). */
  registerKernelDir(name: string, provider: SysfsDirProvider): void {
    this.#kernelDirs.set(name, provider);
  }

  root(): SysfsDir {
    return dir(
      '/sys',
      () => {
        const b = new SysfsDirBuilder('/sys');
        b.dir('devices', (p) => this.#devicesDir(p));
        b.dir('bus', (p) => this.#busRootDir(p));
        b.dir('class', (p) => this.#classRootDir(p));
        b.dir('dev', (p) => this.#devDir(p));
        b.dir('kernel', (p) => this.#kernelDir(p));
        for (const [name, provider] of this.#providers) if (name !== 'kernel') b.dir(name, provider);
        return b.map;
      },
      0o755,
      (name) => this.#rootEntry(name),
    );
  }

  /** One name in /sys as the map above shadows it: a provider's directory over the built-in ones. */
  #rootEntry(name: string): SysfsNode | undefined {
    const path = join('/sys', name);
    const provider = name === 'kernel' ? undefined : this.#providers.get(name);
    if (provider) return provider(path);
    switch (name) {
      case 'devices':
        return this.#devicesDir(path);
      case 'bus':
        return this.#busRootDir(path);
      case 'class':
        return this.#classRootDir(path);
      case 'dev':
        return this.#devDir(path);
      case 'kernel':
        return this.#kernelDir(path);
      default:
        return undefined;
    }
  }

  /**
   * Resolve an absolute path below /sys, following symlinks in intermediate components (and in
   * the last one unless `noFollow`). Throws ENOENT / ENOTDIR / ELOOP as a path walk would.
   */
  lookup(path: string, noFollow = false): SysfsNode {
    const r = this.#walk(path, noFollow);
    if (typeof r !== 'string') return r;
    switch (r) {
      case 'ENOTDIR':
        throw kerr('ENOTDIR', `${path}: not a directory`);
      case 'ELOOP':
        throw kerr('ELOOP', path);
      default:
        throw kerr('ENOENT', splitPath(path)[0] !== 'sys' ? `${path}: not below /sys` : `${path}: no such file or directory`);
    }
  }

  /** lookup() without the exception: the node, or the errno the walk stopped with. */
  #walk(path: string, noFollow: boolean): SysfsNode | 'ENOENT' | 'ENOTDIR' | 'ELOOP' {
    this.walks++;
    let linksFollowed = 0;
    let node: SysfsNode;
    let queue: string[];
    const start = this.#plainDeviceShortcut(path);
    // The shortcut tried the path through the first remaining name as a devpath and missed:
    // that name is no child device, and its lookup (in the device's directory, not built for it)
    // need not ask again.
    let notDevice = start && start.rest.length > 0 ? start : undefined;
    if (start) {
      node = notDevice ? deviceDirPlaceholder : this.deviceDir(start.dev);
      queue = start.rest;
    } else {
      const entry = this.#driverEntryShortcut(path);
      // A link the walk would follow is left to it (queue-driven, with its ELOOP count).
      if (entry !== undefined && (entry === 'ENOENT' || entry.kind !== 'link' || noFollow)) return entry;
      if (path.startsWith('/sys/') && isPlainAbsolute(path)) queue = path.slice(5).split('/');
      else {
        const parts = splitPath(path);
        if (parts[0] !== 'sys') return 'ENOENT';
        queue = parts.slice(1);
      }
      const device = this.#busDeviceShortcut(queue);
      // The shortcut followed the device's link in `devices/`: one link on the way (ELOOP counts it).
      if (device) linksFollowed = 1;
      node = device ?? this.#deviceShortcut(queue) ?? this.#driverShortcut(queue) ?? this.root();
    }
    let depth = linksFollowed;
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (node.kind !== 'dir') return 'ENOTDIR';
      if (name === '.') continue;
      if (name === '..') {
        const up: string = node.path.split('/').slice(0, -1).join('/') || '/sys';
        if (up === '/sys' || !up.startsWith('/sys')) node = this.root();
        else {
          const r = this.#walk(up, false);
          if (typeof r === 'string') return r;
          node = r;
        }
        continue;
      }
      const next: SysfsNode | undefined = notDevice
        ? this.#deviceEntry(notDevice.dev, notDevice.devpath, notDevice.dirPath, name, false)
        : node.child(name);
      notDevice = undefined;
      if (!next) return 'ENOENT';
      if (next.kind === 'link' && (queue.length > 0 || !noFollow)) {
        if (++depth > 40) return 'ELOOP';
        queue.unshift(...splitPath(next.target).slice(1));
        node = this.#deviceShortcut(queue) ?? this.#driverShortcut(queue) ?? this.root();
        continue;
      }
      node = next;
    }
    return node;
  }

  /**
   * A walk from /sys down `devices/…` reaches the directory of the device whose devpath is the
   * longest such prefix of `queue` (every directory on the way is a device or a glue directory,
   * none a symlink): start there instead, taking that prefix off `queue`. Undefined when no
   * prefix names a device in sysfs (or one of its ancestors is gone), and the walk starts at /sys.
   */
  #deviceShortcut(queue: string[]): SysfsDir | undefined {
    if (queue[0] !== 'devices') return undefined;
    let end = 1;
    while (end < queue.length && queue[end] !== '.' && queue[end] !== '..') end++;
    for (let k = end; k >= 2; k--) {
      const dev = this.core.findByPath(`/${queue.slice(0, k).join('/')}`);
      if (!dev) continue;
      for (let a = dev.parent; a; a = a.parent) if (a.p.state !== 'added') return undefined;
      queue.splice(0, k);
      return this.deviceDir(dev);
    }
    return undefined;
  }

  /**
   * A walk from /sys down `bus/<bus>/drivers/<driver>` (the `bind`/`unbind` files, a `driver`
   * link's target) reaches that driver's directory through directories that are never links:
   * start there, taking the four names off `queue`. Undefined — the walk starts at /sys and
   * answers as it always did — when a provider shadows /sys/bus, a name is `.` or `..`, or the
   * bus or the driver is not registered.
   */
  #driverShortcut(queue: string[]): SysfsDir | undefined {
    if (queue.length < 4 || queue[0] !== 'bus' || queue[2] !== 'drivers' || this.#providers.has('bus')) return undefined;
    const busName = queue[1]!;
    const drvName = queue[3]!;
    if (busName === '.' || busName === '..' || drvName === '.' || drvName === '..') return undefined;
    const bus = this.buses.bus(busName);
    if (!bus) return undefined;
    const drv = lastDriverNamed(bus, drvName);
    if (!drv) return undefined;
    queue.splice(0, 4);
    return this.driverDir(drv, `/sys/bus/${busName}/drivers/${drvName}`);
  }

  /**
   * The walk of a plain `/sys/bus/<bus>/drivers/<driver>/<name>` (a driver's `bind`, `unbind`,
   * `new_id`…) read off the string: #driverShortcut's directory asked for `name` without the
   * component array, the directory node or its closures. Undefined when the path is not of that
   * form or #driverShortcut would not apply (the walk then answers); 'ENOENT' for a name the
   * driver's directory does not hold, as the walk's step would find.
   */
  #driverEntryShortcut(path: string): SysfsNode | 'ENOENT' | undefined {
    if (!path.startsWith('/sys/bus/') || !isPlainAbsolute(path) || this.#providers.has('bus')) return undefined;
    const busEnd = path.indexOf('/', 9);
    if (busEnd < 0 || !path.startsWith('/drivers/', busEnd)) return undefined;
    const drvStart = busEnd + 9;
    const drvEnd = path.indexOf('/', drvStart);
    if (drvEnd < 0 || path.indexOf('/', drvEnd + 1) >= 0) return undefined;
    const bus = this.buses.bus(path.slice(9, busEnd));
    if (!bus) return undefined;
    const drv = lastDriverNamed(bus, path.slice(drvStart, drvEnd));
    if (!drv) return undefined;
    return this.#driverEntry(drv, path.slice(0, drvEnd), path.slice(drvEnd + 1)) ?? 'ENOENT';
  }

  /**
   * A walk from /sys down `bus/<bus>/devices/<name>/<entry>` — a tool opening a function's
   * `config` file — follows the device's link in `devices/` (`/sys<devpath>`, deviceLinksDir) and
   * then starts where #deviceShortcut would on the target plus `<entry>`: the direct child device
   * `<entry>` when there is one (a direct kobject child's devpath is `${devpath}/${name}`), else
   * the device's directory with `<entry>` left to look up. Returns that directory, taking the
   * names it consumed off `queue`. Undefined — the general walk then answers — for any other
   * shape (`.`/`..`, more names below `<entry>`), when a provider shadows /sys/bus, the bus or
   * the device is not registered, or an ancestor is gone.
   */
  #busDeviceShortcut(queue: string[]): SysfsDir | undefined {
    if (queue.length !== 5 || queue[0] !== 'bus' || queue[2] !== 'devices' || this.#providers.has('bus')) return undefined;
    const entry = queue[4]!;
    if (entry === '.' || entry === '..') return undefined;
    const dev = this.buses.bus(queue[1]!)?.p.byName.get(queue[3]!);
    if (!dev || this.core.findByPath(dev.devpath) !== dev) return undefined;
    const child = this.core.kobjectChildren(dev)?.directByName.get(entry);
    const found = child ?? dev;
    for (let a = found.parent; a; a = a.parent) if (a.p.state !== 'added') return undefined;
    queue.splice(0, child ? 5 : 4);
    return this.deviceDir(found);
  }

  /**
   * #deviceShortcut for the common path — `/sys/devices/…` without `.`, `..`, empty components
   * or a trailing slash — read off the string: the longest prefix naming a device, tried from
   * the whole path back one component at a time, with no array of components and no joined
   * string per try. Undefined when the path is not of that form or no prefix names a device
   * whose ancestors are all in sysfs (the general walk then answers).
   */
  #plainDeviceShortcut(
    path: string,
  ): { readonly dev: Device; readonly devpath: string; readonly dirPath: string; readonly rest: string[] } | undefined {
    if (!path.startsWith('/sys/devices/') || !isPlainAbsolute(path)) return undefined;
    // '/sys' is 4 characters; devpaths start at '/devices'. The shortest prefix tried is
    // `/devices/<name>` (as #deviceShortcut's k ≥ 2).
    const min = 4 + '/devices'.length;
    // Most walks name an attribute of a device: try the parent first and ask its directory for
    // the last name (a small map) instead of missing on the whole path in the devpath map.
    const last = path.lastIndexOf('/');
    if (last > min) {
      const dev = this.core.findByPath(path.slice(4, last));
      if (dev) {
        const name = path.slice(last + 1);
        const child = this.core.kobjectChildren(dev)?.directByName.get(name);
        const found = child === undefined ? dev : child.name === name ? child : undefined;
        if (found) {
          for (let a = found.parent; a; a = a.parent) if (a.p.state !== 'added') return undefined;
          const end = found === dev ? last : path.length;
          const rest = found === dev ? [name] : [];
          return { dev: found, devpath: path.slice(4, end), dirPath: path.slice(0, end), rest };
        }
      }
    }
    for (let end = path.length; end > min; end = path.lastIndexOf('/', end - 1)) {
      const dev = this.core.findByPath(path.slice(4, end));
      if (!dev) continue;
      for (let a = dev.parent; a; a = a.parent) if (a.p.state !== 'added') return undefined;
      const rest = end === path.length ? [] : path.slice(end + 1).split('/');
      return { dev, devpath: path.slice(4, end), dirPath: path.slice(0, end), rest };
    }
    return undefined;
  }

  /** The node at `path`, or undefined. */
  tryLookup(path: string, noFollow = false): SysfsNode | undefined {
    const r = this.#walk(path, noFollow);
    return typeof r === 'string' ? undefined : r;
  }

  /** readlink(2): the target relative to the link's directory, as sysfs shows it. */
  readlink(path: string): string {
    const node = this.lookup(path, true);
    if (node.kind !== 'link') throw kerr('EINVAL', `${path}: not a symlink`);
    return relativeTarget(node.path, node.target);
  }

  /** readlink() without the exception: undefined for a path that is not a symlink. */
  tryReadlink(path: string): string | undefined {
    const node = this.tryLookup(path, true);
    return node?.kind === 'link' ? relativeTarget(node.path, node.target) : undefined;
  }

  // --- /sys/devices -----------------------------------------------------------------------

  #devicesDir(path: string): SysfsDir {
    const top = () => this.core.kobjectChildren(undefined);
    const virtualDir = (vp: string) =>
      dir(
        vp,
        () => {
          const vb = new SysfsDirBuilder(vp);
          for (const cls of top()?.glue.keys() ?? []) vb.dir(cls, (cp) => this.#glueDir(undefined, cls, cp));
          return vb.map;
        },
        0o755,
        (name) => (top()?.glue.has(name) ? this.#glueDir(undefined, name, join(vp, name)) : undefined),
      );
    return dir(
      path,
      () => {
        const b = new SysfsDirBuilder(path);
        const c = top();
        for (const dev of c?.direct ?? []) b.dir(dev.name, () => this.deviceDir(dev));
        if (c && c.glue.size > 0) b.dir('virtual', virtualDir);
        return b.map;
      },
      0o755,
      (name) => {
        const c = top();
        if (!c) return undefined;
        // A device directory before the `virtual` glue, as the map above orders them.
        if (name === 'virtual' && c.glue.size > 0) return virtualDir(join(path, name));
        const dev = this.core.findByPath(`/devices/${name}`);
        return dev && c.direct.has(dev) ? this.deviceDir(dev) : undefined;
      },
    );
  }

  /** A class glue directory below `parent` (`net/`, or `virtual/<class>/` at the top). */
  #glueDir(parent: Device | undefined, className: string, path: string): SysfsDir {
    const members = () => this.core.kobjectChildren(parent)?.glue.get(className);
    return dir(
      path,
      () => {
        const gb = new SysfsDirBuilder(path);
        for (const child of members() ?? []) gb.dir(child.name, () => this.deviceDir(child));
        return gb.map;
      },
      0o755,
      (name) => {
        const base = parent ? parent.devpath : '/devices/virtual';
        const child = this.core.findByPath(`${base}/${className}/${name}`);
        return child && members()?.has(child) ? this.deviceDir(child) : undefined;
      },
    );
  }

  /** A device's attributes and links (everything in its directory but child devices and glue). */
  #deviceOwnEntries(dev: Device, b: EntrySink): void {
    this.#deviceAddEntries(dev, b);
    this.#deviceBusEntries(dev, b);
  }

  /** What device_add puts in the directory: the attributes, power/, the class links. */
  #deviceAddEntries(dev: Device, b: EntrySink): void {
    if (dev.p.attrsAdded) {
      // The `uevent` file (and the bus's driver_override) go with the attributes: device_del
      // removes them before bus_remove_device unbinds the driver (reference §1.3 step 5).
      for (const attr of this.buses.deviceCoreAttributes(dev)) b.file(attr, dev);
      if (dev.devt) b.file(devAttribute, dev);
      if (dev.class) b.groups(dev.class.devGroups, dev);
      if (dev.type?.groups) b.groups(dev.type.groups, dev);
      b.groups(dev.groups, dev);
      // dpm_sysfs_add (device_add, after the attributes): power/ unless PM is not required.
      // Every group it adds is the `power` directory, so no other name needs them.
      if (b.wants('power')) b.groups(this.power.groups(dev), dev);
      if (dev.class) {
        if (b.wants('subsystem')) b.link('subsystem', `/sys/class/${dev.class.name}`);
        if (dev.parent && b.wants('device')) b.link('device', `/sys${dev.parent.devpath}`);
      }
    }
  }

  /**
   * The links other subsystems made, then what bus_add_device, driver binding and device links
   * put in the directory: offered after every entry of #deviceAddEntries (so an entry here
   * shadows one of the same name there).
   */
  #deviceBusEntries(dev: Device, b: EntrySink): void {
    // sysfs_create_link of other subsystems (physfn, virtfnN, iommu_group).
    if (dev.p.state === 'added' && dev.p.sysfsLinks.size > 0) {
      for (const [name, target] of dev.p.sysfsLinks) if (b.wants(name)) b.link(name, target());
    }
    if (dev.bus && dev.p.busAdded) {
      b.groups(dev.bus.devGroups, dev);
      if (b.wants('subsystem')) b.link('subsystem', `/sys/bus/${dev.bus.name}`);
    }
    if (dev.driver && dev.p.driverLinked && b.wants('driver')) {
      b.link('driver', `/sys/bus/${dev.driver.bus.name}/drivers/${dev.driver.name}`);
    }
    if (dev.driver && dev.p.driverGroupsAdded) b.groups(dev.driver.devGroups, dev);
    if (dev.driverData instanceof DeviceLink && dev.class?.name === 'devlink') {
      // A device link's own directory: `supplier` and `consumer` point at the two devices.
      b.link('supplier', `/sys${dev.driverData.supplier.devpath}`);
      b.link('consumer', `/sys${dev.driverData.consumer.devpath}`);
    }
    for (const link of dev.p.consumers) {
      const c = link.consumer;
      const name = `consumer:${c.bus?.name ?? c.class?.name}:${c.name}`;
      if (b.wants(name)) b.link(name, `/sys${link.device.devpath}`);
    }
    for (const link of dev.p.suppliers) {
      const s = link.supplier;
      const name = `supplier:${s.bus?.name ?? s.class?.name}:${s.name}`;
      if (b.wants(name)) b.link(name, `/sys${link.device.devpath}`);
    }
  }

  /**
   * A device's own directory: attributes, links, child devices and class glue dirs. A name is
   * looked up as the directory would shadow it: glue dir, then child device, then attribute or
   * link, each by index.
   */
  deviceDir(dev: Device): SysfsDir {
    const devpath = dev.devpath;
    const path = `/sys${devpath}`;
    return dir(
      path,
      () => {
        const b = new SysfsDirBuilder(path);
        this.#deviceOwnEntries(dev, b);
        const c = this.core.kobjectChildren(dev);
        for (const child of c?.direct ?? []) b.dir(child.name, () => this.deviceDir(child));
        for (const className of c?.glue.keys() ?? []) b.dir(className, (gp) => this.#glueDir(dev, className, gp));
        return b.map;
      },
      0o755,
      (name) => this.#deviceEntry(dev, devpath, path, name, true),
    );
  }

  /**
   * One name in a device's directory, as the listing would shadow it: glue dir, then child
   * device (unless the caller knows `${devpath}/${name}` is no devpath), then attribute or link.
   * An attribute comes back as a DeviceFileNode, which an open file asks whether it is active.
   */
  #deviceEntry(dev: Device, devpath: string, path: string, name: string, maybeDevice: boolean): SysfsNode | undefined {
    const c = this.core.kobjectChildren(dev);
    if (c) {
      if (c.glue.has(name)) return this.#glueDir(dev, name, join(path, name));
      if (maybeDevice) {
        // A direct kobject child's devpath is `${devpath}/${its name}` (devicePath): asking the
        // children by name finds what findByPath(`${devpath}/${name}`) would, without the string.
        const child = c.directByName.get(name);
        if (child) return this.deviceDir(child);
      }
    }
    const f = new SysfsEntryFinder(path, name);
    this.#deviceOwnEntries(dev, f);
    const found = resolve(f.found);
    return found instanceof FileNode ? new DeviceFileNode(found, dev, f.foundGroup, f.foundIn, this.core) : found;
  }

  // --- /sys/bus ---------------------------------------------------------------------------

  #busRootDir(path: string): SysfsDir {
    return dir(
      path,
      () => {
        const b = new SysfsDirBuilder(path);
        for (const bus of this.buses.buses) b.dir(bus.name, (p) => this.#busDir(bus, p));
        return b.map;
      },
      0o755,
      // Registered buses are keyed by their (immutable) names.
      (name) => {
        const bus = this.buses.bus(name);
        return bus ? this.#busDir(bus, join(path, name)) : undefined;
      },
    );
  }

  #busDir(bus: BusType, path: string): SysfsDir {
    const own = <B extends EntrySink>(b: B): B => {
      for (const attr of this.buses.busAttributes()) b.file(attr, bus);
      b.groups(bus.busGroups, bus);
      return b;
    };
    return dir(
      path,
      () => {
        const b = own(new SysfsDirBuilder(path));
        b.dir('devices', (dp) => this.#busDevicesDir(bus, dp));
        b.dir('drivers', (dp) => this.#busDriversDir(bus, dp));
        return b.map;
      },
      0o755,
      // `devices` and `drivers` come last in the map above, so they shadow the attributes.
      (name) => {
        if (name === 'devices') return this.#busDevicesDir(bus, join(path, name));
        if (name === 'drivers') return this.#busDriversDir(bus, join(path, name));
        return resolve(own(new SysfsEntryFinder(path, name)).found);
      },
    );
  }

  #busDevicesDir(bus: BusType, dp: string): SysfsDir {
    return deviceLinksDir(dp, bus.p.devices, bus.p.byName);
  }

  #busDriversDir(bus: BusType, dp: string): SysfsDir {
    return dir(
      dp,
      () => {
        const db = new SysfsDirBuilder(dp);
        for (const drv of bus.p.drivers) db.dir(drv.name, (p) => this.driverDir(drv, p));
        return db.map;
      },
      0o755,
      (name) => {
        const drv = lastDriverNamed(bus, name);
        return drv ? this.driverDir(drv, join(dp, name)) : undefined;
      },
    );
  }

  driverDir(drv: DeviceDriver, path = `/sys/bus/${drv.bus.name}/drivers/${drv.name}`): SysfsDir {
    return dir(
      path,
      () => {
        const b = new SysfsDirBuilder(path);
        this.#driverOwnEntries(drv, b);
        for (const dev of drv.bus.p.devices) {
          if (dev.driver === drv && dev.p.driverLinked) b.link(dev.name, `/sys${dev.devpath}`);
        }
        return b.map;
      },
      0o755,
      (name) => this.#driverEntry(drv, path, name),
    );
  }

  /** One name in the driver directory at `path`, as its listing shadows it. */
  #driverEntry(drv: DeviceDriver, path: string, name: string): SysfsNode | undefined {
    // The device links come after the attributes in the map above, so they shadow them.
    const dev = drv.bus.p.byName.get(name);
    if (dev && dev.driver === drv && dev.p.driverLinked) return new LinkNode(path, name, `/sys${dev.devpath}`);
    const f = new SysfsEntryFinder(path, name);
    this.#driverOwnEntries(drv, f);
    return resolve(f.found);
  }

  /** A driver's attributes, groups and module link (its directory but the device links). */
  #driverOwnEntries(drv: DeviceDriver, b: EntrySink): void {
    for (const attr of this.buses.driverAttributes(drv)) b.file(attr, drv);
    b.groups(drv.bus.drvGroups, drv);
    b.groups(drv.groups, drv);
    if (drv.module && b.wants('module')) b.link('module', `/sys/module/${drv.module}`);
  }

  // --- /sys/class, /sys/dev, /sys/kernel --------------------------------------------------

  #classRootDir(path: string): SysfsDir {
    return dir(path, () => {
      const b = new SysfsDirBuilder(path);
      for (const cls of this.buses.classes) {
        b.dir(cls.name, (cp) => deviceLinksDir(cp, cls.p.devices, cls.p.byName));
      }
      return b.map;
    });
  }

  #devDir(path: string): SysfsDir {
    return dir(path, () => {
      const b = new SysfsDirBuilder(path);
      b.dir('char', (cp) =>
        dir(cp, () => {
          const cb = new SysfsDirBuilder(cp);
          for (const dev of this.core.devices) {
            if (dev.devt && dev.p.attrsAdded) cb.link(`${dev.devt.major}:${dev.devt.minor}`, `/sys${dev.devpath}`);
          }
          return cb.map;
        }),
      );
      b.dir('block', (bp) => dir(bp, () => new Map()));
      return b.map;
    });
  }

  #kernelDir(path: string): SysfsDir {
    return dir(path, () => {
      const b = new SysfsDirBuilder(path);
      b.file(this.#seqnumAttr, undefined);
      for (const [name, provider] of this.#kernelDirs) b.dir(name, provider);
      const extra = this.#providers.get('kernel');
      if (extra) {
        const d = extra(path);
        for (const name of d.entries()) b.map.set(name, () => d.child(name)!);
      }
      return b.map;
    });
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#providers, this.#kernelDirs, this.#seqnumAttr];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/** The `dev` attribute of a device with a devt: "MAJOR:MINOR\n". */
const devAttribute = attrRO('dev', (d: Device) => `${d.devt!.major}:${d.devt!.minor}\n`);

export function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p.length > 0);
}

/**
 * Relative symlink text from the directory holding `linkPath` to `target`, as
 * kernfs_get_target_path builds it: up to the nearest ancestor of the link's directory that is
 * also an ancestor of the target's *parent*, then down. So a link to an ancestor names it
 * (`/sys/class/net/eth0/device` → `../../../0000:03:00.0`, not `../..`).
 */
export function relativeTarget(linkPath: string, target: string): string {
  if (isPlainAbsolute(linkPath) && isPlainAbsolute(target)) {
    return relativeTargetPlain(linkPath, target);
  }
  const from = splitPath(linkPath).slice(0, -1);
  const to = splitPath(target);
  const toParent = to.slice(0, -1);
  let i = 0;
  while (i < from.length && i < toParent.length && from[i] === toParent[i]) i++;
  return [...Array(from.length - i).fill('..'), ...to.slice(i)].join('/') || '.';
}

export { isBinAttribute };

/** relativeTarget for absolute plain paths, read off the strings (no component arrays). */
function relativeTargetPlain(linkPath: string, target: string): string {
  const fromDir = linkPath.slice(0, linkPath.lastIndexOf('/'));
  const toParent = target.lastIndexOf('/');
  // `sep`: where the components the link's directory and the target's parent share end.
  const n = Math.min(fromDir.length, toParent);
  let sep = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = fromDir.charCodeAt(i);
    if (c !== target.charCodeAt(i)) break;
    if (c === 47) sep = i;
  }
  if (i === n && (fromDir.length === n || fromDir.charCodeAt(n) === 47) && (toParent === n || target.charCodeAt(n) === 47)) sep = n;
  let ups = 0;
  for (let j = sep; j < fromDir.length; j++) if (fromDir.charCodeAt(j) === 47) ups++;
  return '../'.repeat(ups) + target.slice(sep + 1);
}
