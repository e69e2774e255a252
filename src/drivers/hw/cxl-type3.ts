/**
 * The `cxl-type3` preset's PCI function (DESIGN.md §4): a CXL type-3 memory expander as QEMU's
 * cxl-type3 presents it — 8086:0d93, class 0x050210, two 64-bit register BARs, PM, MSI-X and
 * PCIe capabilities, and an extended list with AER, the CXL device and register-locator DVSECs,
 * a serial number and exactly three DOE mailboxes in this order: CDAT (1E98:02), Compliance
 * (1E98:00), CMA/SPDM (0001:01 and Secured CMA/SPDM 0001:02), each answering Discovery with
 * Discovery at index 0 and its protocols from index 1.
 *
 * The mailboxes take virtual time (cxlType3DoeTiming): Busy is set from Go until the response
 * is ready, so the kernel's polling, its 1 s timeout and races between two requesters exist.
 * The CDAT describes 256 MiB of volatile memory (protocols Appendix B.3); the compliance mode
 * is a type-3 device's (CXL.io and CXL.mem, no CXL.cache); the CMA/SPDM mailbox lists 0001:01
 * and 0001:02 and drops requests until SPDM responders are attached (`spdm` option or attach()).
 */
import type { IScheduler } from '../../base/index.js';
import { type PciBarInfo, PCI_CFG_SPACE_EXP_SIZE, pciExpTypes, pciExtCapIds } from '../../pci/index.js';
import {
  type DoeProtocolId,
  type DoeProtocolResponder,
  complianceResponder,
  doeProtocols,
  memdevCdat,
  tableAccessResponder,
  type3ComplianceDevice,
} from '../../protocols/index.js';
import { aerCapability, dsnCapability, dvsecCapability, expressCapability, msixCapability, pmCapability, type0Header } from './capabilities.js';
import { ConfigSpace, SimulatedPciFunction } from './config-space.js';
import { CxlMailboxDevice } from './cxl-mailbox.js';
import { type DoeMailboxTiming, DoeMailboxRegisters, silentResponder } from './doe-mailbox.js';

export const CXL_TYPE3_IDS = {
  vendor: 0x8086, // Intel (QEMU's CXL type-3 device)
  device: 0x0d93, // CXL type-3 memory device
  classCode: 0x050210, // memory controller, CXL, CXL.mem device
  revision: 0x01, // as QEMU
  subsystemVendor: 0x1af4, // Red Hat / QEMU
  subsystemDevice: 0x1100, // QEMU
} as const;

/** PCI_VENDOR_ID_CXL, the DVSEC and DOE vendor of CXL-defined structures. */
export const CXL_DVSEC_VENDOR = 0x1e98;

/** The three DOE capabilities, in configuration-space order (CDAT at QEMU's 0x190). */
export const cxlType3DoeLayout = [
  { offset: 0x190, protocol: { vendor: 0x1e98, type: 0x02 }, name: 'CDAT' }, // CXL Table Access
  { offset: 0x1a8, protocol: { vendor: 0x1e98, type: 0x00 }, name: 'Compliance' }, // CXL 2.0 §14.16.4
  { offset: 0x1c0, protocol: { vendor: 0x0001, type: 0x01 }, name: 'CMA/SPDM' }, // PCI-SIG CMA over SPDM (and 0001:02, secured)
] as const;

/** 256 MiB of volatile memory (mainline QEMU's volatile-memdev; Appendix B.3). */
export const CXL_TYPE3_VOLATILE_BYTES = 256n << 20n;

/** Virtual ms from Go to the response, per protocol (PCI_DOE_POLL_INTERVAL is 7 ms at HZ=1000). */
const RESPONSE_MS: readonly [DoeProtocolId, number][] = [
  [doeProtocols.DISCOVERY, 1],
  [doeProtocols.CXL_TABLE_ACCESS, 2],
  [doeProtocols.CXL_COMPLIANCE, 5],
  [doeProtocols.CMA_SPDM, 20], // signing takes the longest
  [doeProtocols.SECURED_CMA_SPDM, 20],
];

