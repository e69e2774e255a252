/**
 * The race explorer's invariants (issue #11, DESIGN.md §3 and §7), checked after every task the
 * scheduler runs and after every step a lane performs. Each is a row: a name and a check over the
 * machine that returns a violation message or undefined. Checks only read.
 *
 * Step-level invariants (the DOE hand-off, revoked files) need what the step did and are judged
 * by the explorer (explorer.ts) with the helpers here.
 */
import { type Device, devresNames } from '../../bus/index.js';
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
  /**
   * A per-device invariant's test of one device; `check` is this over every device in add order,
   * first failure wins. `checkTaskInvariants` runs every per-device row in one pass.
   */
  readonly device?: (dev: Device, machine: InvariantMachine, seen: InvariantMemo) => string | undefined;
}

/** The row of a per-device invariant. */
function perDevice(name: string, device: NonNullable<Invariant['device']>): Invariant {
  return {
    name,
    device,
    check: (m, memo) => {
      for (const dev of m.core.devices) {
        const msg = device(dev, m, memo);
        if (msg !== undefined) return msg;
      }
      return undefined;
    },
  };
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
      for (const p of m.processes.values()) {
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
  // devres_release_all runs on every unbind (really_probe failure, device_release_driver).
  perDevice('no-devres-on-unbound-device', (dev) => {
    if (dev.driver || dev.p.devres.length === 0) return undefined;
    const left = devresNames(dev);
    return left.length > 0 ? `${dev.displayName} is unbound but holds devres ${left.join(', ')}` : undefined;
  }),
  // The `driver` link exists exactly while the model says the device is bound. Looked up in
  // sysfs (a path walk) only for devices whose binding changed since the last check.
  perDevice('sysfs-agrees-with-model', (dev, m, memo) => {
    if (!dev.bus) return undefined;
    const driver = dev.driver?.name ?? null;
    if (memo.bindings.get(dev) === driver) return undefined;
    memo.bindings.set(dev, driver);
    const link = m.vfs.exists(`/sys${dev.devpath}/driver`);
    if (link === (dev.driver !== null && dev.driver !== undefined)) return undefined;
    return `${dev.displayName}: model says ${dev.driver ? `bound to ${dev.driver.name}` : 'unbound'}, sysfs ${link ? 'has' : 'has no'} driver link`;
  }),
  // A device whose driver_override is set is bound to that driver or to none: an override
  // written after the probe (the too-late override of DESIGN.md §1) leaves another driver bound.
  perDevice('driver-override-respected', (dev) => {
    const override = dev.p.driverOverride;
    if (override !== undefined && dev.driver && dev.driver.name !== override) {
      return `${dev.displayName} has driver_override ${override} but is bound to ${dev.driver.name}`;
    }
    return undefined;
  }),
];

/** A broken invariant: its row's name and message. */
export interface BrokenInvariant {
  readonly name: string;
  readonly message: string;
}

/** The per-device rows (in row order), and each row's index among them (-1: not per-device). */
const DEVICE_ROWS = TASK_INVARIANTS.filter((inv) => inv.device !== undefined);
const DEVICE_INDEX = TASK_INVARIANTS.map((inv) => DEVICE_ROWS.indexOf(inv));

/**
 * What checking TASK_INVARIANTS in row order reports first (each row's first failure in device
 * order), with the per-device rows walking the devices once between them rather than once each.
 * The same answer as the rows one by one: a row's failure is only reported after every earlier
 * row passed, and a per-device row stops at its first failing device, as its `check` does (the
 * memo of one that ran further in this pass only matters to a run that goes on, and a run stops
 * at a broken invariant).
 */
export function checkTaskInvariants(m: InvariantMachine, memo: InvariantMemo): BrokenInvariant | undefined {
  /** Each per-device row's first failure (made at the first one). */
  let failures: (string | undefined)[] | undefined;
  let walked = false;
  for (let i = 0; i < TASK_INVARIANTS.length; i++) {
    const inv = TASK_INVARIANTS[i]!;
    const row = DEVICE_INDEX[i]!;
    if (row < 0) {
      const message = inv.check(m, memo);
      if (message !== undefined) return { name: inv.name, message };
      continue;
    }
    if (!walked) {
      walked = true;
      let open = DEVICE_ROWS.length;
      devices: for (const dev of m.core.devices) {
        for (let r = 0; r < DEVICE_ROWS.length; r++) {
          if (failures?.[r] !== undefined) continue;
          const message = DEVICE_ROWS[r]!.device!(dev, m, memo);
          if (message === undefined) continue;
          (failures ??= [])[r] = message;
          if (--open === 0) break devices;
        }
      }
    }
    const message = failures?.[row];
    if (message !== undefined) return { name: inv.name, message };
  }
  return undefined;
}

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
