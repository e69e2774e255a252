/**
 * Builders for the standard registers simulated functions share: the type 0 and type 1 headers
 * and the PM, MSI-X, PCI Express, AER, DSN and DVSEC capabilities, laid out as the PCI and PCIe
 * specifications place their fields. Values only; behaviour is ConfigSpace's.
 */
import { PCI_EXP_DEVCAP_FLR, pciCapIds, pciExpRegs, pciExtCapIds, pciHeaderType, pciRegs } from '../../pci/index.js';
import type { ConfigSpace } from './config-space.js';

export interface HeaderIds {
  readonly vendor: number;
  readonly device: number;
  readonly revision: number;
  /** 24-bit class code. */
  readonly classCode: number;
  readonly interruptPin?: number;
}

/** Command bits software may set: I/O, memory, bus master, parity, SERR, INTx disable. */
const COMMAND_WMASK = 0x0547;

function commonHeader(cs: ConfigSpace, ids: HeaderIds, headerType: number): void {
  cs.set(pciRegs.VENDOR_ID, 2, ids.vendor);
  cs.set(pciRegs.DEVICE_ID, 2, ids.device);
  cs.set(pciRegs.REVISION_ID, 1, ids.revision);
  cs.set(pciRegs.CLASS_PROG, 1, ids.classCode & 0xff);
  cs.set(pciRegs.CLASS_DEVICE, 2, (ids.classCode >>> 8) & 0xffff);
  cs.set(pciRegs.HEADER_TYPE, 1, headerType);
  cs.set(pciRegs.INTERRUPT_PIN, 1, ids.interruptPin ?? 1);
  cs.writable(pciRegs.COMMAND, 2, COMMAND_WMASK);
  cs.writable(pciRegs.CACHE_LINE_SIZE, 1, 0xff);
  cs.writable(pciRegs.LATENCY_TIMER, 1, 0xff);
  cs.writable(pciRegs.INTERRUPT_LINE, 1, 0xff);
}

/** Type 0 (endpoint) header with its subsystem ids. */
export function type0Header(cs: ConfigSpace, ids: HeaderIds & { readonly subsystemVendor: number; readonly subsystemDevice: number }): void {
  commonHeader(cs, ids, pciHeaderType.NORMAL);
  cs.set(pciRegs.SUBSYSTEM_VENDOR_ID, 2, ids.subsystemVendor);
  cs.set(pciRegs.SUBSYSTEM_ID, 2, ids.subsystemDevice);
}

/** Type 1 (bridge) header; bus numbers and windows are writable for firmware and the core. */
export function type1Header(cs: ConfigSpace, ids: HeaderIds): void {
  commonHeader(cs, ids, pciHeaderType.BRIDGE);
  cs.writable(pciRegs.PRIMARY_BUS, 1, 0xff);
  cs.writable(pciRegs.SECONDARY_BUS, 1, 0xff);
  cs.writable(pciRegs.SUBORDINATE_BUS, 1, 0xff);
  cs.writable(pciRegs.MEMORY_BASE, 2, 0xfff0);
  cs.writable(pciRegs.MEMORY_LIMIT, 2, 0xfff0);
  cs.writable(pciRegs.BRIDGE_CONTROL, 2, 0x0fff);
}

/** Power Management capability, version 3; PMCSR power state writable. */
export function pmCapability(cs: ConfigSpace, offset: number): void {
  cs.addCapability(pciCapIds.PM, offset);
  cs.set(offset + 2, 2, 0x0003);
  cs.writable(offset + 4, 2, 0x0003);
}

/** MSI-X capability: `vectors` entries, table and PBA in BAR `bir`. */
export function msixCapability(cs: ConfigSpace, offset: number, vectors: number, bir: number, tableOffset: number, pbaOffset: number): void {
  cs.addCapability(pciCapIds.MSIX, offset);
  cs.set(offset + 2, 2, (vectors - 1) & 0x7ff);
  cs.writable(offset + 2, 2, 0xc000);
  cs.set(offset + 4, 4, tableOffset | bir);
  cs.set(offset + 8, 4, pbaOffset | bir);
}

/** A PCIe link: speed code (1 = 2.5 GT/s … 5 = 32 GT/s) and lane count. */
export interface PcieLink {
  readonly speed: number;
  readonly width: number;
  /** Link Capabilities 2 supported-speeds vector filled in (QEMU 7.2 leaves it 0 for 2.5 GT/s). Default true. */
  readonly cap2?: boolean;
}

/**
 * PCI Express capability (version 2) for an endpoint or a root port; endpoints may offer FLR.
 * The link trained at its maximum: Link Capabilities, Link Status and the Link Capabilities 2
 * supported-speeds vector (every speed up to the maximum) agree.
 */
export function expressCapability(cs: ConfigSpace, offset: number, portType: number, flr: boolean, link: PcieLink = { speed: 4, width: 16 }): void {
  cs.addCapability(pciCapIds.EXP, offset);
  cs.set(offset + pciExpRegs.FLAGS, 2, 0x0002 | (portType << 4));
  cs.set(offset + pciExpRegs.DEVCAP, 4, (flr ? PCI_EXP_DEVCAP_FLR : 0) | 0x1 /* 256-byte max payload */);
  cs.set(offset + pciExpRegs.LNKCAP, 4, link.speed | (link.width << 4));
  cs.set(offset + pciExpRegs.LNKSTA, 2, link.speed | (link.width << 4));
  if (link.cap2 ?? true) cs.set(offset + pciExpRegs.LNKCAP2, 4, ((1 << link.speed) - 1) << 1);
  cs.writable(offset + pciExpRegs.DEVCTL, 2, 0x7fff);
  cs.writable(offset + 0x10, 2, 0x0fff); // link control
}

