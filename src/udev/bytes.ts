/**
 * Byte strings: inside the udev engine every string is a "byte string", a JavaScript string
 * whose char codes are the bytes 0..255 (latin1), because udev works on bytes (buffer sizes,
 * UTF-8 validity checks, NUL-terminated values). This file owns the conversions at the
 * boundaries: host strings (UTF-16) and Uint8Array in, UTF-8 text out.
 */

const nonAscii = /[^\x00-\x7f]/;

/** True when every char code of `s` is below 0x80 (then bytes and text coincide). */
export function isAscii(s: string): boolean {
  return !nonAscii.test(s);
}

// TextEncoder/TextDecoder, not Buffer: the udev engine runs in a browser too. The decoder is
// not fatal: an invalid sequence becomes U+FFFD, as Buffer's UTF-8 decoding does.
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** Host text → byte string (UTF-8 encoded). */
export function textToBytes(s: string): string {
  if (isAscii(s)) return s;
  return arrayToBytes(utf8Encoder.encode(s));
}

/** Byte string → host text (UTF-8 decoded; invalid sequences become U+FFFD). */
export function bytesToText(b: string): string {
  if (isAscii(b)) return b;
  return utf8Decoder.decode(bytesToArray(b));
}

const canonicalStrings = new Map<string, string>();
/** Cleared as a whole past this many strings: a working set, not every name of every machine. */
const CANONICAL_STRINGS_MAX = 16384;

/**
 * The canonical copy of a string the engine compares often (rule alternatives, device names):
 * flat and internalized by the JavaScript engine, so `===` against another canonical string is
 * a pointer test and against any other string never walks a rope. Same value as `s`.
 */
export function canonicalString(s: string): string {
  // Long strings are rare in comparisons and would make the table costly to keep.
  if (s.length > 256) return s;
  let c = canonicalStrings.get(s);
  if (c === undefined) {
    if (canonicalStrings.size > CANONICAL_STRINGS_MAX) canonicalStrings.clear();
    // A property key is internalized; reading it back gives the engine's internal copy.
    c = Object.keys({ [s]: 0 })[0]!;
    canonicalStrings.set(c, c);
  }
  return c;
}

/** Uint8Array → byte string. */
export function arrayToBytes(a: Uint8Array): string {
  if (a.length < 64) {
    let s = '';
    for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]!);
    return s;
  }
  // Chunked: String.fromCharCode takes its arguments on the stack.
  let s = '';
  for (let i = 0; i < a.length; i += 8192) s += String.fromCharCode(...a.subarray(i, i + 8192));
  return s;
}

/** Byte string → Uint8Array. */
export function bytesToArray(b: string): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i) & 0xff;
  return out;
}

/** Host input (text or raw bytes) → byte string. */
export function inputToBytes(input: string | Uint8Array): string {
  return typeof input === 'string' ? textToBytes(input) : arrayToBytes(input);
}

/**
 * Length in bytes of the valid UTF-8 sequence starting at `i`, or 0 when the bytes there are
 * not a valid multi-byte sequence (systemd's utf8_encoded_valid_unichar, for lengths > 1).
 */
export function utf8SequenceLength(s: string, i: number): number {
  const c = s.charCodeAt(i);
  let len: number;
  let min: number;
  let cp: number;
  if (c < 0x80) return 1;
  if ((c & 0xe0) === 0xc0) {
    len = 2;
    min = 0x80;
    cp = c & 0x1f;
  } else if ((c & 0xf0) === 0xe0) {
    len = 3;
    min = 0x800;
    cp = c & 0x0f;
  } else if ((c & 0xf8) === 0xf0) {
    len = 4;
    min = 0x10000;
    cp = c & 0x07;
  } else return 0;
  if (i + len > s.length) return 0;
  for (let k = 1; k < len; k++) {
    const d = s.charCodeAt(i + k);
    if ((d & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (d & 0x3f);
  }
  // Overlong forms, surrogates and code points above U+10FFFF are invalid.
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

/** Encode one Unicode code point as a UTF-8 byte string (utf8_encode_unichar). */
export function encodeUtf8CodePoint(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp);
  if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  if (cp < 0x10000) return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  return String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}
