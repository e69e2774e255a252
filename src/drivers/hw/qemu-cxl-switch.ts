/**
 * The `qemu-cxl-switch` preset: the oracle's `--topology switch` (QEMU 7.2 `cxl-upstream` →
 * `cxl-downstream` → `cxl-type3`, shared/tools/qemu-doe-oracle case d1-switch-usp-cdat) behind
 * one root port: the switch upstream port at BB:00.0, its downstream port at (BB+1):00.0 and
 * QEMU's type-3 at (BB+2):00.0 — 0d, 0e and 0f at the fixed address, as recorded.
 *
 * The upstream port (hw/pci-bridge/cxl_upstream.c, 19e5:a128 rev 0, class 0x060400) has MSI
 * (2 vectors) at 0x70, a PCIe upstream-port capability at 0x90, AER version 2 at 0x100, the
 * DVSECs of vendor 1E98 right after it (Extensions for Ports id 3 at 0x148, Flex Bus Port id 7
 * at 0x170, Register Locator id 8 at 0x184) and its DOE mailbox at the end of the DVSECs
 * (0x1a8), interrupt message 1 (Capabilities 0x00000003), serving Discovery and Table Access
 * with a CDAT of two SSLBIS (access latency 15 × 10000 ps, access bandwidth 16 × 1000 between
 * the USP and downstream port 0). The DVSEC bodies are not recorded; only their headers are.
 * The downstream port (19e5:a129) has no DOE mailbox.
 */
import { type PciBarInfo, PCI_CFG_SPACE_EXP_SIZE, pciExtCapIds, pciRegs } from '../../pci/index.js';
import { CDAT_SSLBIS_USP, buildCdatTable, cdatTypes, hmatDataTypes, tableAccessResponder } from '../../protocols/index.js';
import { aerCapability, dvsecCapability, expressCapability, msiCapability, type1Header } from './capabilities.js';
import { ConfigSpace, SimulatedPciFunction } from './config-space.js';
import { CXL_DVSEC_VENDOR } from './cxl-type3.js';
import { DoeMailboxRegisters, immediateDoeTiming } from './doe-mailbox.js';
import { createQemuCxlType3 } from './qemu-cxl-type3.js';

/** PCI_EXP_TYPE_UPSTREAM and PCI_EXP_TYPE_DOWNSTREAM. */
const PCI_EXP_TYPE_UPSTREAM = 0x5;
const PCI_EXP_TYPE_DOWNSTREAM = 0x6;
export const QEMU_CXL_USP_DOE_OFFSET = 0x1a8;

export const cxlSwitchComponentBar: readonly (PciBarInfo | undefined)[] = [
  { size: 0x10000, kind: 'mem', is64: true, prefetchable: false },
  undefined,
];

/**
 * The CXL DVSECs of a QEMU CXL switch port after its AER capability (0x100): Extensions for
 * Ports (id 3) at 0x148, Flex Bus Port (id 7) at 0x170, Register Locator (id 8) at 0x184
 * pointing at the component registers in BAR0 (hw/pci-bridge/cxl_upstream.c and
 * cxl_downstream.c build_dvsecs). Returns the offset after them.
 */
export function cxlSwitchPortDvsecs(cs: ConfigSpace): number {
  dvsecCapability(cs, 0x148, CXL_DVSEC_VENDOR, 0, 0x28, 0x0003); // PCIe DVSEC for Flex Bus ports' extensions
  dvsecCapability(cs, 0x170, CXL_DVSEC_VENDOR, 1, 0x14, 0x0007); // Flex Bus Port DVSEC
  dvsecCapability(cs, 0x184, CXL_DVSEC_VENDOR, 0, 0x24, 0x0008); // Register Locator
  cs.set(0x184 + 0x0c, 4, 0x00000100); // component registers in BAR0
  return 0x1a8;
}

function bridgeNumbers(cs: ConfigSpace, primary: number, secondary: number, subordinate: number): void {
  cs.set(pciRegs.PRIMARY_BUS, 1, primary);
  cs.set(pciRegs.SECONDARY_BUS, 1, secondary);
  cs.set(pciRegs.SUBORDINATE_BUS, 1, subordinate);
}

/** The QEMU 7.2 switch upstream port at `bus`, its secondary bus `bus + 1`, subordinate `bus + 2`. */
export function createQemuCxlUpstreamPort(bus: number): SimulatedPciFunction {
  const cs = new ConfigSpace(PCI_CFG_SPACE_EXP_SIZE);
  type1Header(cs, { vendor: 0x19e5, device: 0xa128, revision: 0x00, classCode: 0x060400, interruptPin: 0 });
  cs.bar(0, cxlSwitchComponentBar[0]!);
  msiCapability(cs, 0x70, 2);
  expressCapability(cs, 0x90, PCI_EXP_TYPE_UPSTREAM, true);
  aerCapability(cs, 0x100);
  cxlSwitchPortDvsecs(cs);
  cs.addExtCapability(pciExtCapIds.DOE, 1, QEMU_CXL_USP_DOE_OFFSET);
  const cdat = buildCdatTable([
    {
      type: cdatTypes.SSLBIS,
      dataType: hmatDataTypes.ACCESS_LATENCY,
      entryBaseUnit: 10000n,
      entries: [{ portX: CDAT_SSLBIS_USP, portY: 0, value: 15 }],
    },
    {
      type: cdatTypes.SSLBIS,
      dataType: hmatDataTypes.ACCESS_BANDWIDTH,
      entryBaseUnit: 1000n,
      entries: [{ portX: CDAT_SSLBIS_USP, portY: 0, value: 16 }],
    },
  ]);
  const mailbox = new DoeMailboxRegisters({
    capOffset: QEMU_CXL_USP_DOE_OFFSET,
    responders: [tableAccessResponder(() => cdat, { strict: false })],
    interrupt: { messageNumber: 1 },
    timing: immediateDoeTiming,
  });
  cs.addBlock(mailbox);
  const fn = new SimulatedPciFunction({ config: cs, bars: cxlSwitchComponentBar, irq: 0, doeMailboxes: [mailbox] });
  bridgeNumbers(cs, bus - 1, bus + 1, bus + 2);
  cs.seal();
  return fn;
}

/** The QEMU 7.2 switch downstream port at `bus`, port number 0, secondary `bus + 1`. */
export function createQemuCxlDownstreamPort(bus: number): SimulatedPciFunction {
  const cs = new ConfigSpace(PCI_CFG_SPACE_EXP_SIZE);
  type1Header(cs, { vendor: 0x19e5, device: 0xa129, revision: 0x00, classCode: 0x060400, interruptPin: 0 });
  cs.bar(0, cxlSwitchComponentBar[0]!);
  msiCapability(cs, 0x70, 1);
  expressCapability(cs, 0x90, PCI_EXP_TYPE_DOWNSTREAM, false);
  aerCapability(cs, 0x100);
  const fn = new SimulatedPciFunction({ config: cs, bars: cxlSwitchComponentBar, irq: 0 });
  bridgeNumbers(cs, bus - 1, bus + 1, bus + 1);
  cs.seal();
  return fn;
}

/** The switch and the type-3 below it, bus by bus from `bus` (three bus numbers). */
export function createQemuCxlSwitch(bus: number): readonly { readonly bus: number; readonly devfn: number; readonly hw: SimulatedPciFunction }[] {
  return [
    { bus, devfn: 0, hw: createQemuCxlUpstreamPort(bus) },
    { bus: bus + 1, devfn: 0, hw: createQemuCxlDownstreamPort(bus + 1) },
    { bus: bus + 2, devfn: 0, hw: createQemuCxlType3() },
  ];
}