/** Advanced Error Reporting (0x48 bytes): status registers RW1C, masks writable. */
export function aerCapability(cs: ConfigSpace, offset: number): void {
  cs.addExtCapability(pciExtCapIds.ERR, 2, offset);
  cs.writeOneToClear(offset + 0x04, 4, 0xffffffff);
  cs.writable(offset + 0x08, 4, 0xffffffff);
  cs.writable(offset + 0x0c, 4, 0xffffffff);
  cs.writeOneToClear(offset + 0x10, 4, 0xffffffff);
  cs.writable(offset + 0x14, 4, 0xffffffff);
}

/**
 * Access Control Services (8 bytes, no egress vector) as QEMU's pcie_acs_init gives a downstream
 * or root port: SV, TB, RR, CR, UF offered, the same bits writable in ACS Control, all off at
 * reset (the kernel turns them on, src/pci/acs.ts).
 */
export function acsCapability(cs: ConfigSpace, offset: number): void {
  const offered = 0x001f; // PCI_ACS_SV | TB | RR | CR | UF
  cs.addExtCapability(pciExtCapIds.ACS, 1, offset);
  cs.set(offset + 0x04, 2, offered);
  cs.writable(offset + 0x06, 2, offered);
}

/** Device Serial Number: a 64-bit serial in two dwords. */
export function dsnCapability(cs: ConfigSpace, offset: number, serial: bigint): void {
  cs.addExtCapability(pciExtCapIds.DSN, 1, offset);
  cs.set(offset + 4, 4, Number(serial & 0xffffffffn));
  cs.set(offset + 8, 4, Number((serial >> 32n) & 0xffffffffn));
}

/** Designated Vendor-Specific capability header: vendor, revision, length, DVSEC id. */
export function dvsecCapability(cs: ConfigSpace, offset: number, vendor: number, revision: number, length: number, dvsecId: number): void {
  cs.addExtCapability(pciExtCapIds.DVSEC, 1, offset);
  cs.set(offset + 4, 4, (vendor & 0xffff) | ((revision & 0xf) << 16) | ((length & 0xfff) << 20));
  cs.set(offset + 8, 2, dvsecId);
}

/** SR-IOV parameters of a PF (the capability's read-only fields). */
export interface SriovParams {
  readonly totalVFs: number;
  readonly initialVFs: number;
  readonly offset: number;
  readonly stride: number;
  readonly vfDevice: number;
}

/**
 * The SR-IOV extended capability (PCIe Base Spec 9.3.3): Control (VF Enable, VF MSE, ARI
 * Capable Hierarchy) and NumVFs writable; InitialVFs, TotalVFs, First VF Offset, VF Stride and VF
 * Device ID read-only; System Page Size writable (4 KiB supported).
 */
export function sriovCapability(cs: ConfigSpace, offset: number, p: SriovParams): void {
  cs.addExtCapability(pciExtCapIds.SRIOV, 1, offset);
  cs.writable(offset + 0x08, 2, 0x001f); // SR-IOV Control
  cs.set(offset + 0x0c, 2, p.initialVFs);
  cs.set(offset + 0x0e, 2, p.totalVFs);
  cs.writable(offset + 0x10, 2, 0xffff); // NumVFs
  cs.set(offset + 0x14, 2, p.offset);
  cs.set(offset + 0x16, 2, p.stride);
  cs.set(offset + 0x1a, 2, p.vfDevice);
  cs.set(offset + 0x1c, 4, 0x553); // supported page sizes: 4K, 8K, 64K, 256K, 1M, 4M
  cs.set(offset + 0x20, 4, 0x1);
  cs.writable(offset + 0x20, 4, 0xffffffff);
}

/** MSI capability, 64-bit with per-vector masking, `vectors` (a power of two) requested. */
export function msiCapability(cs: ConfigSpace, offset: number, vectors: number, perVectorMask = true): void {
  cs.addCapability(pciCapIds.MSI, offset);
  cs.set(offset + 2, 2, (perVectorMask ? 0x0100 : 0) | 0x0080 | (Math.log2(vectors) << 1));
  cs.writable(offset + 2, 2, 0x0071);
}

/** Bridge Subsystem Vendor ID capability (PCI_CAP_ID_SSVID). */
export function ssvidCapability(cs: ConfigSpace, offset: number, subsystemVendor: number, subsystemDevice: number): void {
  cs.addCapability(pciCapIds.SSVID, offset);
  cs.set(offset + 4, 2, subsystemVendor);
  cs.set(offset + 6, 2, subsystemDevice);
}

/**
 * A 64-bit prefetchable memory window on a type 1 header: the base/limit type bits say
 * PCI_PREF_RANGE_TYPE_64 (read-only), address bits and the upper 32 bits are writable.
 */
export function prefetchWindow64(cs: ConfigSpace): void {
  cs.set(0x24, 2, 0x0001); // PCI_PREF_MEMORY_BASE
  cs.set(0x26, 2, 0x0001); // PCI_PREF_MEMORY_LIMIT
  cs.writable(0x24, 2, 0xfff0);
  cs.writable(0x26, 2, 0xfff0);
  cs.writable(0x28, 4, 0xffffffff); // PCI_PREF_BASE_UPPER32
  cs.writable(0x2c, 4, 0xffffffff); // PCI_PREF_LIMIT_UPPER32
}
