/**
 * Buses, classes and driver registration (drivers/base/bus.c, driver.c, class.c): bus_register,
 * driver_register/unregister with bus_add_driver's order (attach first, then the driver's own
 * `add` uevent), and the bus-level sysfs files userspace writes: bind, unbind, drivers_probe,
 * drivers_autoprobe, uevent, driver_override.
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { ILogService, kerr } from '../base/index.js';
import { type Attribute, PAGE_SIZE, attrRW, attrWO } from './attribute.js';
import { BusType } from './bus-type.js';
import type { DeviceClass } from './class.js';
import type { Device } from './device.js';
import type { DeviceDriver } from './driver.js';
import { DriverBinder, IDriverBinder } from './dd.js';
import { type DeviceLinks, IDeviceLinks } from './devlink.js';
import { IKobjectUevent, type IKobjectUevent as KobjectUevent, type Kobject, deviceKobject, fillDeviceUevent } from './uevent.js';
import { UeventEnv } from './uevent-env.js';

export const IBusRegistry: ServiceIdentifier<BusRegistry> = Symbol.for('IBusRegistry');

export function busKobject(bus: BusType): Kobject {
  return { devpath: `/bus/${bus.name}`, subsystem: 'bus' };
}

export function classKobject(cls: DeviceClass): Kobject {
  return { devpath: `/class/${cls.name}`, subsystem: 'class' };
}

export function driverKobject(drv: DeviceDriver): Kobject {
  return { devpath: `/bus/${drv.bus.name}/drivers/${drv.name}`, subsystem: 'drivers' };
}

/**
 * driver_set_override semantics (driver.c): ≥ PAGE_SIZE-1 bytes → EINVAL; the effective text is
 * up to the first NUL; empty or starting with '\n' clears; otherwise up to the first newline.
 * Returns the new override (undefined = cleared).
 */
export function parseDriverOverride(buf: string): string | undefined {
  if (buf.length >= PAGE_SIZE - 1) throw kerr('EINVAL', 'driver_override: too long');
  const nul = buf.indexOf('\0');
  const text = nul >= 0 ? buf.slice(0, nul) : buf;
  if (text.length === 0 || text.startsWith('\n')) return undefined;
  const nl = text.indexOf('\n');
  return nl >= 0 ? text.slice(0, nl) : text;
}

/** sysfs_streq-style name from a write: one trailing newline is tolerated. */
function nameFromWrite(buf: string): string {
  return buf.endsWith('\n') ? buf.slice(0, -1) : buf;
}

@injectable()
export class BusRegistry {
  readonly #buses = new Map<string, BusType>();
  readonly #classes = new Map<string, DeviceClass>();

