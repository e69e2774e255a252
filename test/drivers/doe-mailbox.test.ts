/**
 * The DOE register model bit by bit (protocols §1.2, §1.3, §1.7; Appendix C.1), on a bare
 * config space with one DOE capability at 0x100 serving Discovery and CXL Table Access, both
 * as QEMU times it (inside the Go write) and as a device that takes virtual time.
 */
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/base/index.js';
import {
  ConfigSpace,
  DoeMailboxRegisters,
  type DoeMailboxTiming,
  createCxlType3,
  createMlx5Nic,
  doeRegistersOf,
  immediateDoeTiming,
} from '../../src/drivers/index.js';
import { PCI_CFG_SPACE_EXP_SIZE, pciExtCapIds } from '../../src/pci/index.js';
import { type DoeProtocolResponder, DOE_MAX_OBJECT_DWORDS, memdevCdat, tableAccessResponder } from '../../src/protocols/index.js';

const CAP = 0x100;
const CTRL = CAP + 0x08;
const STATUS = CAP + 0x0c;
const WRITE = CAP + 0x10;
const READ = CAP + 0x14;
const GO = 0x80000000;
const ABORT = 0x1;
const INT_EN = 0x2;
const BUSY = 0x1;
const INT_STATUS = 0x2;
const ERROR = 0x4;
const DOR = 0x80000000;

const DISCOVERY_0 = [0x00000001, 0x00000003, 0x00000000];
const DISCOVERY_0_RSP = [0x00000001, 0x00000003, 0x01000001];

interface Rig {
  readonly cs: ConfigSpace;
  readonly mb: DoeMailboxRegisters;
  readonly scheduler: Scheduler;
  readonly irqs: number[];
  r(off: number, width?: 1 | 2 | 4): number;
  w(off: number, value: number, width?: 1 | 2 | 4): void;
  send(dwords: readonly number[]): void;
  /** Read and acknowledge `n` dwords. */
  take(n: number): number[];
}

function rig(options: { timing?: DoeMailboxTiming; interrupt?: { messageNumber: number } | null; responders?: DoeProtocolResponder[] } = {}): Rig {
  const scheduler = new Scheduler();
  const cs = new ConfigSpace(PCI_CFG_SPACE_EXP_SIZE);
  cs.addExtCapability(pciExtCapIds.DOE, 1, CAP);
  const cdat = memdevCdat({ persistentSize: 256n << 20n });
  const irqs: number[] = [];
  const mb = new DoeMailboxRegisters({
    capOffset: CAP,
    responders: options.responders ?? [tableAccessResponder(() => cdat, { strict: true })],
    ...(options.interrupt === null ? {} : { interrupt: options.interrupt ?? { messageNumber: 0 } }),
    timing: options.timing ?? immediateDoeTiming,
    scheduler,
    onInterrupt: (n) => irqs.push(n),
  });
  cs.addBlock(mb);
  const r = (off: number, width: 1 | 2 | 4 = 4) => cs.read(off, width);
  const w = (off: number, value: number, width: 1 | 2 | 4 = 4) => cs.write(off, width, value >>> 0);
  return {
    cs,
    mb,
    scheduler,
    irqs,
    r,
    w,
    send(dwords) {
      for (const d of dwords) w(WRITE, d);
      w(CTRL, GO);
    },
    take(n) {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        out.push(r(READ));
        w(READ, 0);
      }
      return out;
    },
  };
}

const timed: DoeMailboxTiming = { response: () => 5, abort: 2 };

describe('DOE Capabilities and the capability header (protocols §1.1, §1.2)', () => {
  it.each([
    [{ messageNumber: 0 }, 0x00000001],
    [{ messageNumber: 1 }, 0x00000003],
    [{ messageNumber: 0x7ff }, 0x00000fff],
    [null, 0x00000000],
  ])('Capabilities with interrupt %j reads %i and ignores writes', (interrupt, value) => {
    const m = rig({ interrupt });
    m.w(CAP + 4, 0xffffffff);
    expect(m.r(CAP + 4)).toBe(value);
    expect(m.r(CAP + 4, 1)).toBe(value & 0xff);
  });

  it('should keep the header read-only: id 0x2E, version 1', () => {
    const m = rig();
    m.w(CAP, 0xffffffff);
    expect(m.r(CAP)).toBe(0x0001002e);
    expect(m.r(CAP, 2)).toBe(0x002e);
  });
});

