/**
 * dash's builtins. Special builtins (XCU 2.14: `:`, `.`, break, continue, eval, exec, exit,
 * export, readonly, return, set, shift, trap, unset, times) keep their prefix assignments and
 * exit the shell on a usage error; regular ones (echo, printf, test/[, true, false, read, cd,
 * pwd, local, command, type, umask, wait, kill) behave as dash's. Messages follow dash
 * ("sh: 1: shift: can't shift that many").
 */
import { dashEcho, printfFormat, testCommand } from './utilities.js';
import { FunctionReturn, LoopControl, ShellExit } from './control.js';
import type { Fds, Shell } from './interp.js';

export interface BuiltinIo {
  write(s: string): boolean;
  error(s: string): void;
  /** One line of standard input (without its newline), undefined at end of input. */
  readLine(): { line: string; newline: boolean } | undefined;
  /** The command's file descriptors (what eval, . and exec run with). */
  readonly fds: Fds;
}

export type ShellBuiltin = (sh: Shell, argv: string[], io: BuiltinIo) => number;

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function msg(sh: Shell, io: BuiltinIo, text: string): void {
  io.error(`${sh.name}: ${sh.lineno}: ${text}\n`);
}

function fatal(sh: Shell, io: BuiltinIo, text: string): never {
  msg(sh, io, text);
  throw new ShellExit(2);
}

function loopControl(kind: 'break' | 'continue'): ShellBuiltin {
  return (sh, argv, io) => {
    const n = argv[1] === undefined ? 1 : Number(argv[1]);
    if (!Number.isInteger(n) || n <= 0) fatal(sh, io, `${kind}: Illegal number: ${argv[1]}`);
    if (sh.loopDepth === 0) return 0;
    throw new LoopControl(kind, Math.min(n, sh.loopDepth));
  };
}

function parseStatus(sh: Shell, io: BuiltinIo, name: string, arg: string | undefined): number {
  if (arg === undefined) return sh.lastStatus;
  if (!/^\d+$/.test(arg)) fatal(sh, io, `${name}: Illegal number: ${arg}`);
  return Number(arg) & 0xff;
}

/** `set` option letters and their names (set -o). */
const OPTION_LETTERS: Readonly<Record<string, 'errexit' | 'nounset' | 'noglob' | 'xtrace' | 'noexec'>> = {
  e: 'errexit',
  u: 'nounset',
  f: 'noglob',
  x: 'xtrace',
  n: 'noexec',
};

/** Apply option words (`-eu`, `+x`, `-o name`); returns the index of the first operand. */
export function applyOptions(sh: { opts: Shell['opts'] }, args: readonly string[], start: number, onError: (text: string) => never): number {
  let i = start;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return i + 1;
    if (a === '-') return i + 1;
    if (a.length < 2 || (a[0] !== '-' && a[0] !== '+')) return i;
    const on = a[0] === '-';
    for (const c of a.slice(1)) {
      if (c === 'o') {
        const name = args[++i];
        if (name === undefined) return i;
        const key = Object.values(OPTION_LETTERS).find((v) => v === name);
        if (!key) onError(`Illegal option -o ${name}`);
        sh.opts[key] = on;
        continue;
      }
      const key = OPTION_LETTERS[c];
      if (key) sh.opts[key] = on;
      else if (!'aCbmvIhEVP'.includes(c) || c === 'c') onError(`Illegal option ${a[0]}${c}`);
    }
  }
  return i;
}

