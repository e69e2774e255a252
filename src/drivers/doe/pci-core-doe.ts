/**
 * The PCI core's DOE mailboxes, policy `pci-core-shared` (mainline since v6.4; DESIGN.md §3,
 * reference/protocols.md §1.5 "Mailbox ownership and lookup"): `pci_doe_init` creates one
 * kernel mailbox per DOE capability of every PCI function as it is added (BUS_NOTIFY_ADD_DEVICE
 * stands in for pci_init_capabilities), keyed by capability offset; `pci_doe_destroy` cancels
 * them when the function goes (BUS_NOTIFY_DEL_DEVICE). No auxiliary DOE devices exist and no
 * config range is claimed: userspace may write the registers (tainting U), and the kernel finds
 * out the way hardware tells it — Busy, Error, or a response that was not for it.
 * Under `aux-exclusive` this service does nothing: mailboxes belong to their auxiliary devices.
 */
import { type ServiceIdentifier, inject, injectable, optional } from 'inversify';
import { Event, type IDisposable, ILogService, IScheduler, type ILogService as LogService, type IScheduler as Scheduler } from '../../base/index.js';
import { BusNotifier, IBusNotifier } from '../../bus/index.js';
import { IPciCore, type PciCore, PciDevice, isPciDevice, pciDoeSysfs } from '../../pci/index.js';
import { IKernelCma, type KernelCma, recordCmaResult } from './cma.js';
import { PCI_DOE_FEATURE_CMA, PCI_VENDOR_ID_PCI_SIG, PciDoeMb } from './doe.js';

export const IPciCoreDoe: ServiceIdentifier<PciCoreDoe> = Symbol.for('IPciCoreDoe');

@injectable()
export class PciCoreDoe {
  readonly #mbs = new Map<PciDevice, PciDoeMb[]>();
  readonly #subscriptions: IDisposable[] = [];

  constructor(
    @inject(IPciCore) private readonly pci: PciCore,
    @inject(IBusNotifier) private readonly notifier: BusNotifier,
    @inject(IScheduler) private readonly scheduler: Scheduler,
    @inject(ILogService) private readonly log: LogService,
    @inject(IKernelCma) @optional() private readonly cma: KernelCma | undefined,
  ) {}

  /** The kernel's mailboxes of `pdev`, in config-space order (empty under aux-exclusive). */
  mailboxesOf(pdev: PciDevice): readonly PciDoeMb[] {
    return this.#mbs.get(pdev) ?? [];
  }

  /** Called once at kernel init, after the PCI core knows its policy. */
  init(): void {
    if (this.pci.doePolicy !== 'pci-core-shared') return;
    this.#subscriptions.push(
      Event.filter(
        this.notifier.onDidAddDevice,
        isPciDevice,
      )((dev) => {
        if (dev.doeMailboxes.length > 0) this.#init(dev);
      }),
      Event.filter(this.notifier.onWillRemoveDevice, isPciDevice)((dev) => this.#destroy(dev)),
    );
  }

  /** pci_doe_init: a mailbox per capability, in offset order, each created (Abort, Discovery). */
  #init(pdev: PciDevice): void {
    const mbs = pdev.doeMailboxes.map((c) => new PciDoeMb({ pdev, capOffset: c.offset, scheduler: this.scheduler, log: this.log }));
    this.#mbs.set(pdev, mbs);
    for (const mb of mbs) {
      mb.create((ok) => {
        if (!ok) this.log.log('error', 'kernel', `pci ${pdev.name}: [${mb.capOffset.toString(16)}] failed to create mailbox`);
        // pci_doe_sysfs_init: doe_features/ from the cache (the kernel has it before device_add).
        else pciDoeSysfs(pdev).populate(mb.capOffset, mb.features);
      });
    }
    // pci_cma_init: a function with a CMA/SPDM mailbox is authenticated at enumeration.
    this.whenMailbox(pdev, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_CMA, (mb) => {
      if (!mb || !this.cma) return;
      this.cma.authenticate(mb, (r) => {
        recordCmaResult(pdev, r);
        this.log.log('info', 'kernel', r.authenticated ? `pci ${pdev.name}: authenticated` : `pci ${pdev.name}: authentication failed: ${r.message}`);
      });
    });
  }

  /** pci_doe_destroy / pci_doe_disconnected: cancel every task. */
  #destroy(pdev: PciDevice): void {
    for (const mb of this.#mbs.get(pdev) ?? []) {
      pciDoeSysfs(pdev).remove(mb.capOffset); // pci_doe_sysfs_teardown
      mb.cancelTasks();
    }
    this.#mbs.delete(pdev);
  }

  /** The function's mailboxes, in capability-offset order (empty under aux-exclusive). */
  mailboxes(pdev: PciDevice): readonly PciDoeMb[] {
    return this.#mbs.get(pdev) ?? [];
  }

  /**
   * pci_find_doe_mailbox, once every mailbox of `pdev` finished creation: the first (lowest
   * offset) whose cached features contain (vendor, type), or undefined.
   */
  whenMailbox(pdev: PciDevice, vendor: number, type: number, cb: (mb: PciDoeMb | undefined) => void): void {
    const mbs = [...this.mailboxes(pdev)];
    let left = mbs.length;
    if (left === 0) return cb(undefined);
    for (const mb of mbs) {
      mb.whenReady(() => {
        if (--left === 0) cb(mbs.find((m) => !m.dead && m.supports(vendor, type)));
      });
    }
  }

  dispose(): void {
    for (const s of this.#subscriptions.splice(0)) s.dispose();
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#mbs, this.#subscriptions];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
