/**
 * The real commands udev rules commonly run, interpreted instead of executed: coreutils
 * `echo` (-n, -e, -E), `printf`, `true`, `false`, `cat`, `test`/`[`, a line-oriented `grep`
 * and `sed s///`; `sh`/`dash` is the POSIX shell of shell/, which also adds cut, tr, head,
 * tail, basename, dirname, readlink and wc. Everything works on byte strings; registered under both /bin
 * and /usr/bin, as on a merged-/usr Debian system.
 */
import { ProgramRegistry, type ProgramContext, type ProgramResult } from './spawn.js';
import { registerCoreutils, shProgram } from './shell/index.js';
import { registerHelpers } from './helpers/index.js';

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
function echoEscapes(s: string, dash: boolean): { text: string; stop: boolean } {
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
function coreutilsEcho(args: readonly string[]): string {
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
    for (let i = 0; i < fmt.length; ) {
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
            s = exp < -4 || exp >= pg ? v.toExponential(pg - 1).replace(/\.?0+e/, 'e').replace(/e([+-])(\d)$/, 'e$10$2') : v.toFixed(Math.max(0, pg - 1 - exp)).replace(/\.?0+$/, '');
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
        else if (flags.includes('0') && conv !== 's' && conv !== 'c' && conv !== 'b') s = s[0] === '-' || s[0] === '+' ? s[0] + s.slice(1).padStart(w - 1, '0') : s.padStart(w, '0');
        else s = s.padStart(w);
      }
      out += s;
      i = j;
    }
    if (argi === start) break;
  } while (argi < rest.length);
  return { out, status: 0 };
}

// ------------------------------------------------------------------ regular expressions

/** A POSIX basic (or with `extended`, extended) regular expression as a JS RegExp. */
function posixRegex(re: string, extended: boolean, flags = ''): RegExp | undefined {
  let out = '';
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!;
    if (c === '[') {
      const end = re.indexOf(']', i + (re[i + 1] === '^' ? 3 : 2));
      if (end < 0) return undefined;
      out += re.slice(i, end + 1).replace(/\\/g, '\\\\');
      i = end;
      continue;
    }
    if (c === '\\' && i + 1 < re.length) {
      const d = re[++i]!;
      if (!extended && '(){}|+?'.includes(d)) out += d;
      else if (d >= '1' && d <= '9') out += '\\' + d;
      else out += '\\' + d;
      continue;
    }
    if (!extended && '(){}|+?'.includes(c)) out += '\\' + c;
    else if ('/'.includes(c)) out += '\\/';
    else out += c;
  }
  try {
    return new RegExp(out, flags);
  } catch {
    return undefined;
  }
}

function splitLines(s: string): string[] {
  if (s.length === 0) return [];
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function readInputs(ctx: ProgramContext, files: readonly string[]): { text: string; err: string } {
  if (files.length === 0) return { text: ctx.stdin, err: '' };
  let text = '';
  let err = '';
  for (const f of files) {
    const data = ctx.fs.readFile(f.startsWith('/') ? f : '/' + f);
    if (typeof data === 'string') text += data;
    else err += `${f}: No such file or directory\n`;
  }
  return { text, err };
}

/** grep [-qvisFE] PATTERN [FILE…]: status 0 when a line was selected, 1 when none, 2 on errors. */
function grep(ctx: ProgramContext): ProgramResult {
  const args = ctx.argv.slice(1);
  let quiet = false;
  let invert = false;
  let icase = false;
  let fixed = false;
  let extended = false;
  let count = false;
  let whole = false;
  let words = false;
  let only = false;
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('-') && args[i]!.length > 1; i++) {
    if (args[i] === '--') {
      i++;
      break;
    }
    for (const f of args[i]!.slice(1)) {
      if (f === 'q' || f === 's') quiet ||= f === 'q';
      else if (f === 'v') invert = true;
      else if (f === 'i') icase = true;
      else if (f === 'F') fixed = true;
      else if (f === 'E') extended = true;
      else if (f === 'c') count = true;
      else if (f === 'x') whole = true;
      else if (f === 'w') words = true;
      else if (f === 'o') only = true;
      else if (f === 'h' || f === 'H') continue;
      else return ok('', `grep: invalid option -- '${f}'\n`, 2);
    }
  }
  const pattern = args[i];
  if (pattern === undefined) return ok('', 'Usage: grep [OPTION]... PATTERNS [FILE]...\n', 2);
  const base = fixed ? pattern.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&') : posixRegex(pattern, extended)?.source;
  if (base === undefined) return ok('', 'grep: Unmatched [, [^, [:, [., or [=\n', 2);
  const src = whole ? `^(?:${base})$` : words ? `(?<![A-Za-z0-9_])(?:${base})(?![A-Za-z0-9_])` : base;
  const re = new RegExp(src, (icase ? 'i' : '') + 'g');
  const input = readInputs(ctx, args.slice(i + 1));
  let out = '';
  let n = 0;
  for (const line of splitLines(input.text)) {
    re.lastIndex = 0;
    const hit = re.test(line);
    if (hit !== invert) {
      n++;
      if (quiet || count) continue;
      if (only && !invert) {
        re.lastIndex = 0;
        for (const m of line.matchAll(re)) if (m[0].length > 0) out += m[0] + '\n';
      } else out += line + '\n';
    }
  }
  if (count && !quiet) out = `${n}\n`;
  return ok(out, input.err, input.err ? 2 : n > 0 ? 0 : 1);
}

