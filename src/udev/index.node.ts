/**
 * udev's Node-only surface, beside index.ts: the sources that read real files — `DiskSysfs`, a
 * sysfs tree on disk (a dump, or the real /sys). The package exports it as `auxbus/udev/node`.
 */
export { DiskSysfs } from './sources/sysfs-disk.node.js';
