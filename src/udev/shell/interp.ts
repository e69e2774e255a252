/**
 * The POSIX shell interpreter (dash 0.5.12 semantics) over the command tree of parse.ts.
 * Commands run synchronously and one after the other: a pipeline's commands run in order, each
 * in a subshell copy of the state, the output of one becoming the input of the next (what a
 * real pipe delivers when every writer finishes before its reader). Options: -e (errexit, not
 * in conditions, `!` pipelines or non-final and-or members), -u (nounset), -f (noglob),
 * -x (xtrace to stderr), -n (parse only).
 *
 * File descriptors 0–9 map to in-memory streams; a `>`/`>>` redirection writes what the command
 * produced to the file when the command ends, in one write(2) (how `echo 1 > /sys/…/attr`
 * reaches a sysfs store). External commands resolve through PATH to registered programs.
 */
import { strerror, type ErrnoName } from '../../base/index.js';
import type { ProgramContext, ProgramResult } from '../spawn.js';
import { parseScript, ShellSyntaxError, type Command, type List, type Pipeline, type Redirect } from './parse.js';
import { Expander, type ExpandHost } from './expand.js';
import { hasGlob, patternMatch, unescapePattern } from './pattern.js';
import { shellBuiltins, specialBuiltins, type BuiltinIo } from './builtins.js';
import { FunctionReturn, LoopControl, ShellExit } from './control.js';

export { FunctionReturn, LoopControl, ShellExit } from './control.js';

/** An output stream; `file` streams are written when their redirection scope closes. */
interface OutStream {
  kind: 'out';
  data: string;
  file?: { path: string; append: boolean; shown: string };
}
interface InStream {
  kind: 'in';
  data: string;
  pos: number;
}
type Stream = OutStream | InStream | { kind: 'null' };
export type Fds = Array<Stream | undefined>;

export interface ShellOptions {
  errexit: boolean;
  nounset: boolean;
  noglob: boolean;
  xtrace: boolean;
  noexec: boolean;
}

const PATH_DIRS_DEFAULT = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** One shell (or subshell) state. */
export class Shell implements ExpandHost {
  vars = new Map<string, string>();
  exported = new Set<string>();
  readonlyVars = new Set<string>();
  funcs = new Map<string, Command>();
  positional: string[] = [];
  lastStatus = 0;
  lineno = 1;
  loopDepth = 0;
  funcDepth = 0;
  /** >0 while running a condition (errexit ignored). */
  errexitSuppressed = 0;
  readonly pid = 4242;
  private readonly expander = new Expander(this);

  constructor(
    readonly ctx: ProgramContext,
    public name: string,
    readonly opts: ShellOptions,
  ) {}

  // ---------------------------------------------------------------- ExpandHost

  getVar(name: string): string | undefined {
    return this.vars.get(name);
  }
  setVar(name: string, value: string): void {
    if (this.readonlyVars.has(name)) this.fatal(`${name}: is read only`);
    this.vars.set(name, value);
  }
  get optionFlags(): string {
    return (this.opts.errexit ? 'e' : '') + (this.opts.nounset ? 'u' : '') + (this.opts.noglob ? 'f' : '') + (this.opts.xtrace ? 'x' : '');
  }
  get nounset(): boolean {
    return this.opts.nounset;
  }
  get noglob(): boolean {
    return this.opts.noglob;
  }
  fatal(message: string): never {
    this.stderr(`${this.name}: ${this.lineno}: ${message}\n`);
    throw new ShellExit(2);
  }
  commandSubst(script: string): string {
    const sub = this.subshell();
    const out: OutStream = { kind: 'out', data: '' };
    const fds: Fds = [{ kind: 'in', data: '', pos: 0 }, out, this.errStream];
    let status: number;
    try {
      status = sub.runScript(script, fds);
    } catch (e) {
      if (e instanceof ShellExit) status = e.status;
      else throw e;
    }
    this.substStatus = status;
    return out.data;
  }
  glob(pattern: string): string[] {
    return glob(this.ctx, pattern);
  }

  /** Status of the last command substitution (the status of a command without a name). */
  substStatus: number | undefined;
  /** Everything written to the shell's stderr (shared by subshells). */
  errStream: OutStream = { kind: 'out', data: '' };

