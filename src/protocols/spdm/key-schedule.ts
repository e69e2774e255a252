/**
 * The SPDM key schedule (DSP0274 1.1/1.2 "Key schedule"; LIBSPDM libspdm_crypt_key_schedule.c):
 *
 *   BinConcat(L, label, ctx) = u16le(L) || "spdm1.X " || label || ctx
 *   HandshakeSecret = HKDF-Extract(salt = 0^H, IKM = DHE shared secret)
 *   {req,rsp}_handshake_secret = HKDF-Expand(HandshakeSecret, BinConcat(H, "req hs data"/"rsp hs data", TH1), H)
 *   finished_key = HKDF-Expand(secret, BinConcat(H, "finished"), H)
 *   key = HKDF-Expand(secret, BinConcat(keySize, "key"), keySize); iv = … "iv", 12
 *   Salt1 = HKDF-Expand(HandshakeSecret, BinConcat(H, "derived"), H)
 *   MasterSecret = HKDF-Extract(salt = Salt1, IKM = 0^H)
 *   {req,rsp}_data_secret = HKDF-Expand(MasterSecret, BinConcat(H, "req app data"/"rsp app data", TH2), H)
 *   export master secret = … "exp master", TH2
 *   KEY_UPDATE: secret' = HKDF-Expand(secret, BinConcat(H, "traffic upd"), H), new key and iv, sequence 0
 *
 * TH1 and TH2 are transcript hashes (the caller computes them).
 */
import { ascii, concatBytes, u16le, type HashAlgorithm } from '../crypto/index.js';
import { AES_256_GCM } from '../crypto/index.js';

export function binConcat(version: number, length: number, label: string, context?: Uint8Array): Uint8Array {
  return concatBytes(u16le(length), ascii(`spdm${version >> 4}.${version & 0xf} `), ascii(label), context ?? new Uint8Array(0));
}

export interface DirectionKeys {
  readonly secret: Uint8Array;
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  /** Next sequence number (64-bit counter, per direction and per key). */
  seq: bigint;
}

export interface HandshakeKeys {
  readonly handshakeSecret: Uint8Array;
  readonly request: DirectionKeys;
  readonly response: DirectionKeys;
  readonly requestFinishedKey: Uint8Array;
  readonly responseFinishedKey: Uint8Array;
}

export interface DataKeys {
  readonly masterSecret: Uint8Array;
  /** Replaced by KEY_UPDATE (nextDirectionKeys). */
  request: DirectionKeys;
  response: DirectionKeys;
  readonly exportMasterSecret: Uint8Array;
}

function direction(hash: HashAlgorithm, version: number, secret: Uint8Array): DirectionKeys {
  return {
    secret,
    key: hash.hkdfExpand(secret, binConcat(version, AES_256_GCM.keySize, 'key'), AES_256_GCM.keySize),
    iv: hash.hkdfExpand(secret, binConcat(version, AES_256_GCM.ivSize, 'iv'), AES_256_GCM.ivSize),
    seq: 0n,
  };
}

export function finishedKey(hash: HashAlgorithm, version: number, secret: Uint8Array): Uint8Array {
  return hash.hkdfExpand(secret, binConcat(version, hash.size, 'finished'), hash.size);
}

export function deriveHandshakeKeys(hash: HashAlgorithm, version: number, sharedSecret: Uint8Array, th1: Uint8Array): HandshakeKeys {
  const handshakeSecret = hash.hkdfExtract(new Uint8Array(hash.size), sharedSecret);
  const req = hash.hkdfExpand(handshakeSecret, binConcat(version, hash.size, 'req hs data', th1), hash.size);
  const rsp = hash.hkdfExpand(handshakeSecret, binConcat(version, hash.size, 'rsp hs data', th1), hash.size);
  return {
    handshakeSecret,
    request: direction(hash, version, req),
    response: direction(hash, version, rsp),
    requestFinishedKey: finishedKey(hash, version, req),
    responseFinishedKey: finishedKey(hash, version, rsp),
  };
}

export function deriveDataKeys(hash: HashAlgorithm, version: number, handshakeSecret: Uint8Array, th2: Uint8Array): DataKeys {
  const salt1 = hash.hkdfExpand(handshakeSecret, binConcat(version, hash.size, 'derived'), hash.size);
  const masterSecret = hash.hkdfExtract(salt1, new Uint8Array(hash.size));
  const req = hash.hkdfExpand(masterSecret, binConcat(version, hash.size, 'req app data', th2), hash.size);
  const rsp = hash.hkdfExpand(masterSecret, binConcat(version, hash.size, 'rsp app data', th2), hash.size);
  return {
    masterSecret,
    request: direction(hash, version, req),
    response: direction(hash, version, rsp),
    exportMasterSecret: hash.hkdfExpand(masterSecret, binConcat(version, hash.size, 'exp master', th2), hash.size),
  };
}

/** The next generation of one direction's data keys (KEY_UPDATE); the sequence number restarts at 0. */
export function nextDirectionKeys(hash: HashAlgorithm, version: number, keys: DirectionKeys): DirectionKeys {
  return direction(hash, version, hash.hkdfExpand(keys.secret, binConcat(version, hash.size, 'traffic upd'), hash.size));
}