  constructor(
    @inject(IKobjectUevent) private readonly uevent: KobjectUevent,
    @inject(IDriverBinder) private readonly binder: DriverBinder,
    @inject(IDeviceLinks) links: DeviceLinks,
    @inject(ILogService) private readonly log: ILogService,
  ) {
    [this.#driverUevent, this.#driverBindAttrs] = this.#makeDriverAttributes();
    this.#driverUeventOnly = Object.freeze([this.#driverUevent]);
    this.#driverAllAttrs = Object.freeze([this.#driverUevent, ...this.#driverBindAttrs]);
    this.#deviceUevent = this.#makeDeviceUevent();
    // devlink_class_init (a postcore initcall): /sys/class/devlink exists from boot.
    this.classRegister(links.devlinkClass);
  }

  get buses(): readonly BusType[] {
    return [...this.#buses.values()];
  }

  get classes(): readonly DeviceClass[] {
    return [...this.#classes.values()];
  }

  bus(name: string): BusType | undefined {
    return this.#buses.get(name);
  }

  class(name: string): DeviceClass | undefined {
    return this.#classes.get(name);
  }

  /**
   * A device by name: its bus name (`0000:0d:00.0`, `cxl_pci.doe.1`), class name (`eth0`), or
   * `bus:name` / `class:name` (bus_find_device_by_name, class_find_device_by_name). A bus name
   * wins over a class name of the same spelling.
   * @throws {DriverModelError} ENODEV when nothing matches; EINVAL when a bare name is ambiguous.
   */
  findDeviceByName(name: string): Device {
    const colon = name.indexOf(':');
    if (colon > 0) {
      const scope = name.slice(0, colon);
      const rest = name.slice(colon + 1);
      const dev = this.bus(scope)?.findDevice(rest) ?? this.class(scope)?.findDevice(rest);
      if (dev) return dev;
    }
    // A bus name is the device's primary name; a class name is consulted only when no bus has
    // it (cxl_pci.doe.1 is both an auxiliary device and the doe class device below it).
    const onBuses = this.buses.map((b) => b.findDevice(name)).filter((d): d is Device => d !== undefined);
    const hits = onBuses.length > 0 ? onBuses : this.classes.map((c) => c.findDevice(name)).filter((d): d is Device => d !== undefined);
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) throw kerr('EINVAL', `device name '${name}' is ambiguous: use bus:name`);
    throw kerr('ENODEV', `no device '${name}'`);
  }

  /** bus_register: /sys/bus/<name>/ with drivers_autoprobe = 1, and the bus's `add` uevent. */
  busRegister(bus: BusType): void {
    if (this.#buses.has(bus.name)) throw kerr('EEXIST', `bus ${bus.name} already registered`);
    this.#buses.set(bus.name, bus);
    bus.p.registered = true;
    bus.p.autoprobe = true;
    this.uevent.send(busKobject(bus), 'add');
  }

  /** bus_unregister (a module's exit): the bus's `remove` uevent, then /sys/bus/<name>/ goes. */
  busUnregister(bus: BusType): void {
    if (!bus.p.registered) return;
    this.uevent.send(busKobject(bus), 'remove');
    this.#buses.delete(bus.name);
    bus.p.registered = false;
  }

  /**
   * class_register: /sys/class/<name>/, then kset_register's `add` uevent for the class kobject
   * (DEVPATH /class/<name>, SUBSYSTEM=class: the name of class_kset, which has no uevent_ops).
   */
  classRegister(cls: DeviceClass): void {
    if (this.#classes.has(cls.name)) throw kerr('EEXIST', `class ${cls.name} already registered`);
    this.#classes.set(cls.name, cls);
    cls.p.registered = true;
    this.uevent.send(classKobject(cls), 'add');
  }

  /** class_unregister: kset_unregister → __kobject_del sends the matching `remove` before the directory goes. */
  classUnregister(cls: DeviceClass): void {
    if (!cls.p.registered) return;
    this.uevent.send(classKobject(cls), 'remove');
    this.#classes.delete(cls.name);
    cls.p.registered = false;
  }

  /**
   * driver_register + bus_add_driver: existing devices bind first (their `bind` uevents), then
   * the driver's own `add` uevent.
   * @throws {DriverModelError} EINVAL when the bus is not registered; EBUSY for a duplicate name.
   */
  driverRegister(drv: DeviceDriver): void {
    if (!drv.bus.p.registered) {
      throw kerr('EINVAL', `Driver '${drv.name}' was unable to register with bus_type '${drv.bus.name}' because the bus was not initialized`);
    }
    // A driver that brings its own probe/remove/shutdown on a bus that has them is only warned
    // about (the bus's method wins, really_probe step 8); registration goes on.
    const bus = drv.bus;
    if ((bus.probe && drv.probe) || (bus.remove && drv.remove) || (bus.shutdown && drv.shutdown)) {
      this.log.log('warning', 'kernel', `Driver '${drv.name}' needs updating - please use bus_type methods`);
    }
    if (drv.bus.findDriver(drv.name)) throw kerr('EBUSY', `Driver '${drv.name}' is already registered, aborting...`);
    drv.p.registered = true;
    drv.bus.p.drivers.push(drv);
    if (drv.bus.p.autoprobe) this.binder.driverAttach(drv);
    this.uevent.send(driverKobject(drv), 'add');
    // driver_register: a new driver may still satisfy deferred devices; give them the full time.
    this.binder.deferred.extendTimeout();
  }

  /** driver_unregister: leave the list, unbind every device (last bound first), `remove` uevent. */
  driverUnregister(drv: DeviceDriver): void {
    if (!drv.p.registered) return;
    const list = drv.bus.p.drivers;
    list.splice(list.indexOf(drv), 1);
    this.binder.driverDetach(drv);
    drv.p.registered = false;
    this.uevent.send(driverKobject(drv), 'remove');
  }

  /** bus_find_device_by_name, for the sysfs files below. */
  #findDevice(bus: BusType, buf: string): Device {
    const dev = bus.findDevice(nameFromWrite(buf));
    if (!dev) throw kerr('ENODEV', `${bus.name}: no device '${nameFromWrite(buf)}'`);
    return dev;
  }

  /** Attribute objects are created once: an open file keeps identifying its attribute. */
  readonly #busAttrs: Attribute<BusType>[] = this.#makeBusAttributes();
  readonly #driverUevent: Attribute<DeviceDriver>;
  readonly #driverBindAttrs: Attribute<DeviceDriver>[];
  /** What driverAttributes hands out, made once (frozen: callers share them). */
  readonly #driverUeventOnly: readonly Attribute<DeviceDriver>[];
  readonly #driverAllAttrs: readonly Attribute<DeviceDriver>[];
  readonly #deviceUevent: Attribute<Device>;

  /** /sys/bus/<bus>/drivers_probe, drivers_autoprobe, uevent. */
  busAttributes(): readonly Attribute<BusType>[] {
    return this.#busAttrs;
  }

  #makeBusAttributes(): Attribute<BusType>[] {
    return [
      attrWO('drivers_probe', (bus, buf) => {
        const dev = this.#findDevice(bus, buf);
        // bus_rescan_devices_helper: bound devices are left alone; attach errors < 0 → EINVAL.
        if (!dev.driver && this.binder.deviceAttach(dev) < 0) throw kerr('EINVAL', `${dev.displayName}: attach failed`);
        return buf.length;
      }),
      attrRW(
        'drivers_autoprobe',
        (bus) => `${bus.p.autoprobe ? 1 : 0}\n`,
        (bus, buf) => {
          bus.p.autoprobe = buf[0] !== '0';
          return buf.length;
        },
      ),
      attrWO('uevent', (bus, buf) => {
        this.uevent.synthesize(busKobject(bus), buf);
        return buf.length;
      }),
    ];
  }

  /** /sys/bus/<bus>/drivers/<drv>/{bind,unbind,uevent}; bind/unbind absent with suppress_bind_attrs. */
  driverAttributes(drv: DeviceDriver): readonly Attribute<DeviceDriver>[] {
    return drv.suppressBindAttrs ? this.#driverUeventOnly : this.#driverAllAttrs;
  }

  #makeDriverAttributes(): [Attribute<DeviceDriver>, Attribute<DeviceDriver>[]] {
    const uevent = attrWO('uevent', (d: DeviceDriver, buf) => {
      this.uevent.synthesize(driverKobject(d), buf);
      return buf.length;
    });
    return [
      uevent,
      [
        attrWO('bind', (d, buf) => {
          const dev = this.#findDevice(d.bus, buf);
          // bind_store: the bus must say match (a deferral counts as "try"); bound → EBUSY.
          if (this.binder.matchDevice(d, dev) === 0) throw kerr('ENODEV', `${d.name}: ${dev.name} does not match`);
          this.binder.deviceDriverAttach(d, dev);
          return buf.length;
        }),
        attrWO('unbind', (d, buf) => {
          const dev = this.#findDevice(d.bus, buf);
          if (dev.driver !== d) throw kerr('ENODEV', `${dev.name} is not bound to ${d.name}`);
          this.binder.deviceDriverDetach(dev);
          return buf.length;
        }),
      ],
    ];
  }

  /** The device's own core files: `uevent`, and `driver_override` when its bus opts in. */
  deviceCoreAttributes(dev: Device): readonly Attribute<Device>[] {
    if (dev.bus?.driverOverride && dev.p.busAdded) return [this.#deviceUevent, driverOverrideAttribute];
    return [this.#deviceUevent];
  }

  #makeDeviceUevent(): Attribute<Device> {
    return attrRW(
      'uevent',
      (d) => {
        // uevent_show: an environment that overflows (add_uevent_var) reads as nothing.
        const env = new UeventEnv();
        try {
          fillDeviceUevent(d, env);
        } catch {
          return '';
        }
        return env
          .entries()
          .map(([k, v]) => `${k}=${v}\n`)
          .join('');
      },
      (d, buf) => {
        this.uevent.synthesize(deviceKobject(d), buf);
        return buf.length;
      },
    );
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [
      this.#buses,
      this.#classes,
      this.#busAttrs,
      this.#driverUevent,
      this.#driverBindAttrs,
      this.#driverUeventOnly,
      this.#driverAllAttrs,
      this.#deviceUevent,
    ];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/** `driver_override` (0644): "(null)\n" when unset; never unbinds, never probes. */
export const driverOverrideAttribute: Attribute<Device> = attrRW(
  'driver_override',
  (dev) => `${dev.p.driverOverride ?? '(null)'}\n`,
  (dev, buf) => {
    dev.p.driverOverride = parseDriverOverride(buf);
    return buf.length;
  },
);

/**
 * device_match_driver_override: > 0 the override names `drv`, 0 it names another driver,
 * < 0 no override is set. Buses consult it first in match().
 */
export function deviceMatchDriverOverride(dev: Device, drv: DeviceDriver): number {
  const override = dev.p.driverOverride;
  if (override === undefined) return -1;
  return override === drv.name ? 1 : 0;
}

/** Set or clear driver_override from kernel code (driverctl-style users go through sysfs). */
export function deviceSetDriverOverride(dev: Device, name: string | undefined): void {
  dev.p.driverOverride = name === undefined ? undefined : parseDriverOverride(name);
}

export { BusType };
