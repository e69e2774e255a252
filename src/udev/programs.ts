/**
 * The real commands udev rules commonly run, interpreted instead of executed: coreutils
 * `echo` (-n, -e, -E), `printf`, `true`, `false`, `cat`, `test`/`[`, a line-oriented `grep`
 * and `sed s///`; `sh`/`dash` is the POSIX shell of shell/, which also adds cut, tr, head,
 * tail, basename, dirname, readlink and wc. Everything works on byte strings; registered under both /bin
 * and /usr/bin, as on a merged-/usr Debian system.
 */
import { ProgramRegistry, type ProgramContext, type ProgramResult } from './spawn.js';
import { coreutilsEcho, printfFormat, testCommand, registerCoreutils, shProgram } from './shell/index.js';
import { registerHelpers } from './helpers/index.js';

const ok = (stdout = '', stderr = '', exitCode = 0): ProgramResult => ({ exitCode, stdout, stderr });

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
