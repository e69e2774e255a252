/**
 * `auxbus export --format sysfs|umockdev|desc [OUT] [MACHINE OPTIONS | --scenario FILE [--until N]]`:
 * write the machine for other tools.
 *
 * - `sysfs DIR`: DIR/sys (modes, symlinks, attribute bytes), DIR/run/udev (database and tag
 *   index) and DIR/dev.txt (the /dev listing: `node c MODE UID GID MAJ MIN PATH`, `link T PATH`).
 *   Real `lspci -A linux-sysfs -O sysfs.path=DIR/sys/bus/pci` and real `udevadm info` (with
 *   DIR/sys at /sys and DIR/run/udev at /run/udev) read it.
 * - `umockdev [FILE]`: umockdev-record's format, for `umockdev-run -d FILE -- CMD`.
 * - `desc [FILE]`: the device description `auxbus udevadm test --device FILE` takes.
 *
 * FILE `-` or none: standard output. DIR must be absent or empty.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option } from 'commander';
import { kerr } from '../base/index.js';
import { newCommand, runCommand } from './command.js';
import { devList, dumpSysfs, dumpUdevDb } from './export-sysfs.js';
import { type CliIo, ExitStatus } from './io.js';
import { type MachineArgs, addMachineOptions, openMachine } from './machine-args.js';
import { recordSysfs } from './recording.js';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addMachineOptions(newCommand('export', io).description('write a machine as sysfs files, a umockdev recording or a device description'))
    .argument('[out]', 'DIR for sysfs; FILE (or - for standard output) for umockdev and desc')
    .addOption(new Option('--format <format>', 'what to write').choices(['sysfs', 'umockdev', 'desc']).makeOptionMandatory())
    .option('--match <devpath>', 'umockdev/desc: only devices whose devpath starts with this');
  return runCommand(cmd, argv, io, () => {
    const o = cmd.opts<MachineArgs & { format: 'sysfs' | 'umockdev' | 'desc'; match?: string }>();
    const out = cmd.processedArgs[0] as string | undefined;
    if (o.format === 'sysfs' && (out === undefined || out === '-')) throw kerr('EINVAL', '--format sysfs needs a directory');
    const live = openMachine(o, io);
    if (typeof live === 'number') return live;
    const { udev } = live;
    if (o.format === 'sysfs') {
      const dir = path.resolve(io.cwd, out!);
      if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw kerr('EEXIST', `${out}: directory is not empty`);
      fs.mkdirSync(dir, { recursive: true });
      dumpSysfs(udev.sysfs, path.join(dir, 'sys'));
      dumpUdevDb(udev.daemon.db, path.join(dir, 'run', 'udev'));
      fs.writeFileSync(path.join(dir, 'dev.txt'), devList(udev.devfs));
      return ExitStatus.OK;
    }
    const text = recordSysfs(udev.sysfs, udev.daemon.db, o.format, o.match);
    if (out === undefined || out === '-') io.stdout(text);
    else fs.writeFileSync(path.resolve(io.cwd, out), text, 'latin1');
    return ExitStatus.OK;
  });
}
