/**
 * What an SPDM signature covers (DSP0274 1.2 "Signature generation"; LNX-SPDM core.c
 * `spdm_create_combined_prefix`, `spdm_verify_signature`): at 1.0/1.1 the signed digest is
 * Hash(transcript); from 1.2 on it is Hash(M) with M = combined_spdm_prefix || Hash(transcript),
 * the prefix being "dmtf-spdm-v1.X.*" four times (64 bytes), zero padding, then the signing
 * context, 100 bytes in all.
 */
import { ascii, type HashAlgorithm } from '../crypto/index.js';
import { SpdmVersion } from './constants.js';

export const SigningContext = {
  CHALLENGE_AUTH: 'responder-challenge_auth signing',
  MEASUREMENTS: 'responder-measurements signing',
  KEY_EXCHANGE_RSP: 'responder-key_exchange_rsp signing',
} as const;

/** The 100-byte combined prefix for `version` (1.2+) and `context`. */
export function combinedPrefix(version: number, context: string): Uint8Array {
  return combinedPrefixShared(version, context).slice();
}

/**
 * The prefixes by version and context, built once per process: a pure function of immutable
 * values. Shared, so never handed out (combinedPrefix copies) and only ever read.
 */
const prefixes = new Map<string, Uint8Array>();

function combinedPrefixShared(version: number, context: string): Uint8Array {
  const key = `${version} ${context}`;
  let out = prefixes.get(key);
  if (out !== undefined) return out;
  out = new Uint8Array(100);
  const block = ascii(`dmtf-spdm-v${version >> 4}.${version & 0xf}.*`);
  for (let i = 0; i < 4; i++) out.set(block, 16 * i);
  const ctx = ascii(context);
  out.set(ctx, 100 - ctx.length);
  prefixes.set(key, out);
  return out;
}

/**
 * The digest an ECDSA signature is made over, for a transcript: its bytes, or its parts in order
 * (hashed as their concatenation, which is never built).
 */
export function signedDigest(hash: HashAlgorithm, version: number, context: string, transcript: Uint8Array | readonly Uint8Array[]): Uint8Array {
  const th = transcript instanceof Uint8Array ? hash.digest(transcript) : hash.digestParts(transcript);
  if (version < SpdmVersion.V12) return th;
  return hash.digestParts([combinedPrefixShared(version, context), th]);
}
