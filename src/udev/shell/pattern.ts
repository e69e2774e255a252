/**
 * Shell pattern matching (XCU 2.13, dash's pmatch): `*`, `?`, bracket expressions with `!`/`^`
 * negation, ranges and `[:class:]`, and backslash-quoted characters. Quoted parts of a word
 * reach here already backslash-escaped (see expand.ts), so they match literally.
 */

const CLASSES: Readonly<Record<string, string>> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '\\x21-\\x7e',
  lower: 'a-z',
  print: '\\x20-\\x7e',
  punct: '!-\\/:-@\\[-`{-~',
  space: ' \\t\\n\\v\\f\\r',
  upper: 'A-Z',
  xdigit: '0-9A-Fa-f',
};

function reEscape(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? '\\' + c : c;
}

const cache = new Map<string, RegExp>();

/** The pattern as a RegExp source (no anchors). */
export function patternSource(pat: string): string {
  let out = '';
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i]!;
    if (c === '\\') {
      out += i + 1 < pat.length ? reEscape(pat[++i]!) : '\\\\';
    } else if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '[') {
      // Find the closing bracket; an unmatched `[` is literal.
      let j = i + 1;
      let neg = false;
      if (pat[j] === '!' || pat[j] === '^') {
        neg = true;
        j++;
      }
      let body = '';
      let first = true;
      let closed = false;
      for (; j < pat.length; j++) {
        const d = pat[j]!;
        if (d === ']' && !first) {
          closed = true;
          break;
        }
        first = false;
        if (d === '[' && pat[j + 1] === ':') {
          const e = pat.indexOf(':]', j + 2);
          const cls = e > 0 ? CLASSES[pat.slice(j + 2, e)] : undefined;
          if (cls !== undefined) {
            body += cls;
            j = e + 1;
            continue;
          }
        }
        if (d === '\\' && j + 1 < pat.length) {
          body += reEscape(pat[++j]!);
          continue;
        }
        if (d === '-' && body.length > 0 && pat[j + 1] !== ']' && j + 1 < pat.length) {
          body += '-';
          continue;
        }
        body += reEscape(d);
      }
      if (!closed) {
        out += '\\[';
        continue;
      }
      out += (neg ? '[^' : '[') + body + ']';
      i = j;
    } else out += reEscape(c);
  }
  return out;
}

/** True if `s` matches the whole pattern. */
export function patternMatch(pat: string, s: string): boolean {
  let re = cache.get(pat);
  if (!re) {
    re = new RegExp('^(?:' + patternSource(pat) + ')$');
    if (cache.size > 512) cache.clear();
    cache.set(pat, re);
  }
  return re.test(s);
}

/** True if the pattern has an unquoted `*`, `?` or `[` (pathname expansion applies). */
export function hasGlob(pat: string): boolean {
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i]!;
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/** Remove the backslashes quoting characters of a pattern. */
export function unescapePattern(pat: string): string {
  return pat.replace(/\\([\s\S])/g, '$1');
}

/**
 * ${x#p} / ${x##p} / ${x%p} / ${x%%p}: remove the shortest/longest matching prefix/suffix.
 */
export function trimPattern(value: string, pat: string, op: '#' | '##' | '%' | '%%'): string {
  const n = value.length;
  if (op === '#') {
    for (let k = 0; k <= n; k++) if (patternMatch(pat, value.slice(0, k))) return value.slice(k);
  } else if (op === '##') {
    for (let k = n; k >= 0; k--) if (patternMatch(pat, value.slice(0, k))) return value.slice(k);
  } else if (op === '%') {
    for (let k = n; k >= 0; k--) if (patternMatch(pat, value.slice(k))) return value.slice(0, k);
  } else {
    for (let k = 0; k <= n; k++) if (patternMatch(pat, value.slice(k))) return value.slice(0, k);
  }
  return value;
}
