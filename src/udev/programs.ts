/**
 * The real commands udev rules commonly run, interpreted instead of executed: coreutils
 * `echo` (-n, -e, -E) and `printf`, `true`, `false`, and a small POSIX `sh -c` (dash) that
 * handles command lists, quoting, $VAR expansion, `echo`/`printf` builtins and `>`/`>>`
 * redirections into sysfs (written as root through the SysfsSource). Registered under both
 * /bin and /usr/bin, as on a merged-/usr Debian system.
 */
import { bytesToText, textToBytes } from './bytes.js';
import { type ProgramContext, ProgramRegistry, type ProgramResult } from './spawn.js';

const ok = (stdout = '', stderr = '', exitCode = 0): ProgramResult => ({ exitCode, stdout, stderr });

/** Backslash escapes shared by `echo -e`, dash's echo and printf's %b (echo-style octal \0NNN). */
function echoEscapes(s: string): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const e = s[++i]!;
    switch (e) {
      case '\\':
        out += '\\';
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'c':
        return { text: out, stop: true };
      case 'e':
        out += '\x1b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '0': {
        let v = 0;
        let k = 0;
        while (k < 3 && i + 1 < s.length && s[i + 1]! >= '0' && s[i + 1]! <= '7') {
          v = v * 8 + (s.charCodeAt(++i) - 48);
          k++;
        }
        out += String.fromCharCode(v & 0xff);
        break;
      }
      case 'x': {
        let v = 0;
        let k = 0;
        while (k < 2 && i + 1 < s.length && /[0-9a-fA-F]/.test(s[i + 1]!)) {
          v = v * 16 + Number.parseInt(s[++i]!, 16);
          k++;
        }
        if (k === 0) out += '\\x';
        else out += String.fromCharCode(v);
        break;
      }
      default:
        out += '\\' + e;
    }
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
      const r = echoEscapes(word);
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
    const r = echoEscapes(args[k]!);
    out += (k > i ? ' ' : '') + r.text;
    if (r.stop) return out;
  }
  return newline ? out + '\n' : out;
}

