/**
 * Word expansion (XCU 2.6) in dash's order: tilde, parameter expansion (`$x`, `${x}`, `${#x}`,
 * `${x-w}` `${x:-w}` `${x=w}` `${x:=w}` `${x?w}` `${x:?w}` `${x+w}` `${x:+w}`, `${x#p}`
 * `${x##p}` `${x%p}` `${x%%p}`, the special parameters), command substitution (`$(…)` and
 * `` `…` ``), arithmetic (`$((…))`), then field splitting on IFS of the unquoted expansion
 * results, pathname expansion, and quote removal.
 *
 * A word is expanded into pieces: quoted text (literal), unquoted literal text (globbable) and
 * unquoted expansion results (split on IFS and globbable); "$@" adds field breaks.
 */
import { evalArith, ArithError } from './arith.js';
import { hasGlob, trimPattern } from './pattern.js';
import { skipConstruct, ShellSyntaxError } from './parse.js';

/** What expansion needs from the shell. */
export interface ExpandHost {
  getVar(name: string): string | undefined;
  setVar(name: string, value: string): void;
  /** Positional parameters $1…; $0 is `name`. */
  readonly positional: readonly string[];
  readonly name: string;
  readonly lastStatus: number;
  readonly pid: number;
  readonly optionFlags: string;
  readonly nounset: boolean;
  readonly noglob: boolean;
  /** Run a command substitution; returns its stdout. */
  commandSubst(script: string): string;
  /** Pathname expansion of a pattern (sorted matches; empty if none). */
  glob(pattern: string): string[];
  /** Report an expansion error and exit the shell (status 2). */
  fatal(message: string): never;
}

type Piece = { s: string; quoted: boolean; split: boolean } | { brk: true };

interface Field {
  /** Pattern form: quoted characters and literal backslashes escaped. */
  pat: string;
  /** The text after quote removal. */
  lit: string;
  /** A quoted (possibly empty) part makes the field exist. */
  exists: boolean;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*/;

function escapeForPattern(s: string): string {
  return s.replace(/[\\*?[\]]/g, '\\$&');
}

export type ExpandMode = 'fields' | 'single' | 'pattern';

export class Expander {
  constructor(private readonly host: ExpandHost) {}

  /** Expand into fields (split + glob). */
  fields(raw: string): string[] {
    const fields = this.split(this.pieces(raw, false));
    const out: string[] = [];
    for (const f of fields) {
      if (!this.host.noglob && hasGlob(f.pat)) {
        const m = this.host.glob(f.pat);
        if (m.length > 0) {
          out.push(...m);
          continue;
        }
      }
      out.push(f.lit);
    }
    return out;
  }

  /** Expand without splitting or globbing (assignments, case word, redirection targets). */
  single(raw: string): string {
    return this.join(this.pieces(raw, false), false);
  }

  /** Expand as a pattern: quoted characters escaped. */
  pattern(raw: string): string {
    return this.join(this.pieces(raw, false), true);
  }

  /** A here-document body: `$`, `` ` `` and `\` processing as inside double quotes. */
  heredoc(body: string): string {
    const pieces: Piece[] = [];
    this.dq(body, 0, body.length, pieces, true);
    return this.join(pieces, false);
  }

  private join(pieces: Piece[], asPattern: boolean): string {
    let out = '';
    for (const p of pieces) {
      if ('brk' in p) {
        out += ' ';
        continue;
      }
      out += asPattern && p.quoted ? escapeForPattern(p.s) : p.s;
    }
    return out;
  }

  private split(pieces: Piece[]): Field[] {
    const ifs = this.host.getVar('IFS') ?? ' \t\n';
    const fields: Field[] = [];
    let cur: Field = { pat: '', lit: '', exists: false };
    const end = (force: boolean): void => {
      if (cur.exists || cur.lit.length > 0 || force) fields.push(cur);
      cur = { pat: '', lit: '', exists: false };
    };
    for (const p of pieces) {
      if ('brk' in p) {
        end(false);
        continue;
      }
      if (p.quoted) {
        cur.pat += escapeForPattern(p.s);
        cur.lit += p.s;
        cur.exists = true;
        continue;
      }
      if (!p.split) {
        cur.pat += p.s;
        cur.lit += p.s;
        if (p.s.length > 0) cur.exists = true;
        continue;
      }
      for (const c of p.s) {
        if (ifs.includes(c)) {
          if (c === ' ' || c === '\t' || c === '\n') end(false);
          else end(true);
          continue;
        }
        cur.pat += c;
        cur.lit += c;
        cur.exists = true;
      }
    }
    end(false);
    return fields;
  }

