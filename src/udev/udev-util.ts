/**
 * Helpers shared by the rules engine (twin of src/shared/udev-util.c): character sanitising
 * (udev_replace_chars, udev_replace_ifname), `[subsystem/sysname]attribute` resolution,
 * KEY=VALUE line parsing for IMPORT, and the small number parsers 252 uses.
 */
import { utf8SequenceLength } from './bytes.js';
import type { UdevDatabase } from './database.js';
import { UdevDevice } from './device.js';
import { isNormalizedPath, type SysfsAccess } from './sources/sysfs-access.js';

/** Extra characters PROGRAM results and $attr{} values may keep (UDEV_ALLOWED_CHARS_INPUT). */
export const UDEV_ALLOWED_CHARS_INPUT = '/ $%?,';

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** allow_listed_char_for_devnode(). */
function allowedForDevnode(c: number, allow: string | undefined): boolean {
  if (isAlnum(c)) return true;
  // "#+-.:=@_"
  if (c === 35 || c === 43 || c === 45 || c === 46 || c === 58 || c === 61 || c === 64 || c === 95) return true;
  return allow !== undefined && allow.includes(String.fromCharCode(c));
}

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * udev_replace_chars(): keep alphanumerics, `#+-.:=@_`, the `allow` set, `\x` hex escapes and
 * valid UTF-8; whitespace becomes ' ' when ' ' is allowed; everything else becomes '_'.
 */
export function replaceChars(s: string, allow: string | undefined): { value: string; count: number } {
  let out: string | undefined;
  let count = 0;
  const spaceAllowed = allow !== undefined && allow.includes(' ');
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (allowedForDevnode(c, allow)) {
      if (out !== undefined) out += s[i];
      i++;
      continue;
    }
    if (c === 92 /* \ */ && s.charCodeAt(i + 1) === 120 /* x */) {
      if (out !== undefined) out += '\\x';
      i += 2;
      continue;
    }
    const len = utf8SequenceLength(s, i);
    if (len > 1) {
      if (out !== undefined) out += s.slice(i, i + len);
      i += len;
      continue;
    }
    if (out === undefined) out = s.slice(0, i);
    out += isCSpace(c) && spaceAllowed ? ' ' : '_';
    count++;
    i++;
  }
  return { value: out ?? s, count };
}

/** ifname_valid_char(): printable ASCII except space, ':', '/', '%'. */
export function isIfnameChar(c: number): boolean {
  if (c >= 127 || c <= 32) return false;
  return c !== 58 && c !== 47 && c !== 37;
}

/** udev_replace_ifname(): every invalid interface-name byte becomes '_'. */
export function replaceIfname(s: string): { value: string; count: number } {
  let out = '';
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isIfnameChar(c)) out += s[i];
    else {
      out += '_';
      count++;
    }
  }
  return { value: out, count };
}

/** ifname_valid(): what the rename step accepts. */
export function isValidIfname(name: string): boolean {
  if (name.length === 0 || name.length >= 16) return false;
  if (name === '.' || name === '..' || name === 'all' || name === 'default') return false;
  let numeric = true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!isIfnameChar(c)) return false;
    numeric = numeric && c >= 48 && c <= 57;
  }
  return !numeric;
}

/**
 * sd_device_new_from_subsystem_sysname(): look a device up by subsystem and name through the
 * /sys/bus, /sys/class, /sys/module and driver-directory indexes.
 */
export function deviceFromSubsystemSysname(
  fs: SysfsAccess,
  db: UdevDatabase | undefined,
  subsystem: string,
  sysname: string,
): UdevDevice | undefined {
  if (!isNormalizedPath(subsystem) || !isNormalizedPath(sysname)) return undefined;
  if (subsystem.length === 0 || sysname.length === 0) return undefined;
  const name = sysname.replaceAll('/', '!');
  const tryPath = (p: string): UdevDevice | undefined => {
    if (!fs.lstat(p)) return undefined;
    const d = UdevDevice.fromSyspath(fs, db, p);
    return typeof d === 'string' ? undefined : d;
  };
  let d: UdevDevice | undefined;
  if (subsystem === 'subsystem') {
    d = tryPath('/sys/bus/' + name) ?? tryPath('/sys/class/' + name);
    if (d) return d;
  } else if (subsystem === 'module') {
    d = tryPath('/sys/module/' + name);
    if (d) return d;
  } else if (subsystem === 'drivers') {
    const sep = name.indexOf(':');
    if (sep >= 0 && sep + 1 < name.length) {
      const sub = name.slice(0, sep);
      const drv = name.slice(sep + 1);
      d = drv === 'drivers' ? tryPath(`/sys/bus/${sub}/drivers`) : tryPath(`/sys/bus/${sub}/drivers/${drv}`);
      if (d) return d;
    }
  }
  return (
    tryPath(`/sys/bus/${subsystem}/devices/${name}`) ?? tryPath(`/sys/class/${subsystem}/${name}`) ?? tryPath(`/sys/firmware/${subsystem}/${name}`)
  );
}

