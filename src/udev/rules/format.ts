/**
 * String substitution (udev_event_apply_format, udev_check_format): `%k`/`$kernel` and the
 * rest, with udev 252's prefix matching of long names, `%%`/`$$`, `{}` arguments, the strict
 * parse-time check and its "char N" offsets, buffer-size truncation, and SYMLINK's whitespace
 * replacement of substituted text. Formats are compiled once per token; applying one walks the
 * compiled parts and never re-parses.
 */
import type { UdevDevice } from '../device.js';
import { replaceChars, UDEV_ALLOWED_CHARS_INPUT } from '../udev-util.js';
import { UDEV_PATH_SIZE } from './limits.js';

/** The substitutions, in udev 252's lookup order (long names match by prefix, first wins). */
export const SubstKind = {
  DEVNODE: 0, // $devnode %N: device node path
  ATTR: 1, // $attr{} %s{}: sysfs attribute
  ENV: 2, // $env{} %E{}: property
  KERNEL: 3, // $kernel %k: sysname
  KERNEL_NUMBER: 4, // $number %n: trailing digits of the sysname
  DRIVER: 5, // $driver %d: driver of the selected parent
  DEVPATH: 6, // $devpath %p
  ID: 7, // $id %b: sysname of the selected parent
  MAJOR: 8, // $major %M
  MINOR: 9, // $minor %m
  RESULT: 10, // $result %c: PROGRAM output, %c{N} / %c{N+}
  PARENT: 11, // $parent %P: direct parent's node name
  NAME: 12, // $name %D: NAME so far, node name or sysname
  LINKS: 13, // $links %L: current devlinks
  ROOT: 14, // $root %r: /dev
  SYS: 15, // $sys %S: /sys
} as const;
export type SubstKind = (typeof SubstKind)[keyof typeof SubstKind];

/** The lookup table: long name, format char, kind — in 252's order. */
const substMap: ReadonlyArray<readonly [name: string, fmt: string, kind: SubstKind]> = [
  ['devnode', 'N', SubstKind.DEVNODE],
  ['tempnode', 'N', SubstKind.DEVNODE], // deprecated alias
  ['attr', 's', SubstKind.ATTR],
  ['sysfs', 's', SubstKind.ATTR], // deprecated alias
  ['env', 'E', SubstKind.ENV],
  ['kernel', 'k', SubstKind.KERNEL],
  ['number', 'n', SubstKind.KERNEL_NUMBER],
  ['driver', 'd', SubstKind.DRIVER],
  ['devpath', 'p', SubstKind.DEVPATH],
  ['id', 'b', SubstKind.ID],
  ['major', 'M', SubstKind.MAJOR],
  ['minor', 'm', SubstKind.MINOR],
  ['result', 'c', SubstKind.RESULT],
  ['parent', 'P', SubstKind.PARENT],
  ['name', 'D', SubstKind.NAME],
  ['links', 'L', SubstKind.LINKS],
  ['root', 'r', SubstKind.ROOT],
  ['sys', 'S', SubstKind.SYS],
];

/** Long name of a kind (for the "Failed to substitute variable" message). */
function kindName(k: SubstKind): string {
  return substMap.find((e) => e[2] === k)![0];
}
function kindChar(k: SubstKind): string {
  return substMap.find((e) => e[2] === k)![1];
}

/** One step of a compiled format. */
export type FormatPart =
  { readonly t: 'lit'; readonly text: string } | { readonly t: 'subst'; readonly kind: SubstKind; readonly attr: string } | { readonly t: 'invalid' };

/** A format compiled once: literal runs and substitutions. */
export interface CompiledFormat {
  readonly source: string;
  readonly parts: readonly FormatPart[];
  /** True when the format has no substitutions: applying it is a copy of `plainText`. */
  readonly plain: boolean;
  /** The text of a plain format (`%%`, `$$` already collapsed). */
  readonly plainText: string;
  /** A plain format's untruncated result, made once (results are read-only). */
  plainResult?: Formatted;
}

