/**
 * The `kmod` builtin (udev-builtin-kmod.c): `kmod load [module…]` loads the named modules, or
 * the device's MODALIAS when none is named, through the host's module loader. Without a loader
 * (no kmod context) it succeeds without doing anything, before even checking its arguments.
 */
import type { Builtin, BuiltinContext } from './builtin.js';

function run(ctx: BuiltinContext): 'EINVAL' | 'ENOENT' | undefined {
  const load = ctx.host.loadModule;
  if (!load) return undefined;
  const argv = ctx.argv;
  if (argv.length < 2 || argv[1] !== 'load') {
    ctx.host.log('warning', `${argv[0] ?? 'kmod'}: expected: load [module…]`);
    return 'EINVAL';
  }
  const modules = argv.slice(2);
  if (modules.length === 0) {
    const modalias = ctx.dev.getProperty('MODALIAS');
    if (modalias === undefined) {
      ctx.host.log('warning', 'Failed to read property "MODALIAS".');
      return 'ENOENT';
    }
    load(modalias);
  } else for (const m of modules) load(m);
  return undefined;
}

export const kmodBuiltin: Builtin = { name: 'kmod', runOnce: false, run };
