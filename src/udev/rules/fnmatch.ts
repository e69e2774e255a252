/**
 * POSIX fnmatch(3) with flags 0, as glibc implements it in the C locale (udevd never calls
 * setlocale): bytewise, `*` and `?` also match `/` and leading dots, bracket expressions with
 * ranges, `!`/`^` negation and `[:class:]`, backslash escaping the next character. Patterns are
 * compiled once into a matcher; matching never allocates and uses no regular expressions.
 */

/** One element of a compiled pattern without brackets or escapes. */
const enum Op {
  Literal, // a run of literal bytes
  Any, // ?  one byte
  Star, // *  any run of bytes
}

interface Element {
  readonly op: Op;
  readonly text: string; // Literal: the bytes
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

/** Split a pattern made only of literals, `*` and `?` into elements. */
function compileElements(pattern: string): Element[] {
  const out: Element[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit) out.push({ op: Op.Literal, text: lit });
    lit = '';
  };
  for (const c of pattern) {
    if (c === '*') {
      flush();
      // Consecutive stars are one star.
      if (out.length === 0 || out[out.length - 1]!.op !== Op.Star) out.push({ op: Op.Star, text: '' });
    } else if (c === '?') {
      flush();
      out.push({ op: Op.Any, text: '' });
    } else lit += c;
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
      case Op.Star: {
        if (ei === els.length - 1) return true;
        for (let k = si; k <= s.length; k++) if (matchAt(els, ei + 1, s, k)) return true;
        return false;
      }
      default: {
        const never: never = el.op;
        return never;
      }
    }
  }
  return si === s.length;
}

/**
 * glibc's internal_fnmatch() for flags 0 in the C locale, for patterns with brackets or
 * backslashes: a bracket is evaluated lazily while it is scanned (so a malformed range or
 * collating element only fails when reached), and an unterminated one makes '[' an ordinary
 * character, after which the pattern continues right after it. Returns true on a match.
 */
export function glibcFnmatch(p: string, s: string, pi = 0, si = 0): boolean {
  for (;;) {
    if (pi >= p.length) return si >= s.length;
    let c = p[pi++]!;
    switch (c) {
      case '?':
        if (si >= s.length) return false;
        break;
      case '\\':
        if (pi >= p.length) return false;
        c = p[pi++]!;
        if (si >= s.length || s[si] !== c) return false;
        break;
      case '*': {
        for (c = p[pi++] ?? ''; c === '?' || c === '*'; c = p[pi++] ?? '') {
          if (c === '?') {
            if (si >= s.length) return false;
            si++;
          }
        }
        if (c === '') return true;
        pi--;
        if (c === '[') {
          for (; si < s.length; si++) if (glibcFnmatch(p, s, pi, si)) return true;
          return false;
        }
        const c1 = c === '\\' ? (p[pi + 1] ?? '') : c;
        for (; si < s.length; si++) if (s[si] === c1 && glibcFnmatch(p, s, pi, si)) return true;
        return false;
      }
      case '[': {
        const r = bracket(p, pi, s, si);
        if (r === 'fail') return false;
        if (r === 'literal') {
          // Unterminated: '[' is an ordinary character, the rest is pattern again.
          if (si >= s.length || s[si] !== '[') return false;
          break;
        }
        pi = r;
        break;
      }
      default:
        if (si >= s.length || s[si] !== c) return false;
    }
    si++;
  }
}

/**
 * A collating symbol `[.c.]` whose '.' is at `pi`: only single characters exist in the C
 * locale, anything else (or no closing `.]`) fails the whole match.
 */
function collatingSymbol(p: string, pi: number): { code: number; next: number } | 'fail' {
  let n = 0;
  for (let i = pi + 1; i < p.length; i++) {
    if (p[i] === '.' && p[i + 1] === ']') return n === 1 ? { code: p.charCodeAt(pi + 1), next: i + 2 } : 'fail';
    n++;
  }
  return 'fail';
}

/**
 * One bracket expression at `pi` (after '[') against s[si]: the pattern index after it when
 * the character is accepted, 'fail' (no match or malformed), or 'literal' (unterminated).
 */
