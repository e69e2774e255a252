/**
 * One shell session over one live machine: the command table, the acting process (root, or
 * the process `as NAME` names), the working directory, history, and `execute(line)`, which runs
 * each command of a line and returns what it printed and its exit status. A failing command
 * prints `CMD: message` and has status 1; the session remembers that one failed (scripted mode
 * exits 1). `--json` after any command prints one JSON object instead of the text:
 * `{command, status, stdout, stderr}` plus `data` for commands with structured output.
 *
 * No node:* module here or in the command files: a browser playground runs the same session.
 */
import { DriverModelError, kerr, normalizeAbsolute } from '../../base/index.js';
import type { Machine, MachineUdev } from '../../machine/index.js';
import type { Process } from '../../userspace/index.js';
import type { ShellCommand, ShellContext, ShellOutput, ShellSessionApi, ShellSessionOptions } from './types.js';
import { RULES_DIR } from './types.js';
import { parseLine } from './words.js';

/** `PATH: message`, unless the message already names the path. */
export function withPath(path: string, message: string): string {
  return message.includes(path) ? message : `${path}: ${message}`;
}

export class ShellSession implements ShellSessionApi {
  readonly history: string[] = [];
  cwd = '/';
  /** Set once any command failed (status ≠ 0). */
  failed = false;
  readonly commands: ReadonlyMap<string, ShellCommand>;
  /** /etc/udev/rules.d: file name → text; starts as the machine's rules files. */
  readonly rulesFiles: Map<string, string>;
  #proc: Process;

  constructor(
    readonly machine: Machine,
    readonly udev: MachineUdev,
    commands: readonly ShellCommand[],
    readonly options: ShellSessionOptions = {},
  ) {
    this.commands = new Map(commands.map((c) => [c.name, c]));
    this.#proc = machine.processes.root;
    this.rulesFiles = new Map(machine.options.rules.map((r) => [r.name, r.text]));
  }

  /** The rules file `path` names in /etc/udev/rules.d, or undefined for another path. */
  rulesFileName(path: string): string | undefined {
    if (!path.startsWith(`${RULES_DIR}/`)) return undefined;
    const name = path.slice(RULES_DIR.length + 1);
    if (name === '' || name.includes('/')) throw kerr('EINVAL', `${path}: not a file of ${RULES_DIR}`);
    return name;
  }

  get proc(): Process {
    return this.#proc;
  }

  /** The prompt: `PROCESS:CWD# ` for root, `$ ` otherwise. */
  get prompt(): string {
    return `${this.#proc.name}:${this.cwd}${this.#proc.cred.uid === 0 ? '#' : '$'} `;
  }

  path(p: string): string {
    return normalizeAbsolute(p.startsWith('/') ? p : `${this.cwd === '/' ? '' : this.cwd}/${p}`);
  }

  /** Runs every command of `line`. */
  execute(line: string, proc: Process = this.#proc): ShellOutput {
    if (line.trim() !== '') this.history.push(line);
    let stdout = '';
    let stderr = '';
    let status = 0;
    let parsed;
    try {
      parsed = parseLine(line);
    } catch (e) {
      this.failed = true;
      return { stdout, stderr: `auxbus shell: ${(e as Error).message}\n`, status: 2 };
    }
    for (const { argv, redirect } of parsed) {
      const r = this.runCommand(argv, redirect, proc);
      stdout += r.stdout;
      stderr += r.stderr;
      status = r.status;
      if (status !== 0) this.failed = true;
    }
    return { stdout, stderr, status };
  }

  /** Runs one parsed command as `proc`. */
  runCommand(argv: readonly string[], redirect: string | undefined, proc: Process = this.#proc): ShellOutput {
    const [name, ...rest] = argv;
    const json = rest.includes('--json');
    const args = json ? rest.filter((a) => a !== '--json') : rest;
    let out = '';
    let err = '';
    let data: unknown;
    const cmd = this.commands.get(name!);
    if (!cmd) return { stdout: '', stderr: `${name}: command not found (try 'help')\n`, status: 127 };
    const ctx: ShellContext = {
      session: this,
      machine: this.machine,
      udev: this.udev,
      proc,
      json,
      color: this.options.color === true && !json,
      out: (t) => void (out += t),
      err: (t) => void (err += t),
      data: (v) => void (data = v),
      path: (p) => this.path(p),
    };
    let status: number;
    try {
      status = cmd.run(ctx, args, redirect);
    } catch (e) {
      status = 1;
      if (DriverModelError.is(e)) err += `${e.message.startsWith(`${name}: `) ? e.message : `${name}: ${e.message}`}\n`;
      else err += `${name}: internal error: ${(e as Error)?.message ?? String(e)}\n`;
    }
    if (redirect !== undefined && cmd.handlesRedirect !== true) {
      if (status !== 0) out = '';
    }
    if (redirect !== undefined && cmd.handlesRedirect !== true && status === 0) {
      try {
        const target = this.path(redirect);
        const rules = this.rulesFileName(target);
        if (rules !== undefined) {
          if (proc.cred.uid !== 0) throw kerr('EACCES', 'Permission denied');
          this.rulesFiles.set(rules, out);
        } else proc.writeFile(target, out);
        out = '';
      } catch (e) {
        status = 1;
        out = '';
        err += `${name}: ${withPath(redirect, DriverModelError.is(e) ? e.message : String(e))}\n`;
      }
    }
    if (json) {
      const obj: Record<string, unknown> = { command: argv.filter((a) => a !== '--json').join(' '), status, stdout: out, stderr: err };
      if (data !== undefined) obj.data = data;
      return { stdout: `${JSON.stringify(obj)}\n`, stderr: '', status };
    }
    return { stdout: out, stderr: err, status };
  }

  /** Acts as `name` for the rest of the session (`as NAME` with no command). */
  become(proc: Process): void {
    this.#proc = proc;
  }
}
