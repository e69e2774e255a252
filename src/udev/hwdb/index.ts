/**
 * hwdb — the hardware database of systemd 252: reading compiled `hwdb.bin` files (HwdbBin),
 * compiling `.hwdb` text files into one (compileHwdb), and the file order udev uses
 * (hwdbFileOrder). Reading from disk lives in hwdb-files.node.ts (Node only).
 */
export { HwdbBin, type HwdbEntry, type HwdbOpenError } from './hwdb-bin.js';
export { compileHwdb, hwdbFileOrder, type HwdbSourceFile } from './hwdb-compile.js';

/** Where sd_hwdb_new() looks for hwdb.bin, in order (hwdb_bin_paths, Debian: no split /usr). */
export const HWDB_BIN_PATHS: readonly string[] = [
  '/etc/systemd/hwdb/hwdb.bin',
  '/etc/udev/hwdb.bin',
  '/usr/lib/systemd/hwdb/hwdb.bin',
  '/usr/lib/udev/hwdb.bin',
];

/** Where `hwdb --update` reads .hwdb files from (conf_file_dirs), highest priority first. */
export const HWDB_SOURCE_DIRS: readonly string[] = ['/etc/udev/hwdb.d', '/usr/lib/udev/hwdb.d'];
