/**
 * C-style unescaping of e"…" rule values (systemd's cunescape_length with no flags): \a \b \f
 * \n \r \t \v \\ \" \' \s, \xHH, \NNN octal, \uXXXX and \UXXXXXXXX. Any other escape, a NUL
 * result or a trailing backslash is an error (the rule line is then dropped by the caller).
 */
import { encodeUtf8CodePoint } from '../bytes.js';

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function oct(c: number): number {
  return c >= 48 && c <= 55 ? c - 48 : -1;
}

const simpleEscapes: Readonly<Record<string, string>> = {
  a: '\x07', // bell
  b: '\b', // backspace
  f: '\f', // form feed
  n: '\n', // newline
  r: '\r', // carriage return
  t: '\t', // tab
  v: '\v', // vertical tab
  '\\': '\\', // backslash
  '"': '"', // double quote
  "'": "'", // single quote
  s: ' ', // space (XDG extension)
};

/** Unescape a byte string; undefined when 252's cunescape fails (EINVAL). */
export function cunescape(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    if (i + 1 >= s.length) return undefined;
    // Out-of-range reads give NaN char codes, which no digit test accepts.
    const e = s[i + 1]!;
    const simple = simpleEscapes[e];
    if (simple !== undefined) {
      out += simple;
      i += 1;
      continue;
    }
    if (e === 'x') {
      const a = hex(s.charCodeAt(i + 2));
      const b = hex(s.charCodeAt(i + 3));
      if (a < 0 || b < 0) return undefined;
      if (a === 0 && b === 0) return undefined;
      out += String.fromCharCode((a << 4) | b);
      i += 3;
      continue;
    }
    if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      let cp = 0;
      for (let k = 0; k < n; k++) {
        const d = hex(s.charCodeAt(i + 2 + k));
        if (d < 0) return undefined;
        cp = cp * 16 + d;
      }
      if (cp === 0) return undefined;
      if (e === 'U' && (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) return undefined;
      out += encodeUtf8CodePoint(cp);
      i += 1 + n;
      continue;
    }
    const o0 = oct(s.charCodeAt(i + 1));
    if (o0 >= 0) {
      const o1 = oct(s.charCodeAt(i + 2));
      const o2 = oct(s.charCodeAt(i + 3));
      if (o1 < 0 || o2 < 0) return undefined;
      const m = (o0 << 6) | (o1 << 3) | o2;
      if (m === 0 || m > 255) return undefined;
      out += String.fromCharCode(m);
      i += 3;
      continue;
    }
    return undefined;
  }
  return out;
}
