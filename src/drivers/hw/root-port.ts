/**
 * A PCI Express root port on bus 0 (QEMU's pcie-root-port, 1b36:000c, class 0x060400), the
 * bridge each preset sits behind. Firmware (the PresetHost) programs its bus numbers; the PCI
 * core programs its memory window. No reset method. ACS after AER, so the functions below are
 * isolated from each other's peer-to-peer DMA (separate IOMMU groups).
 */
import { PCI_CFG_SPACE_EXP_SIZE, pciExpTypes, pciRegs } from '../../pci/index.js';
import { acsCapability, aerCapability, expressCapability, pmCapability, type1Header } from './capabilities.js';
import { ConfigSpace, SimulatedPciFunction } from './config-space.js';

export const ROOT_PORT_IDS = {
  vendor: 0x1b36, // Red Hat, Inc.
  device: 0x000c, // QEMU PCIe Root port
  classCode: 0x060400, // PCI bridge, normal decode
  revision: 0x00, // as QEMU
} as const;

export interface RootPortOptions {
  /** The bus number behind the port. */
  readonly secondaryBus: number;
  /** The highest bus number below the port (default: the secondary bus). */
  readonly subordinateBus?: number;
  readonly irq: number;
}

/** The root port's header and capabilities: PCIe at 0x40, PM at 0x80, AER at 0x100, ACS at 0x148. */
export function rootPortConfigSpace(): ConfigSpace {
  const cs = new ConfigSpace(PCI_CFG_SPACE_EXP_SIZE);
  type1Header(cs, { ...ROOT_PORT_IDS, interruptPin: 1 });
  expressCapability(cs, 0x40, pciExpTypes.ROOT_PORT, false);
  pmCapability(cs, 0x80);
  aerCapability(cs, 0x100);
  acsCapability(cs, 0x148); // as QEMU's GEN_PCIE_ROOT_PORT_ACS_OFFSET: right after AER
  return cs;
}

export function createRootPort(options: RootPortOptions): SimulatedPciFunction {
  const cs = rootPortConfigSpace();
  const fn = new SimulatedPciFunction({ config: cs, irq: options.irq });
  // Firmware's bus numbering survives a function reset of the port.
  cs.set(pciRegs.PRIMARY_BUS, 1, 0);
  cs.set(pciRegs.SECONDARY_BUS, 1, options.secondaryBus);
  cs.set(pciRegs.SUBORDINATE_BUS, 1, options.subordinateBus ?? options.secondaryBus);
  cs.seal();
  return fn;
}
