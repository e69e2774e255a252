/**
 * The SPDM certificate chain format (DSP0274 "Certificate chain format", protocols §3.4): Length
 * u16 (the whole chain including this header), Reserved u16, RootHash[H] = Hash(root certificate
 * DER), then DER certificates root-first, leaf last. The slot digest in DIGESTS is Hash(chain).
 */
import { kerr } from '../../base/index.js';
import { bytesEqual, concatBytes, readU16le, splitConcatenated, u16le, type HashAlgorithm } from '../crypto/index.js';

/** Wrap DER certificates (root first) in the SPDM chain header. */
export function buildCertChain(hash: HashAlgorithm, certs: readonly Uint8Array[]): Uint8Array {
  if (certs.length === 0) throw kerr('EINVAL', 'certificate chain needs at least one certificate');
  const body = concatBytes(...certs);
  const total = 4 + hash.size + body.length;
  if (total > 0xffff) throw kerr('EINVAL', `certificate chain of ${total} bytes exceeds 65535`);
  return concatBytes(u16le(total), u16le(0), hash.digest(certs[0]!), body);
}

export interface ParsedCertChain {
  readonly rootHash: Uint8Array;
  readonly certs: Uint8Array[];
}

/**
 * Parse an SPDM chain. EPROTO when Length disagrees with the bytes, the RootHash is not the hash of
 * the first certificate, or the certificates do not split into DER elements.
 */
export function parseCertChain(hash: HashAlgorithm, chain: Uint8Array): ParsedCertChain {
  if (chain.length < 4 + hash.size) throw kerr('EPROTO', `certificate chain of ${chain.length} bytes is shorter than its header (${4 + hash.size})`);
  const length = readU16le(chain, 0);
  if (length !== chain.length) throw kerr('EPROTO', `certificate chain Length field ${length} is not the ${chain.length} bytes received`);
  const rootHash = chain.slice(4, 4 + hash.size);
  let certs: Uint8Array[];
  try {
    // One copy of the certificates for the caller (each a view of its own range of it).
    certs = splitConcatenated(chain.slice(4 + hash.size));
  } catch (e) {
    throw kerr('EPROTO', `certificate chain: ${(e as Error).message}`);
  }
  if (certs.length === 0) throw kerr('EPROTO', 'certificate chain holds no certificate');
  if (!bytesEqual(hash.digest(certs[0]!), rootHash)) throw kerr('EPROTO', 'certificate chain RootHash is not the hash of its root certificate');
  return { rootHash, certs };
}
