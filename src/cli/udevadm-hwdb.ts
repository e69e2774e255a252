/**
 * `auxbus udevadm hwdb [--update] [--test=MODALIAS] [--root DIR] [--usr] [--strict] [--hwdb PATH]`
 * (udevadm-hwdb.c, 252): --update compiles the .hwdb files of <root>/etc/udev/hwdb.d and
 * <root>/usr/lib/udev/hwdb.d into <root>/etc/udev/hwdb.bin (or <root>/usr/lib/udev/hwdb.bin with
 * --usr) in udevadm's compat layout; --strict makes parse warnings fail. --test prints the
 * properties of a modalias as KEY=VALUE lines, from --hwdb PATH (hwdb.bin, .hwdb file or
 * directory) or the system database below --root.
 */
import { join, resolve } from 'node:path';
import { compileHwdb, type HwdbBin } from '../udev/index.js';
import { openHwdbPath, openSystemHwdb, readHwdbSources, writeHwdbBin } from '../udev/index.node.js';
import { Option } from 'commander';
import { newCommand, runCommand } from './command.js';
import { loadRules } from './machine-flags.js';
import { type CliIo, ExitStatus } from './io.js';
import { strerror, type ErrnoName } from '../base/index.js';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = newCommand('udevadm hwdb', io)
    .description('update or query the hardware database')
    .option('-u, --update', 'update the hardware database')
    .option('-t, --test <modalias>', 'query the database with a modalias')
    .option('-r, --root <dir>', 'alternative root path in the filesystem', '/')
    .option('--usr', 'generate in /usr/lib/udev instead of /etc/udev')
    .option('-s, --strict', 'when updating, return non-zero exit value on any parsing error; rules diagnostics are bad input (exit 2)')
    .addOption(new Option('--rules <path...>', 'udev rules files or directories (checked: hwdb runs no rules)').default([]))
    .option('--hwdb <path>', 'query this database (hwdb.bin, .hwdb file, directory, or `system` for the host database) instead of the system one');
  return runCommand(cmd, argv, io, () => {
    const o = cmd.opts<{ update?: boolean; test?: string; root: string; usr?: boolean; strict?: boolean; hwdb?: string; rules: string[] }>();
    const rules = loadRules(o, io);
    if (typeof rules === 'number') return rules;
    if (!o.update && o.test === undefined) {
      io.stderr('auxbus udevadm hwdb: Either --update or --test must be used.\n');
      return ExitStatus.BAD_INPUT;
    }
    const root = resolve(io.cwd, o.root);
    if (o.update) {
      const sources = readHwdbSources(root);
      const { bytes, warnings } = compileHwdb(sources, { compat: true });
      for (const w of warnings) io.stderr(w + '\n');
      const target = join(root, o.usr ? '/usr/lib/udev/hwdb.bin' : '/etc/udev/hwdb.bin');
      writeHwdbBin(target, bytes);
      if (o.strict && warnings.length > 0) return ExitStatus.FAILED;
    }
    if (o.test !== undefined) {
      let hwdb: HwdbBin;
      if (o.hwdb !== undefined) {
        const r = openHwdbPath(o.hwdb === 'system' ? o.hwdb : resolve(io.cwd, o.hwdb));
        if ('error' in r) {
          io.stderr(`auxbus udevadm hwdb: ${o.hwdb}: ${strerror(r.error as ErrnoName)}\n`);
          return ExitStatus.BAD_INPUT;
        }
        for (const w of r.warnings) io.stderr(w + '\n');
        hwdb = r.hwdb;
      } else {
        const r = openSystemHwdb(root);
        if ('error' in r) {
          io.stderr(`auxbus udevadm hwdb: Failed to open hwdb: ${strerror(r.error as ErrnoName)}\n`);
          return ExitStatus.FAILED;
        }
        hwdb = r.hwdb;
      }
      for (const [k, v] of hwdb.lookup(o.test)) io.stdout(`${k}=${v}\n`);
    }
    return ExitStatus.OK;
  });
}