type Scan =
  | { r: 'lit'; text: string; next: number } // not a substitution: copy `text`
  | { r: 'subst'; kind: SubstKind; attr: string; next: number }
  | { r: 'error'; at: number }; // '{' without '}' (or empty/too long argument), or strict unknown

/** get_subst_type(): scan the substitution at `i` (which holds '$' or '%'). */
function scanSubst(s: string, i: number, strict: boolean): Scan {
  const c = s[i];
  let p = i + 1;
  let q = -1;
  let kind: SubstKind | undefined;
  if (c === '$') {
    if (s[p] === '$') return { r: 'lit', text: '$', next: p + 1 };
    for (const [name, , k] of substMap) {
      if (s.startsWith(name, p)) {
        q = p + name.length;
        kind = k;
        break;
      }
    }
  } else {
    if (s[p] === '%') return { r: 'lit', text: '%', next: p + 1 };
    for (const [, fmt, k] of substMap) {
      if (p < s.length && s[p] === fmt) {
        q = p + 1;
        kind = k;
        break;
      }
    }
  }
  if (kind === undefined) {
    if (strict) return { r: 'error', at: i };
    return { r: 'lit', text: c!, next: i + 1 };
  }
  let attr = '';
  if (s[q] === '{') {
    const start = q + 1;
    const end = s.indexOf('}', start);
    if (end < 0) return { r: 'error', at: i };
    const len = end - start;
    if (len === 0 || len >= UDEV_PATH_SIZE) return { r: 'error', at: i };
    attr = s.slice(start, end);
    q = end + 1;
  }
  p = q;
  return { r: 'subst', kind, attr, next: p };
}

/** Compile a format (byte string) for repeated application. */
export function compileFormat(source: string): CompiledFormat {
  const parts: FormatPart[] = [];
  let lit = '';
  for (let i = 0; i < source.length;) {
    const c = source.charCodeAt(i);
    if (c !== 36 /* $ */ && c !== 37 /* % */) {
      lit += source[i];
      i++;
      continue;
    }
    const sc = scanSubst(source, i, false);
    if (sc.r === 'lit') {
      lit += sc.text;
      i = sc.next;
      continue;
    }
    if (lit) parts.push({ t: 'lit', text: lit });
    lit = '';
    if (sc.r === 'error') {
      parts.push({ t: 'invalid' });
      return { source, parts, plain: false, plainText: '' };
    }
    parts.push({ t: 'subst', kind: sc.kind, attr: sc.attr });
    i = sc.next;
  }
  if (lit) parts.push({ t: 'lit', text: lit });
  const plain = parts.length === 0 || (parts.length === 1 && parts[0]!.t === 'lit');
  return { source, parts, plain, plainText: plain && parts.length === 1 ? (parts[0] as { text: string }).text : '' };
}

/** safe_atou_optional_plus(): "N" or "N+" (base 0 like strtoul), -1 on error. */
export function parseResultIndex(attr: string): { index: number; plus: boolean } | undefined {
  let s = attr;
  let plus = false;
  if (s.endsWith('+')) {
    plus = true;
    s = s.slice(0, -1);
  }
  const n = parseUnsignedBase0(s);
  if (n === undefined) return undefined;
  return { index: n, plus };
}

/** strtoul(s, 0) with safe_atou's strictness: whole string, no sign, leading whitespace ok. */
export function parseUnsignedBase0(input: string): number | undefined {
  let s = input;
  let i = 0;
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  s = s.slice(i);
  if (s.startsWith('0b') || s.startsWith('0B')) return parseDigits(s.slice(2), 2);
  if (s.startsWith('0o') || s.startsWith('0O')) return parseDigits(s.slice(2), 8);
  if (s.startsWith('-')) return s === '-0' ? 0 : undefined;
  if (s.startsWith('+')) s = s.slice(1);
  if (s.startsWith('0x') || s.startsWith('0X')) return parseDigits(s.slice(2), 16);
  if (s.length > 1 && s.startsWith('0')) return parseDigits(s.slice(1), 8);
  return parseDigits(s, 10);
}