describe('DOE Control (protocols §1.2, §1.7)', () => {
  it('should read Abort and Go as 0 and Interrupt Enable as written', () => {
    const m = rig();
    m.w(CTRL, INT_EN);
    expect(m.r(CTRL)).toBe(INT_EN);
    m.w(CTRL, GO | INT_EN | 0x7ffffffc);
    expect(m.r(CTRL)).toBe(INT_EN);
    m.w(CTRL, 0);
    expect(m.r(CTRL)).toBe(0);
  });

  it('should clear Interrupt Enable with a Go written as exactly 0x80000000, after the Go raised Interrupt Status [c12]', () => {
    const m = rig();
    m.w(CTRL, INT_EN);
    m.send(DISCOVERY_0);
    expect(m.r(CTRL)).toBe(0);
    expect(m.r(STATUS)).toBe((DOR | INT_STATUS) >>> 0);
    expect(m.irqs).toEqual([0]);
  });

  it('should act per byte lane: a byte Go at +0x0b leaves Interrupt Enable, a byte at +0x08 sets it', () => {
    const m = rig();
    m.w(CTRL, INT_EN, 1);
    expect(m.r(CTRL)).toBe(INT_EN);
    for (const d of DISCOVERY_0) m.w(WRITE, d);
    m.w(CTRL + 3, 0x80, 1);
    expect((m.r(STATUS) & DOR) >>> 0).toBe(DOR);
    expect(m.r(CTRL)).toBe(INT_EN);
  });

  it('should treat a byte 0x81 at +0x0b as Go only (its low bit is bit 24, reserved), where QEMU would also abort', () => {
    const m = rig();
    m.send(DISCOVERY_0);
    for (const d of DISCOVERY_0) m.w(WRITE, d);
    m.w(CTRL + 3, 0x81, 1);
    expect(m.take(3)).toEqual(DISCOVERY_0_RSP);
  });

  it('should go with a 16-bit write of 0x8000 at +0x0a', () => {
    const m = rig();
    for (const d of DISCOVERY_0) m.w(WRITE, d);
    m.w(CTRL + 2, 0x8000, 2);
    expect(m.take(3)).toEqual(DISCOVERY_0_RSP);
  });

  it('should ignore Go and Interrupt Enable written together with Abort, and keep Interrupt Status [c12]', () => {
    const m = rig();
    m.w(CTRL, INT_EN);
    m.w(READ, 0); // underflow: Error, Interrupt Status
    expect(m.r(STATUS)).toBe(ERROR | INT_STATUS);
    m.w(CTRL, ABORT | GO);
    expect(m.r(STATUS)).toBe(INT_STATUS);
    expect(m.r(CTRL)).toBe(INT_EN);
  });
});

describe('DOE Status (protocols §1.2, §1.7)', () => {
  it('should clear Interrupt Status on a 1 in bit 1 and ignore writes to every other bit', () => {
    const m = rig();
    m.w(CTRL, INT_EN);
    m.w(READ, 0);
    m.w(STATUS, 0x80000005);
    expect(m.r(STATUS)).toBe(ERROR | INT_STATUS);
    m.w(STATUS + 1, 0x02, 1); // bit 9: not Interrupt Status
    expect(m.r(STATUS)).toBe(ERROR | INT_STATUS);
    m.w(STATUS, INT_STATUS, 1);
    expect(m.r(STATUS)).toBe(ERROR);
  });

  it('should raise Interrupt Status once while it is set, and never without interrupt support', () => {
    const m = rig();
    m.w(CTRL, INT_EN);
    m.w(READ, 0);
    m.w(CTRL, ABORT);
    m.w(READ, 0);
    expect(m.irqs).toEqual([0]);
    const n = rig({ interrupt: null });
    n.w(CTRL, INT_EN);
    n.w(READ, 0);
    expect(n.r(STATUS)).toBe(ERROR);
  });

  it('should read byte 3 of Status as 0x80 while an object is ready [c13]', () => {
    const m = rig();
    m.send(DISCOVERY_0);
    expect(m.r(STATUS + 3, 1)).toBe(0x80);
    expect(m.r(STATUS + 2, 2)).toBe(0x8000);
  });
});

