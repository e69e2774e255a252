/**
 * The process-wide crypto memo (src/protocols/crypto/memo.ts) counts work, never time: an
 * identical certificate chain is verified once per process (its signatures checked once), and
 * every later caller gets its own copy of the result; a long input is hashed once.
 */
import { describe, expect, it } from 'vitest';
import { sha384 } from '@noble/hashes/sha2.js';
import {
  SHA384,
  SeededRandom,
  buildCertificate,
  generatePrivateKey,
  memoStats,
  verifyCertificateChain,
} from '../../../src/protocols/crypto/index.js';

const k = (s: string) => generatePrivateKey('P-384', SeededRandom.fromString(s));

describe('crypto memo', () => {
  // Keys no other test uses, so the first verification below is this process's first.
  const rootKey = k('memo-test-root');
  const leafKey = k('memo-test-leaf');
  const root = buildCertificate({ serial: 11, subject: 'MR', issuer: 'MR', key: rootKey, issuerKey: rootKey, ca: true });
  const leaf = buildCertificate({ serial: 12, subject: 'ML', issuer: 'MR', key: leafKey, issuerKey: rootKey, ca: false });

  it('should verify an identical chain once: curve verifications per chain = 1 pass, later calls answered', () => {
    const verify0 = memoStats('ecdsa-verify');
    const chain0 = memoStats('x509-chain');
    const first = verifyCertificateChain([root, leaf], [root]);
    const verify1 = memoStats('ecdsa-verify');
    // The root's self-signature and the leaf's signature: two curve verifications, both new.
    expect(verify1.misses - verify0.misses).toBe(2);
    for (let i = 0; i < 5; i++) verifyCertificateChain([root.slice(), leaf.slice()], [root.slice()]);
    expect(memoStats('ecdsa-verify')).toEqual(verify1);
    const chain1 = memoStats('x509-chain');
    expect(chain1.misses - chain0.misses).toBe(1);
    expect(chain1.hits - chain0.hits).toBe(5);
    expect(first.map((c) => c.isCa)).toEqual([true, false]);
  });

  it('should hand every caller its own copy of a remembered chain', () => {
    const a = verifyCertificateChain([root, leaf], [root]);
    a[1]!.publicKey!.point.fill(0);
    a[0]!.der.fill(0);
    const b = verifyCertificateChain([root, leaf], [root]);
    expect(b[1]!.publicKey!.point.some((x) => x !== 0)).toBe(true);
    expect(b[0]!.der).toEqual(root);
  });

  it('should not remember a chain that fails: it fails again, with the same error', () => {
    const stranger = buildCertificate({ serial: 13, subject: 'MX', issuer: 'MX', key: leafKey, issuerKey: leafKey, ca: true });
    const before = memoStats('x509-chain');
    for (let i = 0; i < 2; i++) expect(() => verifyCertificateChain([stranger, leaf], [root])).toThrow(/not signed by a trusted root/);
    expect(memoStats('x509-chain').misses - before.misses).toBe(2);
  });

  it('should hash a long input once per process and a short one every time, each caller getting its own digest', () => {
    const long = SeededRandom.fromString('memo-test-digest').bytes(2048);
    const before = memoStats('sha384-digest');
    const a = SHA384.digest(long);
    a.fill(0);
    const b = SHA384.digest(long.slice());
    expect(b).toEqual(sha384(long));
    const after = memoStats('sha384-digest');
    expect([after.misses - before.misses, after.hits - before.hits]).toEqual([1, 1]);
    SHA384.digest(long.subarray(0, 100));
    SHA384.digest(long.subarray(0, 100));
    expect(memoStats('sha384-digest')).toEqual(after);
  });
});
