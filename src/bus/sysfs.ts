/**
 * The sysfs view (fs/sysfs over kernfs): every directory, attribute file and symlink below
 * /sys is computed on lookup from the object model (devices, drivers, buses, classes, modules),
 * never stored, so it cannot drift. Attribute files carry their mode; the syscall layer applies
 * kernfs's open rules (EACCES even for root on a file without the needed bits or callback).
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { kerr } from '../base/index.js';
import { type AnyAttribute, type AttributeGroup, attrRO, isBinAttribute } from './attribute.js';
import type { BusType } from './bus-type.js';
import { BusRegistry, IBusRegistry } from './bus.js';
import type { DeviceClass } from './class.js';
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

type Entry = () => SysfsNode;

function dir(path: string, make: () => Map<string, Entry>, mode = 0o755): SysfsDir {
  return {
    kind: 'dir',
    path,
    mode,
    entries: () => [...make().keys()].sort(),
    child: (name) => make().get(name)?.(),
  };
}

function join(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** Builds directory maps for the generic shapes below. */
export class SysfsDirBuilder {
  readonly map = new Map<string, Entry>();
  constructor(readonly path: string) {}

  file<O>(attr: AnyAttribute<O>, obj: O, mode = attr.mode): this {
    const path = join(this.path, attr.name);
    this.map.set(attr.name, () => ({ kind: 'file', path, mode, attr: attr as AnyAttribute<unknown>, obj }));
    return this;
  }

