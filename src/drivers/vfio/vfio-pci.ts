/**
 * vfio-pci (drivers/vfio/pci/vfio_pci.c, vfio_pci_core.c; reference §8.9–§8.11): module
 * `vfio_pci` (needs vfio_pci_core and vfio), driver `vfio-pci`, driver_managed_dma. Its one id
 * is override-only (PCI_DRIVER_OVERRIDE_DEVICE_VFIO(ANY, ANY)): it binds only through
 * driver_override = "vfio-pci" or a dynamic id (new_id); its alias `vfio_pci:…` never matches a
 * device's `pci:` MODALIAS, so it is never autoloaded.
 *
 * Probe refusals in vfio_pci_core_register_device's order: not a normal header (bridges) →
 * EINVAL; a PF with VFs enabled → "Cannot bind to PF with SR-IOV enabled", EBUSY; no IOMMU group
 * → EINVAL. Then the group (`add vfio N` for its first device) before the PCI `bind`.
 * Remove → vfio_pci_core_unregister_device → the vfio core's wait for open device files, with
 * vfio_pci_core_request: with a request eventfd, signal it and log "Relaying device request to
 * user (#i)" when i % 10 == 0; without one, warn once "No device request channel registered,
 * blocked until released by user". sriov_configure without the `enable_sriov` parameter → ENOENT.
 * The denylist (QAT, DSA, IAX), VGA arbitration, VF tokens and the PF bus notifier that captures
 * new VFs are not modelled.
 */
import { inject, injectable } from 'inversify';
import { ILogService, kerr } from '../../base/index.js';
import { type CharDevFile, type ModuleEntry, defineModule } from '../../bus/index.js';
import { IPciCore, PCI_ANY_ID, type PciCore, type PciDevice, PciDriver, pciDevice, pciModuleAliases, pciSriov } from '../../pci/index.js';
import { type UserspaceHandle, userspaceHandleBrand } from '../ownership.js';
import { IVfioCore, VFIO_MODNAME, type VfioCore, VfioDevice, type VfioDeviceOps } from './vfio-main.js';

export const VFIO_PCI_MODNAME = 'vfio_pci';
export const VFIO_PCI_CORE_MODNAME = 'vfio_pci_core';
export const VFIO_PCI_DRIVER = 'vfio-pci';

/** vfio_pci_table: one override-only entry matching anything. */
export const vfioPciIdTable = [pciDevice(PCI_ANY_ID, PCI_ANY_ID, { overrideOnly: true })];

/** A bound function's driver data: who holds it (DESIGN.md §3 "Who is the owner"). */
export class VfioPciDevice implements UserspaceHandle {
  readonly [userspaceHandleBrand] = true as const;
  constructor(readonly vdev: VfioDevice) {}

  /** The group file's holder, else a device file's; none while nothing is open. */
  get holder(): CharDevFile | undefined {
    return this.vdev.group?.openFile ?? [...this.vdev.files][0];
  }
}

@injectable()
export class VfioPciModule implements ModuleEntry {
  readonly driver: PciDriver;
  readonly #ops: VfioDeviceOps;

  constructor(
    @inject(IPciCore) private readonly pci: PciCore,
    @inject(IVfioCore) private readonly vfio: VfioCore,
    @inject(ILogService) private readonly log: ILogService,
  ) {
    this.driver = new PciDriver({
      name: VFIO_PCI_DRIVER,
      idTable: vfioPciIdTable,
      module: VFIO_PCI_MODNAME,
      driverManagedDma: true,
      probe: (pdev) => this.#probe(pdev),
      remove: (pdev) => this.#remove(pdev),
      sriovConfigure: (pdev) => {
        // vfio_pci_sriov_configure: only with the enable_sriov module parameter (off).
        throw kerr('ENOENT', `vfio-pci ${pdev.name}: SR-IOV needs enable_sriov=1`);
      },
    });
    this.#ops = {
      module: VFIO_PCI_MODNAME,
      request: (vdev, count) => this.#request(vdev, count),
      ioctl: (vdev, cmd) => {
        if (cmd === 'VFIO_DEVICE_GET_INFO') return { flags: ['PCI', 'RESET'], numRegions: 9, numIrqs: 5, device: vdev.pdev.name };
        if (cmd === 'VFIO_DEVICE_RESET') {
          this.pci.resetFunction(vdev.pdev);
          return 0;
        }
        throw kerr('ENOTTY', `vfio-pci: unknown device ioctl ${cmd}`);
      },
    };
  }

  init(): void {
    this.pci.registerDriver(this.driver);
  }

  exit(): void {
    this.pci.unregisterDriver(this.driver);
  }

  #probe(pdev: PciDevice): void {
    if (pdev.isBridge || (pdev.hdrType & 0x7f) !== 0) throw kerr('EINVAL', `vfio-pci ${pdev.name}: not a normal header`);
    if ((pciSriov(pdev)?.numVFs ?? 0) > 0) {
      this.log.log('warning', 'kernel', `vfio-pci ${pdev.name}: Cannot bind to PF with SR-IOV enabled`);
      throw kerr('EBUSY', `vfio-pci ${pdev.name}: PF with VFs enabled`);
    }
    const vdev = new VfioDevice(pdev, this.#ops);
    this.vfio.registerGroupDev(vdev);
    pdev.driverData = new VfioPciDevice(vdev);
  }

  #remove(pdev: PciDevice): void {
    const data = pdev.driverData;
    if (!(data instanceof VfioPciDevice)) return;
    this.vfio.unregisterGroupDev(data.vdev);
    pdev.driverData = undefined;
  }

  /** vfio_pci_core_request. */
  #request(vdev: VfioDevice, count: number): void {
    const name = vdev.pdev.name;
    if (vdev.requestTrigger) {
      if (count % 10 === 0) this.log.log('notice', 'kernel', `vfio-pci ${name}: Relaying device request to user (#${count})`);
      vdev.requestTrigger(count);
    } else if (count === 0) {
      this.log.log('warning', 'kernel', `vfio-pci ${name}: No device request channel registered, blocked until released by user`);
    }
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#ops];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/** vfio_pci_core: the library vfio-pci and its variant drivers build on (nothing of its own here). */
@injectable()
export class VfioPciCoreModule implements ModuleEntry {
  init(): void {}
  exit(): void {}
}

export const vfioPciCoreModuleInfo = defineModule(
  { name: VFIO_PCI_CORE_MODNAME, depends: [VFIO_MODNAME], description: 'core driver for VFIO based PCI devices' },
  VfioPciCoreModule,
);

export const vfioPciModuleInfo = defineModule(
  {
    name: VFIO_PCI_MODNAME,
    depends: [VFIO_MODNAME, VFIO_PCI_CORE_MODNAME],
    aliases: pciModuleAliases(vfioPciIdTable),
    description: 'VFIO PCI - User Level meta-driver',
  },
  VfioPciModule,
);
