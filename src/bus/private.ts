/**
 * Binding and sysfs bookkeeping of devices, drivers, buses and classes (drivers/base/base.h).
 * Nothing outside src/bus may import this file; src/bus/index.ts never re-exports it.
 * Every sysfs entry is derived from these flags, so the sysfs view cannot drift from the model.
 */
import type { Device } from './device.js';
import type { DeviceDriver } from './driver.js';
import type { DeviceLink } from './devlink.js';
import { KList } from '../base/index.js';
import { ClassNameNumbers } from './class-names.js';

/** One devres node: released last-in-first-out. */
export interface DevresNode {
  readonly name: string;
  readonly release: () => void;
  /** Group marker id, for devres_open_group/release_group. */
  readonly group?: number;
}

export type DeviceState = 'initialized' | 'added' | 'deleted';

export class DevicePrivate {
  state: DeviceState = 'initialized';
  /** device_add_attrs done: uevent, class/type/device groups, dev. */
  attrsAdded = false;
  /** bus_add_device done: bus groups, driver_override, subsystem and bus links; on the klist. */
  busAdded = false;
  /** kill_device: later probes return -ENODEV. */
  dead = false;
  /** driver_sysfs_add done: the `driver` link and the driver's link to the device exist. */
  driverLinked = false;
  /** Driver dev_groups created after a successful probe. */
  driverGroupsAdded = false;
  /**
   * How many times driver dev_groups were created on this device: an open file of one creation
   * stays removed after a rebind makes the same names again (kernfs: new nodes, sysfs.ts).
   */
  driverGroupsCreated = 0;
  /** driver_bound done: on the driver's device list. */
  bound = false;
  /** PCI's match_driver: false during scan, set by pci_bus_add_device. */
  matchDriver = true;
  /** Some driver matched this device at least once (can_match). */
  canMatch = false;
  /** Driver name from driver_override, or undefined when unset. */
  driverOverride: string | undefined;
  /** Reason from dev_err_probe, shown by devices_deferred. */
  deferredReason: string | undefined;
  refcount = 1;
  readonly children: Device[] = [];
  readonly devres: DevresNode[] = [];
  readonly suppliers: DeviceLink[] = [];
  readonly consumers: DeviceLink[] = [];
  /** Set while probe() runs, for device links' "consumer probing". */
  probing = false;
  /** dev->links.status == DL_DEV_UNBINDING: from device_links_busy until device_links_driver_cleanup. */
  linksUnbinding = false;
  /** Suppress uevents (dev_set_uevent_suppress). */
  ueventSuppress = false;
  #sysfsLinks: Map<string, () => string> | undefined;
  /** sysfs_create_link from other subsystems: name → absolute /sys target, computed on lookup. */
  get sysfsLinks(): ReadonlyMap<string, () => string> {
    return this.#sysfsLinks ?? noSysfsLinks;
  }
  /** The link table to change (made on the first link: most devices never get one). */
  sysfsLinkTable(): Map<string, () => string> {
    return (this.#sysfsLinks ??= new Map());
  }
  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#sysfsLinks];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#sysfsLinks = v[0] as never;
  }
}

/** The sysfs links of every device that has none. */
const noSysfsLinks: ReadonlyMap<string, () => string> = new Map();

export class DriverPrivate {
  registered = false;
  /** Bound devices in bind order (klist_devices); driver_detach takes the tail first. */
  readonly devices = new KList<Device>();
}

export class SubsysPrivate {
  registered = false;
  /** drivers_autoprobe, 1 at bus_register. */
  autoprobe = true;
  readonly devices = new KList<Device>();
  /** The same devices by name (names are unique on a bus). */
  readonly byName = new Map<string, Device>();
  readonly drivers: DeviceDriver[] = [];
}

export class ClassPrivate {
  registered = false;
  readonly devices = new KList<Device>();
  /** The same devices by name (names are unique in a class). */
  readonly byName = new Map<string, Device>();
  /** Lowest free numbers of `%d` name patterns; told of every name that leaves `byName`. */
  readonly names = new ClassNameNumbers();
}