  /** Pieces of a raw word (outside double quotes). */
  private pieces(raw: string, _inDq: boolean): Piece[] {
    const out: Piece[] = [];
    let i = 0;
    let lit = '';
    const flush = (): void => {
      if (lit.length > 0) out.push({ s: lit, quoted: false, split: false });
      lit = '';
    };
    // Tilde prefix.
    if (raw[0] === '~') {
      const m = /^~([A-Za-z0-9_.-]*)(?=\/|$)/.exec(raw);
      const home = this.host.getVar('HOME');
      if (m && m[1] === '' && home !== undefined) {
        out.push({ s: home, quoted: true, split: false });
        i = 1;
      } else if (m && m[1] === 'root') {
        out.push({ s: '/root', quoted: true, split: false });
        i = m[0].length;
      }
    }
    while (i < raw.length) {
      const c = raw[i]!;
      if (c === "'") {
        flush();
        const e = raw.indexOf("'", i + 1);
        out.push({ s: raw.slice(i + 1, e), quoted: true, split: false });
        i = e + 1;
      } else if (c === '"') {
        flush();
        const e = skipConstruct(raw, i, () => 1) - 1;
        const before = out.length;
        const inner = raw.slice(i + 1, e);
        if (/^\$(?:@|\{@\})$/.test(inner) && this.host.positional.length === 0) {
          // "$@" with no positional parameters is no field at all.
        } else {
          out.push({ s: '', quoted: true, split: false });
          this.dq(raw, i + 1, e, out, false);
          if (out.length > before + 1 && (out[before] as { s: string }).s === '') out.splice(before, 1);
        }
        i = e + 1;
      } else if (c === '\\') {
        flush();
        if (raw[i + 1] === '\n') i += 2;
        else {
          out.push({ s: raw[i + 1] ?? '\\', quoted: true, split: false });
          i += 2;
        }
      } else if (c === '$' || c === '`') {
        flush();
        i = this.dollar(raw, i, out, false);
      } else {
        // Literal backslash-free text; keep glob characters active.
        lit += c;
        i++;
      }
    }
    flush();
    return out;
  }

  /** Inside double quotes (or a here-document body): raw[start, end). */
  private dq(raw: string, start: number, end: number, out: Piece[], heredoc: boolean): void {
    let text = '';
    const flush = (): void => {
      if (text.length > 0) out.push({ s: text, quoted: true, split: false });
      text = '';
    };
    let i = start;
    while (i < end) {
      const c = raw[i]!;
      if (c === '\\') {
        const n = raw[i + 1];
        if (n !== undefined && (n === '$' || n === '`' || n === '\\' || (n === '"' && !heredoc))) {
          text += n;
          i += 2;
        } else if (n === '\n') i += 2;
        else {
          text += '\\';
          i++;
        }
      } else if (c === '$' || c === '`') {
        flush();
        i = this.dollar(raw, i, out, true);
      } else {
        text += c;
        i++;
      }
    }
    flush();
  }

