/**
 * struct device_driver: name, bus, probe/remove, and the attribute groups the driver brings.
 * Bus-specific drivers (PciDriver, AuxiliaryDriver) wrap one of these; the bus's probe() calls
 * into them. Registration goes through BusRegistry.driverRegister().
 */
import { type AttributeGroup, frozenGroups } from './attribute.js';
import type { BusType } from './bus-type.js';
import type { ReadonlyKList } from '../base/index.js';
import type { Device } from './device.js';
import { DriverPrivate } from './private.js';

export interface DeviceDriverOptions {
  readonly name: string;
  readonly bus: BusType;
  /** Name of the kernel module that provides the driver (sysfs `module` link, rmmod refcount). */
  readonly module?: string;
  /** Throws DriverModelError to fail; ENODEV/ENXIO are quiet "not my device". */
  readonly probe?: (dev: Device) => void;
  /** Cannot refuse: an unbind always completes. */
  readonly remove?: (dev: Device) => void;
  readonly shutdown?: (dev: Device) => void;
  /** No `bind`/`unbind` files: userspace cannot attach or detach this driver by hand. */
  readonly suppressBindAttrs?: boolean;
  /** drv->groups: files in the driver's own directory. */
  readonly groups?: readonly AttributeGroup<DeviceDriver>[];
  /** dev_groups: files added to each bound device after a successful probe. */
  readonly devGroups?: readonly AttributeGroup<Device>[];
}

export class DeviceDriver {
  readonly name: string;
  readonly bus: BusType;
  readonly module: string | undefined;
  readonly probe: ((dev: Device) => void) | undefined;
  readonly remove: ((dev: Device) => void) | undefined;
  readonly shutdown: ((dev: Device) => void) | undefined;
  readonly suppressBindAttrs: boolean;
  readonly groups: readonly AttributeGroup<DeviceDriver>[];
  readonly devGroups: readonly AttributeGroup<Device>[];
  /** Bus-specific wrapper (PciDriver, AuxiliaryDriver), for the bus's match/probe. */
  owner: unknown;
  /** @internal */
  readonly p = new DriverPrivate();

  constructor(options: DeviceDriverOptions) {
    this.name = options.name;
    this.bus = options.bus;
    this.module = options.module;
    this.probe = options.probe;
    this.remove = options.remove;
    this.shutdown = options.shutdown;
    this.suppressBindAttrs = options.suppressBindAttrs ?? false;
    this.groups = frozenGroups(options.groups);
    this.devGroups = frozenGroups(options.devGroups);
  }

  /** Devices bound to this driver, in bind order. */
  get devices(): ReadonlyKList<Device> {
    return this.p.devices;
  }
}
