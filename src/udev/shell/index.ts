/**
 * `sh` as udev rules run it: dash's command line (`sh [-eufxn] [-o name] -c [--] SCRIPT [NAME
 * [ARG…]]`, or `sh [options] FILE [ARG…]`) over the interpreter of interp.ts. The environment
 * udev passes becomes the shell's exported variables; PATH defaults to dash's built-in value.
 */
import type { ProgramContext, ProgramResult } from '../spawn.js';
import { applyOptions } from './builtins.js';
import { Shell, ShellExit, type Fds } from './interp.js';

export { parseScript, ShellSyntaxError } from './parse.js';
export { patternMatch, trimPattern } from './pattern.js';
export { evalArith } from './arith.js';
export { Shell } from './interp.js';
export { registerCoreutils } from './coreutils.js';
export { coreutilsEcho, dashEcho, echoEscapes, printfFormat, testCommand } from './utilities.js';

const DASH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The `sh`/`dash` program. */
export function shProgram(ctx: ProgramContext): ProgramResult {
  const args = ctx.argv.slice(1);
  const opts = { errexit: false, nounset: false, noglob: false, xtrace: false, noexec: false };
  let commandString = false;
  // -c may appear among the option letters (`-ec`, `-c -e`).
  const optArgs: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a === '-o' || a === '+o') {
      optArgs.push(a, args[++i] ?? '');
      continue;
    }
    if (a.length < 2 || (a[0] !== '-' && a[0] !== '+')) break;
    if (a.slice(1).includes('c')) commandString = true;
    const rest = a[0] + a.slice(1).replace(/c/g, '');
    if (rest.length > 1) optArgs.push(rest);
  }
  let bad: string | undefined;
  try {
    applyOptions({ opts }, optArgs, 0, (text) => {
      bad = text;
      throw new ShellExit(2);
    });
  } catch (e) {
    if (e instanceof ShellExit) return { exitCode: 2, stdout: '', stderr: `sh: 0: ${bad ?? ''}\n` };
    throw e;
  }
  const operands = args.slice(i);
  let script: string;
  let name: string;
  let positional: string[];
  if (commandString) {
    if (operands.length === 0) return { exitCode: 2, stdout: '', stderr: 'sh: 0: -c requires an argument\n' };
    script = operands[0]!;
    name = operands[1] ?? ctx.argv[0]!.replace(/^.*\//, '');
    positional = operands.slice(2);
  } else {
    const file = operands[0];
    if (file === undefined) {
      script = ctx.stdin;
      name = ctx.argv[0]!.replace(/^.*\//, '');
      positional = [];
    } else {
      const data = ctx.fs.readFile(file.startsWith('/') ? file : '/' + file);
      if (typeof data !== 'string') return { exitCode: 2, stdout: '', stderr: `sh: 0: cannot open ${file}: No such file\n` };
      script = data;
      name = file;
      positional = operands.slice(1);
    }
  }
  const sh = new Shell(ctx, name, opts);
  for (const [k, v] of ctx.env) {
    sh.vars.set(k, v);
    sh.exported.add(k);
  }
  if (!sh.vars.has('PATH')) sh.vars.set('PATH', DASH_PATH);
  sh.vars.set('IFS', ' \t\n');
  sh.vars.set('PS1', '# ');
  sh.vars.set('PS2', '> ');
  sh.vars.set('PS4', '+ ');
  sh.vars.set('OPTIND', '1');
  if (!sh.vars.has('PWD')) sh.vars.set('PWD', '/');
  sh.positional = positional;
  const out = { kind: 'out' as const, data: '' };
  const fds: Fds = [{ kind: 'in', data: commandString || operands.length > 0 ? ctx.stdin : '', pos: 0 }, out, sh.errStream];
  let status: number;
  try {
    status = sh.runScript(script, fds);
  } catch (e) {
    if (e instanceof ShellExit) status = e.status;
    else throw e;
  }
  return { exitCode: status & 0xff, stdout: out.data, stderr: sh.errStream.data };
}
