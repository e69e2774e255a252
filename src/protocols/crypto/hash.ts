/**
 * Hash functions by SPDM BaseHashAlgo bit (DSP0274 "NEGOTIATE_ALGORITHMS": bit 0 SHA-256,
 * bit 1 SHA-384, bit 2 SHA-512), with HMAC and HKDF (RFC 5869) over the same hash. All synchronous
 * (noble), so the deterministic scheduler never awaits.
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { extract, expand } from '@noble/hashes/hkdf.js';
import { kerr } from '../../base/index.js';
import { bytesMemo } from './memo.js';

export type HashName = 'sha256' | 'sha384' | 'sha512';

export interface HashAlgorithm {
  readonly name: HashName;
  /** Digest length in bytes (H in DSP0274). */
  readonly size: number;
  digest(data: Uint8Array): Uint8Array;
  /** digest(concatenation of `parts`), without building the concatenation. */
  digestParts(parts: readonly Uint8Array[]): Uint8Array;
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-Extract(salt, ikm) (RFC 5869 §2.2). */
  hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  /** HKDF-Expand(prk, info, length) (RFC 5869 §2.3). */
  hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
}

/**
 * Digests of inputs this long or longer are memoised across machines (memo.ts): every booted
 * machine's CMA authentication hashes the same certificates, chains and transcripts, and the
 * memo's lookup (a fingerprint and a comparison, a word at a time) costs a small fraction of
 * hashing the same bytes — from two SHA-384 blocks up (a 148-byte signing prefix || digest, a
 * ~450-byte root certificate). Shorter inputs (the DRBG's blocks, HMAC pads) are hashed each time.
 */
export const DIGEST_MEMO_MIN_BYTES = 128;

/** The digest of the parts' concatenation, fed to the hash one part at a time. */
function streamDigest(fn: typeof sha256, parts: readonly Uint8Array[]): Uint8Array {
  const h = fn.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

function make(name: HashName, fn: typeof sha256): HashAlgorithm {
  const memo = bytesMemo(`${name}-digest`, 512);
  return {
    name,
    size: fn.outputLen,
    digest: (d) => (d.length >= DIGEST_MEMO_MIN_BYTES ? memo.get([d], () => fn(d)) : fn(d)),
    // The memo keys by the parts as given: the same parts are the same bytes, so the same digest
    // (the same bytes split differently are a separate entry holding the same digest).
    digestParts: (parts) => {
      let n = 0;
      for (const p of parts) n += p.length;
      return n >= DIGEST_MEMO_MIN_BYTES ? memo.get(parts, () => streamDigest(fn, parts)) : streamDigest(fn, parts);
    },
    hmac: (k, d) => hmac(fn, k, d),
    hkdfExtract: (salt, ikm) => extract(fn, ikm, salt),
    hkdfExpand: (prk, info, length) => expand(fn, prk, info, length),
  };
}

export const SHA256 = make('sha256', sha256);
export const SHA384 = make('sha384', sha384);
export const SHA512 = make('sha512', sha512);

/** The hash for a name; EINVAL for any other. */
export function hashByName(name: string): HashAlgorithm {
  switch (name) {
    case 'sha256':
      return SHA256;
    case 'sha384':
      return SHA384;
    case 'sha512':
      return SHA512;
    default:
      throw kerr('EINVAL', `unsupported hash ${name}`);
  }
}
