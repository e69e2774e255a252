/**
 * Running programs for PROGRAM, IMPORT{program} and RUN (twin of udev_event_spawn(), later
 * upstream's udev-spawn.c): udev 252's argument splitting, the /usr/lib/udev/ prefix for
 * relative names, the device properties as environment, stdout capture with its 16 KiB limit.
 * No process is ever started: programs are handlers in a registry the host can extend
 * (programs.ts provides echo, printf, true, false and sh -c).
 */
import type { SysfsAccess } from './sources/sysfs-access.js';
import type { DevFs } from './sources/sysfs-source.js';

/** Where relative program names are looked up (UDEVLIBEXECDIR). */
export const UDEV_LIBEXEC_DIR = '/usr/lib/udev';

/**
 * What a program handler gets: argv (argv[0] the resolved path), environment, stdin and the
 * filesystems. All strings are byte strings (one char per byte, as `bytes.ts` converts them),
 * because programs see and print bytes; for ASCII they are ordinary text.
 */
export interface ProgramContext {
  readonly argv: readonly string[];
  readonly env: ReadonlyMap<string, string>;
  /** Standard input ("" for programs udev starts; a pipe's data inside sh). */
  readonly stdin: string;
  /** Filesystem access as root: /sys, /proc/sys and whatever else the SysfsSource serves. */
  readonly fs: SysfsAccess;
  /** /dev, when the host has one (for `test -b /dev/sda` and the like). */
  readonly devfs: DevFs | undefined;
  /** Run another registered program (for shells); same contract as the handler's result. */
  exec(argv: readonly string[], stdin?: string): ProgramResult;
  /** True if a program is registered at this absolute path. */
  has(path: string): boolean;
}

/** What a program produced. */
export interface ProgramResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A program: synchronous and deterministic. Strings are byte strings. */
export type ProgramHandler = (ctx: ProgramContext) => ProgramResult;

/** Programs by absolute path. */
export class ProgramRegistry {
  readonly #handlers = new Map<string, ProgramHandler>();

  /** Register (or replace) the handler for an absolute path such as /usr/lib/udev/foo. */
  register(path: string, handler: ProgramHandler): this {
    this.#handlers.set(path, handler);
    return this;
  }

  get(path: string): ProgramHandler | undefined {
    return this.#handlers.get(path);
  }

  has(path: string): boolean {
    return this.#handlers.has(path);
  }

  /** A copy that can be extended without touching this registry. */
  clone(): ProgramRegistry {
    const r = new ProgramRegistry();
    for (const [p, h] of this.#handlers) r.register(p, h);
    return r;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#handlers];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/**
 * strv_split_full(EXTRACT_UNQUOTE|EXTRACT_RELAX|EXTRACT_RETAIN_ESCAPE): split at whitespace;
 * single and double quotes group and are removed (an unterminated quote runs to the end);
 * backslashes are kept as they are; `''` gives an empty word.
 */
export function splitCommand(cmd: string): string[] {
  const cached = splitCache.get(cmd);
  if (cached) return cached.slice();
  const out: string[] = [];
  const n = cmd.length;
  let i = 0;
  for (;;) {
    while (i < n && isSep(cmd.charCodeAt(i))) i++;
    if (i >= n) break;
    let word = '';
    let quote = 0;
    for (; i < n; i++) {
      const c = cmd.charCodeAt(i);
      if (quote !== 0) {
        if (c === quote) quote = 0;
        else word += cmd[i];
        continue;
      }
      if (c === 39 /* ' */ || c === 34 /* " */) {
        quote = c;
        continue;
      }
      if (isSep(c)) break;
      word += cmd[i];
    }
    out.push(word);
  }
  if (splitCache.size > 1024) splitCache.clear();
  splitCache.set(cmd, out);
  return out.slice();
}

/** WHITESPACE separators. */
function isSep(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Builtin and program command lines repeat across events: their splits are memoised. */
const splitCache = new Map<string, string[]>();

/** The outcome of udev_event_spawn(). */
export type SpawnOutcome =
  | { readonly kind: 'exited'; readonly exitCode: number; readonly stdout: string; readonly stderr: string; readonly truncated: boolean }
  | { readonly kind: 'error'; readonly errno: 'EINVAL'; readonly message: string };

/** Size of the buffer PROGRAM/IMPORT output is captured into (UDEV_LINE_SIZE). */
const RESULT_SIZE = 16384;

/**
 * udev_event_spawn(): split, resolve, run. `env` is the device's properties (in order). A
 * program not in the registry behaves like a failed execve() in the child: exit status 1,
 * no output. An empty command is the only spawn error ("Invalid command").
 */
export function spawnProgram(
  registry: ProgramRegistry,
  fs: SysfsAccess,
  devfs: DevFs | undefined,
  cmd: string,
  env: ReadonlyMap<string, string>,
): SpawnOutcome {
  const argv = splitCommand(cmd);
  if (argv.length === 0 || argv[0]!.length === 0) return { kind: 'error', errno: 'EINVAL', message: `Invalid command '${cmd}'` };
  if (argv[0]!.charCodeAt(0) !== 47) argv[0] = UDEV_LIBEXEC_DIR + '/' + argv[0];
  const progEnv = new Map<string, string>();
  progEnv.set('UDEV_DATABASE_VERSION', '1');
  for (const [k, v] of env) progEnv.set(k, v);
  const r = runRegistered(registry, fs, devfs, argv, progEnv, '');
  let stdout = r.stdout;
  let truncated = false;
  if (stdout.length >= RESULT_SIZE) {
    stdout = stdout.slice(0, RESULT_SIZE - 1);
    truncated = true;
  }
  return { kind: 'exited', exitCode: r.exitCode, stdout, stderr: r.stderr, truncated };
}

/** Run argv through the registry; unknown programs fail like a failed exec (status 1). */
export function runRegistered(
  registry: ProgramRegistry,
  fs: SysfsAccess,
  devfs: DevFs | undefined,
  argv: readonly string[],
  env: ReadonlyMap<string, string>,
  stdin: string,
): ProgramResult {
  const handler = registry.get(argv[0] ?? '');
  if (!handler) return { exitCode: 1, stdout: '', stderr: '' };
  const ctx: ProgramContext = {
    argv,
    env,
    stdin,
    fs,
    devfs,
    exec: (a, input = '') => runRegistered(registry, fs, devfs, a, env, input),
    has: (p) => registry.has(p),
  };
  try {
    return handler(ctx);
  } catch {
    // A host handler that throws is a crashed child: udev sees a failure.
    return { exitCode: 1, stdout: '', stderr: '' };
  }
}