describe('Write and Read Data Mailbox (protocols §1.2, §1.7)', () => {
  it('should read the Write Data Mailbox as 0 and the Read Data Mailbox as 0 with nothing ready', () => {
    const m = rig();
    m.w(WRITE, 0x12345678);
    expect([m.r(WRITE), m.r(READ), m.r(READ)]).toEqual([0, 0, 0]);
  });

  it('should return the same dword on repeated reads and advance only on a dword write; DOR clears at the last ack [c08]', () => {
    const m = rig();
    m.send(DISCOVERY_0);
    expect([m.r(READ), m.r(READ)]).toEqual([1, 1]);
    m.w(READ, 0);
    m.w(READ, 0);
    expect(m.r(STATUS)).toBe(DOR);
    expect(m.r(READ)).toBe(0x01000001);
    m.w(READ, 0);
    expect(m.r(STATUS)).toBe(0);
  });

  it('should give 0 to 8- and 16-bit reads of Read Data Mailbox and ignore narrow writes to both mailboxes [c13]', () => {
    const m = rig();
    m.w(WRITE, 1, 2); // dropped
    m.send(DISCOVERY_0);
    expect([m.r(READ, 1), m.r(READ, 2)]).toEqual([0, 0]);
    m.w(READ, 0, 1);
    m.w(READ, 0, 2);
    expect(m.take(3)).toEqual(DISCOVERY_0_RSP);
  });

  it('should set Error on an acknowledge with nothing pending (underflow), read 0 while Error, and recover on Abort [c02, c08]', () => {
    const m = rig();
    m.send(DISCOVERY_0);
    m.take(3);
    m.w(READ, 0);
    expect(m.r(STATUS)).toBe(ERROR);
    m.send(DISCOVERY_0); // ignored while Error: the request stays until Abort
    expect(m.r(STATUS)).toBe(ERROR);
    m.w(CTRL, ABORT);
    m.w(CTRL, GO); // the request was dropped by the Abort
    expect(m.r(STATUS)).toBe(0);
    m.send(DISCOVERY_0);
    expect(m.take(3)).toEqual(DISCOVERY_0_RSP);
  });
});

