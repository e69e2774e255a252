/**
 * The POSIX shell grammar (XCU 2.10) as dash parses it: a tokenizer that keeps each WORD's raw
 * source text (quotes, `$…`, `` `…` `` included; they are interpreted at expansion time, see
 * expand.ts) and a recursive-descent parser producing the command tree the interpreter walks.
 *
 * Supported: simple commands with assignments and redirections (`<`, `>`, `>|`, `>>`, `<>`,
 * `<&`, `>&`, IO numbers, here-documents `<<`/`<<-`), pipelines with `!`, and-or lists, `;`/`&`
 * lists, `( … )`, `{ …; }`, `if/elif/else`, `while`, `until`, `for … in`, `case … esac` and
 * function definitions `name() compound`. Errors are dash's messages ("Syntax error: …").
 */

export interface Redirect {
  /** The file descriptor redirected (default 0 for `<…`, 1 for `>…`). */
  readonly fd: number;
  readonly op: '<' | '>' | '>|' | '>>' | '<>' | '<&' | '>&' | '<<' | '<<-';
  /** The target word (raw), or the here-document body. */
  readonly target: string;
  /** Here-document: body expanded unless the delimiter was quoted. */
  readonly heredocExpand?: boolean;
}

export type Command =
  | { readonly kind: 'simple'; readonly line: number; readonly assigns: string[]; readonly words: string[]; readonly redirects: Redirect[] }
  | { readonly kind: 'subshell'; readonly body: List; readonly redirects: Redirect[] }
  | { readonly kind: 'group'; readonly body: List; readonly redirects: Redirect[] }
  | { readonly kind: 'if'; readonly clauses: Array<{ cond: List; body: List }>; readonly orElse: List | undefined; readonly redirects: Redirect[] }
  | { readonly kind: 'while' | 'until'; readonly cond: List; readonly body: List; readonly redirects: Redirect[] }
  | { readonly kind: 'for'; readonly name: string; readonly items: string[] | undefined; readonly body: List; readonly redirects: Redirect[] }
  | { readonly kind: 'case'; readonly word: string; readonly items: Array<{ patterns: string[]; body: List }>; readonly redirects: Redirect[] }
  | { readonly kind: 'function'; readonly name: string; readonly body: Command };

export interface Pipeline {
  readonly bang: boolean;
  readonly commands: Command[];
}

export interface AndOr {
  readonly first: Pipeline;
  readonly rest: Array<{ op: '&&' | '||'; pipeline: Pipeline }>;
}

/** A command list; `background` items (`&`) run to completion too (there is no job control). */
export type List = Array<{ andOr: AndOr; background: boolean }>;

/** A syntax error with the line dash reports it on. */
export class ShellSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

type Token =
  | { t: 'word'; v: string; line: number }
  | { t: 'op'; v: string; line: number }
  | { t: 'io'; v: string; line: number }
  | { t: 'nl'; line: number }
  | { t: 'eof'; line: number };

const OPERATORS = ['&&', '||', ';;', '<<-', '<<', '>>', '<&', '>&', '<>', '>|', ';', '&', '|', '(', ')', '<', '>'];
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'case', 'esac', 'while', 'until', 'for', '{', '}', '!', 'in']);

function isMeta(c: string | undefined): boolean {
  return (
    c === undefined ||
    c === ' ' ||
    c === '\t' ||
    c === '\n' ||
    c === ';' ||
    c === '&' ||
    c === '|' ||
    c === '<' ||
    c === '>' ||
    c === '(' ||
    c === ')'
  );
}

/**
 * The index just past the construct opened at `i` in `s` (a quote, `$(`, `$((`, `${` or a
 * backquote), honouring nested quotes and constructs. Throws on an unterminated one.
 */
export function skipConstruct(s: string, i: number, line: () => number): number {
  const c = s[i]!;
  if (c === "'") {
    const e = s.indexOf("'", i + 1);
    if (e < 0) throw new ShellSyntaxError(line(), 'Syntax error: Unterminated quoted string');
    return e + 1;
  }
  if (c === '"') {
    let j = i + 1;
    while (j < s.length && s[j] !== '"') {
      if (s[j] === '\\') j += 2;
      else if (s[j] === '$' || s[j] === '`') j = skipDollarOrBackquote(s, j, line);
      else j++;
    }
    if (j >= s.length) throw new ShellSyntaxError(line(), 'Syntax error: Unterminated quoted string');
    return j + 1;
  }
  return skipDollarOrBackquote(s, i, line);
}