function bracket(p: string, pi: number, s: string, si: number): number | 'fail' | 'literal' {
  if (si >= s.length) return 'fail';
  const fn = s.charCodeAt(si);
  const not = p[pi] === '!' || p[pi] === '^';
  if (not) pi++;
  let c = p[pi++] ?? '';
  let matched = false;
  for (;;) {
    if (c === '\\') {
      if (pi >= p.length) return 'fail';
      c = p[pi++]!;
      // falls into the normal-character handling below
    } else if (c === '[' && p[pi] === ':') {
      const startp = pi;
      let name = '';
      let ok = true;
      for (;;) {
        if (name.length === 256) return 'fail';
        const d = p[++pi] ?? '';
        if (d === ':' && p[pi + 1] === ']') {
          pi += 2;
          break;
        }
        if (d < 'a' || d >= 'z' || d === '') {
          pi = startp;
          ok = false;
          break;
        }
        name += d;
      }
      if (ok) {
        const cls = charClasses[name];
        if (!cls) return 'fail';
        if (cls(fn)) {
          matched = true;
          break;
        }
        c = p[pi++] ?? '';
        if (c === ']') break;
        continue;
      }
      c = '[';
    } else if (c === '[' && p[pi] === '=') {
      const startp = pi;
      const e = p[pi + 1];
      if (e !== undefined && p[pi + 2] === '=' && p[pi + 3] === ']') {
        pi += 4;
        if (e.charCodeAt(0) === fn) {
          matched = true;
          break;
        }
        c = p[pi++] ?? '';
        if (c === ']') break;
        continue;
      }
      pi = startp;
      c = '[';
    } else if (c === '') return 'literal';
    let cold: number;
    if (c === '[' && p[pi] === '.') {
      const sym = collatingSymbol(p, pi);
      if (sym === 'fail') return 'fail';
      pi = sym.next;
      const isRange = p[pi] === '-' && pi + 1 < p.length;
      cold = sym.code;
      if (!isRange && cold === fn) {
        matched = true;
        break;
      }
      c = p[pi++] ?? '';
    } else {
      const isRange = p[pi] === '-' && pi + 1 < p.length && p[pi + 1] !== ']';
      cold = c.charCodeAt(0);
      if (!isRange && cold === fn) {
        matched = true;
        break;
      }
      c = p[pi++] ?? '';
    }
    if (c === '-' && p[pi] !== ']') {
      let cend = p[pi++] ?? '';
      let end: number;
      if (cend === '[' && p[pi] === '.') {
        const sym = collatingSymbol(p, pi);
        if (sym === 'fail') return 'fail';
        pi = sym.next;
        end = sym.code;
      } else {
        if (cend === '\\') cend = p[pi++] ?? '';
        if (cend === '') return 'fail';
        end = cend.charCodeAt(0);
      }
      if (cold <= fn && fn <= end) {
        matched = true;
        break;
      }
      c = p[pi++] ?? '';
    }
    if (c === ']') break;
  }
  if (!matched) return not ? pi : 'fail';
  // Skip the rest of a bracket that matched; glibc 2.36 treats a bracket found unterminated
  // here like one found unterminated while scanning: '[' is then an ordinary character.
  for (;;) {
    const c2 = p[pi++];
    if (c2 === undefined) return 'literal';
    if (c2 === '\\') {
      if (pi >= p.length) return 'fail';
      pi++;
    } else if (c2 === '[' && p[pi] === ':') {
      const startp = pi;
      let n = 0;
      let ok = true;
      for (;;) {
        const d = p[++pi] ?? '';
        if (++n === 256) return 'fail';
        if (p[pi] === ':' && p[pi + 1] === ']') break;
        if (d < 'a' || d >= 'z' || d === '') {
          pi = startp;
          ok = false;
          break;
        }
      }
      if (ok) pi += 2;
    } else if (c2 === '[' && p[pi] === '=') {
      if (pi + 1 >= p.length) return 'fail';
      if (p[pi + 2] !== '=' || p[pi + 3] !== ']') return 'fail';
      pi += 4;
    } else if (c2 === '[' && p[pi] === '.') {
      for (;;) {
        const d = p[++pi];
        if (d === undefined) return 'fail';
        if (d === '.' && p[pi + 1] === ']') break;
      }
      pi += 2;
    } else if (c2 === ']') break;
  }
  return not ? 'fail' : pi;
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
  // Brackets and escapes follow glibc's lazy evaluation exactly; those go to the interpreter.
  if (pattern.includes('[') || pattern.includes('\\')) return { pattern, match: (s) => glibcFnmatch(pattern, s) };
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
