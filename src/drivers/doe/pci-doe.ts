/**
 * pci_doe: the kernel's DOE mailbox driver, `pci_doe.doe`, for the DOE auxiliary devices cxl_pci
 * creates (DESIGN.md §3). probe(): under `aux-exclusive` claim the mailbox's 0x18-byte config
 * range exclusive (userspace `config` writes into it then fail with EPERM; devres releases the
 * claim at unbind), create the kernel mailbox (drivers/pci/doe.c: Abort, Discovery, on the
 * scheduler in virtual time), and once its features are cached show them in the function's
 * `doe_features/` (pci_doe_sysfs_feature_populate) and run the kernel consumers: the
 * CXL CDAT read on a Table Access mailbox, and CMA/SPDM authentication on a 0001:01 mailbox when
 * the machine has a kernel SPDM requester (`IKernelCma`). Unbinding removes the mailbox's
 * doe_features files and cancels its work (pci_doe_cancel_tasks) before the claim is released.
 */
import { inject, injectable, optional } from 'inversify';
import { ILogService, IScheduler, type ILogService as LogService, type IScheduler as Scheduler, kerr } from '../../base/index.js';
import {
  type AuxiliaryBus,
  type AuxiliaryDevice,
  type AuxiliaryDeviceId,
  AuxiliaryDriver,
  IAuxiliaryBus,
  auxiliaryModuleAliases,
} from '../../aux/index.js';
import { type ModuleEntry, defineModule, devmAddAction } from '../../bus/index.js';
import { IPciCore, PCI_DOE_CAP_SIZEOF, type PciCore, pciDoeSysfs } from '../../pci/index.js';
import { readCdatData } from '../cxl/cdat.js';
import { type CmaResult, IKernelCma, type KernelCma, recordCmaResult } from './cma.js';
import { CXL_DOE_PROTOCOL_TABLE_ACCESS, PCI_DOE_FEATURE_CMA, PCI_VENDOR_ID_CXL, PCI_VENDOR_ID_PCI_SIG, PciDoeMb } from './doe.js';
import { doeMailboxOf } from './mailbox.js';

export const PCI_DOE_MODNAME = 'pci_doe';

export const pciDoeIdTable: readonly AuxiliaryDeviceId[] = [{ name: 'cxl_pci.doe' }];

/** pci_doe's driver data: the kernel mailbox and what its consumers found. */
export class PciDoeBinding {
  cma: CmaResult | undefined;
  constructor(readonly mb: PciDoeMb) {}
}

/** The kernel mailbox of a DOE auxiliary device bound to pci_doe, if it is. */
export function pciDoeBindingOf(adev: AuxiliaryDevice): PciDoeBinding | undefined {
  return adev.driverData instanceof PciDoeBinding ? adev.driverData : undefined;
}

@injectable()
export class PciDoeModule implements ModuleEntry {
  readonly driver: AuxiliaryDriver;

  constructor(
    @inject(IAuxiliaryBus) private readonly aux: AuxiliaryBus,
    @inject(IPciCore) private readonly pci: PciCore,
    @inject(IScheduler) private readonly scheduler: Scheduler,
    @inject(ILogService) private readonly log: LogService,
    @inject(IKernelCma) @optional() private readonly cma: KernelCma | undefined,
  ) {
    this.driver = new AuxiliaryDriver({ name: 'doe', idTable: pciDoeIdTable, probe: (adev) => this.#probe(adev) });
  }

  init(): void {
    this.aux.driverRegister(this.driver, PCI_DOE_MODNAME);
  }

  exit(): void {
    this.aux.driverUnregister(this.driver);
  }

  /** @throws {DriverModelError} ENODEV without a mailbox; EBUSY when its range is claimed already. */
  #probe(adev: AuxiliaryDevice): void {
    const ref = doeMailboxOf(adev);
    if (!ref) throw kerr('ENODEV', `${adev.name}: not a DOE mailbox`);
    if (this.pci.doePolicy === 'aux-exclusive') {
      this.pci.requestConfigRegionExclusive(ref.pdev, ref.capOffset, PCI_DOE_CAP_SIZEOF, adev.name);
      devmAddAction(adev, 'pci_release_config_region', () => this.pci.releaseConfigRegion(ref.pdev, ref.capOffset, PCI_DOE_CAP_SIZEOF));
    }
    const mb = new PciDoeMb({ pdev: ref.pdev, capOffset: ref.capOffset, scheduler: this.scheduler, log: this.log });
    const binding = new PciDoeBinding(mb);
    adev.driverData = binding;
    // Released before the claim (devres runs newest first): no work touches the range after.
    devmAddAction(adev, 'pci_doe_destroy', () => mb.cancelTasks());
    // pci_doe_sysfs_teardown: the mailbox's doe_features files go with it (before its work).
    devmAddAction(adev, 'pci_doe_sysfs_teardown', () => pciDoeSysfs(ref.pdev).remove(ref.capOffset));
    const who = `pci_doe.doe ${adev.name}`;
    mb.create((ok) => {
      if (!ok) {
        this.log.log('error', 'kernel', `${who}: failed to create mailbox`);
        return;
      }
      // pci_doe_sysfs_feature_populate, from the cache Discovery just filled.
      pciDoeSysfs(ref.pdev).populate(ref.capOffset, mb.features);
      if (mb.supports(PCI_VENDOR_ID_CXL, CXL_DOE_PROTOCOL_TABLE_ACCESS)) readCdatData(mb, this.log, `cxl_pci ${ref.pdev.name}`);
      if (mb.supports(PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_CMA)) this.#authenticate(binding, who, ref.pdev);
    });
  }

  /** pci_cma_init's authentication, when the machine has a kernel SPDM requester. */
  #authenticate(binding: PciDoeBinding, who: string, pdev: object): void {
    if (!this.cma) {
      this.log.log('info', 'kernel', `${who}: CMA/SPDM mailbox; no kernel SPDM requester, not authenticated`);
      return;
    }
    this.cma.authenticate(binding.mb, (r) => {
      binding.cma = r;
      recordCmaResult(pdev, r);
      this.log.log('info', 'kernel', r.authenticated ? `${who}: authenticated` : `${who}: authentication failed: ${r.message}`);
    });
  }
}

export const pciDoeModuleInfo = defineModule(
  { name: PCI_DOE_MODNAME, aliases: auxiliaryModuleAliases(pciDoeIdTable), description: 'PCIe DOE mailbox driver' },
  PciDoeModule,
);
