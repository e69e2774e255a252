/**
 * struct bus_type: the operations a bus provides (match, probe, remove, uevent) and its
 * attribute groups. Per-bus lists (devices in klist order, drivers in registration order) and
 * `drivers_autoprobe` live in `p`.
 */
import { type AttributeGroup, frozenGroups } from './attribute.js';
import type { ReadonlyKList } from '../base/index.js';
import type { Device } from './device.js';
import type { DeviceDriver } from './driver.js';
import type { UeventEnv } from './uevent-env.js';
import { SubsysPrivate } from './private.js';

/** What match() returns: > 0 match, 0 no match, or a negative errno (−517 = EPROBE_DEFER). */
export type MatchResult = number;

export interface BusTypeOptions {
  readonly name: string;
  readonly match?: (dev: Device, drv: DeviceDriver) => MatchResult;
  /** If present, called instead of drv.probe (really_probe step 8). Throws DriverModelError. */
  readonly probe?: (dev: Device) => void;
  readonly remove?: (dev: Device) => void;
  readonly shutdown?: (dev: Device) => void;
  /** Adds bus-specific uevent variables (PCI_ID, MODALIAS, …). */
  readonly uevent?: (dev: Device, env: UeventEnv) => void;
  readonly devGroups?: readonly AttributeGroup<Device>[];
  readonly drvGroups?: readonly AttributeGroup<DeviceDriver>[];
  readonly busGroups?: readonly AttributeGroup<BusType>[];
  /** The generic `driver_override` attribute (bus_type.driver_override, 2026 series). */
  readonly driverOverride?: boolean;
}

export class BusType {
  readonly name: string;
  readonly match: BusTypeOptions['match'];
  readonly probe: BusTypeOptions['probe'];
  readonly remove: BusTypeOptions['remove'];
  readonly shutdown: BusTypeOptions['shutdown'];
  readonly uevent: BusTypeOptions['uevent'];
  readonly devGroups: readonly AttributeGroup<Device>[];
  readonly drvGroups: readonly AttributeGroup<DeviceDriver>[];
  readonly busGroups: readonly AttributeGroup<BusType>[];
  readonly driverOverride: boolean;
  /** @internal */
  readonly p = new SubsysPrivate();

  constructor(options: BusTypeOptions) {
    this.name = options.name;
    this.match = options.match;
    this.probe = options.probe;
    this.remove = options.remove;
    this.shutdown = options.shutdown;
    this.uevent = options.uevent;
    this.devGroups = frozenGroups(options.devGroups);
    this.drvGroups = frozenGroups(options.drvGroups);
    this.busGroups = frozenGroups(options.busGroups);
    this.driverOverride = options.driverOverride ?? false;
  }

  /** Registered devices in klist (add) order. */
  get devices(): ReadonlyKList<Device> {
    return this.p.devices;
  }

  /** Registered drivers in registration order. */
  get drivers(): readonly DeviceDriver[] {
    return this.p.drivers;
  }

  /** bus_find_device_by_name: only devices still on the klist. */
  findDevice(name: string): Device | undefined {
    return this.p.byName.get(name);
  }

  findDriver(name: string): DeviceDriver | undefined {
    return this.p.drivers.find((d) => d.name === name);
  }
}
