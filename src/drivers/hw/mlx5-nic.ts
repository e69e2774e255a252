/**
 * The `mlx5-nic` preset's PCI function (DESIGN.md §4): a ConnectX-6 Dx class NIC, 15b3:101d,
 * class 0x020000, with BAR0 a 64-bit prefetchable 32 MiB memory BAR (the initialization segment
 * and doorbells), a PCIe endpoint capability with FLR, MSI-X, VPD and PM, and AER plus a serial
 * number in the extended list. No DOE mailbox.
 */
import { type PciBarInfo, PCI_CFG_SPACE_EXP_SIZE, pciExpTypes } from '../../pci/index.js';
import { aerCapability, dsnCapability, expressCapability, msixCapability, pmCapability, type0Header } from './capabilities.js';
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
}

export function createMlx5Nic(options: Mlx5NicOptions = {}): SimulatedPciFunction {
  const cs = new ConfigSpace(PCI_CFG_SPACE_EXP_SIZE);
  type0Header(cs, { ...MLX5_NIC_IDS, interruptPin: 1 });
  cs.bar(0, mlx5NicBars[0]!);
  // List order as on the real part: Express first, then VPD, MSI-X, PM.
  expressCapability(cs, 0x60, pciExpTypes.ENDPOINT, true);
  cs.addCapability(0x03, 0x48); // VPD
  msixCapability(cs, 0x9c, 64, 0, 0x2000, 0x3000);
  pmCapability(cs, 0x40);
  aerCapability(cs, 0x100);
  dsnCapability(cs, 0x150, options.serial ?? 0xb8ce_f603_00a1_2b3cn);
  return new SimulatedPciFunction({ config: cs, bars: mlx5NicBars, resetMethods: ['flr', 'bus'], irq: options.irq ?? 17 });
}
