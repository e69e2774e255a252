/**
 * ECDSA (P-256, P-384) and ECDHE on the same curves through @noble/curves, synchronously.
 *
 * Signatures are raw r||s ("p1363"), as SPDM carries them (DSP0274 "Signature": ECDSA signatures
 * are the concatenation of r and s, each the size of the curve order). Signing is RFC 6979
 * deterministic (noble's default, no extra entropy). Verification accepts high-S signatures
 * (other implementations such as mbedTLS do not normalise S). X.509 signatures are DER.
 */
import { p256, p384 } from '@noble/curves/nist.js';
import { mapHashToField } from '@noble/curves/abstract/modular.js';
import { kerr } from '../../base/index.js';
import { boolMemo, bytesMemo } from './memo.js';
import type { RandomSource } from './random.js';

// Curve operations are pure and deterministic (RFC 6979 signing): memoised across machines.
const pointMemo = bytesMemo('ec-public-key');
const signMemo = bytesMemo('ecdsa-sign');
const verifyMemo = boolMemo('ecdsa-verify');
const sharedMemo = bytesMemo('ecdh');

export type CurveName = 'P-256' | 'P-384';

const curves = { 'P-256': p256, 'P-384': p384 } as const;

/**
 * The generator's precomputed window, per curve. noble builds an 8-bit window table for G on the
 * first product by G (P-384: 49 windows × 128 points, ~6,300 point additions in cold code, 40% of
 * a fresh process's first DOE-race schedule), which pays for itself only after ~60 products by G
 * (each costs about 2 × windows additions: 49 at 8 bits, 97 at 4). With curve operations memoised
 * per process, a process computes few (the DOE race: 9, all at boot). So G starts with a 4-bit
 * table (~800 additions) and a curve moves to the 8-bit table once it has computed
 * BASE_WINDOW_UPGRADE products by G. The window only changes how k·G is summed, never its value:
 * keys and RFC 6979 signatures are the same bytes either way.
 */
const SMALL_BASE_WINDOW = 4;
const LARGE_BASE_WINDOW = 8;
/** Products by G (memo misses: key derivation, signing, verification) before the 8-bit table. */
const BASE_WINDOW_UPGRADE = 64;
const baseProducts: Record<CurveName, number> = { 'P-256': 0, 'P-384': 0 };
for (const c of Object.values(curves)) c.Point.BASE.precompute(SMALL_BASE_WINDOW);

/** Counts one product by `curve`'s G about to be computed; the last small-window one upgrades G's table. */
function baseProduct(curve: CurveName): void {
  if (++baseProducts[curve] === BASE_WINDOW_UPGRADE) curves[curve].Point.BASE.precompute(LARGE_BASE_WINDOW);
}

/** Size in bytes of one coordinate / scalar. */
export function curveSize(c: CurveName): number {
  return c === 'P-256' ? 32 : 48;
}

export interface EcPrivateKey {
  readonly curve: CurveName;
  readonly d: Uint8Array;
}

export interface EcPublicKey {
  readonly curve: CurveName;
  /** Uncompressed SEC1 point: 0x04 || X || Y. */
  readonly point: Uint8Array;
}

export function publicKeyOf(key: EcPrivateKey): EcPublicKey {
  return {
    curve: key.curve,
    point: pointMemo.get([key.curve, key.d], () => {
      baseProduct(key.curve);
      return curves[key.curve].getPublicKey(key.d, false);
    }),
  };
}

/** A private key drawn from `random` (hash-to-field over 1.5x the order's size, FIPS 186-5 A.2.1 style). */
export function generatePrivateKey(curve: CurveName, random: RandomSource): EcPrivateKey {
  const n = curves[curve].CURVE.n;
  const d = mapHashToField(random.bytes(curveSize(curve) + curveSize(curve) / 2), n);
  return { curve, d };
}

/** ECDSA over a precomputed digest; returns raw r||s. */
export function ecdsaSignDigest(key: EcPrivateKey, digest: Uint8Array): Uint8Array {
  return signMemo.get([key.curve, key.d, digest], () => {
    baseProduct(key.curve);
    return curves[key.curve].sign(digest, key.d, { prehash: false, lowS: false }).toCompactRawBytes();
  });
}

/** Verify raw r||s over a digest. False (never a throw) on any malformed input. */
export function ecdsaVerifyDigest(pub: EcPublicKey, digest: Uint8Array, rs: Uint8Array): boolean {
  if (rs.length !== 2 * curveSize(pub.curve)) return false;
  return verifyMemo.get([pub.curve, 'raw', pub.point, digest, rs], () => {
    baseProduct(pub.curve);
    try {
      return curves[pub.curve].verify(rs, digest, pub.point, { prehash: false, lowS: false, format: 'compact' });
    } catch {
      return false;
    }
  });
}

/** Verify a DER ECDSA-Sig-Value over a digest (X.509). False on any malformed input. */
export function ecdsaVerifyDigestDer(pub: EcPublicKey, digest: Uint8Array, der: Uint8Array): boolean {
  return verifyMemo.get([pub.curve, 'der', pub.point, digest, der], () => {
    baseProduct(pub.curve);
    try {
      return curves[pub.curve].verify(der, digest, pub.point, { prehash: false, lowS: false, format: 'der' });
    } catch {
      return false;
    }
  });
}

/** DER-encode a raw r||s signature (for building certificates). */
export function rawToDerSignature(curve: CurveName, rs: Uint8Array): Uint8Array {
  return curves[curve].Signature.fromCompact(rs).toDERRawBytes();
}

/** SPDM ExchangeData for an ECDHE public key: X || Y (DSP0274 "KEY_EXCHANGE", no 0x04 prefix). */
export function ecdheExchangeData(key: EcPrivateKey): Uint8Array {
  return publicKeyOf(key).point.slice(1);
}

/**
 * The ECDHE shared secret: the X coordinate of d * Peer (DSP0274 "Diffie-Hellman": for ECDHE the
 * shared secret is the X coordinate). `peer` is X || Y as carried in ExchangeData. EPROTO if the
 * peer's point is not on the curve.
 */
export function ecdhSharedSecret(key: EcPrivateKey, peer: Uint8Array): Uint8Array {
  const size = curveSize(key.curve);
  if (peer.length !== 2 * size) throw kerr('EPROTO', `ECDHE exchange data is ${peer.length} bytes, expected ${2 * size}`);
  const point = new Uint8Array(1 + peer.length);
  point[0] = 4;
  point.set(peer, 1);
  try {
    return sharedMemo.get([key.curve, key.d, point], () => curves[key.curve].getSharedSecret(key.d, point, false)).slice(1, 1 + size);
  } catch {
    throw kerr('EPROTO', 'ECDHE exchange data is not a point on the curve');
  }
}

/** True if `point` (0x04||X||Y) is a valid point of `curve`. */
export function isValidPoint(curve: CurveName, point: Uint8Array): boolean {
  try {
    curves[curve].ProjectivePoint.fromHex(point).assertValidity();
    return true;
  } catch {
    return false;
  }
}
