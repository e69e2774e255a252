/**
 * The `qemu-cxl-type3` preset's PCI function: QEMU 7.2's emulated CXL type-3 device
 * (hw/mem/cxl_type3.c) exactly as the oracle recorded it through a real Linux guest
 * (shared/tools/qemu-doe-oracle, case a1-config-dump): 8086:0d93 rev 01, class 0x050210,
 * subsystem 1af4:1100, no INTx pin; BAR0 64-bit 64 KiB (component registers), BAR2 64-bit
 * 4 KiB (device registers), BAR4 32-bit 4 KiB (MSI-X table at 0, PBA at 0x800); MSI-X (1
 * vector) at 0x40, PCI Express endpoint at 0x80; DVSECs of vendor 1E98 at 0x100 (PCIe DVSEC
 * for CXL devices, id 0), 0x138 (Register Locator, id 8) and 0x15c (GPF for devices, id 5);
 * one DOE capability (version 1) at 0x190 with Interrupt Support and message number 0,
 * serving Discovery and Table Access.
 *
 * The CDAT is QEMU 7.2's for its `memdev=` of 256 MiB, which 7.2 treats as persistent (b1).
 * The mailbox answers inside the Go write and never sets Busy, as pcie_doe does. QEMU's Table
 * Access checks neither Request Code nor Table Type (c14), which the model keeps; it does not
 * copy QEMU's two defects against the PCIe specification (a Go replaying the stale request,
 * c11; reading past the CDAT on an out-of-range handle, c15).
 *
 * Firmware (SeaBIOS in the recording) assigned the BARs and set Command to I/O + Memory +
 * SERR; the preset arrives with those values, so the kernel keeps them.
 */
import { type PciBarInfo, PCI_CFG_SPACE_EXP_SIZE, pciExpTypes, pciExtCapIds, pciRegs } from '../../pci/index.js';
import { memdevCdat, tableAccessResponder } from '../../protocols/index.js';
import { dvsecCapability, expressCapability, msixCapability, type0Header } from './capabilities.js';
import { ConfigSpace, SimulatedPciFunction } from './config-space.js';
import { DoeMailboxRegisters, immediateDoeTiming } from './doe-mailbox.js';
import { CXL_DVSEC_VENDOR, CXL_TYPE3_IDS } from './cxl-type3.js';

/** QEMU 7.2 `memdev=` size in the oracle's command line (256M), persistent in 7.2. */
export const QEMU_CXL_TYPE3_PMEM_BYTES = 256n << 20n;
export const QEMU_CXL_TYPE3_DOE_OFFSET = 0x190;

export const qemuCxlType3Bars: readonly (PciBarInfo | undefined)[] = [
  { size: 0x10000, kind: 'mem', is64: true, prefetchable: false }, // BAR0: CXL component registers
  undefined,
  { size: 0x1000, kind: 'mem', is64: true, prefetchable: false }, // BAR2: CXL device registers
  undefined,
  { size: 0x1000, kind: 'mem', is64: false, prefetchable: false }, // BAR4: MSI-X table and PBA
  undefined,
];

/** What firmware left in the BARs and Command register in the recording (a1-config-dump). */
const FIRMWARE = { bar0: 0xfe600004, bar2: 0xfe610004, bar4: 0xfe611000, command: 0x0103 } as const;

export interface QemuCxlType3Options {
  readonly irq?: number;
}

export function createQemuCxlType3(options: QemuCxlType3Options = {}): SimulatedPciFunction {
  const cs = new ConfigSpace(PCI_CFG_SPACE_EXP_SIZE);
  type0Header(cs, { ...CXL_TYPE3_IDS, interruptPin: 0 });
  cs.bar(0, qemuCxlType3Bars[0]!);
  cs.bar(2, qemuCxlType3Bars[2]!);
  cs.bar(4, qemuCxlType3Bars[4]!);
  msixCapability(cs, 0x40, 1, 4, 0x0000, 0x0800);
  expressCapability(cs, 0x80, pciExpTypes.ENDPOINT, false, { speed: 1, width: 1, cap2: false });
  cs.set(0x84, 4, 0x00008000); // DEVCAP: role-based error reporting
  cs.set(0x8c, 4, 0x00000411); // LNKCAP: 2.5 GT/s, x1, ASPM L0s
  cs.set(0x92, 2, 0x0011); // LNKSTA: 2.5 GT/s, x1
  cs.set(0xa4, 4, 0x00300000); // DEVCAP2: extended fmt field, end-end TLP prefix
  // PCIe DVSEC for CXL devices (id 0): CXL capability, control (Mem enable), range 1 size.
  dvsecCapability(cs, 0x100, CXL_DVSEC_VENDOR, 1, 0x38, 0x0000);
  cs.set(0x10a, 2, 0x001e);
  cs.set(0x10c, 2, 0x0002);
  cs.set(0x112, 2, 0x0002);
  cs.set(0x11c, 4, 0x1000004b);
  // Register Locator (id 8): component registers in BAR0, memory device registers in BAR2.
  dvsecCapability(cs, 0x138, CXL_DVSEC_VENDOR, 0, 0x24, 0x0008);
  cs.set(0x144, 4, 0x00000100);
  cs.set(0x14c, 4, 0x00000302);
  // GPF DVSEC for CXL devices (id 5): phase 2 duration and power.
  dvsecCapability(cs, 0x15c, CXL_DVSEC_VENDOR, 0, 0x10, 0x0005);
  cs.set(0x166, 2, 0x0603);
  cs.set(0x168, 4, 0x00000033);
  cs.addExtCapability(pciExtCapIds.DOE, 1, QEMU_CXL_TYPE3_DOE_OFFSET);
  const cdat = memdevCdat({ persistentSize: QEMU_CXL_TYPE3_PMEM_BYTES });
  const mailbox = new DoeMailboxRegisters({
    capOffset: QEMU_CXL_TYPE3_DOE_OFFSET,
    responders: [tableAccessResponder(() => cdat, { strict: false })],
    interrupt: { messageNumber: 0 },
    timing: immediateDoeTiming,
  });
  cs.addBlock(mailbox);
  const fn = new SimulatedPciFunction({
    config: cs,
    bars: qemuCxlType3Bars,
    resetMethods: ['flr', 'bus'],
    irq: options.irq ?? 16,
    doeMailboxes: [mailbox],
  });
  cs.set(pciRegs.BASE_ADDRESS_0, 4, FIRMWARE.bar0);
  cs.set(pciRegs.BASE_ADDRESS_0 + 8, 4, FIRMWARE.bar2);
  cs.set(pciRegs.BASE_ADDRESS_0 + 16, 4, FIRMWARE.bar4);
  cs.set(pciRegs.COMMAND, 2, FIRMWARE.command);
  return fn;
}
