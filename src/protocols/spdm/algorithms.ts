/**
 * Negotiated algorithm parameters: the hash, signature and DHE sizes implied by the ALGORITHMS
 * selection (DSP0274; LNX-SPDM `spdm_parse_algs`). Only what auxbus implements is mapped
 * (ECDSA P-256/P-384, SHA-256/384/512, secp256r1/secp384r1, AES-256-GCM); anything else is EPROTO.
 */
import { kerr } from '../../base/index.js';
import { SHA256, SHA384, SHA512, type CurveName, type HashAlgorithm } from '../crypto/index.js';
import { BaseAsym, BaseHash, Dhe, MeasHash } from './constants.js';

export function hashForBaseHash(sel: number): HashAlgorithm {
  switch (sel) {
    case BaseHash.SHA_256:
      return SHA256;
    case BaseHash.SHA_384:
      return SHA384;
    case BaseHash.SHA_512:
      return SHA512;
    default:
      throw kerr('EPROTO', `unsupported BaseHashSel 0x${sel.toString(16)}`);
  }
}

export function hashForMeasHash(sel: number): HashAlgorithm | undefined {
  switch (sel) {
    case MeasHash.SHA_256:
      return SHA256;
    case MeasHash.SHA_384:
      return SHA384;
    case MeasHash.SHA_512:
      return SHA512;
    default:
      return undefined;
  }
}

export function curveForBaseAsym(sel: number): CurveName {
  switch (sel) {
    case BaseAsym.ECDSA_P256:
      return 'P-256';
    case BaseAsym.ECDSA_P384:
      return 'P-384';
    default:
      throw kerr('EPROTO', `unsupported BaseAsymSel 0x${sel.toString(16)}`);
  }
}

export function baseAsymForCurve(c: CurveName): number {
  return c === 'P-256' ? BaseAsym.ECDSA_P256 : BaseAsym.ECDSA_P384;
}

export function signatureSize(sel: number): number {
  return curveForBaseAsym(sel) === 'P-256' ? 64 : 96;
}

export function curveForDhe(sel: number): CurveName {
  switch (sel) {
    case Dhe.SECP256R1:
      return 'P-256';
    case Dhe.SECP384R1:
      return 'P-384';
    default:
      throw kerr('EPROTO', `unsupported DHE group 0x${sel.toString(16)}`);
  }
}

export function dheExchangeSize(sel: number): number {
  return curveForDhe(sel) === 'P-256' ? 64 : 96;
}

/** The highest-priority bit of `offered & supported` following `priority` order; 0 if none. */
export function pick(offered: number, priority: readonly number[]): number {
  for (const p of priority) if (offered & p) return p;
  return 0;
}
