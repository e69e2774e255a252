/**
 * The device lifecycle (drivers/base/core.c): device_add and device_del in the kernel's exact
 * order (reference §1.2, §1.3), references and release, and the parent/child tree. Binding is
 * dd.ts's; bus and driver registration is bus.ts's.
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { BugIndicatingError, ILogService, IScheduler, kerr } from '../base/index.js';
import { DriverBinder } from './dd.js';
import type { BusType } from './bus-type.js';
import type { DeviceClass } from './class.js';
import type { Device } from './device.js';
import { DeviceLinks, type LinkCore } from './devlink.js';
import { devresReleaseAll } from './devres.js';
import { IDevtmpfs } from './devtmpfs.js';
import { type BusNotifier, IBusNotifier } from './notifier.js';
import { IKobjectUevent } from './uevent.js';

export const IDeviceCore: ServiceIdentifier<DeviceCore> = Symbol.for('IDeviceCore');

/** The devtmpfs calls device_add/device_del make for devices with a devt. */
export interface DevtmpfsNodes {
  createNode(dev: Device): void;
  deleteNode(dev: Device): void;
  /** device_rename of a device with a node: the derived /dev path follows the name. */
  renameNode(dev: Device): void;
}

/**
 * The driver core of one machine. core.c and dd.c call each other (device_add probes, binding
 * registers link devices, device links release consumers), so DeviceCore builds its two
 * partners itself: the DeviceLinks (core.c, given this core as their LinkCore) and the
 * DriverBinder (dd.c, given those links), which builds its DeferredProbe. The container hands
 * them out as IDeviceLinks, IDriverBinder and IDeferredProbe.
 */
@injectable()
export class DeviceCore implements LinkCore {
  /** Every device whose kobject is in sysfs, by devpath. */
  readonly #byPath = new Map<string, Device>();
  /** Every device in sysfs by its kobject parent (undefined: /sys/devices itself), for sysfs's directories. */
  readonly #kobjChildren = new Map<Device | undefined, KobjChildren>();
  /** Each device's place in #byPath's insertion order. */
  readonly #seq = new Map<Device, number>();
  #nextSeq = 0;
  /** Device links (the device_link part of core.c). */
  readonly links: DeviceLinks;
  /** Binding and deferred probe (dd.c). */
  readonly binder: DriverBinder;

  constructor(
    @inject(IKobjectUevent) private readonly uevent: IKobjectUevent,
    @inject(IBusNotifier) private readonly notifier: BusNotifier,
    @inject(IDevtmpfs) private readonly devtmpfs: DevtmpfsNodes,
    @inject(IScheduler) scheduler: IScheduler,
    @inject(ILogService) log: ILogService,
  ) {
    this.links = new DeviceLinks(this);
    this.binder = new DriverBinder(uevent, notifier, this.links, scheduler, log);
  }

  /** The deferred probe lists (dd.c), owned by the binder. */
  get deferred(): DriverBinder['deferred'] {
    return this.binder.deferred;
  }

  /** LinkCore: device_register of a link's class device. */
  addDevice(dev: Device): void {
    this.add(dev);
  }

  /** LinkCore: device_unregister of a link's class device. */
  delDevice(dev: Device): void {
    this.unregister(dev);
  }

  /** LinkCore: device_release_driver_internal. */
  releaseDriver(dev: Device): void {
    this.binder.releaseDriver(dev);
  }

  /** LinkCore: driver_deferred_probe_add. */
  deferredProbeAdd(dev: Device): void {
    this.binder.deferred.add(dev);
  }

  /** The device at a kobject path (`/devices/...`), if it is in sysfs. */
  findByPath(devpath: string): Device | undefined {
    return this.#byPath.get(devpath);
  }

  /**
   * The devices in sysfs whose kobject parent is `parent` (undefined: the top of /sys/devices),
   * split as sysfs places them: directly in the parent's directory, or in a class glue directory
   * (`net/`, or `virtual/<class>/` at the top) when their class differs from the parent's.
   */
  kobjectChildren(parent: Device | undefined): KobjChildren | undefined {
    return this.#kobjChildren.get(parent);
  }

