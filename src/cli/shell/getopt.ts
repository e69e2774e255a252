/**
 * A small getopt_long for the shell's commands (the shell runs in a browser too, so it cannot
 * use commander): `-a`, `-abc`, `-q VALUE`, `-qVALUE`, `--long`, `--long=VALUE`, `--long VALUE`,
 * `--` ending options; options after positional arguments are accepted, as getopt does.
 */
import { kerr } from '../../base/index.js';

export interface OptSpec {
  /** Long name (`attribute-walk`) and optional short letter (`a`). */
  readonly long: string;
  readonly short?: string;
  readonly arg?: boolean;
}

export interface Parsed {
  /** Values by long name; flags are `''`; repeated options keep every value. */
  readonly opts: Map<string, string[]>;
  readonly args: string[];
}

/** Parses `argv` against `specs`; throws EINVAL naming an unknown option or a missing value. */
export function getopt(argv: readonly string[], specs: readonly OptSpec[]): Parsed {
  const opts = new Map<string, string[]>();
  const args: string[] = [];
  const put = (s: OptSpec, v: string) => opts.set(s.long, [...(opts.get(s.long) ?? []), v]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const s = specs.find((x) => x.long === name);
      if (!s) throw kerr('EINVAL', `unrecognized option '--${name}'`);
      if (s.arg) {
        if (eq >= 0) put(s, a.slice(eq + 1));
        else if (i + 1 < argv.length) put(s, argv[++i]!);
        else throw kerr('EINVAL', `option '--${name}' requires an argument`);
      } else {
        if (eq >= 0) throw kerr('EINVAL', `option '--${name}' doesn't allow an argument`);
        put(s, '');
      }
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const s = specs.find((x) => x.short === a[j]);
        if (!s) throw kerr('EINVAL', `invalid option -- '${a[j]}'`);
        if (s.arg) {
          if (j + 1 < a.length) put(s, a.slice(j + 1));
          else if (i + 1 < argv.length) put(s, argv[++i]!);
          else throw kerr('EINVAL', `option requires an argument -- '${a[j]}'`);
          break;
        }
        put(s, '');
      }
    } else args.push(a);
  }
  return { opts, args };
}

export const has = (p: Parsed, long: string): boolean => p.opts.has(long);
export const last = (p: Parsed, long: string): string | undefined => p.opts.get(long)?.at(-1);
