/**
 * AES-256-GCM (the only AEAD auxbus negotiates; SPDM AEAD bit 1) through @noble/ciphers,
 * synchronously. Tag 16 bytes, IV 12 bytes, key 32 bytes.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { concatBytes } from './bytes.js';

export const AES_256_GCM = { keySize: 32, ivSize: 12, tagSize: 16 } as const;

/** Encrypt; returns ciphertext and tag separately. */
export function aesGcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plain: Uint8Array): { cipher: Uint8Array; tag: Uint8Array } {
  const out = gcm(key, iv, aad).encrypt(plain);
  return { cipher: out.slice(0, out.length - 16), tag: out.slice(out.length - 16) };
}

/** Decrypt and authenticate; `undefined` if the tag does not verify. */
export function aesGcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, cipher: Uint8Array, tag: Uint8Array): Uint8Array | undefined {
  try {
    return gcm(key, iv, aad).decrypt(concatBytes(cipher, tag));
  } catch {
    return undefined;
  }
}
