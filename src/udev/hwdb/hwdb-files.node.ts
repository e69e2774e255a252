/**
 * The hwdb on a real filesystem (Node only): the first hwdb.bin of HWDB_BIN_PATHS below a root
 * directory, the .hwdb source files of HWDB_SOURCE_DIRS in udev's order, a `--hwdb PATH`
 * argument (a hwdb.bin, a .hwdb file or a directory of them), and writing a compiled database.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HwdbBin, type HwdbOpenError } from './hwdb-bin.js';
import { compileHwdb, hwdbFileOrder, type HwdbSourceFile } from './hwdb-compile.js';
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

/**
 * `--hwdb PATH`: a compiled hwdb.bin (recognised by its signature), a .hwdb text file, a
 * directory whose *.hwdb files are compiled in file-name order, or `system` (openHostHwdb). Errors: ENOENT, EINVAL/EIO
 * (a damaged hwdb.bin), with the compiler's warnings.
 */
export function openHwdbPath(path: string): { hwdb: HwdbBin; warnings: string[] } | { error: HwdbOpenError | 'ENOENT' } {
  if (path === 'system') return openHostHwdb('/');
  if (!existsSync(path)) return { error: 'ENOENT' };
  let sources: HwdbSourceFile[];
  if (statSync(path).isDirectory()) {
    sources = hwdbFileOrder(readdirSync(path).map((f) => join(path, f))).map((p) => ({ path: p, text: readFileSync(p, 'latin1') }));
  } else {
    const bytes = new Uint8Array(readFileSync(path));
    if (!path.endsWith('.hwdb')) {
      const h = HwdbBin.open(bytes);
      return typeof h === 'string' ? { error: h } : { hwdb: h, warnings: [] };
    }
    sources = [{ path, text: readFileSync(path, 'latin1') }];
  }
  const { bytes, warnings } = compileHwdb(sources);
  const h = HwdbBin.open(bytes);
  return typeof h === 'string' ? { error: h } : { hwdb: h, warnings };
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

/**
 * `--hwdb system`: the host's database as udev finds it — the first hwdb.bin of HWDB_BIN_PATHS,
 * else its hwdb.d text files compiled (a host with .hwdb files but no compiled database).
 */
export function openHostHwdb(root = '/'): { hwdb: HwdbBin; warnings: string[] } | { error: HwdbOpenError | 'ENOENT' } {
  const sys = openSystemHwdb(root);
  if ('hwdb' in sys) return { hwdb: sys.hwdb, warnings: [] };
  if (sys.error !== 'ENOENT') return { error: sys.error };
  const sources = readHwdbSources(root);
  if (sources.length === 0) return { error: 'ENOENT' };
  const { bytes, warnings } = compileHwdb(sources);
  const h = HwdbBin.open(bytes);
  return typeof h === 'string' ? { error: h } : { hwdb: h, warnings };
}