describe('Data objects the mailbox receives (protocols §1.3, §1.7)', () => {
  const tableAccess0 = [0x00021e98, 3, 0];
  it.each([
    ['empty mailbox', []],
    ['a lone header dword', [0x00000001]],
    ['truncated: 2 of 3 dwords', [0x00000001, 3]],
    ['over-long: 4 dwords for Length 3', [0x00000001, 3, 0, 0]],
    ['Length 0 (2^18) with 3 dwords', [0x00000001, 0, 0]],
    ['Length 2: no payload for Discovery', [0x00000001, 2]],
    ['an unknown protocol 0001:01', [0x00010001, 3, 0x00008410]],
    ['Compliance 1e98:00 on a mailbox without it', [0x00001e98, 3, 0]],
    ['a non-zero reserved byte in DW0', [0x01000001, 3, 0]],
    ['a Table Access handle past the last entry', [0x00021e98, 3, 0x00070000]],
    ['a Table Access Request Code 1 on a strict device', [0x00021e98, 3, 0x00000001]],
  ])('should silently discard %s: no DOR, no Error, still usable', (_n, req) => {
    const m = rig();
    m.send(req);
    expect(m.r(STATUS)).toBe(0);
    m.send(DISCOVERY_0);
    expect(m.take(3)).toEqual(DISCOVERY_0_RSP);
  });

  it('should answer a longer object whose Length matches the dwords written, ignoring DW1 bits 31:18 [c05]', () => {
    const m = rig();
    m.send([0x00000001, 0xfffc0004, 1, 0xdeadbeef]);
    expect(m.take(3)).toEqual([0x00000001, 3, 0x00021e98]);
  });

  it('should take a 2^18-dword object announced with Length 0', () => {
    const m = rig();
    m.w(WRITE, 0x00000001);
    m.w(WRITE, 0);
    for (let i = 2; i < DOE_MAX_OBJECT_DWORDS; i++) m.w(WRITE, i === 2 ? 1 : 0);
    m.w(CTRL, GO);
    expect(m.take(3)).toEqual([0x00000001, 3, 0x00021e98]);
  });

  it('should discard an object written past 2^18 dwords and stay usable', () => {
    const m = rig();
    m.w(WRITE, 0x00000001);
    m.w(WRITE, 0);
    for (let i = 2; i < DOE_MAX_OBJECT_DWORDS + 5; i++) m.w(WRITE, 0);
    m.w(CTRL, GO);
    expect(m.r(STATUS)).toBe(0);
    m.send(DISCOVERY_0);
    expect(m.take(3)).toEqual(DISCOVERY_0_RSP);
  });

  it('should encode a response of 2^18 dwords with Length 0 and discard a larger one', () => {
    const big = (n: number): DoeProtocolResponder => ({ vendor: 0x1e98, type: 0x02, respond: () => new Uint8Array(n) });
    const m = rig({ responders: [big((DOE_MAX_OBJECT_DWORDS - 2) * 4)] });
    m.send(tableAccess0);
    expect(m.take(2)).toEqual([0x00021e98, 0]);
    const n = rig({ responders: [big((DOE_MAX_OBJECT_DWORDS - 2) * 4 + 1)] });
    n.send(tableAccess0);
    expect(n.r(STATUS)).toBe(0);
  });

  it('should consume the request at Go: a second Go with nothing written does not replay it [c11, PCIe spec departure]', () => {
    const m = rig();
    m.send(DISCOVERY_0);
    m.w(CTRL, GO);
    expect(m.take(3)).toEqual(DISCOVERY_0_RSP);
    expect(m.r(STATUS)).toBe(0);
  });

  it('should discard a new request Go-ed while a response is pending and keep that response [c11 (iii)]', () => {
    const m = rig();
    m.send(DISCOVERY_0);
    m.send([0x00000001, 3, 1]);
    expect(m.take(3)).toEqual(DISCOVERY_0_RSP);
    expect(m.r(STATUS)).toBe(0);
  });
});

describe('Abort (protocols §1.7)', () => {
  it('should empty the Write Data Mailbox mid-request [c06]', () => {
    const m = rig();
    m.w(WRITE, DISCOVERY_0[0]!);
    m.w(WRITE, DISCOVERY_0[1]!);
    m.w(CTRL, ABORT);
    m.w(WRITE, DISCOVERY_0[2]!);
    m.w(CTRL, GO);
    expect(m.r(STATUS)).toBe(0);
  });

  it('should drop the rest of a response mid-response; a later ack is an underflow [c07]', () => {
    const m = rig();
    m.send(DISCOVERY_0);
    m.take(2);
    m.w(CTRL, ABORT);
    expect([m.r(STATUS), m.r(READ)]).toEqual([0, 0]);
    m.w(READ, 0);
    expect(m.r(STATUS)).toBe(ERROR);
  });
});