function quoteValue(v: string): string {
  return /^[A-Za-z0-9_./:,=+@%-]+$/.test(v) ? v : "'" + v.replace(/'/g, "'\\''") + "'";
}

export const specialBuiltins: Map<string, ShellBuiltin> = new Map<string, ShellBuiltin>([
  [':', () => 0],
  ['break', loopControl('break')],
  ['continue', loopControl('continue')],
  [
    'exit',
    (sh, argv, io) => {
      throw new ShellExit(parseStatus(sh, io, 'exit', argv[1]));
    },
  ],
  [
    'return',
    (sh, argv, io) => {
      const st = parseStatus(sh, io, 'return', argv[1]);
      if (sh.funcDepth === 0) throw new ShellExit(st);
      throw new FunctionReturn(st);
    },
  ],
  [
    'eval',
    (sh, argv, io) => {
      const script = argv.slice(1).join(' ');
      if (script.trim().length === 0) return 0;
      return sh.runScript(script, io.fds);
    },
  ],
  [
    '.',
    (sh, argv, io) => {
      const file = argv[1];
      if (file === undefined) return 0;
      const data = sh.ctx.fs.readFile(file.startsWith('/') ? file : '/' + file);
      if (typeof data !== 'string') fatal(sh, io, `.: cannot open ${file}: No such file`);
      return sh.runScript(data, io.fds);
    },
  ],
  [
    'exec',
    (sh, argv, io) => {
      if (argv.length < 2) return 0;
      const st = sh.external(argv[1]!, argv.slice(1), io.fds);
      throw new ShellExit(st);
    },
  ],
  ['export', (sh, argv, io) => nameAssignments(sh, argv, io, (k) => sh.exported.add(k))],
  ['readonly', (sh, argv, io) => nameAssignments(sh, argv, io, (k) => sh.readonlyVars.add(k))],
  [
    'unset',
    (sh, argv, io) => {
      let fns = false;
      for (const a of argv.slice(1)) {
        if (a === '-f') fns = true;
        else if (a === '-v') fns = false;
        else if (fns) sh.funcs.delete(a);
        else {
          if (sh.readonlyVars.has(a)) fatal(sh, io, `unset: ${a}: is read only`);
          sh.vars.delete(a);
          sh.exported.delete(a);
        }
      }
      return 0;
    },
  ],
  [
    'shift',
    (sh, argv, io) => {
      const n = argv[1] === undefined ? 1 : Number(argv[1]);
      if (!Number.isInteger(n) || n < 0) fatal(sh, io, `shift: Illegal number: ${argv[1]}`);
      if (n > sh.positional.length) fatal(sh, io, `shift: can't shift that many`);
      sh.positional = sh.positional.slice(n);
      return 0;
    },
  ],
  [
    'set',
    (sh, argv, io) => {
      if (argv.length === 1) {
        for (const k of [...sh.vars.keys()].sort()) io.write(`${k}=${quoteValue(sh.vars.get(k)!)}\n`);
        return 0;
      }
      const i = applyOptions(sh, argv, 1, (t) => fatal(sh, io, `set: ${t}`));
      if (i < argv.length || argv[i - 1] === '--' || argv[i - 1] === '-') sh.positional = argv.slice(i);
      return 0;
    },
  ],
  ['trap', () => 0],
  [
    'times',
    (_sh, _argv, io) => {
      io.write('0m0.000000s 0m0.000000s\n0m0.000000s 0m0.000000s\n');
      return 0;
    },
  ],
]);

function nameAssignments(sh: Shell, argv: string[], io: BuiltinIo, mark: (k: string) => void): number {
  const args = argv.slice(1).filter((a) => a !== '-p');
  if (args.length === 0) {
    for (const k of [...sh.exported].sort()) io.write(`${argv[0]} ${k}=${quoteValue(sh.vars.get(k) ?? '')}\n`);
    return 0;
  }
  for (const a of args) {
    const eq = a.indexOf('=');
    const k = eq < 0 ? a : a.slice(0, eq);
    if (!NAME_RE.test(k)) fatal(sh, io, `${argv[0]}: ${k}: bad variable name`);
    if (eq >= 0) sh.setVar(k, a.slice(eq + 1));
    mark(k);
  }
  return 0;
}

export const shellBuiltins: Map<string, ShellBuiltin> = new Map<string, ShellBuiltin>([
  ['true', () => 0],
  ['false', () => 1],
  ['echo', (_sh, argv, io) => (io.write(dashEcho(argv.slice(1))) ? 0 : 1)],
  [
    'printf',
    (sh, argv, io) => {
      if (argv.length < 2) {
        msg(sh, io, 'printf: usage: printf format [arg ...]');
        return 2;
      }
      const r = printfFormat(argv.slice(1));
      io.write(r.out);
      return r.status;
    },
  ],
  ['test', (sh, argv, io) => runTest(sh, ['/usr/bin/test', ...argv.slice(1)], io)],
  ['[', (sh, argv, io) => runTest(sh, ['/usr/bin/[', ...argv.slice(1)], io)],
  [
    'read',
    (sh, argv, io) => {
      let raw = false;
      let i = 1;
      for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
        if (argv[i] === '-r') raw = true;
        else if (argv[i] === '--') {
          i++;
          break;
        }
      }
      const names = argv.slice(i);
      if (names.length === 0) fatal(sh, io, 'read: arg count');
      let text = '';
      let gotNewline = false;
      for (;;) {
        const l = io.readLine();
        if (!l) break;
        if (!raw && l.line.endsWith('\\') && l.newline) {
          text += l.line.slice(0, -1);
          continue;
        }
        text += l.line;
        gotNewline = l.newline;
        break;
      }
      if (!raw) text = text.replace(/\\(.)/g, '$1');
      const ifs = sh.getVar('IFS') ?? ' \t\n';
      const ws = [...ifs].filter((c) => c === ' ' || c === '\t' || c === '\n').join('');
      const isWs = (c: string): boolean => ws.includes(c);
      let k = 0;
      const trimStart = (): void => {
        while (k < text.length && isWs(text[k]!)) k++;
      };
      trimStart();
      for (let n = 0; n < names.length; n++) {
        if (n === names.length - 1) {
          let rest = text.slice(k);
          let e = rest.length;
          while (e > 0 && isWs(rest[e - 1]!)) e--;
          rest = rest.slice(0, e);
          sh.setVar(names[n]!, rest);
          break;
        }
        let field = '';
        while (k < text.length && !ifs.includes(text[k]!)) field += text[k++];
        sh.setVar(names[n]!, field);
        trimStart();
        if (k < text.length && ifs.includes(text[k]!) && !isWs(text[k]!)) {
          k++;
          trimStart();
        }
      }
      return gotNewline ? 0 : 1;
    },
  ],
  [
    'cd',
    (sh, argv, io) => {
      const dir = argv[1] ?? sh.getVar('HOME') ?? '/';
      const st = sh.ctx.fs.stat(dir.startsWith('/') ? dir : '/' + dir);
      if (!st || st.type !== 'dir') {
        msg(sh, io, `cd: can't cd to ${dir}`);
        return 2;
      }
      sh.setVar('PWD', dir);
      return 0;
    },
  ],
  [
    'pwd',
    (sh, _argv, io) => {
      io.write((sh.getVar('PWD') ?? '/') + '\n');
      return 0;
    },
  ],
  [
    'local',
    (sh, argv, io) => {
      if (sh.funcDepth === 0) fatal(sh, io, 'local: not in a function');
      for (const a of argv.slice(1)) {
        const eq = a.indexOf('=');
        if (eq >= 0) sh.setVar(a.slice(0, eq), a.slice(eq + 1));
      }
      return 0;
    },
  ],
  [
    'command',
    (sh, argv, io) => {
      let i = 1;
      let describe = false;
      for (; i < argv.length && argv[i]!.startsWith('-'); i++) if (argv[i] === '-v' || argv[i] === '-V') describe = true;
      const name = argv[i];
      if (name === undefined) return 0;
      if (describe) return typeOf(sh, name, io, true);
      const b = shellBuiltins.get(name) ?? specialBuiltins.get(name);
      if (b) return b(sh, argv.slice(i), io);
      return sh.external(name, argv.slice(i), io.fds);
    },
  ],
  [
    'type',
    (sh, argv, io) => {
      let st = 0;
      for (const n of argv.slice(1)) st = typeOf(sh, n, io, false) || st;
      return st;
    },
  ],
  [
    'umask',
    (_sh, argv, io) => {
      if (argv.length < 2) io.write('0022\n');
      return 0;
    },
  ],
  ['wait', () => 0],
  ['kill', () => 0],
]);

function typeOf(sh: Shell, name: string, io: BuiltinIo, short: boolean): number {
  if (specialBuiltins.has(name) || shellBuiltins.has(name)) {
    io.write(short ? `${name}\n` : `${name} is a ${specialBuiltins.has(name) ? 'special ' : ''}shell builtin\n`);
    return 0;
  }
  if (sh.funcs.has(name)) {
    io.write(short ? `${name}\n` : `${name} is a shell function\n`);
    return 0;
  }
  for (const dir of (sh.getVar('PATH') ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (sh.ctx.has(dir + '/' + name)) {
      io.write(short ? `${dir}/${name}\n` : `${name} is ${dir}/${name}\n`);
      return 0;
    }
  }
  if (!short) io.write(`${name}: not found\n`);
  return 127;
}

function runTest(sh: Shell, argv: string[], io: BuiltinIo): number {
  const r = testCommand({ ...sh.ctx, argv, stdin: '' });
  if (r.stderr.length > 0) io.error(`${sh.name}: ${sh.lineno}: ${r.stderr.replace(/^(test|\[): /, '$1: ')}`);
  return r.exitCode;
}