function parseDigits(s: string, base: number): number | undefined {
  if (s.length === 0) return undefined;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 122) d = c - 87;
    else if (c >= 65 && c <= 90) d = c - 55;
    else return undefined;
    if (d >= base) return undefined;
    v = v * base + d;
    if (v > 0xffffffff) return undefined;
  }
  return v;
}

/** udev_check_format(): the first problem of a value, with its 0-based offset. */
export function checkFormat(value: string): { offset: number; hint: string } | undefined {
  for (let i = 0; i < value.length;) {
    const c = value.charCodeAt(i);
    if (c !== 36 && c !== 37) {
      i++;
      continue;
    }
    const sc = scanSubst(value, i, true);
    if (sc.r === 'error') return { offset: sc.at, hint: 'invalid substitution type' };
    if (sc.r === 'lit') {
      // '$$' / '%%': the scanner consumed the first char; 252 then steps over one more.
      i = sc.next;
      continue;
    }
    i = sc.next;
    if ((sc.kind === SubstKind.ATTR || sc.kind === SubstKind.ENV) && sc.attr.length === 0) return { offset: i, hint: 'attribute value missing' };
    if (sc.kind === SubstKind.RESULT && sc.attr.length > 0 && parseResultIndex(sc.attr) === undefined)
      return { offset: i, hint: 'attribute value not a valid number' };
  }
  return undefined;
}

/** What substitution reads from the event. */
export interface FormatEnv {
  readonly dev: UdevDevice;
  /** The selected parent (set by the last parent-group evaluation), or undefined. */
  readonly devParent: UdevDevice | undefined;
  readonly programResult: string | undefined;
  readonly name: string | undefined;
  /** udev_resolve_subsys_kernel() with read_value: the value ("" if unreadable), or undefined if unresolvable. */
  resolveSubsysValue(spec: string): string | undefined;
  /** log_device_warning(): a message without rules location. */
  warn(message: string): void;
}

/** Result of applying a format. */
export interface Formatted {
  readonly value: string;
  readonly truncated: boolean;
}

const WS = ' \t\n\r';
function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** udev_replace_whitespace(): trim, and turn inner whitespace runs into one '_'. */
export function replaceWhitespace(s: string, len: number): string {
  let i = 0;
  while (i < s.length && WS.includes(s[i]!)) i++;
  let out = '';
  let isSpace = false;
  for (let j = 0; j < len && i < len && i < s.length; i++) {
    if (isCSpace(s.charCodeAt(i))) {
      isSpace = true;
      continue;
    }
    if (isSpace) {
      if (j + 1 >= len) break;
      out += '_';
      j++;
      isSpace = false;
    }
    out += s[i];
    j++;
  }
  return out;
}

function trimTrailingWhitespace(s: string): string {
  let e = s.length;
  while (e > 0 && WS.includes(s[e - 1]!)) e--;
  return e === s.length ? s : s.slice(0, e);
}

/** Set by substitute() when the text it returned was cut to its buffer (an attribute over 511 bytes). */
let substTruncated = false;

/**
 * The text of one substitution, or undefined for a malformed one (missing argument, bad
 * index); `substTruncated` tells whether it was cut (no result object per substitution).
 */
