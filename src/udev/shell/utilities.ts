/**
 * The utilities both the shell's builtins and the /bin programs implement: echo (coreutils and
 * dash flavours, with their backslash escapes), printf(1) and test/[ (file tests through the
 * program context's sysfs and /dev). Everything works on byte strings.
 */
import type { ProgramContext, ProgramResult } from '../spawn.js';

const ok = (stdout = '', stderr = '', exitCode = 0): ProgramResult => ({ exitCode, stdout, stderr });

function isOct(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

const simpleEscapes: Readonly<Record<string, string>> = {
  '\\': '\\', // backslash
  a: '\x07', // bell
  b: '\b', // backspace
  e: '\x1b', // escape
  f: '\f', // form feed
  n: '\n', // newline
  r: '\r', // carriage return
  t: '\t', // tab
  v: '\v', // vertical tab
};

/**
 * Backslash escapes of coreutils `echo -e` (and printf's %b): \0NNN and \NNN octal, \xH[H],
 * \c stops all output. `dash` selects dash's echo, where only \0NNN is octal.
 */
export function echoEscapes(s: string, dash: boolean): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const e = s[++i]!;
    if (simpleEscapes[e] !== undefined) {
      out += simpleEscapes[e];
      continue;
    }
    if (e === 'c') return { text: out, stop: true };
    if (isOct(e)) {
      let v = e === '0' ? 0 : e.charCodeAt(0) - 48;
      let digits = e === '0' ? 0 : 1;
      while (digits < 3 && isOct(s[i + 1])) {
        v = v * 8 + (s.charCodeAt(++i) - 48);
        digits++;
      }
      out += String.fromCharCode(v & 0xff);
      continue;
    }
    if (e === 'x' && !dash && isHex(s[i + 1])) {
      let v = Number.parseInt(s[++i]!, 16);
      if (isHex(s[i + 1])) v = v * 16 + Number.parseInt(s[++i]!, 16);
      out += String.fromCharCode(v);
      continue;
    }
    out += '\\' + e;
  }
  return { text: out, stop: false };
}

/** coreutils echo: leading option words made only of n/e/E are options. */
export function coreutilsEcho(args: readonly string[]): string {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a.length < 2 || a[0] !== '-' || ![...a.slice(1)].every((c) => c === 'n' || c === 'e' || c === 'E')) break;
    for (const c of a.slice(1)) {
      if (c === 'n') newline = false;
      else if (c === 'e') escapes = true;
      else escapes = false;
    }
  }
  let out = '';
  for (let k = i; k < args.length; k++) {
    let word = args[k]!;
    if (escapes) {
      const r = echoEscapes(word, false);
      word = r.text;
      if (r.stop) return out + (k > i ? ' ' : '') + word;
    }
    out += (k > i ? ' ' : '') + word;
  }
  return newline ? out + '\n' : out;
}

/** dash's builtin echo: only -n, escapes always interpreted. */
export function dashEcho(args: readonly string[]): string {
  let newline = true;
  let i = 0;
  if (args[0] === '-n') {
    newline = false;
    i = 1;
  }
  let out = '';
  for (let k = i; k < args.length; k++) {
    const r = echoEscapes(args[k]!, true);
    out += (k > i ? ' ' : '') + r.text;
    if (r.stop) return out;
  }
  return newline ? out + '\n' : out;
}

/** printf's escapes in the format (octal \NNN, \xHH, \c stops). */
function printfEscape(s: string, i: number): { text: string; next: number; stop: boolean } {
  const e = s[i + 1];
  if (e === undefined) return { text: '\\', next: i + 1, stop: false };
  if (isOct(e)) {
    let v = 0;
    let k = i + 1;
    for (let n = 0; n < 3 && isOct(s[k]); n++, k++) v = v * 8 + (s.charCodeAt(k) - 48);
    return { text: String.fromCharCode(v & 0xff), next: k, stop: false };
  }
  if (e === 'x' && isHex(s[i + 2])) {
    let v = Number.parseInt(s[i + 2]!, 16);
    let k = i + 3;
    if (isHex(s[k])) v = v * 16 + Number.parseInt(s[k++]!, 16);
    return { text: String.fromCharCode(v), next: k, stop: false };
  }
  if (e === 'c') return { text: '', next: i + 2, stop: true };
  if (e === '"') return { text: '"', next: i + 2, stop: false };
  if (simpleEscapes[e] !== undefined) return { text: simpleEscapes[e]!, next: i + 2, stop: false };
  return { text: '\\' + e, next: i + 2, stop: false };
}

