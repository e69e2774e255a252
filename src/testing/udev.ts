/**
 * The udev database as a test reads it: `udevProperties` gives a device's properties as
 * `udevadm info -q property` shows them (uevent file, then the database udevd wrote), as a plain
 * frozen object — so vitest's own `toHaveProperty(key, value)` asserts on it with its usual message.
 */
import { machineUdev, type Machine } from '../machine/index.js';
import { SysfsAccess, UdevDevice } from '../udev/index.js';
import { kerr } from '../base/index.js';
import { type DeviceRef, deviceOf } from './ownership.js';

/** Every udev property of `device`, sorted by key. @throws {DriverModelError} ENODEV when it has left sysfs. */
export function udevProperties(machine: Machine, device: DeviceRef): Readonly<Record<string, string>> {
  const dev = deviceOf(machine, device);
  const udev = machineUdev(machine);
  const d = UdevDevice.fromSyspath(new SysfsAccess(udev.sysfs), udev.daemon.db, `/sys${dev.devpath}`);
  if (typeof d === 'string') throw kerr('ENODEV', `no device '${dev.name}' in sysfs`);
  return Object.freeze(Object.fromEntries([...d.allProperties()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}
