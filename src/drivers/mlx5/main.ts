/**
 * mlx5_core's PCI driver (drivers/net/ethernet/mellanox/mlx5/core/main.c and dev.c): enables the
 * function, claims its BARs, takes one `adev_idx` from the module-wide IDA and adds
 * `mlx5_core.eth.N`, `mlx5_core.rdma.N`, `mlx5_core.fwctl.N` with init/add; remove() deletes
 * them from the end of the table, then releases the BARs and the index. The `mlx5_core.eth`
 * auxiliary driver (registered before the PCI driver, as mlx5_init does) comes with netdev.
 */
import { inject, injectable } from 'inversify';
import { IdAllocator } from '../../base/index.js';
import { AuxiliaryBus, AuxiliaryDevice, IAuxiliaryBus, auxiliaryModuleAliases } from '../../aux/index.js';
import { type ModuleEntry, defineModule } from '../../bus/index.js';
import { IPciCore, type PciCore, type PciDevice, PciDriver, pciDevice, pciModuleAliases } from '../../pci/index.js';
import { INetCore, type NetCore } from '../net/index.js';
import { Mlx5eDriver, mlx5eIdTable } from './en-main.js';

export const MLX5_CORE_MODNAME = 'mlx5_core';

/** The preset's entries of mlx5_core_pci_table: ConnectX-6 Dx and its VF (MLX5_PCI_DEV_IS_VF). */
export const mlx5CoreIdTable = [pciDevice(0x15b3, 0x101d), pciDevice(0x15b3, 0x101e, { driverData: 1 })];

/** mlx5_adev_devices, in table order (the subset this function exposes). */
export const mlx5AuxiliaryDevnames = ['eth', 'rdma', 'fwctl'] as const;

/** What each mlx5 auxiliary device carries (its mlx5_adev's mdev). */
export interface Mlx5AdevRef {
  readonly kind: 'mlx5-adev';
  readonly pdev: PciDevice;
  readonly adevIdx: number;
}

/** pci_set_drvdata of a bound function. */
interface Mlx5CoreDev {
  readonly adevIdx: number;
  readonly adevs: AuxiliaryDevice[];
}

@injectable()
export class Mlx5CoreModule implements ModuleEntry {
  readonly driver: PciDriver;
  /** mlx5e's auxiliary driver `mlx5_core.eth` (en_main.c), part of this module. */
  readonly eth: Mlx5eDriver;
  /** mlx5_adev_ida: one index per function, shared by its auxiliary devices. */
  readonly #adevIda = new IdAllocator();

  constructor(
    @inject(IPciCore) private readonly pci: PciCore,
    @inject(IAuxiliaryBus) private readonly aux: AuxiliaryBus,
    @inject(INetCore) net: NetCore,
  ) {
    this.eth = new Mlx5eDriver(aux, net);
    this.driver = new PciDriver({
      name: MLX5_CORE_MODNAME,
      idTable: mlx5CoreIdTable,
      module: MLX5_CORE_MODNAME,
      probe: (pdev) => this.#probe(pdev),
      remove: (pdev) => this.#remove(pdev),
      sriovConfigure: (pdev, n) => this.#sriovConfigure(pdev, n),
    });
  }

  /** mlx5_init: mlx5e_init (the eth auxiliary driver) before the PCI driver. */
  init(): void {
    this.eth.register(MLX5_CORE_MODNAME);
    try {
      this.pci.registerDriver(this.driver);
    } catch (e) {
      this.eth.unregister();
      throw e;
    }
  }

  /** mlx5_cleanup: the PCI driver first (every function unbinds), then mlx5e_cleanup. */
  exit(): void {
    this.pci.unregisterDriver(this.driver);
    this.eth.unregister();
  }

  /** init_one: mlx5_pci_init, then the auxiliary devices; any failure unwinds in reverse. */
  #probe(pdev: PciDevice): void {
    this.pci.enableDevice(pdev);
    try {
      this.pci.requestRegions(pdev, MLX5_CORE_MODNAME);
    } catch (e) {
      this.pci.disableDevice(pdev);
      throw e;
    }
    const state: Mlx5CoreDev = { adevIdx: this.#adevIda.alloc(), adevs: [] };
    try {
      for (const devname of mlx5AuxiliaryDevnames) state.adevs.push(this.#addAdev(pdev, devname, state.adevIdx));
    } catch (e) {
      this.#teardown(pdev, state);
      throw e;
    }
    pdev.driverData = state;
  }

  /** add_adev: init, then add; a failed add drops the half-made device. */
  #addAdev(pdev: PciDevice, devname: string, adevIdx: number): AuxiliaryDevice {
    const ref: Mlx5AdevRef = { kind: 'mlx5-adev', pdev, adevIdx };
    const adev = new AuxiliaryDevice({ devname, id: adevIdx, parent: pdev, platformData: ref });
    this.aux.deviceInit(adev);
    try {
      this.aux.deviceAdd(adev, MLX5_CORE_MODNAME);
    } catch (e) {
      this.aux.deviceUninit(adev);
      throw e;
    }
    return adev;
  }

  /**
   * remove_one: mlx5_sriov_disable first (every VF's unbind/remove, sriov.c), then the auxiliary
   * devices (mlx5_uninit_one → mlx5_unregister_device): every VF event precedes the PF's
   * auxiliary-device events (reference §8.7).
   */
  #remove(pdev: PciDevice): void {
    this.pci.disableSriov(pdev);
    const state = pdev.driverData as Mlx5CoreDev | undefined;
    if (state) this.#teardown(pdev, state);
  }

  /**
   * mlx5_core_sriov_configure: N > 0 enables the VFs in firmware, then pci_enable_sriov
   * (undone on failure); 0 → pci_disable_sriov. Returns N.
   */
  #sriovConfigure(pdev: PciDevice, n: number): number {
    if (n === 0) this.pci.disableSriov(pdev);
    else this.pci.enableSriov(pdev, n);
    return n;
  }

  /** Children from the end of the table, then the index, the BARs and the enable. */
  #teardown(pdev: PciDevice, state: Mlx5CoreDev): void {
    for (const adev of [...state.adevs].reverse()) {
      this.aux.deviceDelete(adev);
      this.aux.deviceUninit(adev);
    }
    state.adevs.length = 0;
    this.#adevIda.free(state.adevIdx);
    this.pci.releaseRegions(pdev);
    this.pci.disableDevice(pdev);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#adevIda];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

export const mlx5CoreModuleInfo = defineModule(
  {
    name: MLX5_CORE_MODNAME,
    aliases: [...pciModuleAliases(mlx5CoreIdTable), ...auxiliaryModuleAliases(mlx5eIdTable)],
    description: 'Mellanox 5th generation network adapters (ConnectX series) core driver',
    // mlx5/core/main.c: module_param_named(debug_mask, …, uint, 0644), module_param_named(prof_sel, …, uint, 0444).
    params: [
      {
        name: 'debug_mask',
        type: 'uint',
        perm: 0o644,
        default: '0',
        description: 'debug mask: 1 = dump cmd data, 2 = dump cmd exec time, 3 = both. Default=0',
      },
      { name: 'prof_sel', type: 'uint', perm: 0o444, default: '2', description: 'profile selector. Valid range 0 - 2' },
    ],
  },
  Mlx5CoreModule,
);
