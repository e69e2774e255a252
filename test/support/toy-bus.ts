/**
 * A toy bus for driver-core tests that must not depend on PCI: devices match drivers by name
 * prefix, the bus opts in to the generic `driver_override`, and drivers' probe behaviour is
 * scriptable (succeed, defer, fail with any errno, register devres actions, create child
 * devices, add device links). Every probe/remove/devres callback is recorded in `toy.log`;
 * `toy.trace()` adds the bus notifier events and uevents to the same log, so one array shows the
 * exact interleaving the kernel would produce.
 */
import { inject, injectable } from 'inversify';
import { DriverModelError, Errno, type ErrnoName, type IDisposable, kerr } from '../../src/base/index.js';
import {
  type AttributeGroup,
  BusType,
  Device,
  DeviceDriver,
  type DevT,
  type KernelModuleInfo,
  type ModuleEntry,
  defineModule,
  deviceMatchDriverOverride,
  devmAddAction,
  ueventVar,
} from '../../src/bus/index.js';
import { type Machine, type MachineOptions, createMachine } from '../../src/machine/index.js';

/** What a scripted probe does at its end: succeed, or throw that errno ('EPROBE_DEFER' defers). */
export type ProbeOutcome = 'ok' | ErrnoName;

export interface ToyDriverSpec {
  /** Devices whose name starts with this prefix match; default: the driver's name. */
  prefix?: string;
  /** Match only through driver_override (like doe_user / vfio-pci). */
  overrideOnly?: boolean;
  /**
   * Probe outcome: one for every call, a queue consumed call by call (the last one repeats), or
   * a function of the device. Default 'ok'.
   */
  outcome?: ProbeOutcome | ProbeOutcome[] | ((dev: Device) => ProbeOutcome);
  /** devm actions registered in probe, in order, before the outcome applies. */
  devres?: readonly string[];
  /** Names of child devices created in probe (each deleted by a devm action after remove()). */
  children?: (dev: Device) => readonly string[];
  /** Device links added in probe with the probed device as consumer: supplier name and flags. */
  suppliers?: readonly { readonly name: string; readonly flags: number }[];
  /** Extra work inside probe, before the devres/children/outcome steps. */
  onProbe?: (dev: Device) => void;
  /** Extra work inside remove(). */
  onRemove?: (dev: Device) => void;
  module?: string;
  suppressBindAttrs?: boolean;
  /** dev_groups: files added to each bound device (frozen once the driver is made). */
  devGroups?: readonly AttributeGroup<Device>[];
}

/** Identifier of the ToyBus in its machine's container (for toy module entry points). */
export const IToyBus = Symbol.for('test:IToyBus');

export class ToyBus {
  readonly bus: BusType;
  /** Every recorded step, in order. */
  readonly log: string[] = [];
  /** Devices whose match() answers -EPROBE_DEFER ("can't decide yet"). */
  readonly deferMatch = new Set<string>();
  readonly #specs = new WeakMap<DeviceDriver, ToyDriverSpec>();
  readonly #calls = new WeakMap<DeviceDriver, number>();

  constructor(
    readonly machine: Machine,
    readonly name = 'toy',
    /** The bus's dev_groups (frozen once the bus is made). */
    devGroups?: readonly AttributeGroup<Device>[],
  ) {
    this.bus = new BusType({
      name,
      devGroups,
      driverOverride: true,
      match: (dev, drv) => this.#match(dev, drv),
      uevent: (dev, env) => env.add('MODALIAS', `${name}:${dev.name}`),
    });
    machine.buses.busRegister(this.bus);
    if (!machine.container.isBound(IToyBus)) machine.container.bind(IToyBus).toConstantValue(this);
  }

