/**
 * The hwdb on a real filesystem (Node only): the first hwdb.bin of HWDB_BIN_PATHS below a root
 * directory, the .hwdb source files of HWDB_SOURCE_DIRS in udev's order, and writing a
 * compiled database.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HwdbBin, type HwdbOpenError } from './hwdb-bin.js';
import { hwdbFileOrder, type HwdbSourceFile } from './hwdb-compile.js';
import { HWDB_BIN_PATHS, HWDB_SOURCE_DIRS } from './index.js';

/** sd_hwdb_new(): the first existing hwdb.bin below `root`, opened; ENOENT when there is none. */
export function openSystemHwdb(root = '/'): { hwdb: HwdbBin; path: string } | { error: HwdbOpenError | 'ENOENT' } {
  for (const p of HWDB_BIN_PATHS) {
    const full = join(root, p);
    if (!existsSync(full)) continue;
    const h = HwdbBin.open(new Uint8Array(readFileSync(full)));
    return typeof h === 'string' ? { error: h } : { hwdb: h, path: p };
  }
  return { error: 'ENOENT' };
}

/** Open a hwdb.bin file, or compile a directory of .hwdb files / a single .hwdb file. */
export function openHwdbPath(path: string): HwdbBin | HwdbOpenError | 'ENOENT' {
  if (!existsSync(path)) return 'ENOENT';
  const bytes = new Uint8Array(readFileSync(path));
  return HwdbBin.open(bytes);
}

/** The .hwdb files below `root` in import order, with their contents as byte strings. */
export function readHwdbSources(root = '/', dirs: readonly string[] = HWDB_SOURCE_DIRS): HwdbSourceFile[] {
  const paths: string[] = [];
  for (const d of dirs) {
    const full = join(root, d);
    if (!existsSync(full)) continue;
    for (const f of readdirSync(full)) paths.push(join(d, f));
  }
  return hwdbFileOrder(paths).map((p) => ({ path: p, text: readFileSync(join(root, p), 'latin1') }));
}

export function writeHwdbBin(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes, { mode: 0o444 });
}
