/**
 * struct device: the object every bus, class and driver hangs off. Identity (name, parent,
 * bus, class, type, devt) is set by its creator before `DeviceCore.add()`; binding state and
 * sysfs bookkeeping live in `p` (DevicePrivate), which only src/bus touches.
 */
import type { AttributeGroup } from './attribute.js';
import type { BusType } from './bus-type.js';
import type { DeviceClass, DevnodeInfo } from './class.js';
import type { DeviceDriver } from './driver.js';
import type { UeventEnv } from './uevent-env.js';
import { DevicePrivate } from './private.js';

/** A device number. */
export interface DevT {
  readonly major: number;
  readonly minor: number;
}

/** struct device_type: DEVTYPE name, extra groups and uevent variables shared by a kind of device. */
export interface DeviceType {
  readonly name?: string;
  readonly groups?: readonly AttributeGroup<Device>[];
  readonly uevent?: (dev: Device, env: UeventEnv) => void;
  /** type->devnode: the node name (and mode), asked before the class's (device_get_devnode). */
  readonly devnode?: (dev: Device) => Partial<DevnodeInfo> | undefined;
}

/** device_get_devnode's lookup: the type's devnode, else the class's. */
export function deviceDevnodeInfo(dev: Device): Partial<DevnodeInfo> | undefined {
  return dev.type?.devnode?.(dev) ?? dev.class?.devnode?.(dev);
}

export class Device {
  /** Name within its bus or class (`0000:0d:00.0`, `cxl_pci.doe.1`, `fwctl0`). */
  name = '';
  parent: Device | undefined;
  bus: BusType | undefined;
  class: DeviceClass | undefined;
  type: DeviceType | undefined;
  devt: DevT | undefined;
  /** dev->groups: attributes the creator adds (created in device_add_attrs). */
  groups: AttributeGroup<Device>[] = [];
  /** The bound driver; set from just before probe() until after remove() returned. */
  driver: DeviceDriver | undefined;
  driverData: unknown;
  platformData: unknown;
  /** Called when the last reference is dropped (device_release). */
  release: ((dev: Device) => void) | undefined;
  /** @internal binding and sysfs state, owned by src/bus. */
  readonly p = new DevicePrivate();

  constructor(init: Partial<Pick<Device, 'name' | 'parent' | 'bus' | 'class' | 'type' | 'devt' | 'release'>> = {}) {
    Object.assign(this, init);
  }

  /** `bus:name` or `class:name`, the prefix dev_err() would print. */
  get displayName(): string {
    return `${this.bus?.name ?? this.class?.name ?? 'device'} ${this.name}`;
  }

  /** True once device_add succeeded and until device_del started. */
  get isRegistered(): boolean {
    return this.p.state === 'added';
  }

  /** The last devpath computed, with what it was computed from. */
  #path:
    | {
        name: string;
        parent: Device | undefined;
        cls: DeviceClass | undefined;
        clsName: string | undefined;
        parentPath: string | undefined;
        path: string;
      }
    | undefined;

  /**
   * The kobject path below /sys, e.g. `/devices/pci0000:00/0000:00:01.0/0000:0d:00.0`. Asked on
   * every sysfs walk and uevent: computed again only when the name, parent, class or the
   * parent's own path changed since the last time (a rename, a reparenting), else the same string.
   */
  get devpath(): string {
    const name = this.name;
    const parent = this.parent;
    const cls = this.class;
    const parentPath = parent?.devpath;
    const c = this.#path;
    if (c && c.name === name && c.parent === parent && c.cls === cls && c.clsName === cls?.name && c.parentPath === parentPath) return c.path;
    const path = devicePath(this);
    this.#path = { name, parent, cls, clsName: cls?.name, parentPath, path };
    return path;
  }

  get children(): readonly Device[] {
    return this.p.children;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#path];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#path = v[0] as never;
  }
}

/**
 * get_device_parent + kobject_get_path: a device with a parent lives below it; a class device
 * below a parent of another kind sits in a glue directory named after the class; a class device
 * with no parent lives in /devices/virtual/<class>; anything else directly in /devices.
 */
export function devicePath(dev: Device): string {
  const parent = dev.parent;
  if (dev.class) {
    if (!parent) return `/devices/virtual/${dev.class.name}/${dev.name}`;
    if (parent.class === dev.class) return `${parent.devpath}/${dev.name}`;
    return `${parent.devpath}/${dev.class.name}/${dev.name}`;
  }
  if (parent) return `${parent.devpath}/${dev.name}`;
  return `/devices/${dev.name}`;
}