/** sed [-n] [-e] 's/RE/REPL/[g]' [FILE…] (substitution commands only). */
function sed(ctx: ProgramContext): ProgramResult {
  const args = ctx.argv.slice(1);
  const scripts: string[] = [];
  const files: string[] = [];
  let quiet = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n') quiet = true;
    else if (a === '-e') scripts.push(args[++i] ?? '');
    else if (scripts.length === 0 && !a.startsWith('-')) scripts.push(a);
    else files.push(a);
  }
  const cmds: Array<{ re: RegExp; repl: string; print: boolean }> = [];
  for (const script of scripts) {
    for (const part of script.split(/;|\n/)) {
      const cmd = part.trim();
      if (cmd.length === 0) continue;
      if (cmd[0] !== 's' || cmd.length < 2) return ok('', `sed: -e expression #1, char 1: unknown command: \`${cmd[0]}'\n`, 1);
      const d = cmd[1]!;
      const fields: string[] = [];
      let cur = '';
      for (let k = 2; k < cmd.length; k++) {
        if (cmd[k] === '\\' && cmd[k + 1] === d) {
          cur += d;
          k++;
        } else if (cmd[k] === d) {
          fields.push(cur);
          cur = '';
        } else cur += cmd[k];
      }
      fields.push(cur);
      if (fields.length < 3) return ok('', "sed: -e expression #1, char 1: unterminated `s' command\n", 1);
      const [re, repl, fl] = fields as [string, string, string];
      const rx = posixRegex(re, false, fl.includes('g') ? 'g' : '');
      if (!rx) return ok('', 'sed: -e expression #1: invalid regular expression\n', 1);
      const js = repl.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1').replace(/(^|[^\\])&/g, '$1$$&').replace(/\\&/g, '&');
      cmds.push({ re: rx, repl: js, print: fl.includes('p') });
    }
  }
  const input = readInputs(ctx, files);
  let out = '';
  for (let line of splitLines(input.text)) {
    let printed = '';
    for (const c of cmds) {
      const before = line;
      line = line.replace(c.re, c.repl);
      if (c.print && line !== before) printed += line + '\n';
    }
    if (!quiet) out += line + '\n';
    out += printed;
  }
  return ok(out, input.err, input.err ? 2 : 0);
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
        result = st !== undefined && st.type !== 'file' ? true : (() => {
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

/** cat(1): the files' contents (stdin without files), read as root. */
function cat(ctx: ProgramContext): ProgramResult {
  const files = ctx.argv.slice(1);
  if (files.length === 0) return ok(ctx.stdin);
  let out = '';
  let err = '';
  let code = 0;
  for (const f of files) {
    const data = ctx.fs.readFile(f.startsWith('/') ? f : '/' + f);
    if (typeof data === 'string') out += data;
    else {
      err += `cat: ${f}: ${data.errno === 'ENOENT' ? 'No such file or directory' : data.errno === 'EISDIR' ? 'Is a directory' : 'Permission denied'}\n`;
      code = 1;
    }
  }
  return ok(out, err, code);
}

/** The default programs, registered for /bin and /usr/bin. */
const registry = new ProgramRegistry();
for (const dir of ['/bin/', '/usr/bin/']) {
  registry.register(dir + 'echo', (ctx) => ok(coreutilsEcho(ctx.argv.slice(1))));
  registry.register(dir + 'printf', (ctx) => {
    const r = printfFormat(ctx.argv.slice(1));
    return ok(r.out, r.status ? 'printf: missing operand\n' : '', r.status);
  });
  registry.register(dir + 'true', () => ok());
  registry.register(dir + 'false', () => ok('', '', 1));
  registry.register(dir + 'sh', shProgram);
  registry.register(dir + 'dash', shProgram);
  registerCoreutils(registry, dir);
  registry.register(dir + 'cat', cat);
  registry.register(dir + 'grep', grep);
  registry.register(dir + 'sed', sed);
  registry.register(dir + 'test', testCommand);
  registry.register(dir + '[', testCommand);
}

registerHelpers(registry);

/** A fresh registry with the interpreted commands; hosts add their own programs to it. */
export function defaultPrograms(): ProgramRegistry {
  return registry.clone();
}
