/**
 * The deterministic "random" source every SPDM engine draws nonces, RandomData, session ids and
 * ECDHE private keys from. Nothing in auxbus reads real entropy: same seed, same bytes, same run.
 *
 * Construction (documented so that recordings can be reproduced): the n-th 32-byte block is
 * SHA-256(seed || "auxbus-drbg" || u64le(n)), n = 0, 1, 2, …; `bytes(k)` hands out the next k
 * bytes of that stream. A seed is any byte string; `SeededRandom.fromString` takes its UTF-8/ASCII
 * bytes. Not a cryptographic DRBG for production keys — a reproducible stand-in for one.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { ascii, concatBytes } from './bytes.js';

export interface RandomSource {
  bytes(n: number): Uint8Array;
}

export class SeededRandom implements RandomSource {
  private counter = 0n;
  private pool: Uint8Array = new Uint8Array(0);
  private readonly seed: Uint8Array;

  constructor(seed: Uint8Array) {
    this.seed = seed.slice();
  }

  static fromString(seed: string): SeededRandom {
    return new SeededRandom(ascii(seed));
  }

  bytes(n: number): Uint8Array {
    while (this.pool.length < n) {
      const ctr = new Uint8Array(8);
      let c = this.counter++;
      for (let i = 0; i < 8; i++, c >>= 8n) ctr[i] = Number(c & 0xffn);
      this.pool = concatBytes(this.pool, sha256(concatBytes(this.seed, ascii('auxbus-drbg'), ctr)));
    }
    const out = this.pool.slice(0, n);
    this.pool = this.pool.slice(n);
    return out;
  }
}
