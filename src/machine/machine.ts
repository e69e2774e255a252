/**
 * Machine: one simulated computer whose services live in an inversify container, one instance
 * of each per machine, built on first use by the machine's ServiceGraph (service-graph.ts says
 * why the container does not build them itself). Two machines never share state. Everything
 * asynchronous runs on the machine's scheduler; `settle()` drains it, `advance(ms)` moves
 * virtual time.
 */
import 'reflect-metadata';
import { type Container, ContainerModule, type ServiceIdentifier } from 'inversify';
import {
  IClock,
  IInitcall,
  ILogService,
  IScheduler,
  IServiceRegistry,
  LogService,
  Scheduler,
  SimulatedClock,
  kerr,
  type ILogService as LogServiceApi,
  type IDisposable,
  type Snapshottable,
  type SnapshotToken,
} from '../base/index.js';
import {
  type BusRegistry,
  type CharDevRegistry,
  type DeferredProbe,
  type Device,
  type DeviceCore,
  type DeviceLinks,
  type Devtmpfs,
  type DriverBinder,
  IBootParams,
  IBusNotifier,
  IBusRegistry,
  ICharDevRegistry,
  IDeferredProbe,
  IDeviceCore,
  IDeviceLinks,
  IDevtmpfs,
  IDriverBinder,
  IKobjectUevent,
  ILockdown,
  IModuleLoader,
  IResourceTree,
  ISysfs,
  ITaint,
  type BusNotifier,
  type IKobjectUevent as KobjectUevent,
  type Lockdown,
  type ModuleLoader,
  type ResourceTree,
  type Sysfs,
  type Taint,
  busModule,
  type ModprobeConfig,
  type ModuleCaller,
  parseModprobeConfig,
} from '../bus/index.js';
import { IPresetHost } from '../drivers/index.js';
import { IPciOptions } from '../pci/index.js';
import { IProcessTable, IVfs, type ProcessTable, type Vfs } from '../userspace/index.js';
import { checkQuiescent, restoreContainer, snapshotContainer } from './machine-snapshot.js';
import { ServiceGraph } from './service-graph.js';
import { IMachineOptions, type MachineOptions, type ResolvedMachineOptions, resolveMachineOptions } from './machine-options.js';

export const IMachine: ServiceIdentifier<Machine> = Symbol.for('IMachine');

/** /etc/modprobe.d as the machine options give it: one file, auxbus.conf. */
function modprobeConfig(options: ResolvedMachineOptions): ModprobeConfig {
  const files = options.modprobe.length > 0 ? [{ name: 'auxbus.conf', text: options.modprobe.join('\n') }] : [];
  return parseModprobeConfig(files, options.cmdline);
}

/** Started first at boot, so it sees every kernel uevent (the machine's udevd adapter). */
export interface IBootDaemon extends IDisposable {
  start(): void;
}
export const IBootDaemon: ServiceIdentifier<IBootDaemon> = Symbol.for('IBootDaemon');

export class Machine implements IDisposable, Snapshottable {
  readonly options: ResolvedMachineOptions;
  /** The machine's deterministic scheduler (also bound as IScheduler). */
  readonly scheduler: Scheduler;
  readonly #services: ServiceGraph;
  #booted = false;
  #disposed = false;
  #released = false;

  /**
   * A machine of the driver core plus `modules` (each folder's ContainerModule), loaded in the
   * kernel's link order; their initcalls then run in that order, before any device exists.
   */
  constructor(options: MachineOptions = {}, modules: readonly ContainerModule[] = []) {
    this.options = resolveMachineOptions(options);
    const services = new ServiceGraph();
    this.#services = services;
    const clock = new SimulatedClock();
    const scheduler = new Scheduler(clock);
    scheduler.setPolicy(this.options.policy);
    this.scheduler = scheduler;
    const machine = new ContainerModule(({ bind }) => {
      bind(IClock).toConstantValue(clock);
      bind(IScheduler).toConstantValue(scheduler);
      bind(ILogService).toConstantValue(new LogService(() => clock.now()));
      bind(IMachineOptions).toConstantValue(this.options);
      bind(IBootParams).toConstantValue({ cmdline: this.options.cmdline, lockdown: this.options.lockdown });
      bind(IPciOptions).toConstantValue({ doe: this.options.doe });
      bind(IMachine).toConstantValue(this);
      bind(IServiceRegistry).toConstantValue(services);
    });
    services.load(machine, busModule, ...modules);
    this.modules.configure(modprobeConfig(this.options), this.options.cmdline);
    // Kernel init (init/main.c do_initcalls).
    if (services.isBound(IInitcall)) for (const initcall of services.getAll(IInitcall)) initcall.run((id) => services.get(id));
  }

