/**
 * The `mlx5-nic` preset's PCI function (DESIGN.md §4): a ConnectX-6 Dx class NIC, 15b3:101d,
 * class 0x020000, with BAR0 a 64-bit prefetchable 32 MiB memory BAR (the initialization segment
 * and doorbells), a PCIe endpoint capability with FLR, MSI-X, VPD and PM, and AER plus a serial
 * number in the extended list. No DOE mailbox.
 */
import { type PciBarInfo, PCI_CFG_SPACE_EXP_SIZE, pciExpTypes, pciHeaderType, pciRegs } from '../../pci/index.js';
import { aerCapability, dsnCapability, expressCapability, msixCapability, pmCapability, sriovCapability, type0Header } from './capabilities.js';
import { ConfigSpace, SimulatedPciFunction } from './config-space.js';

export const MLX5_NIC_IDS = {
  vendor: 0x15b3, // Mellanox Technologies
  device: 0x101d, // MT2892 ConnectX-6 Dx
  classCode: 0x020000, // Ethernet controller
  revision: 0x00, // as shipped
  subsystemVendor: 0x15b3, // Mellanox
  subsystemDevice: 0x0016, // a ConnectX-6 Dx board (as the udev conformance fixtures use)
} as const;

export const mlx5NicBars: readonly (PciBarInfo | undefined)[] = [
  { size: 0x2000000, kind: 'mem', is64: true, prefetchable: true }, // BAR0: 32 MiB
  undefined,
];

export interface Mlx5NicOptions {
  readonly serial?: bigint;
  readonly irq?: number;
  /**
   * One function of a multifunction device (header type bit 7 set): the `mlx5-nic-dual` preset's
   * two ports. Such a function has no ACS capability — as on the real parts — so the IOMMU puts
   * both in one group; and no SR-IOV capability (SR-IOV off in the firmware configuration), so
   * no VF takes the second function's address.
   */
  readonly multifunction?: boolean;
}

/** The PF's SR-IOV capability: 8 VFs right after the PF (offset 1, stride 1), VF id 0x101e. */
export const MLX5_NIC_SRIOV = { totalVFs: 8, initialVFs: 8, offset: 1, stride: 1, vfDevice: 0x101e } as const;

/** A ConnectX VF's BAR 0: 64-bit prefetchable, 1 MiB. */
export const mlx5VfBars: readonly (PciBarInfo | undefined)[] = [{ size: 0x100000, kind: 'mem', is64: true, prefetchable: true }, undefined];

/**
 * One virtual function: vendor and device read all ones (PCIe Base Spec 9.3.4.1.1), class,
 * revision and subsystem ids as the PF's, an Express endpoint capability with FLR and MSI-X.
 */
export function createMlx5Vf(): SimulatedPciFunction {
  const cs = new ConfigSpace(PCI_CFG_SPACE_EXP_SIZE);
  type0Header(cs, { ...MLX5_NIC_IDS, vendor: 0xffff, device: 0xffff, interruptPin: 0 });
  expressCapability(cs, 0x60, pciExpTypes.ENDPOINT, true);
  msixCapability(cs, 0x9c, 8, 0, 0x2000, 0x3000);
  return new SimulatedPciFunction({ config: cs, bars: mlx5VfBars, resetMethods: ['flr'], irq: 0 });
}

/** A PF that creates its VFs on demand (SriovCapableHw). */
class Mlx5NicFunction extends SimulatedPciFunction {
  readonly #vfs = new Map<number, SimulatedPciFunction>();
  virtfn(index: number): SimulatedPciFunction {
    let vf = this.#vfs.get(index);
    if (!vf) {
      vf = createMlx5Vf();
      this.#vfs.set(index, vf);
    }
    return vf;
  }
  override disconnect(): void {
    super.disconnect();
    for (const vf of this.#vfs.values()) vf.disconnect();
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  override snapshotFields(): readonly unknown[] {
    return [this.#vfs];
  }
  override restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

export function createMlx5Nic(options: Mlx5NicOptions = {}): SimulatedPciFunction {
  const cs = new ConfigSpace(PCI_CFG_SPACE_EXP_SIZE);
  type0Header(cs, { ...MLX5_NIC_IDS, interruptPin: 1 });
  if (options.multifunction) cs.set(pciRegs.HEADER_TYPE, 1, pciHeaderType.NORMAL | pciHeaderType.MULTI_FUNCTION);
  cs.bar(0, mlx5NicBars[0]!);
  // List order as on the real part: Express first, then VPD, MSI-X, PM.
  expressCapability(cs, 0x60, pciExpTypes.ENDPOINT, true);
  cs.addCapability(0x03, 0x48); // VPD
  msixCapability(cs, 0x9c, 64, 0, 0x2000, 0x3000);
  pmCapability(cs, 0x40);
  aerCapability(cs, 0x100);
  dsnCapability(cs, 0x150, options.serial ?? 0xb8ce_f603_00a1_2b3cn);
  if (!options.multifunction) sriovCapability(cs, 0x180, MLX5_NIC_SRIOV);
  return new Mlx5NicFunction({ config: cs, bars: mlx5NicBars, resetMethods: ['flr', 'bus'], irq: options.irq ?? 17 });
}

/**
 * The `mlx5-nic-dual` preset: a two-port ConnectX at functions 0 and 1 of one slot, multifunction
 * and without ACS, so both ports share one IOMMU group (pci_device_group); serials differ by port.
 */
export function createMlx5NicDual(bus: number): readonly { readonly bus: number; readonly devfn: number; readonly hw: SimulatedPciFunction }[] {
  return [0, 1].map((fn) => ({
    bus,
    devfn: fn,
    hw: createMlx5Nic({ multifunction: true, serial: 0xb8ce_f603_00a1_2c00n + BigInt(fn), irq: 17 + fn }),
  }));
}
