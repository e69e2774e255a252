/**
 * udev's Node-only surface, beside index.ts: the sources that read real files — `DiskSysfs`, a
 * sysfs tree on disk (a dump, or the real /sys), and the hwdb on disk (the system hwdb.bin,
 * hwdb.d sources, a --hwdb PATH, writing hwdb.bin). The package exports it as `auxbus/udev/node`.
 */
export { DiskSysfs } from './sources/sysfs-disk.node.js';
export { openHostHwdb, openSystemHwdb, openHwdbPath, readHwdbSources, writeHwdbBin } from './hwdb/hwdb-files.node.js';