function substitute(env: FormatEnv, kind: SubstKind, attr: string): string | undefined {
  substTruncated = false;
  const dev = env.dev;
  switch (kind) {
    case SubstKind.DEVPATH:
      return dev.devpath;
    case SubstKind.KERNEL:
      return dev.sysname;
    case SubstKind.KERNEL_NUMBER:
      return dev.sysnum ?? '';
    case SubstKind.ID:
      return env.devParent ? env.devParent.sysname : '';
    case SubstKind.DRIVER:
      return env.devParent ? (env.devParent.driver ?? '') : '';
    case SubstKind.MAJOR:
    case SubstKind.MINOR: {
      const dn = dev.getDevnum();
      return String(dn ? (kind === SubstKind.MAJOR ? dn.major : dn.minor) : 0);
    }
    case SubstKind.RESULT: {
      const res = env.programResult;
      if (res === undefined) return '';
      let index = 0;
      let plus = false;
      if (attr.length > 0) {
        const r = parseResultIndex(attr);
        if (!r) return undefined;
        index = r.index;
        plus = r.plus;
      }
      if (index === 0) return res;
      let p = 0;
      while (p < res.length && WS.includes(res[p]!)) p++;
      let i = 1;
      for (; i < index; i++) {
        while (p < res.length && !WS.includes(res[p]!)) p++;
        while (p < res.length && WS.includes(res[p]!)) p++;
        if (p >= res.length) break;
      }
      if (i !== index) return '';
      if (plus) return res.slice(p);
      let e = p;
      while (e < res.length && !WS.includes(res[e]!)) e++;
      return res.slice(p, e);
    }
    case SubstKind.ATTR: {
      if (attr.length === 0) return undefined;
      let val = env.resolveSubsysValue(attr);
      let truncated = false;
      if (val === undefined) val = dev.sysattr(attr);
      if (val === undefined && env.devParent && env.devParent !== dev) val = env.devParent.sysattr(attr);
      if (val === undefined) return '';
      // vbuf is UDEV_NAME_SIZE bytes: strscpy truncates to 511.
      if (val.length >= 512) {
        val = val.slice(0, 511);
        truncated = true;
      }
      val = trimTrailingWhitespace(val);
      val = replaceChars(val, UDEV_ALLOWED_CHARS_INPUT).value;
      substTruncated = truncated;
      return val;
    }
    case SubstKind.PARENT: {
      const parent = dev.parent;
      const dn = parent?.getDevname();
      return dn === undefined ? '' : dn.slice(5);
    }
    case SubstKind.DEVNODE:
      return dev.getDevname() ?? '';
    case SubstKind.NAME: {
      if (env.name !== undefined) return env.name;
      const dn = dev.getDevname();
      if (dn !== undefined) return dn.slice(5);
      return dev.sysname;
    }
    case SubstKind.LINKS: {
      let out = '';
      for (const l of dev.getDevlinks()) out += (out ? ' ' : '') + l.slice(5);
      return out;
    }
    case SubstKind.ROOT:
      return '/dev';
    case SubstKind.SYS:
      return '/sys';
    case SubstKind.ENV: {
      if (attr.length === 0) return undefined;
      return dev.getProperty(attr) ?? '';
    }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/**
 * udev_event_apply_format() into a buffer of `size` bytes (so at most size-1 bytes of output).
 * A literal that does not fit stops the whole format; a substitution that does not fit is cut.
 * `replaceWhitespace` (SYMLINK) applies udev_replace_whitespace to every substitution but %c.
 */
export function applyFormat(env: FormatEnv, fmt: CompiledFormat, size: number, replaceWs: boolean): Formatted {
  if (fmt.plain) {
    const s = fmt.plainText;
    if (s.length <= size - 1) return (fmt.plainResult ??= { value: s, truncated: false });
    return { value: s.slice(0, Math.max(0, size - 1)), truncated: true };
  }
  let out = '';
  let left = size;
  let truncated = false;
  for (const part of fmt.parts) {
    if (part.t === 'lit') {
      const room = left - 1;
      if (part.text.length > room) {
        out += part.text.slice(0, Math.max(0, room));
        left = 1;
        truncated = true;
        break;
      }
      out += part.text;
      left -= part.text.length;
      continue;
    }
    if (part.t === 'invalid') {
      env.warn(`Invalid format string, ignoring: ${fmt.source}`);
      break;
    }
    let text = substitute(env, part.kind, part.attr);
    if (text === undefined) {
      env.warn(`Failed to substitute variable '$${kindName(part.kind)}' or apply format '%${kindChar(part.kind)}', ignoring: Invalid argument`);
      break;
    }
    if (substTruncated) truncated = true;
    if (text.length >= left) {
      text = text.slice(0, Math.max(0, left - 1));
      truncated = true;
    }
    if (replaceWs && part.kind !== SubstKind.RESULT) text = replaceWhitespace(text, text.length);
    out += text;
    left -= text.length;
  }
  return { value: out, truncated };
}