  #match(dev: Device, drv: DeviceDriver): number {
    const override = deviceMatchDriverOverride(dev, drv);
    if (override >= 0) return override;
    if (this.deferMatch.has(dev.name)) return -Errno.EPROBE_DEFER;
    const spec = this.#specs.get(drv);
    if (!spec || spec.overrideOnly) return 0;
    return dev.name.startsWith(spec.prefix ?? drv.name) ? 1 : 0;
  }

  /** The (mutable) script of a toy driver. */
  spec(drv: DeviceDriver): ToyDriverSpec {
    const s = this.#specs.get(drv);
    if (!s) throw new Error(`${drv.name} is not a toy driver`);
    return s;
  }

  /** A device on this bus, constructed but not added. */
  create(name: string, options: { parent?: Device; devt?: DevT } = {}): Device {
    return new Device({ name, bus: this.bus, parent: options.parent, devt: options.devt });
  }

  /** Create and device_add. */
  add(name: string, options: { parent?: Device; devt?: DevT } = {}): Device {
    const dev = this.create(name, options);
    this.machine.core.add(dev);
    return dev;
  }

  /** device_unregister. */
  remove(dev: Device): void {
    this.machine.core.unregister(dev);
  }

  device(name: string): Device {
    const dev = this.bus.findDevice(name);
    if (!dev) throw new Error(`no toy device ${name}`);
    return dev;
  }

  /** A toy driver, constructed but not registered. */
  driver(name: string, spec: ToyDriverSpec = {}): DeviceDriver {
    const drv = new DeviceDriver({
      name,
      bus: this.bus,
      module: spec.module,
      suppressBindAttrs: spec.suppressBindAttrs,
      devGroups: spec.devGroups,
      probe: (dev) => this.#probe(drv, dev),
      remove: (dev) => {
        this.log.push(`remove ${name} ${dev.name}`);
        this.spec(drv).onRemove?.(dev);
      },
    });
    this.#specs.set(drv, spec);
    return drv;
  }

  /** Create and driver_register. */
  register(name: string, spec: ToyDriverSpec = {}): DeviceDriver {
    const drv = this.driver(name, spec);
    this.machine.buses.driverRegister(drv);
    return drv;
  }

  unregister(drv: DeviceDriver): void {
    this.machine.buses.driverUnregister(drv);
  }

  #probe(drv: DeviceDriver, dev: Device): void {
    const spec = this.spec(drv);
    this.log.push(`probe ${drv.name} ${dev.name}`);
    spec.onProbe?.(dev);
    for (const r of spec.devres ?? []) devmAddAction(dev, r, () => this.log.push(`devres ${r} ${dev.name}`));
    for (const s of spec.suppliers ?? []) {
      const supplier = this.bus.findDevice(s.name);
      if (supplier) this.machine.links.add(dev, supplier, s.flags);
    }
    for (const childName of spec.children?.(dev) ?? []) {
      const child = this.add(childName, { parent: dev });
      devmAddAction(dev, `child ${childName}`, () => {
        if (child.isRegistered) this.remove(child);
      });
    }
    const outcome = this.#nextOutcome(drv, dev, spec);
    if (outcome !== 'ok') throw kerr(outcome, `${drv.name}: scripted probe failure`);
  }

  #nextOutcome(drv: DeviceDriver, dev: Device, spec: ToyDriverSpec): ProbeOutcome {
    const o = spec.outcome ?? 'ok';
    if (typeof o === 'function') return o(dev);
    if (typeof o === 'string') return o;
    const n = this.#calls.get(drv) ?? 0;
    this.#calls.set(drv, n + 1);
    return o[Math.min(n, o.length - 1)] ?? 'ok';
  }

  /**
   * Empty `log`, then record bus notifier events (for devices of this bus) and every uevent into
   * it: `ADD_DEVICE a0`, `uevent add /devices/a0`, `uevent bind /devices/a0 DRIVER=x`, …
   */
  trace(): IDisposable {
    this.log.length = 0;
    const n = this.machine.notifier;
    const mine = (tag: string) => (dev: Device) => {
      if (dev.bus === this.bus) this.log.push(`${tag} ${dev.name}`);
    };
    const subs = [
      n.onDidAddDevice(mine('ADD_DEVICE')),
      n.onWillBindDriver(mine('BIND_DRIVER')),
      n.onDidBindDriver(mine('BOUND_DRIVER')),
      n.onDidFailToBindDriver(mine('DRIVER_NOT_BOUND')),
      n.onWillUnbindDriver(mine('UNBIND_DRIVER')),
      n.onDidUnbindDriver(mine('UNBOUND_DRIVER')),
      n.onWillRemoveDevice(mine('DEL_DEVICE')),
      n.onDidRemoveDevice(mine('REMOVED_DEVICE')),
      this.machine.uevent.onDidSend((e) => {
        const driver = ueventVar(e, 'DRIVER') === undefined ? '' : ` DRIVER=${ueventVar(e, 'DRIVER')}`;
        this.log.push(`uevent ${e.action} ${e.devpath}${driver}`);
      }),
    ];
    return { dispose: () => subs.forEach((s) => s.dispose()) };
  }
}

/**
 * A machine with no preset hardware and no module autoload, its init work settled (so the
 * scheduler is idle), plus a registered toy bus. The machine is not booted: no udevd.
 */
export function createToyMachine(options: MachineOptions = {}, busDevGroups?: readonly AttributeGroup<Device>[]): { machine: Machine; toy: ToyBus } {
  const machine = createMachine({ presets: [], autoload: false, ...options });
  machine.settle();
  const toy = new ToyBus(machine, 'toy', busDevGroups);
  return { machine, toy };
}

/**
 * A toy kernel module: init() registers its drivers on the machine's toy bus (in order),
 * exit() unregisters them (in reverse). Install with `machine.modules.install(toyModule(…))`.
 */
export function toyModule(
  name: string,
  drivers: readonly { readonly name: string; readonly spec?: ToyDriverSpec }[],
  depends: readonly string[] = [],
): KernelModuleInfo {
  @injectable()
  class ToyModuleEntry implements ModuleEntry {
    #drivers: DeviceDriver[] = [];
    constructor(@inject(IToyBus) private readonly toy: ToyBus) {}

    init(): void {
      try {
        for (const d of drivers) this.#drivers.push(this.toy.register(d.name, { ...d.spec, module: name }));
      } catch (e) {
        this.exit();
        throw e;
      }
    }

    exit(): void {
      for (const drv of this.#drivers.splice(0).reverse()) this.toy.unregister(drv);
    }
  }
  return defineModule({ name, depends }, ToyModuleEntry);
}

/** The errno a call fails with, or 'ok'. Anything but a DriverModelError is rethrown. */
export function errnoOf(fn: () => unknown): ErrnoName | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (DriverModelError.is(e)) return e.errno;
    throw e;
  }
}