function toInteger(arg: string | undefined): number {
  if (arg === undefined || arg.length === 0) return 0;
  if (arg[0] === "'" || arg[0] === '"') return arg.charCodeAt(1) || 0;
  const n = Number(arg.trim());
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** printf(1): the format is reused while arguments remain. */
export function printfFormat(args: readonly string[]): { out: string; status: number } {
  if (args.length === 0) return { out: '', status: 1 };
  const fmt = args[0]!;
  const rest = args.slice(1);
  let out = '';
  let argi = 0;
  do {
    const start = argi;
    for (let i = 0; i < fmt.length;) {
      const c = fmt[i]!;
      if (c === '\\') {
        const r = printfEscape(fmt, i);
        out += r.text;
        if (r.stop) return { out, status: 0 };
        i = r.next;
        continue;
      }
      if (c !== '%') {
        out += c;
        i++;
        continue;
      }
      if (fmt[i + 1] === '%') {
        out += '%';
        i += 2;
        continue;
      }
      let j = i + 1;
      let flags = '';
      while (j < fmt.length && '-+ #0'.includes(fmt[j]!)) flags += fmt[j++];
      let width = '';
      while (j < fmt.length && fmt[j]! >= '0' && fmt[j]! <= '9') width += fmt[j++];
      let precision: string | undefined;
      if (fmt[j] === '.') {
        precision = '';
        j++;
        while (j < fmt.length && fmt[j]! >= '0' && fmt[j]! <= '9') precision += fmt[j++];
      }
      const conv = fmt[j];
      j++;
      const arg = rest[argi];
      if (conv !== undefined && 'sbcdiuoxXfFeEgG'.includes(conv)) argi++;
      let s: string;
      switch (conv) {
        case 's':
          s = arg ?? '';
          if (precision !== undefined) s = s.slice(0, Number(precision || '0'));
          break;
        case 'b': {
          const r = echoEscapes(arg ?? '', false);
          s = r.text;
          break;
        }
        case 'c':
          s = (arg ?? '').slice(0, 1);
          break;
        case 'd':
        case 'i':
          s = String(toInteger(arg));
          break;
        case 'u':
          s = String(toInteger(arg) >>> 0);
          break;
        case 'o':
          s = (toInteger(arg) >>> 0).toString(8);
          break;
        case 'x':
          s = (toInteger(arg) >>> 0).toString(16);
          break;
        case 'X':
          s = (toInteger(arg) >>> 0).toString(16).toUpperCase();
          break;
        case 'f':
        case 'F':
        case 'e':
        case 'E':
        case 'g':
        case 'G': {
          const v = arg === undefined || arg.length === 0 ? 0 : Number(arg);
          const prec = precision === undefined ? 6 : Number(precision || '0');
          const lower = conv.toLowerCase();
          if (lower === 'f') s = v.toFixed(prec);
          else if (lower === 'e') s = v.toExponential(prec).replace(/e([+-])(\d)$/, 'e$10$2');
          else {
            // %g: the shorter of %e and %f with trailing zeros removed (C99 7.19.6.1).
            const pg = prec === 0 ? 1 : prec;
            const exp = v === 0 ? 0 : Math.floor(Math.log10(Math.abs(v)));
            s =
              exp < -4 || exp >= pg
                ? v
                    .toExponential(pg - 1)
                    .replace(/\.?0+e/, 'e')
                    .replace(/e([+-])(\d)$/, 'e$10$2')
                : v.toFixed(Math.max(0, pg - 1 - exp)).replace(/\.?0+$/, '');
          }
          if (conv !== lower) s = s.toUpperCase();
          if (flags.includes('+') && v >= 0) s = '+' + s;
          break;
        }
        default:
          s = fmt.slice(i, j);
      }
      const w = Number(width || '0');
      if (s.length < w) {
        if (flags.includes('-')) s = s.padEnd(w);
        else if (flags.includes('0') && conv !== 's' && conv !== 'c' && conv !== 'b')
          s = s[0] === '-' || s[0] === '+' ? s[0] + s.slice(1).padStart(w - 1, '0') : s.padStart(w, '0');
        else s = s.padStart(w);
      }
      out += s;
      i = j;
    }
    if (argi === start) break;
  } while (argi < rest.length);
  return { out, status: 0 };
}

// ------------------------------------------------------------------ test

type StatFn = (path: string) => { type: string; mode: number } | undefined;

function fileStat(ctx: ProgramContext, path: string): ReturnType<StatFn> {
  if (path.startsWith('/dev/') && ctx.devfs) {
    const e = ctx.devfs.lstat(path);
    if (!e) return undefined;
    if (e.type === 'link') return { type: 'link', mode: 0o777 };
    if (e.type === 'dir') return { type: 'dir', mode: 0o755 };
    return { type: e.type, mode: e.mode };
  }
  const st = ctx.fs.stat(path);
  return st ? { type: st.type, mode: st.mode } : undefined;
}

/** test EXPRESSION / [ EXPRESSION ]: status 0 true, 1 false, 2 error. */
export function testCommand(ctx: ProgramContext): ProgramResult {
  let args = ctx.argv.slice(1);
  if (ctx.argv[0]!.endsWith('/[')) {
    if (args[args.length - 1] !== ']') return ok('', "[: missing ']'\n", 2);
    args = args.slice(0, -1);
  }
  let negate = false;
  while (args[0] === '!' && args.length > 1) {
    negate = !negate;
    args = args.slice(1);
  }
  let result: boolean;
  if (args.length === 0) result = false;
  else if (args.length === 1) result = args[0]!.length > 0;
  else if (args.length === 2) {
    const [op, arg] = args as [string, string];
    const st = fileStat(ctx, arg);
    switch (op) {
      case '-n':
        result = arg.length > 0;
        break;
      case '-z':
        result = arg.length === 0;
        break;
      case '-e':
        result = st !== undefined;
        break;
      case '-f':
        result = st?.type === 'file';
        break;
      case '-d':
        result = st?.type === 'dir';
        break;
      case '-b':
        result = st?.type === 'block';
        break;
      case '-c':
        result = st?.type === 'char';
        break;
      case '-L':
      case '-h':
        result = (arg.startsWith('/dev/') && ctx.devfs ? ctx.devfs.lstat(arg)?.type : ctx.fs.lstat(arg)?.type) === 'link';
        break;
      case '-r':
      case '-w':
      case '-x':
        result = st !== undefined;
        break;
      case '-s':
        result =
          st !== undefined && st.type !== 'file'
            ? true
            : (() => {
                const d = ctx.fs.readFile(arg);
                return typeof d === 'string' && d.length > 0;
              })();
        break;
      default:
        return ok('', `test: ${op}: unary operator expected\n`, 2);
    }
  } else if (args.length === 3) {
    const [a, op, b] = args as [string, string, string];
    const na = Number(a);
    const nb = Number(b);
    switch (op) {
      case '=':
      case '==':
        result = a === b;
        break;
      case '!=':
        result = a !== b;
        break;
      case '-eq':
        result = na === nb;
        break;
      case '-ne':
        result = na !== nb;
        break;
      case '-lt':
        result = na < nb;
        break;
      case '-le':
        result = na <= nb;
        break;
      case '-gt':
        result = na > nb;
        break;
      case '-ge':
        result = na >= nb;
        break;
      default:
        return ok('', `test: ${op}: binary operator expected\n`, 2);
    }
  } else return ok('', 'test: too many arguments\n', 2);
  return ok('', '', result !== negate ? 0 : 1);
}