  /**
   * The machine's inversify container: every service, as a constant once built. Made on first
   * access (ServiceGraph); bind a stand-in here to replace a service.
   */
  get container(): Container {
    return this.#services.container;
  }

  /** A service of this machine, typed by its identifier (built on first use). */
  get<T>(id: ServiceIdentifier<T>): T {
    return this.#services.get(id);
  }

  /** Whether anything is bound to `id` in this machine. */
  isBound(id: ServiceIdentifier): boolean {
    return this.#services.isBound(id);
  }

  get clock(): SimulatedClock {
    return this.scheduler.clock;
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
    if (this.isBound(IBootDaemon)) this.get(IBootDaemon).start();
    // systemd-modules-load: module_load_and_warn, which honours the whole blacklist.
    for (const m of this.options.modules) this.modules.modprobe(m, { blacklist: 'all' });
    if (this.isBound(IPresetHost)) {
      const presets = this.get(IPresetHost);
      for (const name of this.options.presets) presets.plug(name);
      for (const fleet of this.options.fleets) presets.plugFleet(fleet);
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

  /** Hot-add an endpoint preset below the empty PCIe port `portBdf` of a fleet (or the `cxl-switch` preset). */
  hotplugBelow(portBdf: string, preset: string): void {
    if (!this.isBound(IPresetHost)) throw kerr('ENODEV', 'no preset hardware in this machine');
    this.get(IPresetHost).plugBelow(portBdf, preset);
  }

  /** Hot-add one more instance of a preset (DESIGN.md §4 placement). */
  hotplug(preset: string): void {
    if (!this.isBound(IPresetHost)) throw kerr('ENODEV', 'no preset hardware in this machine');
    this.get(IPresetHost).plug(preset);
  }

  /** Surprise removal of a PCI function. */
  unplug(bdf: string): void {
    if (!this.isBound(IPresetHost)) throw kerr('ENODEV', 'no preset hardware in this machine');
    this.get(IPresetHost).unplug(bdf);
  }

  /** Teardown: every process exits (its open files close), then the boot daemon unsubscribes. A second dispose does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.isBound(IProcessTable)) for (const p of this.processes.all) p.exit();
    if (this.isBound(IBootDaemon)) this.get(IBootDaemon).dispose();
  }

  /**
   * dispose(), then the container forgets every service: unlike after dispose(), the machine
   * cannot be inspected afterwards. (A machine makes no WeakRef, so a loop that builds and drops
   * machines without yielding keeps none alive, released or not: see ServiceGraph.)
   */
  release(): void {
    this.dispose();
    if (this.#released) return;
    this.#released = true;
    this.#services.clear();
  }

  /**
   * Records the machine's whole state (and that of `roots`, objects outside the machine that the
   * caller wants rolled back with it) for `restore` (docs/snapshot.md). Take it at a quiescent
   * point: between steps, not inside a task.
   * @throws {DriverModelError} EBUSY while a task whose state lives in a closure is pending (a DOE exchange).
   */
  snapshot(roots: readonly unknown[] = []): SnapshotToken {
    checkQuiescent(this.scheduler);
    return snapshotContainer(this.#services.builtContainer, [this, ...roots]);
  }

  /** Puts the state `token` recorded back into the same objects; any number of times. */
  restore(token: SnapshotToken): void {
    restoreContainer(token);
  }

  snapshotFields(): readonly unknown[] {
    return [this.#services, this.#booted, this.#disposed, this.#released];
  }
  restoreFields(v: readonly unknown[]): void {
    [, this.#booted, this.#disposed, this.#released] = v as [unknown, boolean, boolean, boolean];
  }

  /**
   * A device by name: its bus name (`0000:0d:00.0`, `cxl_pci.doe.1`), class name (`eth0`), or
   * `bus:name` / `class:name` (BusRegistry.findDeviceByName).
   * @throws {DriverModelError} ENODEV when nothing matches; EINVAL when a bare name is ambiguous.
   */
  findDevice(name: string): Device {
    return this.buses.findDeviceByName(name);
  }
}
