/**
 * The builtins the simulation has no data for: blkid (no block devices), btrfs, hwdb (no
 * hwdb.bin), input_id, keyboard, usb_id (no USB devices), uaccess (no seats), and
 * net_setup_link (driven by a host hook, else a "vanished link"). Each behaves as 252 does
 * when its data is missing: the lookups fail (IMPORT does not match), the others succeed
 * without setting anything.
 */
import type { Builtin } from './builtin.js';

/** hwdb without hwdb.bin returns -EINVAL. */
export const hwdbBuiltin: Builtin = { name: 'hwdb', runOnce: false, run: () => 'EINVAL' };

/** blkid cannot open a device node for probing. */
export const blkidBuiltin: Builtin = { name: 'blkid', runOnce: true, run: () => 'ENOENT' };

/** btrfs: no control device. */
export const btrfsBuiltin: Builtin = { name: 'btrfs', runOnce: false, run: () => 'ENOENT' };

/** usb_id: the device has no USB interface parent. */
export const usbIdBuiltin: Builtin = { name: 'usb_id', runOnce: true, run: () => 'ENODEV' };

/** input_id: nothing to classify. */
export const inputIdBuiltin: Builtin = { name: 'input_id', runOnce: false, run: () => undefined };

/** keyboard: no KEYBOARD_KEY_* properties, nothing to remap. */
export const keyboardBuiltin: Builtin = { name: 'keyboard', runOnce: false, run: () => undefined };

/** uaccess: no active seat session. */
export const uaccessBuiltin: Builtin = { name: 'uaccess', runOnce: false, run: () => undefined };

/** net_setup_link: the host's link configuration, if it has one. */
export const netSetupLinkBuiltin: Builtin = {
  name: 'net_setup_link',
  runOnce: false,
  run: (ctx) => {
    if (ctx.argv.length > 1) {
      ctx.host.log('error', 'This program takes no arguments.');
      return 'EINVAL';
    }
    const cfg = ctx.host.linkConfig?.(ctx.dev);
    if (!cfg) return undefined;
    if (cfg.driver !== undefined) ctx.dev.addProperty('ID_NET_DRIVER', cfg.driver);
    if (cfg.linkFile !== undefined) ctx.dev.addProperty('ID_NET_LINK_FILE', cfg.linkFile);
    if (cfg.name !== undefined) ctx.dev.addProperty('ID_NET_NAME', cfg.name);
    return undefined;
  },
};