  private stderr(s: string): void {
    this.errStream.data += s;
  }

  subshell(): Shell {
    const s = new Shell(this.ctx, this.name, { ...this.opts });
    s.vars = new Map(this.vars);
    s.exported = new Set(this.exported);
    s.readonlyVars = new Set(this.readonlyVars);
    s.funcs = new Map(this.funcs);
    s.positional = this.positional.slice();
    s.lastStatus = this.lastStatus;
    s.lineno = this.lineno;
    s.errexitSuppressed = this.errexitSuppressed;
    s.errStream = this.errStream;
    return s;
  }

  // ---------------------------------------------------------------- running

  /** Parse and run a script; syntax errors exit with status 2 (dash). */
  runScript(script: string, fds: Fds): number {
    let list: List;
    try {
      list = parseScript(script);
    } catch (e) {
      if (e instanceof ShellSyntaxError) {
        this.stderr(`${this.name}: ${e.line + this.lineno - 1}: ${e.message}\n`);
        throw new ShellExit(2);
      }
      throw e;
    }
    if (this.opts.noexec) return 0;
    return this.runList(list, fds);
  }

  runList(list: List, fds: Fds): number {
    let status = 0;
    for (const item of list) status = this.runAndOr(item.andOr, fds);
    return status;
  }

  private runAndOr(ao: { first: Pipeline; rest: Array<{ op: '&&' | '||'; pipeline: Pipeline }> }, fds: Fds): number {
    const all = [ao.first, ...ao.rest.map((r) => r.pipeline)];
    let status = 0;
    for (let k = 0; k < all.length; k++) {
      if (k > 0) {
        const op = ao.rest[k - 1]!.op;
        if ((op === '&&' && status !== 0) || (op === '||' && status === 0)) continue;
      }
      const last = k === all.length - 1;
      if (!last) this.errexitSuppressed++;
      try {
        status = this.runPipeline(all[k]!, fds);
      } finally {
        if (!last) this.errexitSuppressed--;
      }
      if (last && !all[k]!.bang && status !== 0 && this.opts.errexit && this.errexitSuppressed === 0) throw new ShellExit(status);
    }
    return status;
  }

  private runPipeline(p: Pipeline, fds: Fds): number {
    if (p.bang) this.errexitSuppressed++;
    let status: number;
    try {
      if (p.commands.length === 1) status = this.runCommand(p.commands[0]!, fds);
      else {
        let input: InStream = fds[0]?.kind === 'in' ? (fds[0] as InStream) : { kind: 'in', data: '', pos: 0 };
        status = 0;
        for (let k = 0; k < p.commands.length; k++) {
          const last = k === p.commands.length - 1;
          const out: OutStream = { kind: 'out', data: '' };
          const sub = this.subshell();
          const subFds = fds.slice();
          subFds[0] = input;
          if (!last) subFds[1] = out;
          try {
            status = sub.runCommand(p.commands[k]!, subFds);
          } catch (e) {
            if (e instanceof ShellExit) status = e.status;
            else throw e;
          }
          input = { kind: 'in', data: out.data, pos: 0 };
        }
      }
    } finally {
      if (p.bang) this.errexitSuppressed--;
    }
    if (p.bang) status = status === 0 ? 1 : 0;
    this.lastStatus = status;
    return status;
  }

  /** Run one command with its redirections. */
  runCommand(cmd: Command, fds: Fds): number {
    if (cmd.kind === 'simple') return this.runSimple(cmd, fds);
    if (cmd.kind === 'function') {
      this.funcs.set(cmd.name, cmd.body);
      this.lastStatus = 0;
      return 0;
    }
    const scope = this.openRedirects(cmd.redirects, fds);
    if (typeof scope === 'number') return (this.lastStatus = scope);
    let status = 0;
    try {
      status = this.runCompound(cmd, scope.fds);
    } finally {
      const st = this.closeRedirects(scope.opened, '');
      if (st !== 0) status = st;
    }
    this.lastStatus = status;
    return status;
  }

  private condition(list: List, fds: Fds): number {
    this.errexitSuppressed++;
    try {
      return this.runList(list, fds);
    } finally {
      this.errexitSuppressed--;
    }
  }

