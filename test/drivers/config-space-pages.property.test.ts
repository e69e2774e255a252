/**
 * Sparse configuration space (config-pages.ts): a ConfigSpace built, sealed, written and reset
 * by random operations reads back exactly what four dense 4 KiB arrays (the layout before
 * issue #12's heap work) read back, at every offset and width; pages shared between functions
 * with the same contents never leak one function's writes into another's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigSpace } from '../../src/drivers/index.js';
import type { PciAccessWidth } from '../../src/pci/index.js';

const SIZE = 4096;

/** The dense model: contents, write mask, RW1C mask, power-on copy. */
class DenseConfig {
  readonly bytes = new Uint8Array(SIZE);
  readonly wmask = new Uint8Array(SIZE);
  readonly w1c = new Uint8Array(SIZE);
  powerOn: Uint8Array | undefined;
  set(o: number, w: number, v: number): void {
    for (let b = 0; b < w; b++) this.bytes[o + b] = (v >>> (8 * b)) & 0xff;
  }
  writable(o: number, w: number, m: number): void {
    for (let b = 0; b < w; b++) this.wmask[o + b] = (m >>> (8 * b)) & 0xff;
  }
  oneToClear(o: number, w: number, m: number): void {
    for (let b = 0; b < w; b++) this.w1c[o + b] = (m >>> (8 * b)) & 0xff;
  }
  read(o: number, w: number): number {
    if (o + w > SIZE) return w === 4 ? 0xffffffff : (1 << (8 * w)) - 1;
    let v = 0;
    for (let b = 0; b < w; b++) v |= this.bytes[o + b]! << (8 * b);
    return v >>> 0;
  }
  write(o: number, w: number, value: number): void {
    if (o + w > SIZE) return;
    for (let b = 0; b < w; b++) {
      const i = o + b;
      const v = (value >>> (8 * b)) & 0xff;
      const cleared = this.bytes[i]! & ~(v & this.w1c[i]!);
      this.bytes[i] = (cleared & ~this.wmask[i]!) | (v & this.wmask[i]!);
    }
  }
}

const width = fc.constantFrom<PciAccessWidth>(1, 2, 4);
/** Offsets clustered where configuration spaces have registers, and anywhere. */
const offset = fc.oneof(fc.integer({ min: 0, max: 0x3f }), fc.integer({ min: 0xf8, max: 0x10f }), fc.integer({ min: 0, max: SIZE - 1 }));
const value = fc.oneof(fc.constant(0), fc.constant(0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
const buildOp = fc.record({ kind: fc.constantFrom('set', 'writable', 'w1c'), offset, width, value });
const runOp = fc.record({ kind: fc.constantFrom('write', 'write', 'write', 'reset'), offset, width, value });

describe('ConfigSpace pages against the dense layout', () => {
  it('should read every offset as the dense arrays do, through build, seal, writes and resets', () => {
    fc.assert(
      fc.property(
        fc.array(buildOp, { maxLength: 30 }),
        fc.array(runOp, { maxLength: 40 }),
        fc.array(runOp, { maxLength: 20 }),
        (build, run, other) => {
          // Two functions built the same way share their sealed pages; `b` is written differently.
          const a = new ConfigSpace(SIZE);
          const b = new ConfigSpace(SIZE);
          const d = new DenseConfig();
          const db = new DenseConfig();
          for (const op of build) {
            for (const [cs, dense] of [
              [a, d],
              [b, db],
            ] as const) {
              const o = Math.min(op.offset, SIZE - op.width);
              if (op.kind === 'set') {
                cs.set(o, op.width, op.value);
                dense.set(o, op.width, op.value);
              } else if (op.kind === 'writable') {
                cs.writable(o, op.width, op.value);
                dense.writable(o, op.width, op.value);
              } else {
                cs.writeOneToClear(o, op.width, op.value);
                dense.oneToClear(o, op.width, op.value);
              }
            }
          }
          a.seal();
          b.seal();
          d.powerOn = d.bytes.slice();
          db.powerOn = db.bytes.slice();
          const apply = (cs: ConfigSpace, dense: DenseConfig, ops: typeof run) => {
            for (const op of ops) {
              if (op.kind === 'reset') {
                cs.reset();
                dense.bytes.set(dense.powerOn!);
              } else {
                cs.write(op.offset, op.width, op.value);
                dense.write(op.offset, op.width, op.value);
              }
            }
          };
          apply(a, d, run);
          apply(b, db, other);
          const dwords = (read: (o: number) => number) => Array.from({ length: SIZE / 4 }, (_, i) => read(4 * i));
          expect(dwords((o) => a.read(o, 4))).toEqual(dwords((o) => d.read(o, 4)));
          expect(dwords((o) => b.read(o, 4))).toEqual(dwords((o) => db.read(o, 4)));
          expect(a.read(SIZE - 2, 4)).toBe(0xffffffff);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('should own no page after seal, and one page per page written to after it', () => {
    const cs = new ConfigSpace(SIZE);
    cs.set(0, 4, 0x12345678);
    cs.writable(0x10, 4, 0xfffff000);
    cs.set(0x100, 4, 0x00010001);
    cs.seal();
    expect(cs.pageCounts).toEqual({ owned: 0, present: 3 });
    cs.write(0x10, 4, 0xfebf0000);
    expect(cs.read(0x10, 4)).toBe(0xfebf0000);
    expect(cs.pageCounts.owned).toBe(1);
    // A write the masks discard copies nothing.
    cs.write(0x104, 4, 0xffffffff);
    expect(cs.pageCounts.owned).toBe(1);
    cs.reset();
    expect(cs.read(0x10, 4)).toBe(0);
    expect(cs.pageCounts.owned).toBe(0);
  });
});
