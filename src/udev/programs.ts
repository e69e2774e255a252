/**
 * The real commands udev rules commonly run, interpreted instead of executed: coreutils
 * `echo` (-n, -e, -E), `printf`, `true`, `false`, `cat`, `test`/`[`, a line-oriented `grep`
 * and `sed s///`, and a small POSIX `sh -c` (dash) with command lists, pipelines, quoting,
 * $VAR expansion, `echo`/`printf` builtins and `>`/`>>` redirections into sysfs (written as
 * root through the SysfsSource). Everything works on byte strings; registered under both /bin
 * and /usr/bin, as on a merged-/usr Debian system.
 */
import { ProgramRegistry, type ProgramContext, type ProgramResult } from './spawn.js';

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
    if (e === '0' || (!dash && isOct(e))) {
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
function dashEcho(args: readonly string[]): string {
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
function printf(args: readonly string[]): { out: string; status: number } {
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
      if (conv !== undefined && 'sbcdiuoxX'.includes(conv)) argi++;
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
        default:
          s = fmt.slice(i, j);
      }
      const w = Number(width || '0');
      if (s.length < w) s = flags.includes('-') ? s.padEnd(w) : s.padStart(w, flags.includes('0') && conv !== 's' ? '0' : ' ');
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
      else return ok('', `grep: invalid option -- '${f}'\n`, 2);
    }
  }
  const pattern = args[i];
  if (pattern === undefined) return ok('', 'Usage: grep [OPTION]... PATTERNS [FILE]...\n', 2);
  const re = fixed ? undefined : posixRegex(pattern, extended, icase ? 'i' : '');
  if (!fixed && !re) return ok('', 'grep: Unmatched [, [^, [:, [., or [=\n', 2);
  const input = readInputs(ctx, args.slice(i + 1));
  let out = '';
  let any = false;
  for (const line of splitLines(input.text)) {
    const hit = fixed ? (icase ? line.toLowerCase().includes(pattern.toLowerCase()) : line.includes(pattern)) : re!.test(line);
    if (hit !== invert) {
      any = true;
      if (!quiet) out += line + '\n';
    }
  }
  return ok(out, input.err, input.err ? 2 : any ? 0 : 1);
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
      const js = repl
        .replace(/\$/g, '$$$$')
        .replace(/\\(\d)/g, '$$$1')
        .replace(/(^|[^\\])&/g, '$1$$&')
        .replace(/\\&/g, '&');
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
function test(ctx: ProgramContext): ProgramResult {
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

// ------------------------------------------------------------------ sh -c

interface Redirect {
  readonly fd: number;
  readonly append: boolean;
  readonly target: string;
}

interface SimpleCommand {
  readonly words: string[];
  readonly redirects: Redirect[];
}

type ListOp = ';' | '&&' | '||';

/** One pipeline and the operator that follows it. */
interface PipelineItem {
  readonly commands: SimpleCommand[];
  readonly op: ListOp;
}

/** Tokenize and expand a script into pipelines joined by ; && ||. */
function parseScript(script: string, env: ReadonlyMap<string, string>, positional: readonly string[]): PipelineItem[] | string {
  const out: PipelineItem[] = [];
  let pipeline: SimpleCommand[] = [];
  let words: string[] = [];
  let redirects: Redirect[] = [];
  let word: string | undefined;
  let pendingRedirect: { fd: number; append: boolean } | undefined;
  const lookup = (name: string): string => {
    if (name.length === 1 && name >= '0' && name <= '9') return positional[Number(name)] ?? '';
    return env.get(name) ?? '';
  };
  const endWord = (): void => {
    if (word === undefined) return;
    if (pendingRedirect) {
      redirects.push({ ...pendingRedirect, target: word });
      pendingRedirect = undefined;
    } else words.push(word);
    word = undefined;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0 || redirects.length > 0) pipeline.push({ words, redirects });
    words = [];
    redirects = [];
  };
  const endPipeline = (op: ListOp): void => {
    endCommand();
    if (pipeline.length > 0) out.push({ commands: pipeline, op });
    pipeline = [];
  };
  const isNameChar = (c: string | undefined, first: boolean): boolean =>
    c !== undefined && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_' || (!first && c >= '0' && c <= '9'));
  const expandVar = (s: string, i: number): { text: string; next: number } => {
    if (s[i + 1] === '{') {
      const end = s.indexOf('}', i + 2);
      if (end < 0) return { text: '$', next: i + 1 };
      return { text: lookup(s.slice(i + 2, end)), next: end + 1 };
    }
    const d = s[i + 1];
    if (d !== undefined && d >= '0' && d <= '9') return { text: lookup(d), next: i + 2 };
    let j = i + 1;
    if (!isNameChar(s[j], true)) return { text: '$', next: i + 1 };
    while (isNameChar(s[j], false)) j++;
    return { text: lookup(s.slice(i + 1, j)), next: j };
  };
  for (let i = 0; i < script.length;) {
    const c = script[i]!;
    if (c === ' ' || c === '\t') {
      endWord();
      i++;
      continue;
    }
    if (c === '\n' || c === ';') {
      endPipeline(';');
      i++;
      continue;
    }
    if (c === '&' && script[i + 1] === '&') {
      endPipeline('&&');
      i += 2;
      continue;
    }
    if (c === '|' && script[i + 1] === '|') {
      endPipeline('||');
      i += 2;
      continue;
    }
    if (c === '|') {
      endCommand();
      i++;
      continue;
    }
    if (c === '&' || c === '<' || c === '(' || c === ')' || c === '`') return `Syntax error: "${c}" unexpected`;
    if (c === '#' && word === undefined) {
      while (i < script.length && script[i] !== '\n') i++;
      continue;
    }
    if (c === '>' || ((c === '1' || c === '2') && script[i + 1] === '>' && word === undefined)) {
      endWord();
      let fd = 1;
      if (c !== '>') {
        fd = Number(c);
        i++;
      }
      i++;
      let append = false;
      if (script[i] === '>') {
        append = true;
        i++;
      }
      if (script[i] === '&') {
        // N>&M: duplicating descriptors changes nothing observable here.
        i++;
        while (i < script.length && script[i]! >= '0' && script[i]! <= '9') i++;
        continue;
      }
      pendingRedirect = { fd, append };
      continue;
    }
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) return 'Syntax error: Unterminated quoted string';
      word = (word ?? '') + script.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= script.length) return 'Syntax error: Unterminated quoted string';
        const d = script[j]!;
        if (d === '"') break;
        if (d === '\\' && j + 1 < script.length && '$`"\\\n'.includes(script[j + 1]!)) {
          text += script[j + 1];
          j += 2;
          continue;
        }
        if (d === '$') {
          const v = expandVar(script, j);
          text += v.text;
          j = v.next;
          continue;
        }
        text += d;
        j++;
      }
      word = (word ?? '') + text;
      i = j + 1;
      continue;
    }
    if (c === '\\') {
      if (i + 1 < script.length) word = (word ?? '') + (script[i + 1] === '\n' ? '' : script[i + 1]);
      i += 2;
      continue;
    }
    if (c === '$') {
      const v = expandVar(script, i);
      // Unquoted expansion is split into fields at whitespace.
      const fields = v.text.split(/[ \t\n]+/);
      for (let k = 0; k < fields.length; k++) {
        if (k > 0) endWord();
        if (fields[k]!.length > 0 || k === 0) word = (word ?? '') + fields[k];
      }
      if (v.text.length === 0 && word === '') word = undefined;
      i = v.next;
      continue;
    }
    word = (word ?? '') + c;
    i++;
  }
  endPipeline(';');
  return out;
}