  private runCompound(cmd: Exclude<Command, { kind: 'simple' | 'function' }>, fds: Fds): number {
    switch (cmd.kind) {
      case 'group':
        return this.runList(cmd.body, fds);
      case 'subshell': {
        const sub = this.subshell();
        try {
          return sub.runList(cmd.body, fds);
        } catch (e) {
          if (e instanceof ShellExit) return e.status;
          throw e;
        }
      }
      case 'if': {
        for (const cl of cmd.clauses) if (this.condition(cl.cond, fds) === 0) return this.runList(cl.body, fds);
        return cmd.orElse ? this.runList(cmd.orElse, fds) : 0;
      }
      case 'while':
      case 'until':
        return this.runLoop(cmd.body, fds, () => (this.condition(cmd.cond, fds) === 0) === (cmd.kind === 'while'));
      case 'for': {
        const items = cmd.items === undefined ? this.positional.slice() : cmd.items.flatMap((w) => this.expander.fields(w));
        let i = 0;
        return this.runLoop(cmd.body, fds, () => {
          if (i >= items.length) return false;
          this.setVar(cmd.name, items[i++]!);
          return true;
        });
      }
      case 'case': {
        const w = this.expander.single(cmd.word);
        for (const item of cmd.items) {
          for (const pat of item.patterns) {
            if (patternMatch(this.expander.pattern(pat), w)) return this.runList(item.body, fds);
          }
        }
        return 0;
      }
    }
  }

  /**
   * The loop of while/until/for: run `body` while `next()` (the condition, or the next item)
   * says so. `break N`/`continue N` with N > 1 leave this loop and go on to the enclosing one;
   * `continue` keeps the status of the last complete pass. Returns that status (0 if none ran).
   */
  private runLoop(body: List, fds: Fds, next: () => boolean): number {
    let status = 0;
    this.loopDepth++;
    try {
      while (next()) {
        try {
          status = this.runList(body, fds);
        } catch (e) {
          if (!(e instanceof LoopControl)) throw e;
          if (e.levels > 1) {
            e.levels--;
            throw e;
          }
          if (e.kind === 'break') break;
        }
      }
    } finally {
      this.loopDepth--;
    }
    return status;
  }

  private runSimple(cmd: Extract<Command, { kind: 'simple' }>, fds: Fds): number {
    this.lineno = cmd.line;
    this.substStatus = undefined;
    const argv = cmd.words.flatMap((w) => this.expander.fields(w));
    const assigns = cmd.assigns.map((a) => {
      const eq = a.indexOf('=');
      return [a.slice(0, eq), this.expander.single(a.slice(eq + 1))] as const;
    });
    if (this.opts.xtrace && (argv.length > 0 || assigns.length > 0)) {
      this.stderr('+ ' + [...assigns.map(([k, v]) => `${k}=${v}`), ...argv].join(' ') + '\n');
    }
    if (argv.length === 0) {
      for (const [k, v] of assigns) this.setVar(k, v);
      const scope = this.openRedirects(cmd.redirects, fds);
      if (typeof scope === 'number') return (this.lastStatus = scope);
      this.closeRedirects(scope.opened, '');
      return (this.lastStatus = this.substStatus ?? 0);
    }
    const name = argv[0]!;
    const special = specialBuiltins.has(name);
    const scope = this.openRedirects(cmd.redirects, fds);
    if (typeof scope === 'number') {
      if (special) throw new ShellExit(scope);
      return (this.lastStatus = scope);
    }
    let status: number;
    // Assignments before special builtins persist; before others they last for the command.
    const saved: Array<[string, string | undefined]> = [];
    for (const [k, v] of assigns) {
      if (!special) saved.push([k, this.vars.get(k)]);
      this.setVar(k, v);
    }
    try {
      status = this.invoke(name, argv, scope.fds);
    } finally {
      for (const [k, v] of saved.reverse()) {
        if (v === undefined) this.vars.delete(k);
        else this.vars.set(k, v);
      }
      const st = this.closeRedirects(scope.opened, name);
      if (st !== 0) status = st;
    }
    this.lastStatus = status;
    return status;
  }

