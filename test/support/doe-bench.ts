/**
 * A DOE mailbox on a bench: one capability at 0x100 of a bare config space, the hardware model
 * of src/drivers/hw with the timing a test chooses, a scheduler, a log, and the kernel's
 * PciDoeMb driving it through config reads and writes — what the state-machine tests need
 * without a whole machine. `raw` is a second party poking the same registers.
 */
import { LogService, Scheduler, SimulatedClock } from '../../src/base/index.js';
import { ConfigSpace, DoeMailboxRegisters, type DoeMailboxTiming, PciDoeMb, type DoeResult, type DoeTaskSpec } from '../../src/drivers/index.js';

import { PCI_CFG_SPACE_EXP_SIZE, type PciDevice, pciExtCapIds } from '../../src/pci/index.js';
import {
  type DoeProtocolResponder,
  complianceResponder,
  memdevCdat,
  tableAccessResponder,
  type3ComplianceDevice,
} from '../../src/protocols/index.js';

export const CAP = 0x100;

export interface Bench {
  readonly scheduler: Scheduler;
  readonly log: LogService;
  readonly cs: ConfigSpace;
  readonly regs: DoeMailboxRegisters;
  readonly mb: PciDoeMb;
  /** Config writes the kernel made so far (offset, value). */
  readonly writes: [number, number][];
  /** Submit and collect the result when it comes. */
  submit(spec: DoeTaskSpec): { result: DoeResult | undefined };
  /** Run until nothing is pending or `ms` of virtual time passed. */
  run(ms?: number): void;
  /** A second party's raw dword access to the mailbox registers. */
  raw: { read(reg: number): number; write(reg: number, value: number): void };
  messages(): string[];
}

export const cdatResponder = (): DoeProtocolResponder => tableAccessResponder(() => memdevCdat({ volatileSize: 256n << 20n }), { strict: true });
export const complianceOnly = (): DoeProtocolResponder => complianceResponder(type3ComplianceDevice());

export function bench(
  options: { timing?: DoeMailboxTiming; responders?: DoeProtocolResponder[]; create?: boolean; discovery?: DoeProtocolResponder } = {},
): Bench {
  const scheduler = new Scheduler(new SimulatedClock());
  const log = new LogService(() => scheduler.clock.now());
  const cs = new ConfigSpace(PCI_CFG_SPACE_EXP_SIZE);
  cs.addExtCapability(pciExtCapIds.DOE, 1, CAP);
  const regs = new DoeMailboxRegisters({
    capOffset: CAP,
    responders: options.responders ?? [cdatResponder()],
    ...(options.timing && { timing: options.timing }),
    ...(options.discovery && { discovery: options.discovery }),
    scheduler,
  });
  cs.addBlock(regs);
  const writes: [number, number][] = [];
  const pdev = {
    name: '0000:0d:00.0',
    configRead: (off: number, w: 1 | 2 | 4) => cs.read(off, w),
    configWrite: (off: number, w: 1 | 2 | 4, v: number) => {
      writes.push([off, v >>> 0]);
      cs.write(off, w, v);
    },
  } as unknown as PciDevice;
  const mb = new PciDoeMb({ pdev, capOffset: CAP, scheduler, log });
  const b: Bench = {
    scheduler,
    log,
    cs,
    regs,
    mb,
    writes,
    submit(spec) {
      const box: { result: DoeResult | undefined } = { result: undefined };
      mb.submit(spec, (r) => (box.result = r));
      return box;
    },
    run(ms = 10_000) {
      for (let t = 0; t < ms && scheduler.pending > 0; t++) scheduler.advance(1);
      scheduler.settle();
    },
    raw: {
      read: (reg) => cs.read(CAP + reg, 4),
      write: (reg, value) => cs.write(CAP + reg, 4, value >>> 0),
    },
    messages: () => log.records.map((r) => r.message),
  };
  if (options.create !== false) {
    mb.create();
    b.run();
  }
  return b;
}