/** The parts of "[subsystem/sysname]attribute"; undefined when the text has another shape. */
export function parseSubsysKernel(spec: string): { subsystem: string; sysname: string; attr: string | undefined } | undefined {
  if (spec.charCodeAt(0) !== 91 /* [ */) return undefined;
  const slash = spec.indexOf('/', 1);
  if (slash < 0) return undefined;
  const close = spec.indexOf(']', slash + 1);
  if (close < 0) return undefined;
  let attr: string | undefined = spec.slice(close + 1);
  if (attr.startsWith('/')) attr = attr.slice(1);
  if (attr.length === 0) attr = undefined;
  return { subsystem: spec.slice(1, slash), sysname: spec.slice(slash + 1, close), attr };
}

/**
 * udev_resolve_subsys_kernel() with read_value: the attribute's value ("" when it cannot be
 * read, cut to 511 bytes), or undefined when the spec does not name a device and attribute.
 */
export function resolveSubsysValue(fs: SysfsAccess, db: UdevDatabase | undefined, spec: string): string | undefined {
  const p = parseSubsysKernel(spec);
  if (!p || p.attr === undefined) return undefined;
  const dev = deviceFromSubsystemSysname(fs, db, p.subsystem, p.sysname);
  if (!dev) return undefined;
  const path = dev.syspath + '/' + p.attr;
  const st = fs.lstat(path);
  // Errors other than ENOENT/EACCES/EPERM make the resolution fail (so callers fall back).
  if (st && st.type === 'dir') return undefined;
  if (st && st.type === 'link' && p.attr !== 'driver' && p.attr !== 'subsystem' && p.attr !== 'module') return undefined;
  const v = dev.sysattr(p.attr);
  if (v === undefined) return '';
  return v.length > 511 ? v.slice(0, 511) : v;
}

/** udev_resolve_subsys_kernel() without read_value: the path "<device syspath>[/attr]". */
export function resolveSubsysPath(fs: SysfsAccess, db: UdevDatabase | undefined, spec: string): string | undefined {
  const p = parseSubsysKernel(spec);
  if (!p) return undefined;
  const dev = deviceFromSubsystemSysname(fs, db, p.subsystem, p.sysname);
  if (!dev) return undefined;
  return p.attr === undefined ? dev.syspath : dev.syspath + '/' + p.attr;
}

/**
 * get_property_from_string(): one KEY=VALUE line of IMPORT{program}/IMPORT{file} output.
 * Returns null for comments and empty lines, 'EINVAL' for a bad line (with the line text as
 * 252 prints it after cutting at '='), else the pair.
 */
export function parsePropertyLine(line: string): { key: string; value: string } | null | { invalid: string } {
  let i = 0;
  while (i < line.length && ' \t\n\r'.includes(line[i]!)) i++;
  const rest = line.slice(i);
  if (rest.length === 0 || rest[0] === '#') return null;
  const eq = rest.indexOf('=');
  if (eq < 0) return { invalid: line };
  const key = strstrip(rest.slice(0, eq));
  // 252 logs the line after cutting it at '=' and stripping the key in place.
  const printed = line.slice(0, i) + key;
  if (key.length === 0) return { invalid: printed };
  let val = strstrip(rest.slice(eq + 1));
  if (val.length === 0) return { invalid: printed };
  if (val[0] === '"' || val[0] === "'") {
    if (val.length === 1 || val[val.length - 1] !== val[0]) return { invalid: printed };
    val = val.slice(1, -1);
  }
  return { key, value: val };
}

/** strstrip(): trim WHITESPACE on both ends. */
export function strstrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && ' \t\n\r'.includes(s[a]!)) a++;
  while (b > a && ' \t\n\r'.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** Why a number did not parse, as the parse_*() helpers return it. */
export type ParseErrno = 'EINVAL' | 'ERANGE';

/** parse_mode(): octal (optional 0o), leading whitespace ok, no sign, at most 07777. */
export function parseModeErrno(s: string): number | ParseErrno {
  let i = 0;
  while (i < s.length && ' \t\n\r'.includes(s[i]!)) i++;
  let t = s.slice(i);
  if (t.length === 0 || t[0] === '+' || t[0] === '-') return 'EINVAL';
  if (t.startsWith('0o') || t.startsWith('0O')) t = t.slice(2);
  if (t.length === 0) return 'EINVAL';
  let v = 0;
  for (let k = 0; k < t.length; k++) {
    const c = t.charCodeAt(k);
    if (c < 48 || c > 55) return 'EINVAL';
    v = v * 8 + (c - 48);
    if (v > 0xffffffff) return 'ERANGE';
  }
  return v > 0o7777 ? 'ERANGE' : v;
}

/** parse_mode(), undefined on failure. */
export function parseMode(s: string): number | undefined {
  const v = parseModeErrno(s);
  return typeof v === 'number' ? v : undefined;
}

/** parse_uid()/parse_gid(): strict decimal, no sign, no leading zero or whitespace, not -1/65535. */
export function parseUid(s: string): number | undefined {
  if (s.length === 0) return undefined;
  if (s.length > 1 && s[0] === '0') return undefined;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
    if (v > 0xffffffff) return undefined;
  }
  if (v === 0xffffffff || v === 0xffff) return undefined;
  return v;
}

