/**
 * PCIe switch ports for topologies the kernel numbers (a fleet, the `cxl-switch` preset): an
 * upstream port (PCI_EXP_TYPE_UPSTREAM) below a root port, and downstream ports
 * (PCI_EXP_TYPE_DOWNSTREAM) as devices 0..31 on the upstream port's secondary bus, each with
 * one link below it. Every port leaves its bus numbers zero (firmware did not configure them:
 * pci_scan_bridge_extend's second pass numbers them) and has a 64-bit prefetchable window.
 * `pcieport` binds each (portdrv.c); no port here has a hot-plug-capable slot, DPC or link
 * bandwidth notification, so switch ports get no port-service devices (PME and AER are for Root
 * Ports and RCECs only).
 *
 * Two kinds: `pcie`, modelled on QEMU's TI XIO3130 (hw/pci-bridge/xio3130_upstream.c,
 * xio3130_downstream.c: 104c:8232 rev 2 and 104c:8233 rev 1, MSI at 0x70 with one 64-bit
 * vector, bridge subsystem ids at 0x80, PCIe at 0x90, AER at 0x100; the downstream port's
 * hot-plug slot is left out), and `cxl`, QEMU's CXL switch (19e5:a128 / 19e5:a129, see
 * qemu-cxl-switch.ts) whose ports carry the CXL DVSECs and a component-register BAR0; the
 * upstream port's CDAT DOE mailbox is qemu-cxl-switch.ts's and not repeated here.
 */
import { PCI_CFG_SPACE_EXP_SIZE, pciExpTypes } from '../../pci/index.js';
import { aerCapability, expressCapability, msiCapability, prefetchWindow64, ssvidCapability, type1Header } from './capabilities.js';
import { ConfigSpace, SimulatedPciBridge } from './config-space.js';
import { cxlSwitchComponentBar, cxlSwitchPortDvsecs } from './qemu-cxl-switch.js';
import { rootPortConfigSpace } from './root-port.js';

export const switchKinds = ['pcie', 'cxl'] as const;
export type SwitchKind = (typeof switchKinds)[number];

const IDS = {
  pcie: { upstream: { vendor: 0x104c, device: 0x8232, revision: 0x02 }, downstream: { vendor: 0x104c, device: 0x8233, revision: 0x01 } },
  cxl: { upstream: { vendor: 0x19e5, device: 0xa128, revision: 0x00 }, downstream: { vendor: 0x19e5, device: 0xa129, revision: 0x00 } },
} as const;

function switchPort(kind: SwitchKind, type: number): SimulatedPciBridge {
  const cs = new ConfigSpace(PCI_CFG_SPACE_EXP_SIZE);
  const ids = type === pciExpTypes.UPSTREAM ? IDS[kind].upstream : IDS[kind].downstream;
  type1Header(cs, { ...ids, classCode: 0x060400, interruptPin: 0 });
  prefetchWindow64(cs);
  if (kind === 'cxl') {
    cs.bar(0, cxlSwitchComponentBar[0]!);
    msiCapability(cs, 0x70, type === pciExpTypes.UPSTREAM ? 2 : 1);
  } else {
    msiCapability(cs, 0x70, 1, false);
    ssvidCapability(cs, 0x80, 0, 0);
  }
  expressCapability(cs, 0x90, type, false);
  aerCapability(cs, 0x100);
  if (kind === 'cxl') cxlSwitchPortDvsecs(cs);
  cs.seal();
  return new SimulatedPciBridge({ config: cs, bars: kind === 'cxl' ? cxlSwitchComponentBar : [], irq: 0 });
}

/** A switch upstream port; its downstream ports go on its link. */
export function createSwitchUpstreamPort(kind: SwitchKind): SimulatedPciBridge {
  return switchPort(kind, pciExpTypes.UPSTREAM);
}

/** A switch downstream port; the device below it goes on its link at devfn 0 (functions 0..7). */
export function createSwitchDownstreamPort(kind: SwitchKind): SimulatedPciBridge {
  return switchPort(kind, pciExpTypes.DOWNSTREAM);
}

/**
 * A root port for a kernel-numbered hierarchy: QEMU's pcie-root-port ids and capabilities as
 * root-port.ts builds them, bus numbers left zero, a 64-bit prefetchable window, and a link.
 */
export function createLinkedRootPort(irq: number): SimulatedPciBridge {
  const cs = rootPortConfigSpace();
  prefetchWindow64(cs);
  cs.seal();
  return new SimulatedPciBridge({ config: cs, irq });
}