  /** A `$…` or `` `…` `` construct at raw[i]; returns the index after it. */
  private dollar(raw: string, i: number, out: Piece[], quoted: boolean): number {
    const push = (s: string): void => {
      out.push({ s, quoted, split: !quoted });
    };
    if (raw[i] === '`') {
      const e = skipConstruct(raw, i, () => 1);
      let body = '';
      const inner = raw.slice(i + 1, e - 1);
      for (let k = 0; k < inner.length; k++) {
        if (inner[k] === '\\' && (inner[k + 1] === '$' || inner[k + 1] === '`' || inner[k + 1] === '\\' || (quoted && inner[k + 1] === '"'))) {
          body += inner[++k];
        } else body += inner[k];
      }
      push(this.host.commandSubst(body).replace(/\n+$/, ''));
      return e;
    }
    const n = raw[i + 1];
    if (n === '(') {
      const e = skipConstruct(raw, i, () => 1);
      const inner = raw.slice(i + 2, e - 1);
      if (inner.startsWith('(') && inner.endsWith(')')) {
        const expr = this.single(inner.slice(1, -1).replace(/"/g, ''));
        try {
          push(evalArith(expr, { get: (k) => this.host.getVar(k), set: (k, v) => this.host.setVar(k, v) }).toString());
        } catch (err) {
          if (err instanceof ArithError) this.host.fatal(err.message);
          throw err;
        }
        return e;
      }
      push(this.host.commandSubst(inner).replace(/\n+$/, ''));
      return e;
    }
    if (n === '{') {
      const e = skipConstruct(raw, i, () => 1);
      this.braced(raw.slice(i + 2, e - 1), out, quoted);
      return e;
    }
    // $name, $N, special.
    if (n !== undefined && '@*#?$!-0123456789'.includes(n)) {
      this.param(n, out, quoted);
      return i + 2;
    }
    const m = NAME_RE.exec(raw.slice(i + 1));
    if (!m) {
      out.push({ s: '$', quoted: true, split: false });
      return i + 1;
    }
    this.param(m[0], out, quoted);
    return i + 1 + m[0].length;
  }

  /** The value of a parameter; undefined when unset. */
  private value(name: string): string | undefined {
    const h = this.host;
    if (/^\d+$/.test(name)) {
      const k = Number(name);
      return k === 0 ? h.name : h.positional[k - 1];
    }
    switch (name) {
      case '#':
        return String(h.positional.length);
      case '?':
        return String(h.lastStatus);
      case '$':
        return String(h.pid);
      case '!':
        return undefined;
      case '-':
        return h.optionFlags;
      case '@':
      case '*':
        return h.positional.length > 0 ? h.positional.join(' ') : undefined;
    }
    return h.getVar(name);
  }

  private param(name: string, out: Piece[], quoted: boolean): void {
    if (name === '@' || name === '*') {
      const ps = this.host.positional;
      if (name === '*' && quoted) {
        const ifs = this.host.getVar('IFS') ?? ' ';
        out.push({ s: ps.join(ifs.slice(0, 1)), quoted: true, split: false });
        return;
      }
      ps.forEach((p, k) => {
        if (k > 0) out.push({ brk: true });
        out.push({ s: p, quoted, split: !quoted });
      });
      return;
    }
    const v = this.value(name);
    if (v === undefined && this.host.nounset) this.host.fatal(`${name}: parameter not set`);
    out.push({ s: v ?? '', quoted, split: !quoted });
  }

  /** ${…} body. */
  private braced(body: string, out: Piece[], quoted: boolean): void {
    const push = (s: string): void => {
      out.push({ s, quoted, split: !quoted });
    };
    // ${#name}
    if (body.length > 1 && body[0] === '#') {
      const name = body.slice(1);
      if ((NAME_RE.test(name) && NAME_RE.exec(name)![0] === name) || /^(\d+|[@*#?$!-])$/.test(name)) {
        const v = this.value(name);
        if (v === undefined && this.host.nounset && name !== '@' && name !== '*') this.host.fatal(`${name}: parameter not set`);
        push(String((v ?? '').length));
        return;
      }
    }
    let name: string;
    const m = NAME_RE.exec(body);
    if (m) name = m[0];
    else if (/^\d+/.test(body)) name = /^\d+/.exec(body)![0];
    else if (body.length > 0 && '@*#?$!-'.includes(body[0]!)) name = body[0]!;
    else this.host.fatal('Bad substitution');
    const rest = body.slice(name.length);
    if (rest.length === 0) {
      this.param(name, out, quoted);
      return;
    }
    const opm = /^(:[-=?+]|[-=?+]|##|#|%%|%)/.exec(rest);
    if (!opm) this.host.fatal('Bad substitution');
    const op = opm[1]!;
    const word = rest.slice(op.length);
    const v = this.value(name);
    const colon = op.startsWith(':');
    const unsetOrNull = v === undefined || (colon && v.length === 0);
    const wordValue = (): string => (quoted ? this.dqString(word) : this.single(word));
    switch (op.replace(':', '')) {
      case '-':
        if (unsetOrNull) this.pushWord(word, out, quoted);
        else this.param(name, out, quoted);
        return;
      case '+':
        if (!unsetOrNull) this.pushWord(word, out, quoted);
        return;
      case '=':
        if (unsetOrNull) {
          if (!NAME_RE.test(name) || /^\d/.test(name)) this.host.fatal(`${name}: bad variable name`);
          const w = wordValue();
          this.host.setVar(name, w);
          push(w);
        } else this.param(name, out, quoted);
        return;
      case '?':
        if (unsetOrNull) {
          const w = wordValue();
          this.host.fatal(`${name}: ${w.length > 0 ? w : 'parameter not set'}`);
        }
        this.param(name, out, quoted);
        return;
    }
    // Pattern removal.
    if (v === undefined && this.host.nounset) this.host.fatal(`${name}: parameter not set`);
    const pat = quoted ? this.dqPattern(word) : this.pattern(word);
    push(trimPattern(v ?? '', pat, op as '#' | '##' | '%' | '%%'));
  }

  /** The word of ${x-word}: as its own pieces (unquoted: split later; quoted: literal). */
  private pushWord(word: string, out: Piece[], quoted: boolean): void {
    if (quoted) out.push({ s: this.dqString(word), quoted: true, split: false });
    else for (const p of this.pieces(word, false)) out.push('brk' in p || p.quoted ? p : { s: p.s, quoted: false, split: p.split });
  }

  /** A word inside "${x-…}": expanded as within double quotes. */
  private dqString(word: string): string {
    const pieces: Piece[] = [];
    // Quotes inside still group; single quotes are literal inside double quotes.
    if (/["]/.test(word)) return this.single(word);
    this.dq(word, 0, word.length, pieces, false);
    return this.join(pieces, false);
  }

  private dqPattern(word: string): string {
    if (/["']/.test(word)) return this.pattern(word);
    const pieces: Piece[] = [];
    this.dq(word, 0, word.length, pieces, false);
    // Inside double quotes the pattern's own characters still act (dash), expansions are literal.
    let out = '';
    for (const p of pieces) if (!('brk' in p)) out += p.s;
    return out;
  }
}

export { ShellSyntaxError };
