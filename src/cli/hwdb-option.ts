/**
 * `--hwdb PATH` of the udev verbs: the database to use (hwdb.bin, .hwdb file or directory of
 * them); without it none (runs do not depend on the host; `--hwdb /usr/lib/udev/hwdb.bin`
 * uses the host's).
 * Returns null (after a message) when PATH cannot be used.
 */
import { strerror, type ErrnoName } from '../base/index.js';
import type { HwdbLookup } from '../udev/index.js';
import { openHwdbPath } from '../udev/index.node.js';
import { resolve } from 'node:path';
import type { CliIo } from './io.js';

export function loadHwdbOption(path: string | undefined, io: CliIo): HwdbLookup | undefined | null {
  if (path === undefined) return undefined;
  const r = openHwdbPath(path === 'system' ? path : resolve(io.cwd, path));
  if ('error' in r) {
    io.stderr(`${path}:1:1: cannot use as hwdb: ${strerror(r.error as ErrnoName)}\n`);
    return null;
  }
  for (const w of r.warnings) io.stderr(w + '\n');
  return r.hwdb;
}