/** The cxl-type3 device's timing: a response after RESPONSE_MS, an Abort after 1 ms. */
export const cxlType3DoeTiming: DoeMailboxTiming = {
  response: (p) => {
    for (let i = 0; i < RESPONSE_MS.length; i++) {
      const [q, ms] = RESPONSE_MS[i]!;
      if (q.vendor === p.vendor && q.type === p.type) return ms;
    }
    return 10;
  },
  abort: 1,
};

export const cxlType3Bars: readonly (PciBarInfo | undefined)[] = [
  { size: 0x10000, kind: 'mem', is64: true, prefetchable: false }, // BAR0: CXL component registers
  undefined,
  { size: 0x10000, kind: 'mem', is64: true, prefetchable: false }, // BAR2: device registers, mailbox, MSI-X
  undefined,
];

export interface CxlType3Options {
  /** The machine's scheduler: the DOE mailboxes answer in its virtual time. */
  readonly scheduler: IScheduler;
  readonly serial?: bigint;
  readonly irq?: number;
  /** The CMA/SPDM responders behind mailbox 2, 0001:01 and 0001:02 (default: both listed, every request dropped). */
  readonly spdm?: readonly DoeProtocolResponder[];
  /** Override the mailboxes' timing (e.g. a device that never answers). */
  readonly timing?: DoeMailboxTiming;
}

/** The cxl-type3 function with its primary mailbox (BAR2) at command level: CEL, logs, Features. */
export interface CxlType3Function extends SimulatedPciFunction {
  readonly cxlMailbox: CxlMailboxDevice;
}

export function createCxlType3(options: CxlType3Options): CxlType3Function {
  const cs = new ConfigSpace(PCI_CFG_SPACE_EXP_SIZE);
  type0Header(cs, { ...CXL_TYPE3_IDS, interruptPin: 1 });
  cs.bar(0, cxlType3Bars[0]!);
  cs.bar(2, cxlType3Bars[2]!);
  pmCapability(cs, 0x40);
  msixCapability(cs, 0x50, 4, 2, 0x8000, 0x9000);
  expressCapability(cs, 0x70, pciExpTypes.ENDPOINT, true);
  aerCapability(cs, 0x100);
  dvsecCapability(cs, 0x150, CXL_DVSEC_VENDOR, 1, 0x3c, 0x0000); // PCIe DVSEC for CXL devices
  const cdat = memdevCdat({ volatileSize: CXL_TYPE3_VOLATILE_BYTES });
  const responders: Record<(typeof cxlType3DoeLayout)[number]['name'], readonly DoeProtocolResponder[]> = {
    CDAT: [tableAccessResponder(() => cdat, { strict: true })],
    Compliance: [complianceResponder(type3ComplianceDevice())],
    'CMA/SPDM': options.spdm ?? [silentResponder(doeProtocols.CMA_SPDM), silentResponder(doeProtocols.SECURED_CMA_SPDM)],
  };
  const mailboxes: DoeMailboxRegisters[] = [];
  for (const doe of cxlType3DoeLayout) {
    cs.addExtCapability(pciExtCapIds.DOE, 1, doe.offset);
    const regs = new DoeMailboxRegisters({
      capOffset: doe.offset,
      responders: responders[doe.name],
      interrupt: { messageNumber: 0 },
      timing: options.timing ?? cxlType3DoeTiming,
      scheduler: options.scheduler,
    });
    cs.addBlock(regs);
    mailboxes.push(regs);
  }
  // Register Locator DVSEC (id 8): component registers in BAR0, memory device registers in BAR2.
  dvsecCapability(cs, 0x1d8, CXL_DVSEC_VENDOR, 0, 0x1c, 0x0008);
  cs.set(0x1d8 + 0x0c, 4, 0 | (0x01 << 8));
  cs.set(0x1d8 + 0x14, 4, 2 | (0x03 << 8));
  dsnCapability(cs, 0x200, options.serial ?? 0x0000_0000_cafe_0d93n);
  const fn = new SimulatedPciFunction({
    config: cs,
    bars: cxlType3Bars,
    resetMethods: ['flr', 'bus'],
    irq: options.irq ?? 16,
    doeMailboxes: mailboxes,
  });
  return Object.assign(fn, { cxlMailbox: new CxlMailboxDevice() });
}