function shellResolve(path: string): string {
  return path.startsWith('/') ? path : '/' + path;
}

/** Run one simple command of a pipeline with `stdin`; returns its output and status. */
function runSimple(ctx: ProgramContext, cmd: SimpleCommand, stdin: string): { out: string; err: string; code: number; exit?: number } {
  const [name, ...rest] = cmd.words;
  let out = '';
  let err = '';
  let code = 0;
  let exit: number | undefined;
  switch (name) {
    case undefined:
      break;
    case 'echo':
      out = dashEcho(rest);
      break;
    case 'printf': {
      const r = printf(rest);
      out = r.out;
      code = r.status;
      break;
    }
    case 'true':
    case ':':
      break;
    case 'false':
      code = 1;
      break;
    case 'exit':
      exit = rest[0] === undefined ? 0 : Number(rest[0]) & 0xff;
      break;
    default: {
      const path = name.includes('/') ? name : ['/usr/bin/', '/bin/', '/usr/sbin/', '/sbin/'].map((d) => d + name).find((p) => ctx.has(p));
      if (path === undefined) {
        err = `sh: 1: ${name}: not found\n`;
        code = 127;
        break;
      }
      const r = ctx.exec([path, ...rest], stdin);
      out = r.stdout;
      err = r.stderr;
      code = r.exitCode;
    }
  }
  for (const rd of cmd.redirects) {
    const target = shellResolve(rd.target);
    if (target === '/dev/null') {
      if (rd.fd === 1) out = '';
      else err = '';
      continue;
    }
    let bytes = rd.fd === 1 ? out : err;
    if (rd.append) {
      const old = ctx.fs.readFile(target);
      if (typeof old === 'string') bytes = old + bytes;
    }
    const e = ctx.fs.writeFile(target, bytes);
    if (e !== undefined) {
      const why = e === 'ENOENT' ? 'Directory nonexistent' : e === 'EACCES' || e === 'EPERM' ? 'Permission denied' : e;
      return { out: '', err: err + `sh: 1: cannot create ${rd.target}: ${why}\n`, code: 2 };
    }
    if (rd.fd === 1) out = '';
    else err = '';
  }
  return exit === undefined ? { out, err, code } : { out, err, code, exit };
}

