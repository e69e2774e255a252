/**
 * Machine: one simulated computer, built from an inversify container in which every service is
 * a singleton. Two machines never share state. Everything asynchronous runs on the machine's
 * scheduler; `settle()` drains it, `advance(ms)` moves virtual time.
 */
import 'reflect-metadata';
import { Container } from 'inversify';
import {
  IClock,
  ILogService,
  IScheduler,
  LogService,
  Scheduler,
  SimulatedClock,
  kerr,
  type ILogService as LogServiceApi,
} from '../base/index.js';
import {
  BusRegistry,
  CharDevRegistry,
  DeferredProbe,
  type Device,
  DeviceCore,
  DeviceLinks,
  Devtmpfs,
  DriverBinder,
  IBusRegistry,
  ICharDevRegistry,
  IDeferredProbe,
  IDeviceCore,
  IDeviceLinks,
  IDevtmpfs,
  IDriverBinder,
  IKernelContainer,
  IKobjectUevent,
  ILockdown,
  IModuleLoader,
  IResourceTree,
  ISysfs,
  ITaint,
  KobjectUevent,
  Lockdown,
  ModuleLoader,
  ResourceTree,
  Sysfs,
  Taint,
  busModule,
  IBusNotifier,
  BusNotifier,
  type ModprobeConfig,
  type ModuleCaller,
  parseModprobeConfig,
} from '../bus/index.js';
import { IProcessTable, IVfs, type ProcessTable, type Vfs } from '../userspace/index.js';
import { IPresetHost, IUdevDaemonHost } from './hooks.js';
import { IMachineOptions, type MachineOptions, type ResolvedMachineOptions, resolveMachineOptions } from './machine-options.js';
import type { Subsystem } from './subsystem.js';

export const IMachine = Symbol.for('IMachine');

/** /etc/modprobe.d as the machine options give it: one file, auxbus.conf. */
function modprobeConfig(options: ResolvedMachineOptions): ModprobeConfig {
  const files = options.modprobe.length > 0 ? [{ name: 'auxbus.conf', text: options.modprobe.join('\n') }] : [];
  return parseModprobeConfig(files, options.cmdline);
}

export class Machine {
  readonly container: Container;
  readonly options: ResolvedMachineOptions;
  #booted = false;

  constructor(options: MachineOptions = {}, subsystems: readonly Subsystem[] = []) {
    this.options = resolveMachineOptions(options);
    const container = new Container({ defaultScope: 'Singleton' });
    this.container = container;
    const clock = new SimulatedClock();
    const scheduler = new Scheduler(clock);
    scheduler.setPolicy(this.options.policy);
    container.bind(IClock).toConstantValue(clock);
    container.bind(IScheduler).toConstantValue(scheduler);
    container.bind(ILogService).toConstantValue(new LogService(() => clock.now()));
    container.bind(IKernelContainer).toConstantValue(container);
    container.bind(IMachineOptions).toConstantValue(this.options);
    container.bind(IMachine).toConstantValue(this);
    container.load(busModule);
    this.lockdown.level = this.options.lockdown;
    this.modules.configure(modprobeConfig(this.options), this.options.cmdline);
    for (const s of subsystems) container.load(s.bindings);
    // Kernel init: the core's services exist before any subsystem registers its buses.
    this.core;
    this.binder;
    this.devtmpfs;
    for (const s of subsystems) s.init(container);
  }

  get<T>(id: symbol): T {
    return this.container.get<T>(id);
  }

  get clock(): SimulatedClock {
    return this.get<Scheduler>(IScheduler).clock;
  }
  get scheduler(): Scheduler {
    return this.get(IScheduler);
  }
  get log(): LogServiceApi {
    return this.get(ILogService);
  }
  get uevent(): KobjectUevent {
    return this.get(IKobjectUevent);
  }
  get notifier(): BusNotifier {
    return this.get(IBusNotifier);
  }
  get core(): DeviceCore {
    return this.get(IDeviceCore);
  }
  get buses(): BusRegistry {
    return this.get(IBusRegistry);
  }
  get binder(): DriverBinder {
    return this.get(IDriverBinder);
  }
  get deferred(): DeferredProbe {
    return this.get(IDeferredProbe);
  }
  get links(): DeviceLinks {
    return this.get(IDeviceLinks);
  }
  get sysfs(): Sysfs {
    return this.get(ISysfs);
  }
  get devtmpfs(): Devtmpfs {
    return this.get(IDevtmpfs);
  }
  get cdevs(): CharDevRegistry {
    return this.get(ICharDevRegistry);
  }
  get modules(): ModuleLoader {
    return this.get(IModuleLoader);
  }
  get taint(): Taint {
    return this.get(ITaint);
  }
  get lockdown(): Lockdown {
    return this.get(ILockdown);
  }
  get resources(): ResourceTree {
    return this.get(IResourceTree);
  }