  private invoke(name: string, argv: string[], fds: Fds): number {
    const io: BuiltinIo = {
      fds,
      write: (s) => this.write(fds, 1, s),
      error: (s) => this.write(fds, 2, s),
      readLine: () => {
        const inp = fds[0];
        if (!inp || inp.kind !== 'in' || inp.pos >= inp.data.length) return undefined;
        const e = inp.data.indexOf('\n', inp.pos);
        const line = e < 0 ? inp.data.slice(inp.pos) : inp.data.slice(inp.pos, e);
        inp.pos = e < 0 ? inp.data.length : e + 1;
        return { line, newline: e >= 0 };
      },
    };
    const special = specialBuiltins.get(name);
    if (special) return special(this, argv, io);
    const fn = this.funcs.get(name);
    if (fn) {
      const savedPos = this.positional;
      this.positional = argv.slice(1);
      this.funcDepth++;
      try {
        return this.runCommand(fn, fds);
      } catch (e) {
        if (e instanceof FunctionReturn) return e.status;
        throw e;
      } finally {
        this.funcDepth--;
        this.positional = savedPos;
      }
    }
    const builtin = shellBuiltins.get(name);
    if (builtin) return builtin(this, argv, io);
    return this.external(name, argv, fds);
  }

  /** Run a registered program found through PATH. */
  external(name: string, argv: string[], fds: Fds): number {
    let path: string | undefined;
    if (name.includes('/')) path = name.startsWith('/') ? name : '/' + name.replace(/^\.\//, '');
    else {
      for (const dir of (this.vars.get('PATH') ?? PATH_DIRS_DEFAULT).split(':')) {
        const p = (dir.length === 0 ? '.' : dir) + '/' + name;
        if (this.ctx.has(p)) {
          path = p;
          break;
        }
      }
    }
    if (path === undefined || !this.ctx.has(path)) {
      if (path !== undefined && this.ctx.fs.lstat(path) !== undefined) {
        this.write(fds, 2, `${this.name}: ${this.lineno}: ${name}: Permission denied\n`);
        return 126;
      }
      this.write(fds, 2, `${this.name}: ${this.lineno}: ${name}: not found\n`);
      return 127;
    }
    const inp = fds[0];
    let stdin = '';
    if (inp && inp.kind === 'in') {
      stdin = inp.data.slice(inp.pos);
      inp.pos = inp.data.length;
    }
    const r: ProgramResult = this.ctx.exec([path, ...argv.slice(1)], stdin);
    this.write(fds, 1, r.stdout);
    this.write(fds, 2, r.stderr);
    return r.exitCode;
  }

  write(fds: Fds, fd: number, s: string): boolean {
    if (s.length === 0) return true;
    const st = fds[fd];
    if (!st || st.kind === 'in') return false;
    if (st.kind === 'out') st.data += s;
    return true;
  }

  // ---------------------------------------------------------------- redirections

  /** Apply redirections to a copy of `fds`; a number is the failure status (2). */
  private openRedirects(redirects: readonly Redirect[], fds: Fds): { fds: Fds; opened: OutStream[] } | number {
    if (redirects.length === 0) return { fds, opened: [] };
    const out = fds.slice();
    const opened: OutStream[] = [];
    for (const r of redirects) {
      if (r.op === '<<' || r.op === '<<-') {
        out[r.fd] = { kind: 'in', data: r.heredocExpand ? this.expander.heredoc(r.target) : r.target, pos: 0 };
        continue;
      }
      const target = this.expander.single(r.target);
      if (r.op === '>&' || r.op === '<&') {
        if (target === '-') {
          out[r.fd] = undefined;
          continue;
        }
        if (!/^\d$/.test(target)) {
          this.stderr(`${this.name}: ${this.lineno}: Syntax error: Bad fd number\n`);
          throw new ShellExit(2);
        }
        const src = out[Number(target)];
        if (!src) {
          this.stderr(`${this.name}: ${this.lineno}: ${target}: Bad file descriptor\n`);
          return 2;
        }
        out[r.fd] = src;
        continue;
      }
      const path = target.startsWith('/') ? target : '/' + target;
      if (r.op === '<' || r.op === '<>') {
        if (path === '/dev/null') {
          out[r.fd] = { kind: 'in', data: '', pos: 0 };
          continue;
        }
        const data = this.ctx.fs.readFile(path);
        if (typeof data !== 'string') {
          if (r.op === '<>' && data.errno === 'ENOENT') {
            this.stderr(`${this.name}: ${this.lineno}: cannot create ${target}: ${createError(this.ctx, path)}\n`);
            return 2;
          }
          this.stderr(`${this.name}: ${this.lineno}: cannot open ${target}: ${strerror(data.errno)}\n`);
          return 2;
        }
        out[r.fd] = { kind: 'in', data, pos: 0 };
        continue;
      }
      if (path === '/dev/null') {
        out[r.fd] = { kind: 'null' };
        continue;
      }
      if (path === '/dev/stdout' || path === '/dev/stderr') {
        out[r.fd] = out[path === '/dev/stdout' ? 1 : 2];
        continue;
      }
      const st = this.ctx.fs.stat(path);
      if (!st) {
        this.stderr(`${this.name}: ${this.lineno}: cannot create ${target}: ${createError(this.ctx, path)}\n`);
        return 2;
      }
      if (st.type === 'dir') {
        this.stderr(`${this.name}: ${this.lineno}: cannot create ${target}: Is a directory\n`);
        return 2;
      }
      const s: OutStream = { kind: 'out', data: '', file: { path, append: r.op === '>>', shown: target } };
      opened.push(s);
      out[r.fd] = s;
    }
    return { fds: out, opened };
  }

  /** Write the files of a redirection scope; a write error gives status 1 (or 2 for none). */
  private closeRedirects(opened: OutStream[], command: string): number {
    let status = 0;
    for (const s of opened) {
      const f = s.file!;
      if (s.data.length === 0) continue;
      let data = s.data;
      if (f.append && !f.path.startsWith('/sys/') && !f.path.startsWith('/proc/')) {
        const old = this.ctx.fs.readFile(f.path);
        if (typeof old === 'string') data = old + data;
      }
      const e = this.ctx.fs.writeFile(f.path, data);
      if (e !== undefined) {
        // dash's builtins report the failed flush as "NAME: I/O error"; programs their own text.
        const who = command.length > 0 ? command : 'write';
        this.stderr(`${this.name}: ${this.lineno}: ${who}: ${who}: ${writeError(e)}\n`);
        status = 1;
      }
    }
    return status;
  }
}

function writeError(e: ErrnoName): string {
  return strerror(e);
}

/** Why open(O_CREAT) failed for a missing path: its directory is missing, or sysfs refuses. */
function createError(ctx: ProgramContext, path: string): string {
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  const st = ctx.fs.stat(dir);
  if (!st) return 'Directory nonexistent';
  if (st.type !== 'dir') return 'Not a directory';
  return 'Permission denied';
}

/** Pathname expansion against the program context's filesystem; matches sorted bytewise. */
export function glob(ctx: ProgramContext, pattern: string): string[] {
  const abs = pattern.startsWith('/');
  const parts = pattern.split('/').filter((p, k) => p.length > 0 || k === 0);
  let paths: string[] = [abs ? '' : '.'];
  const startIdx = abs ? 1 : 0;
  for (let k = startIdx; k < parts.length; k++) {
    const part = parts[k]!;
    const next: string[] = [];
    for (const base of paths) {
      const dir = base === '' ? '/' : base;
      if (!hasGlob(part)) {
        const p = (base === '.' ? '' : base) + (abs || base !== '.' ? '/' : '') + unescapePattern(part);
        if (k === parts.length - 1 ? ctx.fs.lstat(p.startsWith('/') ? p : '/' + p) : ctx.fs.stat(p.startsWith('/') ? p : '/' + p)) next.push(p);
        continue;
      }
      const listed = ctx.fs.readdir(dir === '.' ? '/' : dir);
      // readdir(3) also returns "." and "..", which only a pattern starting with '.' matches.
      const entries = listed === undefined ? [] : part.startsWith('.') || part.startsWith('\\.') ? ['.', '..', ...listed] : listed;
      for (const e of [...entries].sort()) {
        if (e.startsWith('.') && !part.startsWith('.') && !part.startsWith('\\.')) continue;
        if (patternMatch(part, e)) next.push((base === '.' ? '' : base) + '/' + e);
      }
    }
    paths = next;
  }
  const out = paths.map((p) => (abs ? p : p.replace(/^\//, '')));
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
