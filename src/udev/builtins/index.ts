/**
 * The builtin table (udev-builtin.c): one entry per BuiltinId, in 252's lookup order, and
 * running a builtin command line (split like a program's argv).
 */
import { type BuiltinId, BuiltinName } from '../rules/token.js';
import { splitCommand } from '../spawn.js';
import type { FsError } from '../sources/sysfs-access.js';
import type { UdevDevice } from '../device.js';
import type { Builtin, BuiltinHost } from './builtin.js';
import { kmodBuiltin } from './kmod.js';
import { netIdBuiltin } from './net-id.js';
import { pathIdBuiltin } from './path-id.js';
import { uaccessBuiltin } from './stubs.js';
import { netSetupLinkBuiltin } from './net-setup-link.js';
import { blkidBuiltin } from './blkid.js';
import { btrfsBuiltin } from './btrfs.js';
import { hwdbBuiltin } from './hwdb.js';
import { inputIdBuiltin } from './input-id.js';
import { keyboardBuiltin } from './keyboard.js';
import { usbIdBuiltin } from './usb-id.js';

export type { Builtin, BuiltinContext, BuiltinHost, HwdbLookup, LinkFileInput } from './builtin.js';

/** Builtins by id; the index is the BuiltinId. */
export const builtins: Readonly<Record<BuiltinId, Builtin>> = {
  [BuiltinName.BLKID]: blkidBuiltin,
  [BuiltinName.BTRFS]: btrfsBuiltin,
  [BuiltinName.HWDB]: hwdbBuiltin,
  [BuiltinName.INPUT_ID]: inputIdBuiltin,
  [BuiltinName.KEYBOARD]: keyboardBuiltin,
  [BuiltinName.KMOD]: kmodBuiltin,
  [BuiltinName.NET_ID]: netIdBuiltin,
  [BuiltinName.NET_SETUP_LINK]: netSetupLinkBuiltin,
  [BuiltinName.PATH_ID]: pathIdBuiltin,
  [BuiltinName.USB_ID]: usbIdBuiltin,
  [BuiltinName.UACCESS]: uaccessBuiltin,
};

/** udev_builtin_run(): split the command and run builtin `id` on `dev`. */
export function runBuiltin(id: BuiltinId, dev: UdevDevice, command: string, host: BuiltinHost): FsError | undefined {
  const argv = splitCommand(command);
  return builtins[id].run({ dev, argv, host });
}
