/**
 * crypto — synchronous primitives for SPDM (and anything else in the protocols layer): hashes,
 * HMAC, HKDF, ECDSA and ECDHE on P-256/P-384, AES-256-GCM, a seeded deterministic random source,
 * DER/PEM/EC-key loading and X.509 chain verification. Runs in a browser (no node:*).
 */
export * from './bytes.js';
export { type HashAlgorithm, type HashName, SHA256, SHA384, SHA512, hashByName } from './hash.js';
export { type RandomSource, SeededRandom } from './random.js';
export {
  type CurveName,
  type EcPrivateKey,
  type EcPublicKey,
  curveSize,
  publicKeyOf,
  generatePrivateKey,
  ecdsaSignDigest,
  ecdsaVerifyDigest,
  ecdsaVerifyDigestDer,
  rawToDerSignature,
  ecdheExchangeData,
  ecdhSharedSecret,
  isValidPoint,
} from './ecc.js';
export { AES_256_GCM, aesGcmSeal, aesGcmOpen } from './aead.js';
export { type Tlv, readTlv, readWhole, children, splitConcatenated, oidToString } from './der.js';
export {
  OID_EC_PUBLIC_KEY,
  OID_P256,
  OID_P384,
  curveOfOid,
  pemDecode,
  pemEncode,
  base64Encode,
  base64Decode,
  ecPrivateKeyFromDer,
  loadEcPrivateKey,
} from './keys.js';
export { type ParsedCertificate, parseCertificate, isSignedBy, verifyCertificateChain } from './x509.js';
export { memoStats } from './memo.js';
export { type CertificateSpec, buildCertificate, ecPrivateKeyToSec1 } from './x509-build.js';