  get processes(): ProcessTable {
    return this.get(IProcessTable);
  }
  get vfs(): Vfs {
    return this.get(IVfs);
  }

  get booted(): boolean {
    return this.#booted;
  }

  /**
   * Boot: udevd starts first (so it sees every uevent), then `modules` load, then the preset
   * hardware is added (coldplug), then everything settles. No synthetic trigger events.
   */
  boot(): void {
    if (this.#booted) throw kerr('EBUSY', 'machine already booted');
    this.#booted = true;
    if (this.container.isBound(IUdevDaemonHost)) this.get<{ start(): void }>(IUdevDaemonHost).start();
    // systemd-modules-load: module_load_and_warn, which honours the whole blacklist.
    for (const m of this.options.modules) this.modules.modprobe(m, { blacklist: 'all' });
    if (this.container.isBound(IPresetHost)) {
      const presets = this.get<IPresetHost>(IPresetHost);
      for (const name of this.options.presets) presets.plug(name);
    }
    this.deferred.armTimeout();
    this.settle();
  }

  /** Run every ready task (udev workers, deferred probe…) until none is left. */
  settle(): number {
    return this.scheduler.settle();
  }

  /** Advance virtual time, running what falls due. */
  advance(ms: number): number {
    return this.scheduler.advance(ms);
  }

  /** `modprobe NAME`, by `caller` (a process: CAP_SYS_MODULE is checked) or the kernel. */
  modprobe(name: string, caller?: ModuleCaller): void {
    this.modules.modprobe(name, { caller, blacklist: 'alias-only' });
  }

  /** `rmmod NAME`, by `caller` or the kernel. */
  rmmod(name: string, caller?: ModuleCaller): void {
    this.modules.rmmod(name, caller);
  }

  /** Hot-add one more instance of a preset (DESIGN.md §4 placement). */
  hotplug(preset: string): void {
    if (!this.container.isBound(IPresetHost)) throw kerr('ENODEV', 'no preset hardware in this machine');
    this.get<IPresetHost>(IPresetHost).plug(preset);
  }

  /** Surprise removal of a PCI function. */
  unplug(bdf: string): void {
    if (!this.container.isBound(IPresetHost)) throw kerr('ENODEV', 'no preset hardware in this machine');
    this.get<IPresetHost>(IPresetHost).unplug(bdf);
  }

  /**
   * A device by name: its bus name (`0000:0d:00.0`, `cxl_pci.doe.1`), class name (`eth0`), or
   * `bus:name` / `class:name`. A bus name wins over a class name of the same spelling.
   * @throws {DriverModelError} ENODEV when nothing matches; EINVAL when a bare name is ambiguous.
   */
  findDevice(name: string): Device {
    const colon = name.indexOf(':');
    if (colon > 0) {
      const scope = name.slice(0, colon);
      const rest = name.slice(colon + 1);
      const bus = this.buses.bus(scope);
      const cls = this.buses.class(scope);
      const dev = bus?.findDevice(rest) ?? cls?.findDevice(rest);
      if (dev) return dev;
    }
    // A bus name is the device's primary name; a class name is consulted only when no bus has
    // it (cxl_pci.doe.1 is both an auxiliary device and the doe class device below it).
    const onBuses = this.buses.buses.map((b) => b.findDevice(name)).filter((d): d is Device => d !== undefined);
    const hits = onBuses.length > 0 ? onBuses : this.buses.classes.map((c) => c.findDevice(name)).filter((d): d is Device => d !== undefined);
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) throw kerr('EINVAL', `device name '${name}' is ambiguous: use bus:name`);
    throw kerr('ENODEV', `no device '${name}'`);
  }
}