describe('a device that takes virtual time (Busy)', () => {
  it('should hold Busy from Go until the response is due, then Data Object Ready and Busy clear', () => {
    const m = rig({ timing: timed });
    m.send(DISCOVERY_0);
    expect(m.r(STATUS)).toBe(BUSY);
    m.scheduler.advance(4);
    expect(m.r(STATUS)).toBe(BUSY);
    m.scheduler.advance(1);
    expect(m.r(STATUS)).toBe(DOR);
    expect(m.take(3)).toEqual(DISCOVERY_0_RSP);
  });

  it('should drop writes and ignore Go while Busy', () => {
    const m = rig({ timing: timed });
    m.send(DISCOVERY_0);
    m.send([0x00000001, 3, 1]);
    m.scheduler.advance(5);
    expect(m.take(3)).toEqual(DISCOVERY_0_RSP);
    m.w(CTRL, GO); // nothing was kept from the writes made while Busy
    m.scheduler.advance(10);
    expect(m.r(STATUS)).toBe(0);
  });

  it('should raise Interrupt Status when the response arrives if enabled at that time', () => {
    const m = rig({ timing: timed });
    for (const d of DISCOVERY_0) m.w(WRITE, d);
    m.w(CTRL, GO | INT_EN);
    m.scheduler.advance(5);
    expect(m.r(STATUS)).toBe((DOR | INT_STATUS) >>> 0);
    const n = rig({ timing: timed });
    n.send(DISCOVERY_0); // Go written as 0x80000000: Interrupt Enable 0 when the response comes
    n.scheduler.advance(5);
    expect(n.r(STATUS)).toBe(DOR);
  });

  it('should cancel a pending response on Abort and hold Busy for the abort time', () => {
    const m = rig({ timing: timed });
    m.send(DISCOVERY_0);
    m.w(CTRL, ABORT);
    expect(m.r(STATUS)).toBe(BUSY);
    m.scheduler.advance(2);
    expect(m.r(STATUS)).toBe(0);
    m.scheduler.advance(10);
    expect(m.r(STATUS)).toBe(0);
  });

  it('should clear Busy and raise the interrupt without Data Object Ready when the responder drops the request', () => {
    const m = rig({ timing: timed });
    for (const d of [0x00021e98, 3, 0x00070000]) m.w(WRITE, d);
    m.w(CTRL, GO | INT_EN);
    m.scheduler.advance(5);
    expect(m.r(STATUS)).toBe(INT_STATUS);
  });

  it('should stay Busy forever when the device hangs, until an Abort; a hanging Abort stays Busy too', () => {
    const hang = rig({ timing: { response: () => 'never', abort: 1 } });
    hang.send(DISCOVERY_0);
    hang.scheduler.advance(5000);
    expect(hang.r(STATUS)).toBe(BUSY);
    hang.w(CTRL, ABORT);
    hang.scheduler.advance(1);
    expect(hang.r(STATUS)).toBe(0);
    const dead = rig({ timing: { response: () => 'never', abort: 'never' } });
    dead.send(DISCOVERY_0);
    dead.w(CTRL, ABORT);
    dead.scheduler.advance(5000);
    expect(dead.r(STATUS)).toBe(BUSY);
  });

  it('should take a new timing at run time (a device that starts hanging)', () => {
    const m = rig({ timing: timed });
    m.mb.timing = { response: () => 'never', abort: 1 };
    m.send(DISCOVERY_0);
    m.scheduler.advance(1000);
    expect(m.r(STATUS)).toBe(BUSY);
  });

  it("should find a function's register block by capability offset for fault injection", () => {
    const scheduler = new Scheduler();
    const hw = createCxlType3({ scheduler });
    const mb = doeRegistersOf(hw, 0x1a8)!;
    mb.timing = { response: () => 'never', abort: 1 };
    for (const d of [0x00001e98, 3, 0]) hw.configWrite(0x1a8 + 0x10, 4, d);
    hw.configWrite(0x1a8 + 0x08, 4, GO);
    scheduler.advance(2000);
    expect(hw.configRead(0x1a8 + 0x0c, 4)).toBe(BUSY);
    expect([doeRegistersOf(hw, 0x100), doeRegistersOf(createMlx5Nic(), 0x190), doeRegistersOf(undefined, 0x190)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('should return to power-on state on a function reset, cancelling pending work', () => {
    const m = rig({ timing: timed });
    m.w(CTRL, INT_EN);
    m.send(DISCOVERY_0);
    m.mb.reset();
    m.scheduler.advance(10);
    expect([m.r(STATUS), m.r(CTRL)]).toEqual([0, 0]);
  });
});
