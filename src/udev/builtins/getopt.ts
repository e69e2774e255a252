/**
 * getopt_long() as builtins call it: short options `-x VALUE`/`-xVALUE`, long options
 * `--name=VALUE`/`--name VALUE` (unique prefixes accepted), GNU argument permutation (operands
 * may come before options), `--` ends options. Unknown options are skipped (getopt prints to
 * stderr and returns '?', which the builtins ignore).
 */
export function parseLongOptions(
  argv: readonly string[],
  withArg: Readonly<Record<string, string>>,
  flags: Readonly<Record<string, string>> = {},
): { options: Map<string, string>; operands: string[] } {
  const options = new Map<string, string>();
  const operands: string[] = [];
  const longNames = new Map<string, { key: string; arg: boolean }>();
  for (const [k, n] of Object.entries(withArg)) longNames.set(n, { key: k, arg: true });
  for (const [k, n] of Object.entries(flags)) longNames.set(n, { key: k, arg: false });
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      let spec = longNames.get(name);
      if (!spec) {
        const cands = [...longNames.keys()].filter((n) => n.startsWith(name));
        if (cands.length === 1) spec = longNames.get(cands[0]!);
      }
      if (!spec) continue;
      if (!spec.arg) options.set(spec.key, '');
      else if (eq >= 0) options.set(spec.key, a.slice(eq + 1));
      else if (i + 1 < argv.length) options.set(spec.key, argv[++i]!);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const c = a[k]!;
        if (c in withArg) {
          if (k + 1 < a.length) options.set(c, a.slice(k + 1));
          else if (i + 1 < argv.length) options.set(c, argv[++i]!);
          break;
        }
        if (c in flags) options.set(c, '');
      }
      continue;
    }
    operands.push(a);
  }
  return { options, operands };
}
