/**
 * A minimal DER reader (ITU-T X.690 §8.1 tag/length/value with definite lengths only): enough to
 * slice the exact bytes X.509 signatures cover (tbsCertificate, issuer, subject) and to read EC
 * private keys (SEC1 ECPrivateKey, PKCS#8). Structure decoding proper is @peculiar/asn1-x509's;
 * this exists because a signature covers the bytes as received, not a re-encoding of them.
 * Every failure is EBADMSG with the offset.
 */
import { kerr } from '../../base/index.js';

export interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly body: number;
  /** Offset one past the last content byte. */
  readonly end: number;
}

/** Read one TLV at `off` within [0, limit). Single-byte tags only (all X.509/SEC1 needs). */
export function readTlv(b: Uint8Array, off: number, limit = b.length): Tlv {
  if (off + 2 > limit) throw kerr('EBADMSG', `DER: truncated header at offset ${off}`);
  const tag = b[off]!;
  if ((tag & 0x1f) === 0x1f) throw kerr('EBADMSG', `DER: multi-byte tag at offset ${off}`);
  let len = b[off + 1]!;
  let body = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw kerr('EBADMSG', `DER: bad length form at offset ${off}`);
    if (body + n > limit) throw kerr('EBADMSG', `DER: truncated length at offset ${off}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[body + i]!;
    body += n;
  }
  const end = body + len;
  if (end > limit) throw kerr('EBADMSG', `DER: element at offset ${off} runs past its container (${end} > ${limit})`);
  return { tag, start: off, body, end };
}

/** The children of a constructed element. */
export function children(b: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let o = parent.body;
  while (o < parent.end) {
    const t = readTlv(b, o, parent.end);
    out.push(t);
    o = t.end;
  }
  return out;
}

/** One complete top-level element spanning all of `b`. */
export function readWhole(b: Uint8Array): Tlv {
  const t = readTlv(b, 0);
  if (t.end !== b.length) throw kerr('EBADMSG', `DER: ${b.length - t.end} trailing bytes after the top-level element`);
  return t;
}

/** Split concatenated DER elements (an SPDM certificate chain's certificates). */
export function splitConcatenated(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < b.length) {
    const t = readTlv(b, o);
    if (t.tag !== 0x30) throw kerr('EBADMSG', `DER: element at offset ${o} is not a SEQUENCE (tag 0x${t.tag.toString(16)})`);
    out.push(b.subarray(o, t.end));
    o = t.end;
  }
  return out;
}

export function slice(b: Uint8Array, t: Tlv): Uint8Array {
  return b.subarray(t.start, t.end);
}

export function content(b: Uint8Array, t: Tlv): Uint8Array {
  return b.subarray(t.body, t.end);
}

/** Encode an OID's content bytes as dotted text (for messages and comparisons). */
export function oidToString(c: Uint8Array): string {
  if (c.length === 0) throw kerr('EBADMSG', 'DER: empty OID');
  const parts: number[] = [];
  const first = c[0]!;
  parts.push(first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80);
  let v = 0;
  for (let i = 1; i < c.length; i++) {
    v = v * 128 + (c[i]! & 0x7f);
    if (!(c[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}
