/**
 * The `btrfs` builtin (udev-builtin-btrfs.c, 252): `btrfs ready DEVNODE`. A machine without the
 * btrfs module has no /dev/btrfs-control; 252 then answers "not ready" (ID_BTRFS_READY=0) and
 * succeeds. Other argument lists fail with EINVAL ("Invalid arguments", an error).
 */
import type { Builtin, BuiltinContext } from './builtin.js';

function run(ctx: BuiltinContext): 'EINVAL' | undefined {
  if (ctx.argv.length !== 3 || ctx.argv[1] !== 'ready') {
    ctx.host.log('error', 'Invalid arguments');
    return 'EINVAL';
  }
  ctx.dev.addProperty('ID_BTRFS_READY', '0');
  return undefined;
}

export const btrfsBuiltin: Builtin = { name: 'btrfs', runOnce: false, run };
