/**
 * The race explorer's invariants (issue #11, DESIGN.md §3 and §7), checked after every task the
 * scheduler runs and after every step a lane performs. Each is a row: a name and a check over the
 * machine that returns a violation message or undefined. Checks only read.
 *
 * Step-level invariants (the DOE hand-off, revoked files) need what the step did and are judged
 * by the explorer (explorer.ts) with the helpers here.
 */
import { devresNames } from '../../bus/index.js';
import { IPciCoreDoe, type PciCoreDoe } from '../../drivers/index.js';
import { PciDevice } from '../../pci/index.js';
import type { Machine } from '../machine.js';

/** What the invariants read of a machine (the explorer hands them its services, resolved once a run). */
export type InvariantMachine = Pick<Machine, 'processes' | 'uevent' | 'core' | 'vfs'>;

/**
 * A machine's services as the invariants read them, each looked up once (on first use, as the
 * checks would) rather than at every check. For one run: a service keeps its identity within it.
 */
export class InvariantView implements InvariantMachine {
  // Per run, never in a machine's snapshot graph: plain fields (no Snapshottable needed).
  private processesOnce: Machine['processes'] | undefined;
  private ueventOnce: Machine['uevent'] | undefined;
  private coreOnce: Machine['core'] | undefined;
  private vfsOnce: Machine['vfs'] | undefined;
  constructor(private readonly machine: Machine) {}
  get processes(): Machine['processes'] {
    return (this.processesOnce ??= this.machine.processes);
  }
  get uevent(): Machine['uevent'] {
    return (this.ueventOnce ??= this.machine.uevent);
  }
  get core(): Machine['core'] {
    return (this.coreOnce ??= this.machine.core);
  }
  get vfs(): Machine['vfs'] {
    return (this.vfsOnce ??= this.machine.vfs);
  }
}

export interface Invariant {
  readonly name: string;
  readonly check: (machine: InvariantMachine, seen: InvariantMemo) => string | undefined;
}

/** What an invariant remembers between checks of one schedule (cheap incremental scans). */
export interface InvariantMemo {
  /** The binding each device had when sysfs was last compared with it. */
  readonly bindings: WeakMap<object, string | null>;
  /** Uevents already checked for SEQNUM order. */
  ueventsChecked: number;
  lastSeqnum: number;
}

export const newMemo = (): InvariantMemo => ({ bindings: new WeakMap(), ueventsChecked: 0, lastSeqnum: 0 });

/** The invariants checked after every task, in report order. */
export const TASK_INVARIANTS: readonly Invariant[] = [
  {
    // A /dev/doe mailbox (doe_user's exclusive open) and a vfio group (group->opened) have at
    // most one owning process at a time; /dev/vfio/vfio (a new container per open) is exempt.
    name: 'one-owner-per-mailbox-and-vfio-group',
    check: (m) => {
      // Made at the first exclusive file: most checks meet none.
      let owners: Map<string, string> | undefined;
      for (const p of m.processes.all) {
        for (const f of p.openFiles.values()) {
          const exclusive = f.path.startsWith('/dev/doe/') || (f.path.startsWith('/dev/vfio/') && f.path !== '/dev/vfio/vfio');
          if (!exclusive) continue;
          owners ??= new Map();
          const other = owners.get(f.path);
          if (other !== undefined && other !== p.name) return `${f.path} is held by both ${other} and ${p.name}`;
          owners.set(f.path, p.name);
        }
      }
      return undefined;
    },
  },
  {
    // Each kernel uevent leaves once, SEQNUMs strictly increasing (kobject_uevent_env).
    name: 'uevent-seqnum-order',
    check: (m, memo) => {
      const log = m.uevent.log;
      for (let i = memo.ueventsChecked; i < log.length; i++) {
        const s = log[i]!.seqnum;
        if (s <= memo.lastSeqnum) return `uevent ${log[i]!.action} ${log[i]!.devpath} has SEQNUM ${s} after ${memo.lastSeqnum}`;
        memo.lastSeqnum = s;
      }
      memo.ueventsChecked = log.length;
      return undefined;
    },
  },
  {
    // devres_release_all runs on every unbind (really_probe failure, device_release_driver).
    name: 'no-devres-on-unbound-device',
    check: (m) => {
      for (const dev of m.core.devices) {
        if (dev.driver || dev.p.devres.length === 0) continue;
        const left = devresNames(dev);
        if (left.length > 0) return `${dev.displayName} is unbound but holds devres ${left.join(', ')}`;
      }
      return undefined;
    },
  },
  {
    // The `driver` link exists exactly while the model says the device is bound. Looked up in
    // sysfs (a path walk) only for devices whose binding changed since the last check.
    name: 'sysfs-agrees-with-model',
    check: (m, memo) => {
      for (const dev of m.core.devices) {
        if (!dev.bus) continue;
        const driver = dev.driver?.name ?? null;
        if (memo.bindings.get(dev) === driver) continue;
        memo.bindings.set(dev, driver);
        const link = m.vfs.exists(`/sys${dev.devpath}/driver`);
        if (link !== (dev.driver !== null && dev.driver !== undefined)) {
          return `${dev.displayName}: model says ${dev.driver ? `bound to ${dev.driver.name}` : 'unbound'}, sysfs ${link ? 'has' : 'has no'} driver link`;
        }
      }
      return undefined;
    },
  },
  {
    // A device whose driver_override is set is bound to that driver or to none: an override
    // written after the probe (the too-late override of DESIGN.md §1) leaves another driver bound.
    name: 'driver-override-respected',
    check: (m) => {
      for (const dev of m.core.devices) {
        const override = dev.p.driverOverride;
        if (override !== undefined && dev.driver && dev.driver.name !== override) {
          return `${dev.displayName} has driver_override ${override} but is bound to ${dev.driver.name}`;
        }
      }
      return undefined;
    },
  },
];

/** The kernel's mailbox `index` of PCI function `bdf` under pci-core-shared, if it has one. */
function kernelMailbox(m: Machine, bdf: string, index: number) {
  let coreDoe: PciCoreDoe;
  try {
    coreDoe = m.get(IPciCoreDoe);
  } catch {
    return undefined;
  }
  for (const dev of m.core.devices) {
    if (dev instanceof PciDevice && dev.name === bdf) return coreDoe.mailboxesOf(dev)[index];
  }
  return undefined;
}

/** Whether the kernel has a DOE task in flight on that mailbox (started, not completed). */
export function kernelDoeBusy(m: Machine, bdf: string, index: number): boolean {
  return kernelMailbox(m, bdf, index)?.inExchange ?? false;
}

/** Errnos with which a userspace DOE exchange is refused before it touches a register. */
export const DOE_REFUSALS: ReadonlySet<string> = new Set(['EPERM', 'EACCES', 'ENODEV', 'ENOENT', 'EBADF', 'EBUSY']);

/** Errnos a revoked file may answer (the file's device is gone). close always succeeds. */
export const REVOKED_ERRNOS: ReadonlySet<string> = new Set(['ENODEV']);