/** printf's escapes in the format (octal \NNN without a leading 0, \xHH, \uHHHH). */
function printfEscape(s: string, i: number): { text: string; next: number; stop: boolean } {
  const e = s[i + 1];
  if (e === undefined) return { text: '\\', next: i + 1, stop: false };
  if (e >= '0' && e <= '7') {
    let v = 0;
    let k = i + 1;
    let n = 0;
    while (n < 3 && k < s.length && s[k]! >= '0' && s[k]! <= '7') {
      v = v * 8 + (s.charCodeAt(k) - 48);
      k++;
      n++;
    }
    return { text: String.fromCharCode(v & 0xff), next: k, stop: false };
  }
  if (e === 'x') {
    let v = 0;
    let k = i + 2;
    let n = 0;
    while (n < 2 && k < s.length && /[0-9a-fA-F]/.test(s[k]!)) {
      v = v * 16 + Number.parseInt(s[k]!, 16);
      k++;
      n++;
    }
    if (n === 0) return { text: '\\x', next: i + 2, stop: false };
    return { text: String.fromCharCode(v), next: k, stop: false };
  }
  if (e === 'c') return { text: '', next: i + 2, stop: true };
  const simple: Record<string, string> = { '\\': '\\', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '"': '"' };
  if (simple[e] !== undefined) return { text: simple[e]!, next: i + 2, stop: false };
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
      if (conv !== undefined && 'sbcdiuoxX'.includes(conv)) argi++;
      let s: string;
      switch (conv) {
        case 's':
          s = arg ?? '';
          if (precision !== undefined) s = s.slice(0, Number(precision || '0'));
          break;
        case 'b': {
          const r = echoEscapes(arg ?? '');
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

/** Tokenize and expand one shell script into simple commands joined by ; && ||. */
function parseScript(
  script: string,
  env: ReadonlyMap<string, string>,
  positional: readonly string[],
): Array<{ cmd: SimpleCommand; op: ListOp }> | string {
  const out: Array<{ cmd: SimpleCommand; op: ListOp }> = [];
  let words: string[] = [];
  let redirects: Redirect[] = [];
  let word: string | undefined;
  let pendingRedirect: { fd: number; append: boolean } | undefined;
  const lookup = (name: string): string => {
    if (/^[0-9]$/.test(name)) return positional[Number(name)] ?? '';
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
  const endCommand = (op: ListOp): void => {
    endWord();
    if (words.length > 0 || redirects.length > 0) out.push({ cmd: { words, redirects }, op });
    words = [];
    redirects = [];
  };
  const expandVar = (s: string, i: number): { text: string; next: number } => {
    if (s[i + 1] === '{') {
      const end = s.indexOf('}', i + 2);
      if (end < 0) return { text: '$', next: i + 1 };
      return { text: lookup(s.slice(i + 2, end)), next: end + 1 };
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9])/.exec(s.slice(i + 1));
    if (!m) return { text: '$', next: i + 1 };
    return { text: lookup(m[1]!), next: i + 1 + m[1]!.length };
  };
  for (let i = 0; i < script.length; ) {
    const c = script[i]!;
    if (c === ' ' || c === '\t') {
      endWord();
      i++;
      continue;
    }
    if (c === '\n' || c === ';') {
      endCommand(';');
      i++;
      continue;
    }
    if (c === '&' && script[i + 1] === '&') {
      endCommand('&&');
      i += 2;
      continue;
    }
    if (c === '|' && script[i + 1] === '|') {
      endCommand('||');
      i += 2;
      continue;
    }
    if (c === '|' || c === '&' || c === '<' || c === '(' || c === ')' || c === '`') return `unsupported shell syntax '${c}'`;
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
        // N>&M: only stdout/stderr swapping, which changes nothing we observe.
        i++;
        while (i < script.length && /[0-9]/.test(script[i]!)) i++;
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
      // Unquoted expansion is field-split on whitespace.
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
  endCommand(';');
  return out;
}

function shellResolve(path: string): string {
  return path.startsWith('/') ? path : '/' + path;
}

/** dash running `sh -c SCRIPT [NAME ARGS…]`. */
function sh(ctx: ProgramContext): ProgramResult {
  const args = ctx.argv.slice(1);
  if (args[0] !== '-c' || args.length < 2) return ok('', 'sh: only "sh -c SCRIPT" is supported\n', 2);
  const script = args[1]!;
  const positional = [args[2] ?? 'sh', ...args.slice(3)];
  const list = parseScript(script, ctx.env, positional);
  if (typeof list === 'string') return ok('', `sh: 1: ${list}\n`, 2);
  let stdout = '';
  let stderr = '';
  let status = 0;
  let skip = false;
  for (let idx = 0; idx < list.length; idx++) {
    const { cmd } = list[idx]!;
    const prevOp = idx > 0 ? list[idx - 1]!.op : ';';
    if (idx > 0) {
      if (prevOp === '&&' && status !== 0) skip = true;
      else if (prevOp === '||' && status === 0) skip = true;
      else skip = false;
    }
    if (skip) continue;
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
        exit = rest[0] === undefined ? status : Number(rest[0]) & 0xff;
        break;
      default: {
        const path = name.includes('/') ? name : ['/usr/bin/', '/bin/', '/usr/sbin/', '/sbin/'].map((d) => d + name).find((p) => ctx.has(p));
        if (path === undefined) {
          err = `sh: 1: ${name}: not found\n`;
          code = 127;
          break;
        }
        const r = ctx.exec([path, ...rest]);
        out = r.stdout;
        err = r.stderr;
        code = r.exitCode;
      }
    }
    let redirectFailed = false;
    for (const rd of cmd.redirects) {
      const target = shellResolve(rd.target);
      if (target === '/dev/null') {
        if (rd.fd === 1) out = '';
        else err = '';
        continue;
      }
      const data = rd.fd === 1 ? out : err;
      let bytes = textToBytes(data);
      if (rd.append) {
        const old = ctx.fs.readFile(textToBytes(target));
        if (typeof old === 'string') bytes = old + bytes;
      }
      const e = ctx.fs.writeFile(textToBytes(target), bytes);
      if (e !== undefined) {
        const why = e === 'ENOENT' ? 'Directory nonexistent' : e === 'EACCES' || e === 'EPERM' ? 'Permission denied' : e;
        stderr += `sh: 1: cannot create ${rd.target}: ${why}\n`;
        redirectFailed = true;
        break;
      }
      if (rd.fd === 1) out = '';
      else err = '';
    }
    stdout += out;
    stderr += err;
    status = redirectFailed ? 2 : code;
    if (exit !== undefined) return ok(stdout, stderr, exit);
  }
  return ok(stdout, stderr, status);
}

/** cat(1): the files' contents, read as root through the SysfsSource. */
function cat(ctx: ProgramContext): ProgramResult {
  let out = '';
  let err = '';
  let code = 0;
  for (const f of ctx.argv.slice(1)) {
    const data = ctx.fs.readFile(textToBytes(shellResolve(f)));
    if (typeof data === 'string') out += bytesToText(data);
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
    const r = printf(ctx.argv.slice(1));
    return ok(r.out, r.status ? 'printf: missing operand\n' : '', r.status);
  });
  registry.register(dir + 'true', () => ok());
  registry.register(dir + 'false', () => ok('', '', 1));
  registry.register(dir + 'sh', sh);
  registry.register(dir + 'cat', cat);
  registry.register(dir + 'dash', sh);
}

/** A fresh registry with the interpreted commands; hosts add their own programs to it. */
export function defaultPrograms(): ProgramRegistry {
  return registry.clone();
}
