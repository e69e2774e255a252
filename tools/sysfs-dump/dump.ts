/**
 * Dump the conformance machine (machine.ts) for tools/sysfs-dump/record-udevadm.sh: its /sys,
 * udev database and /dev listing, written by src/cli/export-sysfs.ts (what `auxbus export
 * --format sysfs` uses).
 *
 * Usage: tsx tools/sysfs-dump/dump.ts OUTDIR   → OUTDIR/sys, OUTDIR/udev/{data,tags}, OUTDIR/dev.txt
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineUdev } from '../../src/machine/index.js';
import { devList, dumpSysfs, dumpUdevDb } from '../../src/cli/export-sysfs.js';
import { conformanceMachine } from './machine.js';

export { devList, dumpSysfs, dumpUdevDb, formatDbEntry, type UnreadableFile } from '../../src/cli/export-sysfs.js';

function main(argv: readonly string[]): number {
  const out = argv[0];
  if (argv.length !== 1 || out === undefined) {
    process.stderr.write('usage: tsx tools/sysfs-dump/dump.ts OUTDIR\n');
    return 2;
  }
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) {
    process.stderr.write(`sysfs-dump: ${out}: not empty\n`);
    return 2;
  }
  fs.mkdirSync(out, { recursive: true });
  const m = conformanceMachine();
  const udev = machineUdev(m);
  const unreadable = dumpSysfs(udev.sysfs, path.join(out, 'sys'));
  dumpUdevDb(udev.daemon.db, path.join(out, 'udev'));
  fs.writeFileSync(path.join(out, 'dev.txt'), devList(udev.devfs));
  fs.writeFileSync(path.join(out, 'unreadable.txt'), unreadable.map((u) => `${u.errno} ${u.path}\n`).join(''));
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) process.exitCode = main(process.argv.slice(2));
