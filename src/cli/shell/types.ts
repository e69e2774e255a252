/**
 * The shell's types: what a command sees of its session (ShellSessionApi) and of one run
 * (ShellContext), and the command shape. Kept apart from session.ts so command files and the
 * session do not import each other.
 */
import type { Machine, MachineUdev } from '../../machine/index.js';
import type { Process } from '../../userspace/index.js';

/** Where `echo … > FILE` puts rules files for `udevadm control --reload`. */
export const RULES_DIR = '/etc/udev/rules.d';

export interface ShellSessionApi {
  readonly machine: Machine;
  readonly udev: MachineUdev;
  readonly history: readonly string[];
  cwd: string;
  readonly commands: ReadonlyMap<string, ShellCommand>;
  readonly rulesFiles: Map<string, string>;
  readonly proc: Process;
  rulesFileName(path: string): string | undefined;
  path(p: string): string;
  runCommand(argv: readonly string[], redirect: string | undefined, proc?: Process): ShellOutput;
  become(proc: Process): void;
}

export interface ShellOutput {
  readonly stdout: string;
  readonly stderr: string;
  /** The status of the last command of the line (0 ok, 1 failed, 2 usage). */
  readonly status: number;
}

export interface ShellContext {
  readonly session: ShellSessionApi;
  readonly machine: Machine;
  readonly udev: MachineUdev;
  /** The process the command acts as. */
  readonly proc: Process;
  readonly json: boolean;
  readonly color: boolean;
  out(text: string): void;
  err(text: string): void;
  /** Structured output for --json. */
  data(value: unknown): void;
  /** A path made absolute against the working directory. */
  path(p: string): string;
}

export interface ShellCommand {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  /** What the arguments complete to (default paths). */
  readonly completes?: 'paths' | 'commands' | 'none' | ((session: ShellSessionApi, index: number) => readonly string[]);
  /** The command applies `> FILE` itself (`as` runs its command with it, as the other process). */
  readonly handlesRedirect?: boolean;
  /** Runs; returns the exit status (throws DriverModelError for a failed system call). */
  run(ctx: ShellContext, args: readonly string[], redirect?: string): number;
}

export interface ShellSessionOptions {
  readonly color?: boolean;
}
