/**
 * The generator's precomputed window (src/protocols/crypto/ecc.ts): a process that computes few
 * products by G builds the small table; one that computes many moves to the large one. Counted in
 * point additions (noble's Point.add), never time. This file's module graph is its own, so G has
 * no table yet when it starts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { p384 } from '@noble/curves/nist.js';
import { SeededRandom, generatePrivateKey, publicKeyOf } from '../../../src/protocols/crypto/index.js';

const proto = p384.Point.prototype as { add(this: unknown, other: unknown): unknown };
const add = proto.add;
let adds = 0;
proto.add = function (this: unknown, other: unknown) {
  adds++;
  return add.call(this, other);
};
afterAll(() => {
  proto.add = add;
});

let n = 0;
/** Point additions spent deriving the public key of a key no other call derives (a memo miss). */
function product(): number {
  const key = generatePrivateKey('P-384', SeededRandom.fromString(`base-window-${n++}`));
  const before = adds;
  publicKeyOf(key);
  return adds - before;
}

describe('P-384 generator window', () => {
  it('should build a small table for the first product (not the 8-bit one of ~6,300 additions)', () => {
    expect(product()).toBeLessThan(1_500);
  });

  it('should move to the 8-bit table after many products: its build, then fewer additions per product', () => {
    const costs = Array.from({ length: 100 }, product);
    const small = costs[10]!;
    const build = Math.max(...costs);
    const large = costs[costs.length - 1]!;
    expect(build).toBeGreaterThan(5_000);
    expect(costs.filter((c) => c > 1_000)).toHaveLength(1);
    expect(large).toBeLessThan(small * 0.7);
  });
});
