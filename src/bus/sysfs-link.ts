/**
 * sysfs_create_link / sysfs_remove_link on a device's directory, for links other subsystems own
 * (`physfn`, `virtfnN`, `iommu_group`). The target is computed on lookup, so a renamed or moved
 * target never leaves a stale link; the link disappears with the device's directory.
 */
import { kerr } from '../base/index.js';
import type { Device } from './device.js';

/** @throws {DriverModelError} EEXIST when the device already has a link of that name. */
export function sysfsCreateLink(dev: Device, name: string, target: Device | (() => string)): void {
  if (dev.p.sysfsLinks.has(name)) throw kerr('EEXIST', `${dev.devpath}/${name}: sysfs: cannot create duplicate filename`);
  dev.p.sysfsLinkTable().set(name, typeof target === 'function' ? target : () => `/sys${target.devpath}`);
}

/** sysfs_remove_link: a missing link is no error. */
export function sysfsRemoveLink(dev: Device, name: string): void {
  if (dev.p.sysfsLinks.size > 0) dev.p.sysfsLinkTable().delete(name);
}

export function sysfsHasLink(dev: Device, name: string): boolean {
  return dev.p.sysfsLinks.has(name);
}
