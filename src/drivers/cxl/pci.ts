/**
 * cxl_pci (drivers/cxl/pci.c, with the DOE split of the 2021 auxiliary-device proposal): binds
 * CXL memory devices by class, enables them and claims their BARs, and splits off one
 * auxiliary device per DOE capability (`cxl_pci.doe.N`, config-space order; only under the
 * `aux-exclusive` policy) plus `cxl_pci.fwctl.N`, numbered from per-name IDAs. Every child is
 * devm-managed, so it goes when cxl_pci unbinds: after remove(), newest first, before the
 * function's `unbind` uevent. The memdev/port/region side of the real driver is not modelled.
 */
import { inject, injectable } from 'inversify';
import { DriverModelError, ILogService, type ILogService as LogService, kerr } from '../../base/index.js';
import { AuxiliaryBus, IAuxiliaryBus } from '../../aux/index.js';
import { type ModuleEntry, defineModule, devmAddAction } from '../../bus/index.js';
import {
  IPciCore,
  type PciCore,
  type PciDevice,
  PciDriver,
  pciDeviceClass,
  pciFindDvsecCapability,
  pciIrqFlags,
  pciModuleAliases,
} from '../../pci/index.js';
import type { DoeMailboxRef } from '../doe/mailbox.js';
import { CXL_DOE_PROTOCOL_TABLE_ACCESS, PCI_VENDOR_ID_CXL as DOE_VENDOR_CXL } from '../doe/doe.js';
import { IPciCoreDoe, type PciCoreDoe } from '../doe/pci-core-doe.js';
import { readCdatData } from './cdat.js';

export const CXL_PCI_MODNAME = 'cxl_pci';

/** PCI_VENDOR_ID_CXL and CXL_DVSEC_REG_LOCATOR (CXL 3.1 §8.1.9). */
const PCI_VENDOR_ID_CXL = 0x1e98;
const CXL_DVSEC_REG_LOCATOR = 8;

/** PCI_DEVICE_CLASS((PCI_CLASS_MEMORY_CXL << 8) | CXL_MEMORY_PROGIF, ~0): class 05 02 10 exactly. */
export const cxlPciIdTable = [pciDeviceClass(0x050210, 0xffffff)];

/** What `cxl_pci.fwctl.N` carries for the fwctl driver that will bind it. */
export interface CxlFwctlRef {
  readonly kind: 'cxl-fwctl';
  readonly pdev: PciDevice;
}

@injectable()
export class CxlPciModule implements ModuleEntry {
  readonly driver: PciDriver;

  constructor(
    @inject(IPciCore) private readonly pci: PciCore,
    @inject(IAuxiliaryBus) private readonly aux: AuxiliaryBus,
    @inject(IPciCoreDoe) private readonly coreDoe: PciCoreDoe,
    @inject(ILogService) private readonly log: LogService,
  ) {
    this.driver = new PciDriver({
      name: CXL_PCI_MODNAME,
      idTable: cxlPciIdTable,
      module: CXL_PCI_MODNAME,
      probe: (pdev) => this.#probe(pdev),
    });
  }

  init(): void {
    this.pci.registerDriver(this.driver);
  }

  exit(): void {
    this.pci.unregisterDriver(this.driver);
  }

  /**
   * cxl_pci_probe: enable, find the register blocks (no Register Locator DVSEC: ENODEV, so a
   * function forced here by driver_override stays unbound, quietly), claim the BARs, then the
   * children in DOE order and fwctl last.
   */
  #probe(pdev: PciDevice): void {
    this.pci.pcimEnableDevice(pdev);
    if (pciFindDvsecCapability(pdev, PCI_VENDOR_ID_CXL, CXL_DVSEC_REG_LOCATOR) === 0) {
      throw kerr('ENODEV', `${pdev.name}: no CXL Register Locator DVSEC`);
    }
    this.pci.pcimRequestRegions(pdev, CXL_PCI_MODNAME);
    // cxl_alloc_irq_vectors: 1 to CXL_PCI_DEFAULT_MAX_VECTORS (16) of MSI-X or MSI; since v6.10 a
    // failure only leaves the mailbox and events without interrupts (irq_avail false).
    try {
      this.pci.allocIrqVectors(pdev, 1, 16, pciIrqFlags.MSIX | pciIrqFlags.MSI);
    } catch (e) {
      if (!DriverModelError.is(e)) throw e;
    }
    if (this.pci.doePolicy === 'aux-exclusive') {
      pdev.doeMailboxes.forEach((mb, index) => {
        const ref: DoeMailboxRef = { kind: 'doe-mailbox', pdev, capOffset: mb.offset, index };
        this.#addChild(pdev, 'doe', ref);
      });
    }
    const fwctl: CxlFwctlRef = { kind: 'cxl-fwctl', pdev };
    this.#addChild(pdev, 'fwctl', fwctl);
    // pci-core-shared: the CXL consumer finds the CDAT mailbox the PCI core created and reads
    // the table through it (read_cdat_data); under aux-exclusive pci_doe does it after binding.
    if (this.pci.doePolicy === 'pci-core-shared') {
      this.coreDoe.whenMailbox(pdev, DOE_VENDOR_CXL, CXL_DOE_PROTOCOL_TABLE_ACCESS, (mb) => {
        if (mb && pdev.driver?.name === CXL_PCI_MODNAME) readCdatData(mb, this.log, `cxl_pci ${pdev.name}`);
      });
    }
  }

  /** One devm child with an id from the IDA of its match name (freed after the child is gone). */
  #addChild(pdev: PciDevice, devname: string, data: unknown): void {
    const matchName = `${CXL_PCI_MODNAME}.${devname}`;
    const id = this.aux.idaAlloc(matchName);
    devmAddAction(pdev, `ida_free ${matchName}.${id}`, () => this.aux.idaFree(matchName, id));
    const adev = this.aux.devmDeviceCreate(pdev, CXL_PCI_MODNAME, devname, data, id);
    if (!adev) throw kerr('ENOMEM', `${pdev.name}: failed to create ${matchName}.${id}`);
  }
}

export const cxlPciModuleInfo = defineModule(
  {
    name: CXL_PCI_MODNAME,
    aliases: pciModuleAliases(cxlPciIdTable),
    description: 'CXL memory expander PCI driver (DOE mailboxes as auxiliary devices)',
  },
  CxlPciModule,
);
