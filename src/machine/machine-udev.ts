/**
 * udevd on the simulated machine: one UdevDaemon per machine over MachineSysfs/MachineDevFs, fed
 * by the kernel's uevents from the moment boot starts it (it is the machine's IBootDaemon),
 * loading modules through the machine's ModuleLoader for the `kmod` builtin, and a MonitorLog
 * that records both netlink groups for `udevadm monitor`.
 */
import { ContainerModule, inject, injectable, type ServiceIdentifier } from 'inversify';
import { Disposable, kerr } from '../base/index.js';
import { IUdevNetifRenamer } from '../bus/index.js';
import { type KmodHost, MonitorLog, UdevDaemon, udevRulesFiles } from '../udev/index.js';
import { IBootDaemon, IMachine, type Machine } from './machine.js';
import { IMachineOptions, type ResolvedMachineOptions } from './machine-options.js';
import { MachineDevFs, MachineSysfs } from './udev-fs.js';

export const IMachineUdev: ServiceIdentifier<MachineUdev> = Symbol.for('IMachineUdev');

/**
 * kmod over the machine's modules: lookup as kmod_module_new_from_lookup (modprobe.d aliases,
 * module names, modules.alias); insertion with KMOD_PROBE_APPLY_BLACKLIST, as udev's
 * module_load_and_warn asks, so a blacklisted module is never loaded by udev.
 */
function machineKmod(machine: Machine): KmodHost {
  // The machine's one ModuleLoader, found on first use (a service is built once per machine and
  // restored in place, so the reference never changes): not a graph lookup per call.
  let loader: Machine['modules'] | undefined;
  const modules = () => (loader ??= machine.modules);
  return {
    lookup: (nameOrAlias) => modules().lookup(nameOrAlias).names,
    isLoaded: (name) => modules().isLoaded(name),
    insert: (name) => modules().modprobe(name, { blacklist: 'all' }),
  };
}

/** udevd of one machine, with the views and the monitor log `udevadm` works on. */
@injectable()
export class MachineUdev extends Disposable implements IBootDaemon {
  readonly daemon: UdevDaemon;
  /** Kernel and udev netlink messages since udevd started, in arrival order. */
  readonly monitor = new MonitorLog();
  readonly sysfs: MachineSysfs;
  readonly devfs: MachineDevFs;

  constructor(
    @inject(IMachine) private readonly machine: Machine,
    @inject(IMachineOptions) options: ResolvedMachineOptions,
  ) {
    super();
    this.sysfs = new MachineSysfs(machine);
    this.devfs = new MachineDevFs(machine.devtmpfs);
    this.daemon = new UdevDaemon(
      {
        sysfs: this.sysfs,
        devfs: this.devfs,
        scheduler: machine.scheduler,
        nowUsec: () => machine.clock.nowUsec(),
        cmdline: options.cmdline,
        kmod: machineKmod(machine),
        ...(options.hwdb ? { hwdb: options.hwdb } : {}),
        renameNetif(ifindex, oldName, newName) {
          if (!machine.isBound(IUdevNetifRenamer)) throw kerr('ENODEV', `no network interface ${ifindex}`);
          machine.get(IUdevNetifRenamer).rename(ifindex, oldName, newName);
        },
      },
      { rules: udevRulesFiles(options.rules, options.autoload) },
    );
  }

  /** Boot hook: listen to the kernel's uevents (both as udevd and as a kernel monitor), then start udevd. */
  start(): void {
    if (this.daemon.started) return;
    const clock = this.machine.clock;
    this._register(
      this.machine.uevent.onDidSend((ev) => {
        this.monitor.receive('kernel', clock.nowUsec(), ev.seqnum, ev.vars);
        this.daemon.receive({ seqnum: ev.seqnum, vars: ev.vars });
      }),
    );
    this._register(this.daemon.onDidBroadcast((p) => this.monitor.receive('udev', p.usec, p.seqnum, p.message)));
    this.daemon.start();
  }
}

/** The udev side of a machine. */
export function machineUdev(machine: Machine): MachineUdev {
  return machine.get(IMachineUdev);
}

/** The udev adapter of a machine: MachineUdev, started at boot as the IBootDaemon. */
export const machineUdevModule = new ContainerModule(({ bind }) => {
  bind(IMachineUdev).to(MachineUdev).inSingletonScope();
  bind(IBootDaemon).toService(IMachineUdev);
});