  link(name: string, target: string): this {
    const path = join(this.path, name);
    this.map.set(name, () => ({ kind: 'link', path, target }));
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
              const prior = existing();
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
              const prior = existing();
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

  /** Another service contributes a top-level directory (`module`, `kernel`). */
  registerRoot(name: string, provider: SysfsDirProvider): void {
    this.#providers.set(name, provider);
  }

  /** A directory below /sys/kernel (`iommu_groups`). */
  registerKernelDir(name: string, provider: SysfsDirProvider): void {
    this.#kernelDirs.set(name, provider);
  }

  root(): SysfsDir {
    return dir('/sys', () => {
      const b = new SysfsDirBuilder('/sys');
      b.dir('devices', (p) => this.#devicesDir(p));
      b.dir('bus', (p) => this.#busRootDir(p));
      b.dir('class', (p) => this.#classRootDir(p));
      b.dir('dev', (p) => this.#devDir(p));
      b.dir('kernel', (p) => this.#kernelDir(p));
      for (const [name, provider] of this.#providers) if (name !== 'kernel') b.dir(name, provider);
      return b.map;
    });
  }

  /**
   * Resolve an absolute path below /sys, following symlinks in intermediate components (and in
   * the last one unless `noFollow`). Throws ENOENT / ENOTDIR / ELOOP as a path walk would.
   */
  lookup(path: string, noFollow = false): SysfsNode {
    const parts = splitPath(path);
    if (parts[0] !== 'sys') throw kerr('ENOENT', `${path}: not below /sys`);
    let node: SysfsNode = this.root();
    let depth = 0;
    const queue = parts.slice(1);
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (node.kind !== 'dir') throw kerr('ENOTDIR', `${path}: not a directory`);
      if (name === '.') continue;
      if (name === '..') {
        const up: string = node.path.split('/').slice(0, -1).join('/') || '/sys';
        node = up === '/sys' || !up.startsWith('/sys') ? this.root() : this.lookup(up);
        continue;
      }
      const next = node.child(name);
      if (!next) throw kerr('ENOENT', `${path}: no such file or directory`);
      if (next.kind === 'link' && (queue.length > 0 || !noFollow)) {
        if (++depth > 40) throw kerr('ELOOP', path);
        queue.unshift(...splitPath(next.target).slice(1));
        node = this.root();
        continue;
      }
      node = next;
    }
    return node;
  }

  /** The node at `path`, or undefined. */
  tryLookup(path: string, noFollow = false): SysfsNode | undefined {
    try {
      return this.lookup(path, noFollow);
    } catch {
      return undefined;
    }
  }

  /** readlink(2): the target relative to the link's directory, as sysfs shows it. */
  readlink(path: string): string {
    const node = this.lookup(path, true);
    if (node.kind !== 'link') throw kerr('EINVAL', `${path}: not a symlink`);
    return relativeTarget(node.path, node.target);
  }

  // --- /sys/devices -----------------------------------------------------------------------

  #devicesDir(path: string): SysfsDir {
    return dir(path, () => {
      const b = new SysfsDirBuilder(path);
      for (const dev of this.core.devices) {
        if (!dev.parent && !dev.class) b.dir(dev.name, () => this.deviceDir(dev));
      }
      const virtualClasses = new Set<DeviceClass>();
      for (const dev of this.core.devices) if (!dev.parent && dev.class) virtualClasses.add(dev.class);
      if (virtualClasses.size > 0) {
        b.dir('virtual', (vp) =>
          dir(vp, () => {
            const vb = new SysfsDirBuilder(vp);
            for (const cls of virtualClasses) {
              vb.dir(cls.name, (cp) =>
                dir(cp, () => {
                  const cb = new SysfsDirBuilder(cp);
                  for (const dev of this.core.devices) {
                    if (!dev.parent && dev.class === cls) cb.dir(dev.name, () => this.deviceDir(dev));
                  }
                  return cb.map;
                }),
              );
            }
            return vb.map;
          }),
        );
      }
      return b.map;
    });
  }

  /** A device's own directory: attributes, links, child devices and class glue dirs. */
  deviceDir(dev: Device): SysfsDir {
    const path = `/sys${dev.devpath}`;
    return dir(path, () => {
      const b = new SysfsDirBuilder(path);
      if (dev.p.attrsAdded) {
        // The `uevent` file (and the bus's driver_override) go with the attributes: device_del
        // removes them before bus_remove_device unbinds the driver (reference §1.3 step 5).
        for (const attr of this.buses.deviceCoreAttributes(dev)) b.file(attr, dev);
        if (dev.devt) b.file(devAttribute, dev);
        if (dev.class) b.groups(dev.class.devGroups, dev);
        if (dev.type?.groups) b.groups(dev.type.groups, dev);
        b.groups(dev.groups, dev);
        // dpm_sysfs_add (device_add, after the attributes): power/ unless PM is not required.
        b.groups(this.power.groups(dev), dev);
        if (dev.class) {
          b.link('subsystem', `/sys/class/${dev.class.name}`);
          if (dev.parent) b.link('device', `/sys${dev.parent.devpath}`);
        }
      }
      // sysfs_create_link of other subsystems (physfn, virtfnN, iommu_group).
      if (dev.p.state === 'added') for (const [name, target] of dev.p.sysfsLinks) b.link(name, target());
      if (dev.bus && dev.p.busAdded) {
        b.groups(dev.bus.devGroups, dev);
        b.link('subsystem', `/sys/bus/${dev.bus.name}`);
      }
      if (dev.driver && dev.p.driverLinked) {
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
        b.link(`consumer:${c.bus?.name ?? c.class?.name}:${c.name}`, `/sys${link.device.devpath}`);
      }
      for (const link of dev.p.suppliers) {
        const s = link.supplier;
        b.link(`supplier:${s.bus?.name ?? s.class?.name}:${s.name}`, `/sys${link.device.devpath}`);
      }
      const glue = new Map<string, Device[]>();
      for (const child of this.core.devices) {
        if (child.parent !== dev) continue;
        if (child.class && child.class !== dev.class) {
          const list = glue.get(child.class.name) ?? [];
          list.push(child);
          glue.set(child.class.name, list);
        } else {
          b.dir(child.name, () => this.deviceDir(child));
        }
      }
      for (const [className, children] of glue) {
        b.dir(className, (gp) =>
          dir(gp, () => {
            const gb = new SysfsDirBuilder(gp);
            for (const child of children) gb.dir(child.name, () => this.deviceDir(child));
            return gb.map;
          }),
        );
      }
      return b.map;
    });
  }

  // --- /sys/bus ---------------------------------------------------------------------------

  #busRootDir(path: string): SysfsDir {
    return dir(path, () => {
      const b = new SysfsDirBuilder(path);
      for (const bus of this.buses.buses) b.dir(bus.name, (p) => this.#busDir(bus, p));
      return b.map;
    });
  }

  #busDir(bus: BusType, path: string): SysfsDir {
    return dir(path, () => {
      const b = new SysfsDirBuilder(path);
      for (const attr of this.buses.busAttributes()) b.file(attr, bus);
      b.groups(bus.busGroups, bus);
      b.dir('devices', (dp) =>
        dir(dp, () => {
          const db = new SysfsDirBuilder(dp);
          for (const dev of bus.p.devices) db.link(dev.name, `/sys${dev.devpath}`);
          return db.map;
        }),
      );
      b.dir('drivers', (dp) =>
        dir(dp, () => {
          const db = new SysfsDirBuilder(dp);
          for (const drv of bus.p.drivers) db.dir(drv.name, (p) => this.driverDir(drv, p));
          return db.map;
        }),
      );
      return b.map;
    });
  }

  driverDir(drv: DeviceDriver, path = `/sys/bus/${drv.bus.name}/drivers/${drv.name}`): SysfsDir {
    return dir(path, () => {
      const b = new SysfsDirBuilder(path);
      for (const attr of this.buses.driverAttributes(drv)) b.file(attr, drv);
      b.groups(drv.bus.drvGroups, drv);
      b.groups(drv.groups, drv);
      if (drv.module) b.link('module', `/sys/module/${drv.module}`);
      for (const dev of drv.bus.p.devices) {
        if (dev.driver === drv && dev.p.driverLinked) b.link(dev.name, `/sys${dev.devpath}`);
      }
      return b.map;
    });
  }

  // --- /sys/class, /sys/dev, /sys/kernel --------------------------------------------------

  #classRootDir(path: string): SysfsDir {
    return dir(path, () => {
      const b = new SysfsDirBuilder(path);
      for (const cls of this.buses.classes) {
        b.dir(cls.name, (cp) =>
          dir(cp, () => {
            const cb = new SysfsDirBuilder(cp);
            for (const dev of cls.p.devices) cb.link(dev.name, `/sys${dev.devpath}`);
            return cb.map;
          }),
        );
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
  const from = splitPath(linkPath).slice(0, -1);
  const to = splitPath(target);
  const toParent = to.slice(0, -1);
  let i = 0;
  while (i < from.length && i < toParent.length && from[i] === toParent[i]) i++;
  return [...Array(from.length - i).fill('..'), ...to.slice(i)].join('/') || '.';
}

export { isBinAttribute };