  #kobjAdd(dev: Device, devpath: string): void {
    this.#byPath.set(devpath, dev);
    this.#seq.set(dev, this.#nextSeq);
    this.#nextSeq += 1;
    let c = this.#kobjChildren.get(dev.parent);
    if (!c) this.#kobjChildren.set(dev.parent, (c = { direct: new Set(), directByName: new Map(), glue: new Map() }));
    if (dev.class && dev.class !== dev.parent?.class) {
      let g = c.glue.get(dev.class.name);
      if (!g) c.glue.set(dev.class.name, (g = new Set()));
      g.add(dev);
    } else {
      c.direct.add(dev);
      c.directByName.set(dev.name, dev);
    }
  }

  #kobjDel(dev: Device, devpath: string): void {
    this.#byPath.delete(devpath);
    this.#seq.delete(dev);
    const c = this.#kobjChildren.get(dev.parent);
    if (!c) return;
    if (c.direct.delete(dev) && c.directByName.get(dev.name) === dev) c.directByName.delete(dev.name);
    if (dev.class) {
      const g = c.glue.get(dev.class.name);
      if (g?.delete(dev) && g.size === 0) c.glue.delete(dev.class.name);
    }
    if (c.direct.size === 0 && c.glue.size === 0) this.#kobjChildren.delete(dev.parent);
  }

  /** Every device in sysfs, in add order. */
  get devices(): IterableIterator<Device> {
    return this.#byPath.values();
  }

  /**
   * device_add. Second of two registration steps (after construction = device_initialize).
   * @throws {DriverModelError} EINVAL without a name; EEXIST when the name is taken in its
   *   directory, its bus or its class (then, past kobject_add, a `remove` uevent is sent as the
   *   kernel's unwinding does). On failure the caller drops its reference.
   * Probe failure never makes add fail.
   */
  add(dev: Device): void {
    if (!dev.name) throw kerr('EINVAL', 'device_add: no name');
    if (dev.p.state !== 'initialized') throw new BugIndicatingError(`${dev.displayName}: device_add twice`);
    const devpath = dev.devpath;
    // kobject_add: the directory name must be free below the parent (no uevent on failure).
    if (this.#byPath.has(devpath)) throw kerr('EEXIST', `${devpath}: sysfs: cannot create duplicate filename`);
    this.#kobjAdd(dev, devpath);
    dev.p.state = 'added';
    // uevent attribute, class symlinks, attribute groups.
    if (dev.class && dev.class.findDevice(dev.name)) return this.#unwindAdd(dev, 'class');
    dev.p.attrsAdded = true;
    if (dev.class) {
      dev.class.p.devices.push(dev);
      dev.class.p.byName.set(dev.name, dev);
    }
    // bus_add_device: bus groups, driver_override, /sys/bus/<bus>/devices/<name>, klist.
    if (dev.bus) {
      if (dev.bus.findDevice(dev.name)) return this.#unwindAdd(dev, 'bus');
      dev.bus.p.devices.push(dev);
      dev.bus.p.byName.set(dev.name, dev);
      dev.p.busAdded = true;
    }
    if (dev.devt) this.devtmpfs.createNode(dev);
    // bus_notify: only devices on a bus reach the bus notifier (class devices do not).
    if (dev.bus) this.notifier.notify('ADD_DEVICE', dev);
    this.uevent.sendDevice(dev, 'add');
    // bus_probe_device, then the parent's children list (after probing, as in the kernel).
    if (dev.bus) this.binder.busProbeDevice(dev);
    if (dev.parent && dev.isRegistered) dev.parent.p.children.push(dev);
  }

  #unwindAdd(dev: Device, where: 'class' | 'bus'): never {
    if (where === 'bus') {
      dev.p.attrsAdded = false;
      if (dev.class) classRemove(dev.class, dev);
    }
    this.uevent.sendDevice(dev, 'remove');
    this.#kobjDel(dev, dev.devpath);
    dev.p.state = 'deleted';
    throw kerr('EEXIST', `${dev.displayName}: name already in use on ${where === 'bus' ? dev.bus?.name : dev.class?.name}`);
  }

  /**
   * device_del, in the order of reference §1.3: dead, DEL_DEVICE, node, class, attributes,
   * bus removal with a full unbind, deferred list and links, REMOVED_DEVICE, `remove` uevent.
   * Children are not removed: their creator must delete them first.
   */
  del(dev: Device): void {
    if (dev.p.state !== 'added') throw new BugIndicatingError(`${dev.displayName}: device_del of a device not added`);
    dev.p.dead = true;
    if (dev.bus) this.notifier.notify('DEL_DEVICE', dev);
    if (dev.parent) removeItem(dev.parent.p.children, dev);
    if (dev.devt) this.devtmpfs.deleteNode(dev);
    if (dev.class) classRemove(dev.class, dev);
    dev.p.attrsAdded = false;
    if (dev.p.busAdded) {
      dev.p.busAdded = false;
      if (dev.bus) busRemove(dev.bus, dev);
      this.binder.releaseDriver(dev);
    }
    this.binder.deferred.del(dev);
    this.links.purge(dev);
    // device_del (v6.0+): release the managed resources of a device left without a driver here,
    // before REMOVED_DEVICE and the `remove` uevent, not only at the last put_device.
    devresReleaseAll(dev);
    if (dev.bus) this.notifier.notify('REMOVED_DEVICE', dev);
    this.uevent.sendDevice(dev, 'remove');
    this.#kobjDel(dev, dev.devpath);
    dev.p.state = 'deleted';
  }

  /**
   * device_rename (meant for network interfaces): rename the class link, then kobject_rename,
   * whose `move` uevent carries DEVPATH_OLD right after SUBSYSTEM. The device and everything
   * below it move to the new path. Only devices without a node should be renamed: the kernel
   * leaves a devtmpfs node under its old name, while the derived /dev here follows the device.
   * @throws {DriverModelError} EINVAL for a device not in sysfs or a name that is empty or holds
   *   '/'; EEXIST when the name is taken in the device's class or directory (nothing changes).
   */
  rename(dev: Device, newName: string): void {
    if (dev.p.state !== 'added') throw kerr('EINVAL', `${dev.displayName}: device_rename of a device not in sysfs`);
    if (newName.length === 0 || newName.includes('/')) throw kerr('EINVAL', `device_rename: invalid name '${newName}'`);
    const oldPath = dev.devpath;
    if (newName !== dev.name) {
      const taken = dev.class?.findDevice(newName);
      if (taken && taken !== dev) throw kerr('EEXIST', `${dev.displayName}: ${newName} exists in class ${dev.class!.name}`);
      const newPath = `${oldPath.slice(0, oldPath.lastIndexOf('/'))}/${newName}`;
      if (this.#byPath.has(newPath)) throw kerr('EEXIST', `${newPath}: sysfs: cannot rename, name exists`);
    }
    // The device and its descendants are keyed by path: take them out, rename, put them back.
    const moved: [string, Device][] = [];
    const collect = (d: Device) => {
      moved.push([d.devpath, d]);
      const c = this.#kobjChildren.get(d);
      if (!c) return;
      for (const child of c.direct) collect(child);
      for (const g of c.glue.values()) for (const child of g) collect(child);
    };
    collect(dev);
    // Re-inserted in their present order in the map, as a filter over it would find them.
    moved.sort((a, b) => this.#seq.get(a[1])! - this.#seq.get(b[1])!);
    for (const [p] of moved) this.#byPath.delete(p);
    const oldName = dev.name;
    dev.name = newName;
    const siblings = this.#kobjChildren.get(dev.parent);
    if (siblings?.direct.has(dev)) {
      if (siblings.directByName.get(oldName) === dev) siblings.directByName.delete(oldName);
      siblings.directByName.set(newName, dev);
    }
    for (const [, d] of moved) {
      this.#byPath.set(d.devpath, d);
      this.#seq.set(d, this.#nextSeq);
      this.#nextSeq += 1;
    }
    if (dev.devt) this.devtmpfs.renameNode(dev);
    for (const owner of [dev.class?.p, dev.p.busAdded ? dev.bus?.p : undefined]) {
      if (owner?.byName.get(oldName) !== dev) continue;
      owner.byName.delete(oldName);
      owner.byName.set(newName, dev);
    }
    if (dev.class?.p.byName.get(newName) === dev) dev.class.p.names.freed(oldName);
    this.uevent.sendDevice(dev, 'move', [['DEVPATH_OLD', oldPath]]);
  }

  /** device_unregister: del, then drop the registration reference. */
  unregister(dev: Device): void {
    this.del(dev);
    this.put(dev);
  }

  get(dev: Device): Device {
    dev.p.refcount++;
    return dev;
  }

  /** put_device: the last reference runs release (devres safety net first). */
  put(dev: Device): void {
    if (dev.p.refcount <= 0) throw new BugIndicatingError(`${dev.displayName}: put_device underflow`);
    if (--dev.p.refcount === 0) {
      devresReleaseAll(dev);
      dev.release?.(dev);
    }
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#byPath, this.#kobjChildren, this.#seq, this.#nextSeq];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#nextSeq = v[3] as never;
  }
}

function removeItem<T>(list: T[] | undefined, item: T): void {
  if (!list) return;
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/** A device's kobject children as sysfs shows them (DeviceCore.kobjectChildren). */
export interface KobjChildren {
  /** Children in the parent's own directory, in add order. */
  readonly direct: Set<Device>;
  /** The same children by name (their directory names). */
  readonly directByName: Map<string, Device>;
  /** Children in a class glue directory, by class name. */
  readonly glue: Map<string, Set<Device>>;
}

function classRemove(cls: DeviceClass, dev: Device): void {
  cls.p.devices.remove(dev);
  if (cls.p.byName.get(dev.name) === dev) {
    cls.p.byName.delete(dev.name);
    cls.p.names.freed(dev.name);
  }
}

function busRemove(bus: BusType, dev: Device): void {
  bus.p.devices.remove(dev);
  if (bus.p.byName.get(dev.name) === dev) bus.p.byName.delete(dev.name);
}
