/**
 * pci_doe: the kernel's DOE mailbox driver, `pci_doe.doe`, for the DOE auxiliary devices cxl_pci
 * creates (DESIGN.md §3). Under `aux-exclusive` binding claims the mailbox's 0x18-byte config
 * range exclusive, so userspace `config` writes into it fail with EPERM; unbinding releases the
 * claim through devres. Reading the CDAT through mailbox 0 after binding comes with the DOE
 * exchange engine.
 */
import { inject, injectable } from 'inversify';
import { kerr } from '../../base/index.js';
import {
  type AuxiliaryBus,
  type AuxiliaryDevice,
  type AuxiliaryDeviceId,
  AuxiliaryDriver,
  IAuxiliaryBus,
  auxiliaryModuleAliases,
} from '../../aux/index.js';
import { type ModuleEntry, defineModule, devmAddAction } from '../../bus/index.js';
import { IPciCore, PCI_DOE_CAP_SIZEOF, type PciCore } from '../../pci/index.js';
import { doeMailboxOf } from './mailbox.js';

export const PCI_DOE_MODNAME = 'pci_doe';

export const pciDoeIdTable: readonly AuxiliaryDeviceId[] = [{ name: 'cxl_pci.doe' }];

@injectable()
export class PciDoeModule implements ModuleEntry {
  readonly driver: AuxiliaryDriver;

  constructor(
    @inject(IAuxiliaryBus) private readonly aux: AuxiliaryBus,
    @inject(IPciCore) private readonly pci: PciCore,
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
    const mb = doeMailboxOf(adev);
    if (!mb) throw kerr('ENODEV', `${adev.name}: not a DOE mailbox`);
    if (this.pci.doePolicy !== 'aux-exclusive') return;
    this.pci.requestConfigRegionExclusive(mb.pdev, mb.capOffset, PCI_DOE_CAP_SIZEOF, adev.name);
    devmAddAction(adev, 'pci_release_config_region', () => this.pci.releaseConfigRegion(mb.pdev, mb.capOffset, PCI_DOE_CAP_SIZEOF));
  }
}

export const pciDoeModuleInfo = defineModule(
  { name: PCI_DOE_MODNAME, aliases: auxiliaryModuleAliases(pciDoeIdTable), description: 'PCIe DOE mailbox driver' },
  PciDoeModule,
);
