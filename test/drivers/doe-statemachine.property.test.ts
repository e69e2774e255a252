/**
 * The kernel's DOE state machine against a second party writing the same registers at random
 * (what `pci-core-shared` allows): whatever the interleaving, every task the kernel submitted
 * completes — with a result or an errno of the kernel's set (EIO, EBUSY) — within the bound the
 * timeouts give (Busy wait 1 s + response 1 s + Abort 1 s per task), nothing but DriverModelError
 * is ever thrown, and after the traffic stops the mailbox recovers: a fresh task succeeds, or
 * fails once with EIO on a left-over Error and the Abort that follows lets the next one succeed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DoeResult } from '../../src/drivers/index.js';
import { pciDoeRegs } from '../../src/pci/index.js';
import { doeProtocols } from '../../src/protocols/index.js';
import { bench } from '../support/doe-bench.js';

const REGS = [pciDoeRegs.CTRL, pciDoeRegs.STATUS, pciDoeRegs.WRITE, pciDoeRegs.READ] as const;
const traffic = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constant('write' as const),
      reg: fc.constantFrom(...REGS),
      value: fc.oneof(fc.constantFrom(0, 1, 2, 0x80000000, 0x00021e98, 3), fc.nat()),
    }),
    fc.record({ kind: fc.constant('read' as const), reg: fc.constantFrom(...REGS) }),
    fc.record({ kind: fc.constant('submit' as const), handle: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('sleep' as const), ms: fc.integer({ min: 1, max: 30 }) }),
  ),
  { maxLength: 40 },
);

describe('DOE state machine under random register traffic', () => {
  it('should complete every kernel task with a result or EIO/EBUSY, in bounded virtual time', () => {
    fc.assert(
      fc.property(traffic, (ops) => {
        const b = bench({ timing: { response: () => 3, abort: 1 } });
        const results: { result: DoeResult | undefined }[] = [];
        for (const op of ops) {
          if (op.kind === 'write') b.raw.write(op.reg, op.value);
          else if (op.kind === 'read') b.raw.read(op.reg);
          else if (op.kind === 'submit')
            results.push(b.submit({ ...doeProtocols.CXL_TABLE_ACCESS, request: new Uint8Array([0, 0, op.handle, 0]), responseSize: 256 }));
          else b.scheduler.advance(op.ms);
        }
        b.run(results.length * 3100 + 100);
        for (const r of results) {
          expect(r.result).toBeDefined();
          if (r.result && !r.result.ok) expect(['EIO', 'EBUSY']).toContain(r.result.errno);
        }
        if (!b.mb.dead) {
          // A left-over Error fails the first task (step 2: EIO, then Abort); the Abort recovers.
          const fresh = () => b.submit({ ...doeProtocols.CXL_TABLE_ACCESS, request: new Uint8Array([0, 0, 0, 0]), responseSize: 256 });
          const first = fresh();
          b.run();
          if (!first.result?.ok) {
            expect(first.result).toEqual({ ok: false, errno: 'EIO' });
            const second = fresh();
            b.run();
            expect(second.result?.ok).toBe(true);
          }
        }
      }),
      { numRuns: 60, seed: 0x0d0e5 },
    );
  });
});
