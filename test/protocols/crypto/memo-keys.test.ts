/**
 * The crypto memo's keys (src/protocols/crypto/memo.ts): a lookup fingerprints the parts into a
 * 32-bit bucket and compares them byte for byte, so an entry answers exactly the key it was
 * computed for — through fingerprint collisions, kinds (string or bytes), splits and alignment.
 * Counts work (computations), never time.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { PureMemo, fingerprint } from '../../../src/protocols/crypto/memo.js';
import { SHA256, SHA384, concatBytes, memoStats, toHex } from '../../../src/protocols/crypto/index.js';

type Key = (Uint8Array | string)[];

/** The value a pure computation would give for a key: its parts, kinds and boundaries included. */
const describeKey = (parts: Key): string => parts.map((p) => (typeof p === 'string' ? `s:${p}` : `b:${toHex(p)}`)).join('|');

/** A memo over `describeKey` that counts its computations. */
function countingMemo(name: string, maxEntries?: number) {
  const memo = new PureMemo<string>(name, (v) => v, maxEntries);
  let computed = 0;
  const get = (parts: Key): string =>
    memo.get(parts, () => {
      computed++;
      return describeKey(parts);
    });
  return { memo, get, computed: () => computed };
}

/** `bytes` at byte offset `at` of a larger buffer (an unaligned view when `at` is not a multiple of 4). */
function at(bytes: Uint8Array, offset: number): Uint8Array {
  const out = new Uint8Array(bytes.length + offset + 3).subarray(offset, offset + bytes.length);
  out.set(bytes);
  return out;
}

/** Two different 8-byte keys with the same fingerprint, found by a deterministic birthday search. */
function collidingPair(): [Uint8Array, Uint8Array] {
  const seen = new Map<number, Uint8Array>();
  for (let i = 0; ; i++) {
    const k = new Uint8Array(8);
    new DataView(k.buffer).setUint32(0, i, true);
    new DataView(k.buffer).setUint32(4, Math.imul(i, 0x9e3779b1), true);
    const fp = fingerprint([k]);
    const other = seen.get(fp);
    if (other) return [other, k];
    seen.set(fp, k);
  }
}

describe('crypto memo keys', () => {
  it('should answer each of two colliding keys with its own value (the bucket is compared, not trusted)', () => {
    const [a, b] = collidingPair();
    expect(fingerprint([a])).toBe(fingerprint([b]));
    expect(toHex(a)).not.toBe(toHex(b));
    const m = countingMemo('test-collide');
    expect(m.get([a])).toBe(describeKey([a]));
    expect(m.get([b])).toBe(describeKey([b]));
    expect(m.computed()).toBe(2);
    for (let i = 0; i < 3; i++) {
      expect(m.get([a.slice()])).toBe(describeKey([a]));
      expect(m.get([b.slice()])).toBe(describeKey([b]));
    }
    expect(m.computed()).toBe(2);
    expect([m.memo.hits, m.memo.misses]).toEqual([6, 2]);
  });

  it('should keep a string part and the same characters as bytes apart, and different splits apart', () => {
    const m = countingMemo('test-kinds');
    const keys: Key[] = [['ab'], [Uint8Array.of(0x61, 0x62)], [Uint8Array.of(1, 2), Uint8Array.of(3)], [Uint8Array.of(1), Uint8Array.of(2, 3)], []];
    for (const k of keys) expect(m.get(k)).toBe(describeKey(k));
    expect(m.computed()).toBe(keys.length);
    for (const k of keys) expect(m.get(k)).toBe(describeKey(k));
    expect(m.computed()).toBe(keys.length);
  });

  it('should find a key whatever the alignment of its bytes (word and byte reads agree)', () => {
    const m = countingMemo('test-align');
    const bytes = Uint8Array.from({ length: 203 }, (_, i) => (i * 37 + 11) & 0xff);
    expect(m.get([at(bytes, 0), 'x'])).toBe(describeKey([bytes, 'x']));
    for (let offset = 1; offset < 8; offset++) {
      expect(fingerprint([at(bytes, offset)])).toBe(fingerprint([bytes]));
      expect(m.get([at(bytes, offset), 'x'])).toBe(describeKey([bytes, 'x']));
    }
    expect(m.computed()).toBe(1);
    // One byte off anywhere (first word, last word, tail) is another key.
    for (const i of [0, 3, 100, 199, 202]) {
      const other = bytes.slice();
      other[i] = other[i]! ^ 1;
      expect(m.get([at(other, i % 4), 'x'])).toBe(describeKey([other, 'x']));
    }
    expect(m.computed()).toBe(6);
  });

  it('should answer every key with the value computed for that key (property, many near-equal keys)', () => {
    const part = fc.oneof(
      fc.constantFrom('a', 'b', ''),
      fc.record({ bytes: fc.uint8Array({ maxLength: 9, max: 2 }), offset: fc.nat(5) }).map(({ bytes, offset }) => at(bytes, offset)),
    );
    fc.assert(
      fc.property(fc.array(fc.array(part, { maxLength: 3 }), { minLength: 1, maxLength: 40 }), (keys) => {
        const m = countingMemo('test-property', 16);
        for (const k of [...keys, ...keys]) expect(m.get(k)).toBe(describeKey(k));
      }),
      { numRuns: 200 },
    );
  });

  it('should digest parts as their concatenation, remembering it from 128 bytes on', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 }), (parts) => {
        expect(toHex(SHA384.digestParts(parts))).toBe(toHex(sha384(concatBytes(...parts))));
        expect(toHex(SHA256.digestParts(parts))).toBe(toHex(sha256(concatBytes(...parts))));
      }),
      { numRuns: 100 },
    );
    const long = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const before = memoStats('sha384-digest');
    const a = SHA384.digestParts([long.subarray(0, 100), long.subarray(100)]);
    a.fill(0);
    const b = SHA384.digestParts([long.slice(0, 100), long.slice(100)]);
    expect(toHex(b)).toBe(toHex(sha384(long)));
    const after = memoStats('sha384-digest');
    expect([after.misses - before.misses, after.hits - before.hits]).toEqual([1, 1]);
    SHA384.digestParts([long.subarray(0, 60), long.subarray(60, 120)]);
    SHA384.digestParts([long.subarray(0, 60), long.subarray(60, 120)]);
    expect(memoStats('sha384-digest')).toEqual(after);
  });
});