function skipDollarOrBackquote(s: string, i: number, line: () => number): number {
  if (s[i] === '`') {
    let j = i + 1;
    while (j < s.length && s[j] !== '`') j += s[j] === '\\' ? 2 : 1;
    if (j >= s.length) throw new ShellSyntaxError(line(), 'Syntax error: EOF in backquote substitution');
    return j + 1;
  }
  // s[i] === '$'
  const n = s[i + 1];
  if (n === '{') {
    let j = i + 2;
    while (j < s.length && s[j] !== '}') {
      if (s[j] === '\\') j += 2;
      else if (s[j] === "'" || s[j] === '"' || s[j] === '$' || s[j] === '`') j = skipConstruct(s, j, line);
      else j++;
    }
    if (j >= s.length) throw new ShellSyntaxError(line(), "Syntax error: Missing '}'");
    return j + 1;
  }
  if (n === '(') {
    let depth = 1;
    let j = i + 2;
    while (j < s.length && depth > 0) {
      const d = s[j]!;
      if (d === '\\') j += 2;
      else if (d === "'" || d === '"' || d === '`' || (d === '$' && (s[j + 1] === '(' || s[j + 1] === '{'))) j = skipConstruct(s, j, line);
      else if (d === '#' && (j === 0 || /[\s;&|(]/.test(s[j - 1]!))) {
        while (j < s.length && s[j] !== '\n') j++;
      } else {
        if (d === '(') depth++;
        else if (d === ')') depth--;
        j++;
      }
    }
    if (depth > 0) throw new ShellSyntaxError(line(), 'Syntax error: end of file unexpected (expecting ")")');
    return j;
  }
  return i + 1;
}

/** Tokenize a whole script; here-document bodies are attached to their `<<` tokens. */
function tokenize(src: string): { tokens: Token[]; heredocs: Map<number, string> } {
  const tokens: Token[] = [];
  const heredocs = new Map<number, string>();
  const pending: Array<{ tokenIndex: number; delim: string; strip: boolean }> = [];
  let line = 1;
  const cur = (): number => line;
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
      line++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '\n') {
      tokens.push({ t: 'nl', line });
      line++;
      i++;
      // Here-document bodies start on the line after their operator.
      for (const h of pending.splice(0)) {
        let body = '';
        for (;;) {
          if (i >= src.length) break;
          let e = src.indexOf('\n', i);
          if (e < 0) e = src.length;
          let l = src.slice(i, e);
          i = Math.min(e + 1, src.length);
          line++;
          if (h.strip) l = l.replace(/^\t+/, '');
          if (l === h.delim) break;
          body += l + '\n';
        }
        heredocs.set(h.tokenIndex, body);
      }
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      tokens.push({ t: 'op', v: op, line });
      i += op.length;
      if (op === '<<' || op === '<<-') {
        // The delimiter word follows; read it now to register the pending body.
        while (src[i] === ' ' || src[i] === '\t') i++;
        const start = i;
        while (!isMeta(src[i])) i = src[i] === "'" || src[i] === '"' ? skipConstruct(src, i, cur) : src[i] === '\\' ? i + 2 : i + 1;
        const raw = src.slice(start, i);
        if (raw.length === 0) throw new ShellSyntaxError(line, 'Syntax error: newline unexpected');
        const quoted = /['"\\]/.test(raw);
        const delim = raw.replace(/\\(.)/g, '$1').replace(/['"]/g, '');
        tokens.push({ t: 'word', v: quoted ? "'" + delim + "'" : delim, line });
        pending.push({ tokenIndex: tokens.length - 2, delim, strip: op === '<<-' });
      }
      continue;
    }
    const start = i;
    while (!isMeta(src[i])) {
      const d = src[i]!;
      if (d === '\\') {
        if (src[i + 1] === '\n') line++;
        i += 2;
      } else if (d === "'" || d === '"' || d === '`' || (d === '$' && (src[i + 1] === '(' || src[i + 1] === '{'))) {
        const e = skipConstruct(src, i, cur);
        for (let k = i; k < e; k++) if (src[k] === '\n') line++;
        i = e;
      } else i++;
    }
    const v = src.slice(start, Math.min(i, src.length));
    if (/^\d+$/.test(v) && (src[i] === '<' || src[i] === '>')) tokens.push({ t: 'io', v, line });
    else tokens.push({ t: 'word', v, line });
  }
  tokens.push({ t: 'eof', line });
  return { tokens, heredocs };
}

/** Parse a whole script. */
export function parseScript(src: string): List {
  const { tokens, heredocs } = tokenize(src);
  let p = 0;
  const peek = (): Token => tokens[p]!;
  const isWord = (v: string): boolean => {
    const t = peek();
    return t.t === 'word' && t.v === v;
  };
  const isOp = (v: string): boolean => {
    const t = peek();
    return t.t === 'op' && t.v === v;
  };
  const describe = (t: Token): string => (t.t === 'eof' ? 'end of file' : t.t === 'nl' ? 'newline' : `"${t.v}"`);
  const unexpected = (expecting?: string): never => {
    const t = peek();
    throw new ShellSyntaxError(t.line, `Syntax error: ${describe(t)} unexpected${expecting ? ` (expecting "${expecting}")` : ''}`);
  };
  const skipNewlines = (): void => {
    while (peek().t === 'nl') p++;
  };
  const expectWord = (v: string): void => {
    if (!isWord(v)) unexpected(v);
    p++;
  };

  /** A compound list up to one of the `stops` reserved words (not consumed). */
  const compoundList = (stops: readonly string[]): List => {
    const list: List = [];
    skipNewlines();
    for (;;) {
      const t = peek();
      if (t.t === 'eof' || (t.t === 'word' && stops.includes(t.v)) || (t.t === 'op' && (t.v === ')' || t.v === ';;'))) break;
      const andOr = parseAndOr();
      let background = false;
      if (isOp('&') || isOp(';')) {
        background = peek().t === 'op' && (peek() as { v: string }).v === '&';
        p++;
      } else if (peek().t !== 'nl') {
        list.push({ andOr, background });
        break;
      }
      list.push({ andOr, background });
      skipNewlines();
    }
    return list;
  };

  const parseRedirect = (): Redirect | undefined => {
    const t = peek();
    let fd: number | undefined;
    if (t.t === 'io') {
      fd = Number(t.v);
      p++;
    }
    const o = peek();
    if (o.t !== 'op' || !['<', '>', '>|', '>>', '<>', '<&', '>&', '<<', '<<-'].includes(o.v)) {
      if (fd !== undefined) p--;
      return undefined;
    }
    const opIndex = p;
    p++;
    const w = peek();
    if (w.t !== 'word') unexpected();
    p++;
    const op = o.v as Redirect['op'];
    const defFd = op[0] === '<' && op !== '<>' ? 0 : op === '<>' ? 0 : 1;
    if (op === '<<' || op === '<<-') {
      const quoted = (w as { v: string }).v.startsWith("'");
      return { fd: fd ?? 0, op, target: heredocs.get(opIndex) ?? '', heredocExpand: !quoted };
    }
    return { fd: fd ?? defFd, op, target: (w as { v: string }).v };
  };

  const redirectList = (): Redirect[] => {
    const out: Redirect[] = [];
    for (;;) {
      const r = parseRedirect();
      if (!r) return out;
      out.push(r);
    }
  };

  const parseCommand = (): Command => {
    const t = peek();
    if (t.t === 'op' && t.v === '(') {
      p++;
      const body = compoundList([]);
      if (!isOp(')')) unexpected(')');
      p++;
      return { kind: 'subshell', body, redirects: redirectList() };
    }
    if (t.t === 'word') {
      switch (t.v) {
        case '{': {
          p++;
          const body = compoundList(['}']);
          expectWord('}');
          return { kind: 'group', body, redirects: redirectList() };
        }
        case 'if': {
          p++;
          const clauses: Array<{ cond: List; body: List }> = [];
          let orElse: List | undefined;
          for (;;) {
            const cond = compoundList(['then']);
            expectWord('then');
            const body = compoundList(['elif', 'else', 'fi']);
            clauses.push({ cond, body });
            if (isWord('elif')) {
              p++;
              continue;
            }
            if (isWord('else')) {
              p++;
              orElse = compoundList(['fi']);
            }
            expectWord('fi');
            break;
          }
          return { kind: 'if', clauses, orElse, redirects: redirectList() };
        }
        case 'while':
        case 'until': {
          p++;
          const cond = compoundList(['do']);
          expectWord('do');
          const body = compoundList(['done']);
          expectWord('done');
          return { kind: t.v, cond, body, redirects: redirectList() };
        }
        case 'for': {
          p++;
          const n = peek();
          if (n.t !== 'word' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n.v)) throw new ShellSyntaxError(n.line, `Syntax error: Bad for loop variable`);
          p++;
          skipNewlines();
          let items: string[] | undefined;
          if (isWord('in')) {
            p++;
            items = [];
            while (peek().t === 'word') items.push((tokens[p++] as { v: string }).v);
            if (isOp(';')) p++;
            else if (peek().t !== 'nl') unexpected('do');
          } else if (isOp(';')) p++;
          skipNewlines();
          expectWord('do');
          const body = compoundList(['done']);
          expectWord('done');
          return { kind: 'for', name: n.v, items, body, redirects: redirectList() };
        }
        case 'case': {
          p++;
          const w = peek();
          if (w.t !== 'word') unexpected();
          p++;
          skipNewlines();
          expectWord('in');
          skipNewlines();
          const items: Array<{ patterns: string[]; body: List }> = [];
          while (!isWord('esac')) {
            if (isOp('(')) p++;
            const patterns: string[] = [];
            for (;;) {
              const pt = peek();
              if (pt.t !== 'word') unexpected(')');
              patterns.push((pt as { v: string }).v);
              p++;
              if (isOp('|')) {
                p++;
                continue;
              }
              break;
            }
            if (!isOp(')')) unexpected(')');
            p++;
            const body = compoundList(['esac']);
            items.push({ patterns, body });
            if (isOp(';;')) {
              p++;
              skipNewlines();
            } else if (!isWord('esac')) unexpected('esac');
          }
          p++;
          return { kind: 'case', word: (w as { v: string }).v, items, redirects: redirectList() };
        }
        case 'then':
        case 'else':
        case 'elif':
        case 'fi':
        case 'do':
        case 'done':
        case 'esac':
        case '}':
        case 'in':
          unexpected();
      }
      // name() compound-command
      const next = tokens[p + 1];
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.v) && next?.t === 'op' && next.v === '(') {
        const close = tokens[p + 2];
        if (close?.t !== 'op' || close.v !== ')') {
          p += 2;
          unexpected(')');
        }
        p += 3;
        skipNewlines();
        return { kind: 'function', name: t.v, body: parseCommand() };
      }
    }
    // Simple command.
    const line = t.line;
    const assigns: string[] = [];
    const words: string[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      const r = parseRedirect();
      if (r) {
        redirects.push(r);
        continue;
      }
      const w = peek();
      if (w.t !== 'word') break;
      if (words.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.v)) assigns.push(w.v);
      else words.push(w.v);
      p++;
    }
    if (assigns.length === 0 && words.length === 0 && redirects.length === 0) unexpected();
    return { kind: 'simple', line, assigns, words, redirects };
  };

  const parsePipeline = (): Pipeline => {
    let bang = false;
    if (isWord('!')) {
      bang = true;
      p++;
    }
    const commands = [parseCommand()];
    while (isOp('|')) {
      p++;
      skipNewlines();
      commands.push(parseCommand());
    }
    return { bang, commands };
  };

  const parseAndOr = (): AndOr => {
    const first = parsePipeline();
    const rest: AndOr['rest'] = [];
    while (isOp('&&') || isOp('||')) {
      const op = (tokens[p++] as { v: string }).v as '&&' | '||';
      skipNewlines();
      rest.push({ op, pipeline: parsePipeline() });
    }
    return { first, rest };
  };

  const list = compoundList([]);
  if (peek().t !== 'eof') unexpected();
  return list;
}

export const reservedWords: ReadonlySet<string> = RESERVED;
