/**
 * DSP0277 secured messages with the PCI-DOE binding (protocols §3.1; LIBSPDM
 * libspdm_secmes_encode_decode.c, spdm_transport_pcidoe_lib.h):
 *
 *   SessionID u32 | [sequence number: 0 bytes for PCI DOE] | Length u16 (rest incl. MAC)
 *   AEAD( ApplicationDataLength u16 | SPDM message | [random: 0 bytes for PCI DOE] ) | MAC[16]
 *
 * AAD = SessionID || Length. IV = the direction's iv with the 64-bit sequence number XORed in
 * little-endian at bytes 0..7 (libspdm's default LITTLE endianness). Each direction and each
 * key (handshake, data) counts its own sequence from 0; the counter advances on every record.
 */
import { kerr } from '../../base/index.js';
import { aesGcmOpen, aesGcmSeal, concatBytes, readU16le, readU32le, u16le, u32le } from '../crypto/index.js';
import type { DirectionKeys } from './key-schedule.js';

function ivFor(keys: DirectionKeys): Uint8Array {
  const iv = Uint8Array.from(keys.iv);
  let s = keys.seq;
  for (let i = 0; i < 8; i++, s >>= 8n) iv[i]! ^= Number(s & 0xffn);
  return iv;
}

/** Encrypt one SPDM message into a secured-message record; advances `keys.seq`. */
export function sealSecuredMessage(sessionId: number, keys: DirectionKeys, spdm: Uint8Array): Uint8Array {
  const length = 2 + spdm.length + 16;
  const aad = concatBytes(u32le(sessionId), u16le(length));
  const { cipher, tag } = aesGcmSeal(keys.key, ivFor(keys), aad, concatBytes(u16le(spdm.length), spdm));
  keys.seq++;
  return concatBytes(aad, cipher, tag);
}

/** The session id of a record (EIO if shorter than its 6-byte header). */
export function securedSessionId(record: Uint8Array): number {
  if (record.length < 6) throw kerr('EIO', `secured message: truncated (${record.length} bytes, need 6)`);
  return readU32le(record, 0);
}

/**
 * Decrypt a record (trailing DOE padding after Length is ignored). EIO for a short record, EBADMSG
 * when the MAC does not verify or the application data length exceeds the plaintext. Advances
 * `keys.seq` only on success.
 */
export function openSecuredMessage(record: Uint8Array, keys: DirectionKeys): { sessionId: number; spdm: Uint8Array; size: number } {
  if (record.length < 6) throw kerr('EIO', `secured message: truncated (${record.length} bytes, need 6)`);
  const sessionId = readU32le(record, 0);
  const length = readU16le(record, 4);
  if (length < 2 + 16) throw kerr('EBADMSG', `secured message: Length ${length} is shorter than an application data length and MAC`);
  if (6 + length > record.length) throw kerr('EIO', `secured message: truncated (${record.length} bytes, need ${6 + length})`);
  const cipher = record.subarray(6, 6 + length - 16);
  const tag = record.subarray(6 + length - 16, 6 + length);
  const plain = aesGcmOpen(keys.key, ivFor(keys), record.subarray(0, 6), cipher, tag);
  if (!plain) throw kerr('EBADMSG', `secured message for session 0x${sessionId.toString(16)}: MAC does not verify`);
  const appLen = readU16le(plain, 0);
  if (2 + appLen > plain.length)
    throw kerr('EBADMSG', `secured message: application data length ${appLen} exceeds the ${plain.length - 2} decrypted bytes`);
  keys.seq++;
  return { sessionId, spdm: plain.slice(2, 2 + appLen), size: 6 + length };
}
