/**
 * modprobe.d configuration as libkmod reads it (libkmod-config.c kmod_config_parse,
 * kmod_config_parse_kcmdline; reference §9.3): `alias`, `blacklist`, `options`, `softdep`,
 * `weakdep`, `install`/`remove` lines of /etc/modprobe.d, then /proc/cmdline's
 * `modprobe.blacklist=` and `<mod>.<param>=<value>`. Names have '-' turned into '_' outside
 * `[...]`. A malformed line is skipped with libkmod's error text; the rest still counts.
 */

/** softdep MOD pre: A B post: C D. */
export interface Softdep {
  readonly pre: readonly string[];
  readonly post: readonly string[];
}

/** One configuration file (`name` is its base name below /etc/modprobe.d). */
export interface ModprobeConfFile {
  readonly name: string;
  readonly text: string;
}

export interface ModprobeConfig {
  /** `alias PATTERN MOD`, in file order (fnmatch patterns, consulted first by lookups). */
  readonly aliases: readonly (readonly [pattern: string, module: string])[];
  readonly blacklist: ReadonlySet<string>;
  /** `options MOD STRING`, in file order. */
  readonly options: readonly (readonly [module: string, options: string])[];
  readonly softdeps: ReadonlyMap<string, Softdep>;
  readonly weakdeps: ReadonlyMap<string, readonly string[]>;
  /** `install`/`remove` commands: parsed, never run (this model runs no shell). */
  readonly install: ReadonlyMap<string, string>;
  readonly remove: ReadonlyMap<string, string>;
  /** libkmod's diagnostics, e.g. "/etc/modprobe.d/x.conf line 3: ignoring bad line starting with 'foo'". */
  readonly errors: readonly string[];
}

export const MODPROBE_DIR = '/etc/modprobe.d';

/**
 * underscores(): '-' becomes '_' except inside a bracket expression; a ']' without '[' makes
 * the name invalid (undefined).
 */
export function underscores(name: string): string | undefined {
  let out = '';
  let inBracket = false;
  for (const c of name) {
    if (c === '[') inBracket = true;
    else if (c === ']') {
      if (!inBracket) return undefined;
      inBracket = false;
    }
    out += c === '-' && !inBracket ? '_' : c;
  }
  return out;
}

/** The empty configuration (no files). */
export function emptyModprobeConfig(): ModprobeConfig {
  return parseModprobeConfig([], '');
}

/**
 * kmod_config_new: files sorted by name (strcmp; the first of a duplicated name wins), only
 * names ending in ".conf" and not starting with '.', then the kernel command line.
 */
export function parseModprobeConfig(files: readonly ModprobeConfFile[], cmdline: string): ModprobeConfig {
  const aliases: [string, string][] = [];
  const blacklist = new Set<string>();
  const options: [string, string][] = [];
  const softdeps = new Map<string, Softdep>();
  const weakdeps = new Map<string, readonly string[]>();
  const install = new Map<string, string>();
  const remove = new Map<string, string>();
  const errors: string[] = [];

  const seen = new Set<string>();
  const sorted = files
    .filter((f) => f.name.endsWith('.conf') && f.name.length >= 6 && !f.name.startsWith('.'))
    .filter((f) => (seen.has(f.name) ? false : (seen.add(f.name), true)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  for (const file of sorted) {
    const path = `${MODPROBE_DIR}/${file.name}`;
    for (const { line, lineno } of logicalLines(file.text)) {
      const tokens = line.split(/[\t ]+/).filter((t) => t.length > 0);
      const cmd = tokens[0];
      if (cmd === undefined || cmd.startsWith('#')) continue;
      const bad = () => errors.push(`${path} line ${lineno}: ignoring bad line starting with '${cmd}'`);
      // The rest of the line after the command and one more word (options, softdep, install).
      const restAfter = (n: number) =>
        line
          .trim()
          .split(/[\t ]+/)
          .slice(n)
          .join(' ');
      switch (cmd) {
        case 'alias': {
          const pattern = tokens[1] && underscores(tokens[1]);
          const mod = tokens[2] && underscores(tokens[2]);
          if (!pattern || !mod) bad();
          else aliases.push([pattern, mod]);
          break;
        }
        case 'blacklist': {
          const mod = tokens[1] && underscores(tokens[1]);
          if (!mod) bad();
          else blacklist.add(mod);
          break;
        }
        case 'options': {
          const mod = tokens[1] && underscores(tokens[1]);
          const rest = restAfter(2);
          if (!mod || rest.length === 0) bad();
          else options.push([mod, rest]);
          break;
        }
        case 'install':
        case 'remove': {
          const mod = tokens[1] && underscores(tokens[1]);
          const rest = restAfter(2);
          if (!mod || rest.length === 0) bad();
          else (cmd === 'install' ? install : remove).set(mod, rest);
          break;
        }
        case 'softdep': {
          const mod = tokens[1] && underscores(tokens[1]);
          if (!mod) {
            bad();
            break;
          }
          // kmod_config_add_softdep: words before any "pre:"/"post:" are ignored.
          const pre: string[] = [];
          const post: string[] = [];
          let mode: 'none' | 'pre' | 'post' = 'none';
          for (const t of tokens.slice(2)) {
            if (t === 'pre:') mode = 'pre';
            else if (t === 'post:') mode = 'post';
            else if (mode !== 'none') (mode === 'pre' ? pre : post).push(underscores(t) ?? t);
          }
          softdeps.set(mod, { pre, post });
          break;
        }
        case 'weakdep': {
          const mod = tokens[1] && underscores(tokens[1]);
          if (!mod || tokens.length < 3) bad();
          else
            weakdeps.set(
              mod,
              tokens.slice(2).map((t) => underscores(t) ?? t),
            );
          break;
        }
        case 'include':
        case 'config':
          errors.push(`${path}: ${cmd} command is deprecated and will be ignored`);
          break;
        default:
          bad();
      }
    }
  }

  // kmod_config_parse_kcmdline: modprobe.blacklist=a,b and <mod>.<param>=<value>.
  for (const word of cmdline.split(/\s+/).filter((w) => w.length > 0)) {
    const eq = word.indexOf('=');
    const dot = word.indexOf('.');
    if (eq < 0 || dot < 0 || dot > eq) continue;
    const mod = underscores(word.slice(0, dot));
    const param = word.slice(dot + 1, eq);
    const value = word.slice(eq + 1);
    if (!mod || param.length === 0) continue;
    if (mod === 'modprobe' && param === 'blacklist') {
      for (const m of value.split(',')) if (m) blacklist.add(underscores(m) ?? m);
    } else if (mod !== 'modprobe') {
      options.push([mod, `${param}=${value}`]);
    }
  }
  return { aliases, blacklist, options, softdeps, weakdeps, install, remove, errors };
}

/** Lines with '\' continuations joined, each with the number of its first physical line. */
function* logicalLines(text: string): Generator<{ line: string; lineno: number }> {
  const physical = text.split('\n');
  for (let i = 0; i < physical.length; i++) {
    const lineno = i + 1;
    let line = physical[i]!;
    while (line.endsWith('\\') && i + 1 < physical.length) {
      line = `${line.slice(0, -1)} ${physical[++i]}`;
    }
    yield { line, lineno };
  }
}
