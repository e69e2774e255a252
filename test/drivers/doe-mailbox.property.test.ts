/**
 * Random register traffic against both device models (QEMU timing and the timed cxl-type3):
 * nothing but the errno error class is ever thrown (in fact nothing is), and the Status and
 * Control registers keep their invariants whatever is written.
 */
import fc from 'fast-check';
import { fuzzParams } from '../support/budget.js';
import { describe, expect, it } from 'vitest';
import { DriverModelError, Scheduler } from '../../src/base/index.js';
import { createCxlType3, createQemuCxlType3 } from '../../src/drivers/index.js';

type Op =
  | { kind: 'write'; off: number; width: 1 | 2 | 4; value: number }
  | { kind: 'read'; off: number; width: 1 | 2 | 4 }
  | { kind: 'object'; header: number; length: number; payload: number[]; go: boolean }
  | { kind: 'advance'; ms: number };

/** An aligned access somewhere in the capability (header through Read Data Mailbox). */
const access = fc
  .constantFrom<1 | 2 | 4>(1, 2, 4)
  .chain((width) => fc.integer({ min: 0, max: 0x18 / width - 1 }).map((i) => ({ off: i * width, width })));
const knownHeaders = [0x00000001, 0x00021e98, 0x00001e98, 0x00010001, 0x01000001, 0x00000000];
const op: fc.Arbitrary<Op> = fc.oneof(
  fc
    .record({ kind: fc.constant('write' as const), value: fc.integer({ min: 0, max: 0xffffffff }) })
    .chain((w) => access.map((a) => ({ ...w, ...a }))),
  access.map((a) => ({ kind: 'read' as const, ...a })),
  fc.record({
    kind: fc.constant('object' as const),
    header: fc.oneof(fc.constantFrom(...knownHeaders), fc.integer({ min: 0, max: 0xffffffff })),
    length: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 0xffffffff })),
    payload: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 6 }),
    go: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 30 }) }),
);

const devices = [
  ['qemu-cxl-type3', (_s: Scheduler) => ({ hw: createQemuCxlType3(), caps: [0x190] })],
  ['cxl-type3', (s: Scheduler) => ({ hw: createCxlType3({ scheduler: s }), caps: [0x190, 0x1a8, 0x1c0] })],
] as const;

describe.each(devices)('%s DOE registers under random traffic', (_name, make) => {
  it('should never throw anything but DriverModelError and keep Status/Control invariants', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.array(op, { maxLength: 60 }), (which, ops) => {
        const scheduler = new Scheduler();
        const { hw, caps } = make(scheduler);
        const cap = caps[which % caps.length]!;
        try {
          for (const o of ops) {
            switch (o.kind) {
              case 'write':
                hw.configWrite(cap + o.off, o.width, o.value);
                break;
              case 'read':
                hw.configRead(cap + o.off, o.width);
                break;
              case 'object':
                for (const d of [o.header, o.length, ...o.payload]) hw.configWrite(cap + 0x10, 4, d);
                if (o.go) hw.configWrite(cap + 0x08, 4, 0x80000000);
                break;
              case 'advance':
                scheduler.advance(o.ms);
                break;
            }
            const status = hw.configRead(cap + 0x0c, 4);
            expect(status & 0x7ffffff8).toBe(0); // reserved Status bits read 0
            expect(status & 0x80000000 && status & 0x1).toBe(0); // never Ready while Busy
            expect(hw.configRead(cap + 0x08, 4) & ~0x2).toBe(0); // Abort and Go read 0
            if (!(status & 0x80000000) || status & 0x4) expect(hw.configRead(cap + 0x14, 4)).toBe(0);
            expect(hw.configRead(cap, 4) & 0xffff).toBe(0x2e);
          }
        } catch (e) {
          if (!DriverModelError.is(e)) throw e;
        }
      }),
      fuzzParams(300),
    );
  });
});
