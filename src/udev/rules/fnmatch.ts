/**
 * POSIX fnmatch(3) with flags 0, as glibc implements it in the C locale (udevd never calls
 * setlocale): bytewise, `*` and `?` also match `/` and leading dots, bracket expressions with
 * ranges, `!`/`^` negation and `[:class:]`, backslash escaping the next character. Patterns are
 * compiled once into a matcher; matching never allocates and uses no regular expressions.
 */

/** One element of a compiled pattern. */
const enum Op {
  Literal, // a run of literal bytes
  Any, // ?  one byte
  Star, // *  any run of bytes
  Set, // [..] one byte in (or not in) a set
  Fail, // a construct that can never match (trailing backslash, bad class name)
}

interface Element {
  readonly op: Op;
  readonly text: string; // Literal: the bytes
  readonly set: Uint8Array | undefined; // Set: 256 membership flags (negation already applied)
}

/** The POSIX character classes glibc knows, for bytes 0..255 in the C locale. */
const charClasses: Readonly<Record<string, (c: number) => boolean>> = {
  alnum: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122), // [0-9A-Za-z]
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122), // [A-Za-z]
  blank: (c) => c === 32 || c === 9, // space, tab
  cntrl: (c) => c < 32 || c === 127, // control characters
  digit: (c) => c >= 48 && c <= 57, // [0-9]
  graph: (c) => c > 32 && c < 127, // printable except space
  lower: (c) => c >= 97 && c <= 122, // [a-z]
  print: (c) => c >= 32 && c < 127, // printable including space
  punct: (c) => c > 32 && c < 127 && !((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)), // graph minus alnum
  space: (c) => c === 32 || (c >= 9 && c <= 13), // space, \t \n \v \f \r
  upper: (c) => c >= 65 && c <= 90, // [A-Z]
  xdigit: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102), // [0-9A-Fa-f]
};

/**
 * Parse a bracket expression starting after `[` at `start`. Returns the element and the index
 * after the closing `]`, or undefined when the bracket is not closed (then `[` is literal).
 */
function parseBracket(p: string, start: number): { el: Element; next: number } | undefined {
  let i = start;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') {
    negate = true;
    i++;
  }
  const set = new Uint8Array(256);
  let first = true;
  let invalid = false;
  for (;;) {
    if (i >= p.length) return undefined;
    let c = p.charCodeAt(i);
    if (c === 93 /* ] */ && !first) {
      i++;
      break;
    }
    first = false;
    if (c === 91 /* [ */ && (p[i + 1] === ':' || p[i + 1] === '=' || p[i + 1] === '.')) {
      const kind = p[i + 1]!;
      const end = p.indexOf(kind + ']', i + 2);
      if (end < 0) return undefined;
      const name = p.slice(i + 2, end);
      i = end + 2;
      if (kind === ':') {
        const cls = charClasses[name];
        if (!cls) invalid = true;
        else for (let b = 0; b < 256; b++) if (cls(b)) set[b] = 1;
        continue;
      }
      // [=c=] and [.c.]: in the C locale only single bytes name themselves.
      if (name.length !== 1) invalid = true;
      else c = name.charCodeAt(0);
      if (invalid) continue;
    } else {
      if (c === 92 /* \ */) {
        i++;
        if (i >= p.length) return undefined;
        c = p.charCodeAt(i);
      }
      i++;
    }
    // A range "c-d" unless the '-' is the last character before ']'.
    if (p[i] === '-' && i + 1 < p.length && p[i + 1] !== ']') {
      let d = p.charCodeAt(i + 1);
      let step = 2;
      if (d === 92 /* \ */ && i + 2 < p.length) {
        d = p.charCodeAt(i + 2);
        step = 3;
      } else if (d === 91 /* [ */ && p[i + 2] === '.') {
        const end = p.indexOf('.]', i + 3);
        if (end < 0) return undefined;
        const name = p.slice(i + 3, end);
        if (name.length !== 1) invalid = true;
        d = name.charCodeAt(0);
        step = end + 2 - i;
      }
      i += step;
      for (let b = c; b <= d && b < 256; b++) set[b] = 1;
      continue;
    }
    if (c < 256) set[c] = 1;
  }
  if (invalid) return { el: { op: Op.Fail, text: '', set: undefined }, next: i };
  if (negate) for (let b = 0; b < 256; b++) set[b] = set[b] ? 0 : 1;
  return { el: { op: Op.Set, text: '', set }, next: i };
}

