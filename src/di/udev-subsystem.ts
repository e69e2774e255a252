/**
 * udevd on the simulated machine: one UdevDaemon per machine over MachineSysfs/MachineDevFs, fed
 * by the kernel's uevents from the moment boot starts it (it is the machine's IUdevDaemonHost),
 * loading modules through the machine's ModuleLoader for the `kmod` builtin, and a MonitorLog
 * that records both netlink groups for `udevadm monitor`.
 */
import { inject, injectable } from 'inversify';
import { ContainerModule } from 'inversify';
import { type IDisposable, kerr } from '../base/index.js';
import { type KmodHost, MonitorLog, UdevDaemon, monitorMessage, udevRulesFiles } from '../udev/index.js';
import { IUdevDaemonHost } from './hooks.js';
import { IMachine, type Machine } from './machine.js';
import { IMachineOptions, type ResolvedMachineOptions } from './machine-options.js';
import type { Subsystem } from './subsystem.js';
import { MachineDevFs, MachineSysfs } from './udev-fs.js';

export const IMachineUdev = Symbol.for('IMachineUdev');

/**
 * rtnl_set_link_name() for udev's NAME=: bound by the network subsystem once netdevs exist.
 * Unbound, a rename fails with ENODEV (there is no interface to rename).
 */
export interface IUdevNetifRenamer {
  rename(ifindex: number, oldName: string, newName: string): void;
}
export const IUdevNetifRenamer = Symbol.for('IUdevNetifRenamer');

/**
 * kmod over the machine's modules: lookup as kmod_module_new_from_lookup (modprobe.d aliases,
 * module names, modules.alias); insertion with KMOD_PROBE_APPLY_BLACKLIST, as udev's
 * module_load_and_warn asks, so a blacklisted module is never loaded by udev.
 */
function machineKmod(machine: Machine): KmodHost {
  return {
    lookup: (nameOrAlias) => machine.modules.lookup(nameOrAlias).names,
    isLoaded: (name) => machine.modules.isLoaded(name),
    insert: (name) => machine.modules.modprobe(name, { blacklist: 'all' }),
  };
}

/** udevd of one machine, with the views and the monitor log `udevadm` works on. */
@injectable()
export class MachineUdev implements IUdevDaemonHost {
  readonly daemon: UdevDaemon;
  /** Kernel and udev netlink messages since udevd started, in arrival order. */
  readonly monitor = new MonitorLog();
  readonly sysfs: MachineSysfs;
  readonly devfs: MachineDevFs;
  readonly #subscriptions: IDisposable[] = [];

  constructor(
    @inject(IMachine) private readonly machine: Machine,
    @inject(IMachineOptions) options: ResolvedMachineOptions,
  ) {
    this.sysfs = new MachineSysfs(machine);
    this.devfs = new MachineDevFs(machine.devtmpfs);
    const container = machine.container;
    this.daemon = new UdevDaemon(
      {
        sysfs: this.sysfs,
        devfs: this.devfs,
        scheduler: machine.scheduler,
        nowUsec: () => machine.clock.nowUsec(),
        cmdline: options.cmdline,
        kmod: machineKmod(machine),
        renameNetif(ifindex, oldName, newName) {
          if (!container.isBound(IUdevNetifRenamer)) throw kerr('ENODEV', `no network interface ${ifindex}`);
          container.get<IUdevNetifRenamer>(IUdevNetifRenamer).rename(ifindex, oldName, newName);
        },
      },
      { rules: udevRulesFiles(options.rules, options.autoload) },
    );
  }

  /** Boot hook: listen to the kernel's uevents (both as udevd and as a kernel monitor), then start udevd. */
  start(): void {
    if (this.daemon.started) return;
    const clock = this.machine.clock;
    this.#subscriptions.push(
      this.machine.uevent.onDidSend((ev) => {
        const env = ev.envOrder.map((k) => [k, ev.env[k] ?? ''] as const);
        this.monitor.record(monitorMessage('kernel', clock.nowUsec(), ev.seqnum, env));
        this.daemon.receive({ seqnum: ev.seqnum, env });
      }),
      this.daemon.onDidBroadcast((p) => this.monitor.record(monitorMessage('udev', p.usec, p.seqnum, p.properties))),
    );
    this.daemon.start();
  }
}

/** The udev side of a machine. */
export function machineUdev(machine: Machine): MachineUdev {
  return machine.get<MachineUdev>(IMachineUdev);
}

export const udevSubsystem: Subsystem = {
  name: 'udev',
  bindings: new ContainerModule(({ bind }) => {
    bind(IMachineUdev).to(MachineUdev).inSingletonScope();
    bind(IUdevDaemonHost).toService(IMachineUdev);
  }),
  init: () => {},
};
