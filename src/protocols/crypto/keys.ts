/**
 * EC private keys from PEM or DER: SEC1 `ECPrivateKey` (RFC 5915, "EC PRIVATE KEY") and PKCS#8
 * `PrivateKeyInfo` (RFC 5208, "PRIVATE KEY") wrapping one, for P-256 and P-384. Used to load a
 * signing key at run time (e.g. libspdm's sample `end_responder.key`) and by the fixture tool.
 */
import { kerr } from '../../base/index.js';
import { children, content, oidToString, readWhole, type Tlv } from './der.js';
import type { CurveName, EcPrivateKey } from './ecc.js';

export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
export const OID_P256 = '1.2.840.10045.3.1.7';
export const OID_P384 = '1.3.132.0.34';

export function curveOfOid(oid: string): CurveName | undefined {
  return oid === OID_P256 ? 'P-256' : oid === OID_P384 ? 'P-384' : undefined;
}

/** Base64 body of the first PEM block of `label` (or any label when omitted). */
export function pemDecode(pem: string, label?: string): Uint8Array {
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const m of pem.matchAll(re)) {
    if (label !== undefined && m[1] !== label) continue;
    const b64 = (m[2] ?? '').replace(/[^A-Za-z0-9+/=]/g, '');
    return base64Decode(b64);
  }
  throw kerr('EINVAL', label ? `no PEM block "${label}"` : 'no PEM block');
}

export function pemEncode(label: string, der: Uint8Array): string {
  const b64 = base64Encode(der);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function base64Encode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = ((b[i] ?? 0) << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    s += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    s += i + 1 < b.length ? B64[(n >> 6) & 63]! : '=';
    s += i + 2 < b.length ? B64[n & 63]! : '=';
  }
  return s;
}

export function base64Decode(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '');
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of clean) {
    const v = B64.indexOf(ch);
    if (v < 0) throw kerr('EINVAL', `bad base64 character "${ch}"`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

function ecPrivateKeyFromSec1(b: Uint8Array, top: Tlv, curveHint?: CurveName): EcPrivateKey {
  const kids = children(b, top);
  const ver = kids[0];
  const priv = kids[1];
  if (!ver || ver.tag !== 0x02 || !priv || priv.tag !== 0x04) throw kerr('EINVAL', 'ECPrivateKey: expected version and privateKey');
  let curve = curveHint;
  for (const k of kids.slice(2)) {
    if (k.tag === 0xa0) {
      const oid = children(b, k)[0];
      if (oid?.tag === 0x06) curve = curveOfOid(oidToString(content(b, oid))) ?? curve;
    }
  }
  if (!curve) throw kerr('EINVAL', 'ECPrivateKey: unknown or missing named curve');
  const d = content(b, priv);
  const size = curve === 'P-256' ? 32 : 48;
  if (d.length !== size) throw kerr('EINVAL', `ECPrivateKey: ${d.length}-byte scalar for ${curve}`);
  return { curve, d: Uint8Array.from(d) };
}

/** An EC private key from DER (SEC1 or PKCS#8). EINVAL for anything else. */
export function ecPrivateKeyFromDer(der: Uint8Array): EcPrivateKey {
  const top = readWhole(der);
  if (top.tag !== 0x30) throw kerr('EINVAL', 'private key: not a SEQUENCE');
  const kids = children(der, top);
  // PKCS#8: version INTEGER 0, AlgorithmIdentifier SEQUENCE, privateKey OCTET STRING
  if (kids[1]?.tag === 0x30 && kids[2]?.tag === 0x04) {
    const alg = children(der, kids[1]);
    const algOid = alg[0] && alg[0].tag === 0x06 ? oidToString(content(der, alg[0])) : '';
    if (algOid !== OID_EC_PUBLIC_KEY) throw kerr('EINVAL', `private key: algorithm ${algOid} is not id-ecPublicKey`);
    const curve = alg[1] && alg[1].tag === 0x06 ? curveOfOid(oidToString(content(der, alg[1]))) : undefined;
    const inner = content(der, kids[2]);
    return ecPrivateKeyFromSec1(inner, readWhole(inner), curve);
  }
  return ecPrivateKeyFromSec1(der, top);
}

/** An EC private key from PEM text ("EC PRIVATE KEY" or "PRIVATE KEY") or DER bytes. */
export function loadEcPrivateKey(data: string | Uint8Array): EcPrivateKey {
  if (typeof data !== 'string' && data[0] === 0x2d /* '-' */) data = new TextDecoder().decode(data);
  if (typeof data === 'string') {
    return ecPrivateKeyFromDer(/EC PRIVATE KEY/.test(data) ? pemDecode(data, 'EC PRIVATE KEY') : pemDecode(data, 'PRIVATE KEY'));
  }
  return ecPrivateKeyFromDer(data);
}