function compileElements(pattern: string): Element[] {
  const out: Element[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit) out.push({ op: Op.Literal, text: lit, set: undefined });
    lit = '';
  };
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === '*') {
      flush();
      // Consecutive stars are one star.
      if (out.length === 0 || out[out.length - 1]!.op !== Op.Star) out.push({ op: Op.Star, text: '', set: undefined });
      i++;
    } else if (c === '?') {
      flush();
      out.push({ op: Op.Any, text: '', set: undefined });
      i++;
    } else if (c === '[') {
      const b = parseBracket(pattern, i + 1);
      if (!b) {
        lit += '[';
        i++;
      } else {
        flush();
        out.push(b.el);
        i = b.next;
      }
    } else if (c === '\\') {
      if (i + 1 >= pattern.length) {
        // glibc: a trailing backslash never matches.
        flush();
        out.push({ op: Op.Fail, text: '', set: undefined });
        i++;
      } else {
        lit += pattern[i + 1];
        i += 2;
      }
    } else {
      lit += c;
      i++;
    }
  }
  flush();
  return out;
}

function matchAt(els: readonly Element[], ei: number, s: string, si: number): boolean {
  for (; ei < els.length; ei++) {
    const el = els[ei]!;
    switch (el.op) {
      case Op.Literal:
        if (!s.startsWith(el.text, si)) return false;
        si += el.text.length;
        break;
      case Op.Any:
        if (si >= s.length) return false;
        si++;
        break;
      case Op.Set:
        if (si >= s.length || !el.set![s.charCodeAt(si) & 0xff]) return false;
        si++;
        break;
      case Op.Star: {
        if (ei === els.length - 1) return true;
        for (let k = si; k <= s.length; k++) if (matchAt(els, ei + 1, s, k)) return true;
        return false;
      }
      case Op.Fail:
        return false;
      default: {
        const never: never = el.op;
        return never;
      }
    }
  }
  return si === s.length;
}

/** A compiled fnmatch pattern. */
export interface Glob {
  /** The pattern text as written. */
  readonly pattern: string;
  /** fnmatch(pattern, s, 0) == 0 */
  match(s: string): boolean;
}

/** Compile `pattern` (a byte string) once; the common shapes get a fast path. */
export function compileGlob(pattern: string): Glob {
  const els = compileElements(pattern);
  if (els.length === 0) return { pattern, match: (s) => s.length === 0 };
  if (els.length === 1 && els[0]!.op === Op.Literal) {
    const t = els[0]!.text;
    return { pattern, match: (s) => s === t };
  }
  if (els.length === 1 && els[0]!.op === Op.Star) return { pattern, match: () => true };
  if (els.length === 2 && els[0]!.op === Op.Literal && els[1]!.op === Op.Star) {
    const t = els[0]!.text;
    return { pattern, match: (s) => s.startsWith(t) };
  }
  if (els.length === 2 && els[0]!.op === Op.Star && els[1]!.op === Op.Literal) {
    const t = els[1]!.text;
    return { pattern, match: (s) => s.endsWith(t) };
  }
  if (els.length === 3 && els[0]!.op === Op.Star && els[1]!.op === Op.Literal && els[2]!.op === Op.Star) {
    const t = els[1]!.text;
    return { pattern, match: (s) => s.includes(t) };
  }
  return { pattern, match: (s) => matchAt(els, 0, s, 0) };
}

/** One-shot fnmatch(pattern, s, 0) == 0, for callers that do not keep the compiled form. */
export function fnmatch(pattern: string, s: string): boolean {
  return compileGlob(pattern).match(s);
}

/** udev's string_is_glob(): the value contains any of `*?[`. */
export function stringIsGlob(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 42 || c === 63 || c === 91) return true;
  }
  return false;
}
