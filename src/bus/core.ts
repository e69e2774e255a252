/**
 * The device lifecycle (drivers/base/core.c): device_add and device_del in the kernel's exact
 * order (reference §1.2, §1.3), references and release, and the parent/child tree. Binding is
 * dd.ts's; bus and driver registration is bus.ts's.
 */
import { inject, injectable } from 'inversify';
import { BugIndicatingError, kerr } from '../base/index.js';
import type { Device } from './device.js';
import { IDeferredProbe, type DeferredProbe } from './deferred-probe.js';
import { IDeviceLinks, type DeviceLinks } from './devlink.js';
import { devresReleaseAll } from './devres.js';
import { DriverBinder, IDriverBinder } from './dd.js';
import { BusNotifier, IBusNotifier } from './notifier.js';
import { IKobjectUevent, type IKobjectUevent as KobjectUevent } from './uevent.js';

export const IDeviceCore = Symbol.for('IDeviceCore');

/** The devtmpfs hooks device_add/device_del call for devices with a devt. */
export interface DevtmpfsHooks {
  createNode(dev: Device): void;
  deleteNode(dev: Device): void;
}

@injectable()
export class DeviceCore {
  /** Every device whose kobject is in sysfs, by devpath. */
  readonly #byPath = new Map<string, Device>();
  #devtmpfs: DevtmpfsHooks | undefined;

  constructor(
    @inject(IKobjectUevent) private readonly uevent: KobjectUevent,
    @inject(IBusNotifier) private readonly notifier: BusNotifier,
    @inject(IDriverBinder) private readonly binder: DriverBinder,
    @inject(IDeferredProbe) private readonly deferred: DeferredProbe,
    @inject(IDeviceLinks) private readonly links: DeviceLinks,
  ) {
    links.setHooks({
      addDevice: (dev) => this.add(dev),
      delDevice: (dev) => this.unregister(dev),
      releaseDriver: (dev) => this.binder.releaseDriver(dev),
    });
  }

  /** devtmpfs registers itself (it lives in the userspace-facing layer). */
  setDevtmpfs(hooks: DevtmpfsHooks): void {
    this.#devtmpfs = hooks;
  }

  /** The device at a kobject path (`/devices/...`), if it is in sysfs. */
  findByPath(devpath: string): Device | undefined {
    return this.#byPath.get(devpath);
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
    dev.p.kobjAdded = true;
    this.#byPath.set(devpath, dev);
    dev.p.state = 'added';
    // uevent attribute, class symlinks, attribute groups.
    if (dev.class && dev.class.findDevice(dev.name)) return this.#unwindAdd(dev, 'class');
    dev.p.attrsAdded = true;
    dev.class?.p.devices.push(dev);
    // bus_add_device: bus groups, driver_override, /sys/bus/<bus>/devices/<name>, klist.
    if (dev.bus) {
      if (dev.bus.findDevice(dev.name)) return this.#unwindAdd(dev, 'bus');
      dev.bus.p.devices.push(dev);
      dev.p.busAdded = true;
    }
    if (dev.devt) this.#devtmpfs?.createNode(dev);
    // bus_notify: only devices on a bus reach the bus notifier (class devices do not).
    if (dev.bus) this.notifier._onDidAddDevice.fire(dev);
    this.uevent.sendDevice(dev, 'add');
    // bus_probe_device, then the parent's children list (after probing, as in the kernel).
    if (dev.bus) this.binder.busProbeDevice(dev);
    if (dev.parent && dev.isRegistered) dev.parent.p.children.push(dev);
  }

  #unwindAdd(dev: Device, where: 'class' | 'bus'): never {
    if (where === 'bus') {
      dev.p.attrsAdded = false;
      removeItem(dev.class?.p.devices, dev);
    }
    this.uevent.sendDevice(dev, 'remove');
    this.#byPath.delete(dev.devpath);
    dev.p.kobjAdded = false;
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
    if (dev.bus) this.notifier._onWillRemoveDevice.fire(dev);
    if (dev.parent) removeItem(dev.parent.p.children, dev);
    if (dev.devt) this.#devtmpfs?.deleteNode(dev);
    removeItem(dev.class?.p.devices, dev);
    dev.p.attrsAdded = false;
    if (dev.p.busAdded) {
      dev.p.busAdded = false;
      removeItem(dev.bus?.p.devices, dev);
      this.binder.releaseDriver(dev);
    }
    this.deferred.del(dev);
    this.links.purge(dev);
    // device_del (v6.0+): release the managed resources of a device left without a driver here,
    // before REMOVED_DEVICE and the `remove` uevent, not only at the last put_device.
    devresReleaseAll(dev);
    if (dev.bus) this.notifier._onDidRemoveDevice.fire(dev);
    this.uevent.sendDevice(dev, 'remove');
    this.#byPath.delete(dev.devpath);
    dev.p.kobjAdded = false;
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
    const moved = [...this.#byPath].filter(([p]) => p === oldPath || p.startsWith(`${oldPath}/`));
    for (const [p] of moved) this.#byPath.delete(p);
    dev.name = newName;
    for (const [, d] of moved) this.#byPath.set(d.devpath, d);
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
}

function removeItem<T>(list: T[] | undefined, item: T): void {
  if (!list) return;
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
