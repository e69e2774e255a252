/**
 * The `keyboard` builtin (udev-builtin-keyboard.c, 252): apply the hwdb's KEYBOARD_KEY_<scan>
 * (scan code → key), EVDEV_ABS_<code> and POINTINGSTICK_SENSITIVITY properties to the device.
 *
 * Without a device name it fails (ENOENT, logged as an error). Key remaps and axis overrides
 * need the evdev node opened read-write (EVIOCSKEYCODE, EVIOCSABS); a described device has no
 * evdev behind its node, so that open fails with ENXIO — "Failed to open device '…': No such
 * device or address", an error, as udevadm test reports it on a machine without the device.
 * `!`-prefixed entries with no key only extend the serio parent's `force_release` list;
 * POINTINGSTICK_SENSITIVITY (0–255) is written to the serio parent's `sensitivity`.
 */
import type { Builtin, BuiltinContext } from './builtin.js';
import { parentWithSubsystemDevtype } from './device-util.js';

function run(ctx: BuiltinContext): 'ENOENT' | 'ENXIO' | undefined {
  const { dev, host } = ctx;
  const node = dev.getDevname();
  if (node === undefined) {
    host.log('error', 'Failed to get device name: No such file or directory');
    return 'ENOENT';
  }
  const release: number[] = [];
  const openFails = (): 'ENXIO' => {
    host.log('error', `Failed to open device '${node}': No such device or address`);
    return 'ENXIO';
  };
  for (const [key, value] of dev.allProperties()) {
    if (key.startsWith('KEYBOARD_KEY_')) {
      const hex = key.slice(13);
      if (!/^[0-9a-fA-F]+$/.test(hex) || Number.parseInt(hex, 16) > 0xffffffff) {
        host.log('warning', `Failed to parse scan code from "${key}", ignoring: Invalid argument`);
        continue;
      }
      let keycode = value;
      if (keycode.startsWith('!')) {
        keycode = keycode.slice(1);
        if (release.length < 1023) release.push(Number.parseInt(hex, 16));
        if (keycode.length === 0) continue;
      }
      return openFails();
    } else if (key.startsWith('EVDEV_ABS_')) {
      const hex = key.slice(10);
      if (!/^[0-9a-fA-F]+$/.test(hex)) {
        host.log('warning', `Failed to parse EV_ABS code from "${key}", ignoring: Invalid argument`);
        continue;
      }
      return openFails();
    } else if (key === 'POINTINGSTICK_SENSITIVITY') {
      const serio = parentWithSubsystemDevtype(dev, 'serio');
      if (!serio) {
        host.log('error', 'Failed to get serio parent: No such file or directory');
        continue;
      }
      if (!/^\s*[-+]?\d+$/.test(value)) {
        host.log('error', `Failed to parse POINTINGSTICK_SENSITIVITY '${value}': Invalid argument`);
        continue;
      }
      const v = Number(value);
      if (v < 0 || v > 255) {
        host.log('error', `POINTINGSTICK_SENSITIVITY ${v} outside range [0..255]`);
        continue;
      }
      if (dev.fs.writeFile(serio.syspath + '/sensitivity', String(v)) !== undefined)
        host.log('error', "Failed to write 'sensitivity' attribute: No such file or directory");
    }
  }
  if (release.length > 0) {
    const atkbd = parentWithSubsystemDevtype(dev, 'serio');
    if (!atkbd) host.log('error', 'Failed to get serio parent: No such file or directory');
    else {
      const cur = atkbd.sysattr('force_release');
      if (cur === undefined) host.log('error', 'Failed to get force-release attribute: No such file or directory');
      else if (dev.fs.writeFile(atkbd.syspath + '/force_release', cur + release.map((r) => ',' + r).join('')) !== undefined)
        host.log('error', 'Failed to set force-release attribute: Permission denied');
    }
  }
  return undefined;
}

export const keyboardBuiltin: Builtin = { name: 'keyboard', runOnce: false, run };