/** safe_atoi(): base 0 (0x/0o/0b prefixes), leading whitespace, sign, int range. */
export function safeAtoiErrno(input: string): number | ParseErrno {
  let s = input;
  let i = 0;
  while (i < s.length && ' \t\n\r'.includes(s[i]!)) i++;
  s = s.slice(i);
  let base = 0;
  if (s.startsWith('0b') || s.startsWith('0B')) {
    base = 2;
    s = s.slice(2);
  } else if (s.startsWith('0o') || s.startsWith('0O')) {
    base = 8;
    s = s.slice(2);
  }
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (base === 0) {
    if (s.startsWith('0x') || s.startsWith('0X')) {
      base = 16;
      s = s.slice(2);
    } else if (s.length > 1 && s[0] === '0') {
      base = 8;
      s = s.slice(1);
    } else base = 10;
  }
  if (s.length === 0) return 'EINVAL';
  let v = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 122) d = c - 87;
    else if (c >= 65 && c <= 90) d = c - 55;
    else return 'EINVAL';
    if (d >= base) return 'EINVAL';
    v = v * base + d;
    if (v > 2 ** 53) return 'ERANGE';
  }
  const r = neg ? -v : v;
  return r > 2147483647 || r < -2147483648 ? 'ERANGE' : r;
}

/** safe_atoi(), undefined on failure. */
export function safeAtoi(input: string): number | undefined {
  const v = safeAtoiErrno(input);
  return typeof v === 'number' ? v : undefined;
}

/**
 * strv_split_newlines_full(EXTRACT_RETAIN_ESCAPE): split at runs of '\n'/'\r' (so empty lines
 * vanish), dropping an empty last element.
 */
export function splitNewlines(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\n' || c === '\r') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    cur += c;
    inWord = true;
  }
  if (inWord) out.push(cur);
  return out;
}

/** proc_cmdline_get_key(key, PROC_CMDLINE_VALUE_OPTIONAL): undefined if absent, null if present without value. */
export function cmdlineGetKey(cmdline: string, key: string): string | null | undefined {
  let found = false;
  let value: string | null = null;
  const relaxed = (a: string, b: string): boolean => a === b || (a === '_' && b === '-') || (a === '-' && b === '_');
  for (const word of splitCmdlineWords(cmdline)) {
    // rd.* options are for the initrd only.
    if (word.startsWith('rd.')) continue;
    if (word.length < key.length) continue;
    let k = 0;
    for (; k < key.length; k++) if (!relaxed(word[k]!, key[k]!)) break;
    if (k < key.length) continue;
    if (word[k] === '=') {
      value = word.slice(k + 1);
      found = true;
    } else if (k === word.length) found = true;
  }
  if (!found) return undefined;
  return value;
}

/** The kernel command line split like extract_first_word(EXTRACT_UNQUOTE|EXTRACT_RELAX). */
export function splitCmdlineWords(cmdline: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = cmdline.length;
  const isSep = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  for (;;) {
    while (i < n && isSep(cmdline[i]!)) i++;
    if (i >= n) break;
    let word = '';
    let quote = '';
    for (; i < n; i++) {
      const c = cmdline[i]!;
      if (quote) {
        if (c === quote) quote = '';
        else word += c;
        continue;
      }
      if (c === "'" || c === '"') {
        quote = c;
        continue;
      }
      if (isSep(c)) break;
      word += c;
    }
    out.push(word);
  }
  return out;
}

/** sysctl_normalize(): a dotted key swaps '.' and '/', then simplify and drop the leading '/'. */
export function sysctlNormalize(key: string): string {
  let s = key;
  const firstSep = s.search(/[/.]/);
  if (firstSep >= 0 && s[firstSep] === '.') {
    let out = s.slice(0, firstSep);
    for (let i = firstSep; i < s.length; i++) {
      const c = s[i];
      out += c === '.' ? '/' : c === '/' ? '.' : c;
    }
    s = out;
  }
  // path_simplify
  const abs = s.startsWith('/');
  const parts = s.split('/').filter((p) => p.length > 0 && p !== '.');
  s = (abs ? '/' : '') + parts.join('/');
  if (s.length === 0 && abs) s = '/';
  if (s.startsWith('/') && s.length > 1) s = s.slice(1);
  return s;
}

/** "%#o" of printf: octal with a leading 0 (just "0" for zero). */
export function formatOctalAlt(mode: number): string {
  return mode === 0 ? '0' : '0' + mode.toString(8);
}
