/**
 * struct class: class devices (net, infiniband, fwctl, doe, devlink) get /sys/class/<name>/
 * links, a `subsystem` link to the class, and, with a devt, a node named by `devnode()`.
 */
import { type AttributeGroup, frozenGroups } from './attribute.js';
import type { ReadonlyKList } from '../base/index.js';
import type { Device } from './device.js';
import type { UeventEnv } from './uevent-env.js';
import { ClassPrivate } from './private.js';

/** What class->devnode returns: the node name below /dev and an optional mode. */
export interface DevnodeInfo {
  readonly name: string;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
}

export interface DeviceClassOptions {
  readonly name: string;
  /** Node name below /dev; default: the device name. */
  readonly devnode?: (dev: Device) => Partial<DevnodeInfo> | undefined;
  readonly devUevent?: (dev: Device, env: UeventEnv) => void;
  readonly devGroups?: readonly AttributeGroup<Device>[];
}

export class DeviceClass {
  readonly name: string;
  readonly devnode: DeviceClassOptions['devnode'];
  readonly devUevent: DeviceClassOptions['devUevent'];
  readonly devGroups: readonly AttributeGroup<Device>[];
  /** @internal */
  readonly p = new ClassPrivate();

  constructor(options: DeviceClassOptions) {
    this.name = options.name;
    this.devnode = options.devnode;
    this.devUevent = options.devUevent;
    this.devGroups = frozenGroups(options.devGroups);
  }

  get devices(): ReadonlyKList<Device> {
    return this.p.devices;
  }

  findDevice(name: string): Device | undefined {
    return this.p.byName.get(name);
  }

  /**
   * The lowest n in [0, limit) for which `taken(prefix + n + suffix)` is false (undefined when
   * none is): __dev_alloc_name's and alloc_name's answer, found from a hint the class lowers
   * whenever a name leaves it (src/bus/class-names.ts). `taken` must answer from this class's
   * members (a name stays taken until its device leaves the class or is renamed).
   */
  lowestFreeNumber(prefix: string, suffix: string, limit: number, taken: (name: string) => boolean): number | undefined {
    return this.p.names.lowestFree(prefix, suffix, limit, taken);
  }
}