/** dash running `sh -c SCRIPT [NAME ARGS…]`. */
function sh(ctx: ProgramContext): ProgramResult {
  const args = ctx.argv.slice(1);
  if (args[0] !== '-c' || args.length < 2) return ok('', 'sh: only "sh -c SCRIPT" is supported\n', 2);
  const list = parseScript(args[1]!, ctx.env, [args[2] ?? 'sh', ...args.slice(3)]);
  if (typeof list === 'string') return ok('', `sh: 1: ${list}\n`, 2);
  let stdout = '';
  let stderr = '';
  let status = 0;
  for (let idx = 0; idx < list.length; idx++) {
    if (idx > 0) {
      const prev = list[idx - 1]!.op;
      if ((prev === '&&' && status !== 0) || (prev === '||' && status === 0)) continue;
    }
    let input = '';
    for (const cmd of list[idx]!.commands) {
      const r = runSimple(ctx, cmd, input);
      stderr += r.err;
      status = r.code;
      input = r.out;
      if (r.exit !== undefined) return ok(stdout + r.out, stderr, r.exit);
    }
    stdout += input;
  }
  return ok(stdout, stderr, status);
}

/** The default programs, registered for /bin and /usr/bin. */
const registry = new ProgramRegistry();
for (const dir of ['/bin/', '/usr/bin/']) {
  registry.register(dir + 'echo', (ctx) => ok(coreutilsEcho(ctx.argv.slice(1))));
  registry.register(dir + 'printf', (ctx) => {
    const r = printf(ctx.argv.slice(1));
    return ok(r.out, r.status ? 'printf: missing operand\n' : '', r.status);
  });
  registry.register(dir + 'true', () => ok());
  registry.register(dir + 'false', () => ok('', '', 1));
  registry.register(dir + 'sh', sh);
  registry.register(dir + 'dash', sh);
  registry.register(dir + 'cat', cat);
  registry.register(dir + 'grep', grep);
  registry.register(dir + 'sed', sed);
  registry.register(dir + 'test', test);
  registry.register(dir + '[', test);
}

/** A fresh registry with the interpreted commands; hosts add their own programs to it. */
export function defaultPrograms(): ProgramRegistry {
  return registry.clone();
}
