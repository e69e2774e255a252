/**
 * Runs a commander program for one verb with the verb's io. The one error form of every verb:
 * `auxbus VERB: message` on stderr (usage errors and DriverModelError alike), exit 2; never a
 * stack trace. Input files report `file:line:col: message` themselves.
 */
import { Command, CommanderError, Option } from 'commander';
import { DriverModelError } from '../base/index.js';
import { type CliIo, ExitStatus } from './io.js';

export function newCommand(name: string, io: CliIo): Command {
  const prog = `auxbus ${name}`;
  return new Command(prog)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(`${prog}: ${s.replace(/^error: /, '')}`),
    })
    .allowExcessArguments(false);
}

/** A device argument: `/sys/…`, `/dev/…`, `/devices/…`. */
const DEVICE_ARG = /^\/(sys|dev|devices)(\/|$)/;

/**
 * Option lists (`--rules A B`, `--preset X Y`) take every argument up to the next option, as
 * commander's variadic options do. So that they cannot swallow a verb's positional arguments,
 * after the first value of a list (always the option's), an argument ends the list and is moved
 * behind `--` (where only positional arguments are) when it names a device (`/sys/…`, `/dev/…`,
 * `/devices/…`), in a `--rules` list when it does not end in `.rules` (a scenario, a
 * recording, a directory: a second rules directory takes a second `--rules`), and in a list of
 * a closed set (`--preset`, `--module`: see `closedListOption`) when it is not one of the set.
 */
export function unswallow(
  argv: readonly string[],
  variadic: readonly string[] = ['--rules', '--preset', '--module'],
  closed: Readonly<Record<string, readonly string[]>> = {},
): string[] {
  const keep: string[] = [];
  const moved: string[] = [];
  let list: string | undefined;
  let first = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      moved.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      list = variadic.includes(a) ? a : undefined;
      first = true;
      keep.push(a);
      continue;
    }
    const set = list !== undefined ? closed[list] : undefined;
    if (
      list !== undefined &&
      !first &&
      (DEVICE_ARG.test(a) || (list === '--rules' && !a.endsWith('.rules')) || (set !== undefined && !set.includes(a)))
    ) {
      moved.push(a);
      continue;
    }
    first = false;
    keep.push(a);
  }
  return moved.length > 0 ? [...keep, '--', ...moved] : keep;
}

/** The values of variadic options whose lists hold a closed set of names (presets, modules). */
const closedLists = new WeakMap<Option, readonly string[]>();

/**
 * A variadic option (`--preset <name...>`) whose values are a closed set: an argument outside
 * the set ends its list, so `--preset cxl-type3 discover DEV` leaves `discover DEV` positional.
 * Values are still checked where the option is used (an unknown first value is refused there).
 */
export function closedListOption(flags: string, description: string, values: readonly string[]): Option {
  const o = new Option(flags, description);
  closedLists.set(o, values);
  return o;
}

/** The long flags of `cmd`'s variadic options (`--rules <path...>`). */
function variadicFlags(cmd: Command): string[] {
  return cmd.options.filter((o) => o.variadic && o.long !== undefined).map((o) => o.long!);
}

/** The closed sets of `cmd`'s variadic options, by long flag. */
function closedSets(cmd: Command): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = {};
  for (const o of cmd.options) {
    const set = closedLists.get(o);
    if (set !== undefined && o.long !== undefined) out[o.long] = set;
  }
  return out;
}

/**
 * Parse argv (option lists made unable to swallow positional arguments, see `unswallow`), run
 * `action` with the parsed options/arguments, map failures to exit statuses.
 */
export async function runCommand(cmd: Command, argv: readonly string[], io: CliIo, action: () => number | Promise<number>): Promise<number> {
  try {
    cmd.parse(unswallow(argv, variadicFlags(cmd), closedSets(cmd)), { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? ExitStatus.OK : ExitStatus.BAD_INPUT;
    }
    if (DriverModelError.is(e)) {
      io.stderr(`${cmd.name()}: ${e.message}\n`);
      return ExitStatus.BAD_INPUT;
    }
    throw e;
  }
  try {
    return await action();
  } catch (e) {
    if (DriverModelError.is(e)) {
      io.stderr(`${cmd.name()}: ${e.message} (${e.errno})\n`);
      return ExitStatus.BAD_INPUT;
    }
    if (isSystemError(e)) {
      // A file the user named could not be read or written: one line, never a stack trace.
      io.stderr(`${cmd.name()}: ${e.path !== undefined ? `${e.path}: ` : ''}cannot ${e.syscall} (${e.code})\n`);
      return ExitStatus.BAD_INPUT;
    }
    throw e;
  }
}

/** An error of a Node system call (ENOENT from open, EACCES from write…). */
function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string; syscall: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}
