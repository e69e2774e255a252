/**
 * `auxbus import FILE | --host-sysfs [ROOT]`: build a machine view from a umockdev recording
 * (ours or real umockdev-record's) or a device description, or snapshot a real /sys read-only
 * (ROOT, default /sys; `--match DEVPATH` narrows it), then print its device list (devpath
 * depth, name, subsystem, driver) — or, with `--format umockdev|desc`, write it again, so a
 * host's devices become a description `auxbus udevadm test --device` runs rules against.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option } from 'commander';
import { DriverModelError, kerr } from '../base/index.js';
import { type SysfsSource, type UdevDatabase, loadDeviceDesc } from '../udev/index.js';
import { DiskSysfs } from '../udev/index.node.js';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus } from './io.js';
import { recordSysfs, sysfsDeviceList } from './recording.js';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = newCommand('import', io)
    .description('build a machine view from a umockdev recording or a host /sys and print it')
    .argument('[file]', 'umockdev recording or device description')
    .option('--host-sysfs [root]', 'snapshot a real /sys (read-only; default /sys)')
    .option('--match <devpath>', 'only devices whose devpath starts with this')
    .addOption(
      new Option('--format <format>', 'write the imported devices instead of listing them').choices(['list', 'umockdev', 'desc']).default('list'),
    )
    .option('-o, --output <file>', 'write to FILE instead of standard output');
  return runCommand(cmd, argv, io, () => {
    const o = cmd.opts<{ hostSysfs?: string | boolean; match?: string; format: 'list' | 'umockdev' | 'desc'; output?: string }>();
    const file = cmd.processedArgs[0] as string | undefined;
    if ((file === undefined) === (o.hostSysfs === undefined)) throw kerr('EINVAL', 'give a recording FILE or --host-sysfs [ROOT], not both');
    let sysfs: SysfsSource;
    let db: UdevDatabase | undefined;
    if (file !== undefined) {
      let text: string;
      try {
        text = fs.readFileSync(path.resolve(io.cwd, file), 'latin1');
      } catch {
        io.stderr(`${file}:1:1: cannot read the file\n`);
        return ExitStatus.BAD_INPUT;
      }
      try {
        const env = loadDeviceDesc(text, file);
        sysfs = env.sysfs;
        db = env.database;
      } catch (e) {
        if (DriverModelError.is(e)) {
          io.stderr(`${e.message}\n`);
          return ExitStatus.BAD_INPUT;
        }
        throw e;
      }
    } else {
      const root = typeof o.hostSysfs === 'string' ? o.hostSysfs : '/sys';
      if (!fs.existsSync(path.join(path.resolve(io.cwd, root), 'devices'))) throw kerr('ENOENT', `${root}: no devices/ directory (not a sysfs tree)`);
      sysfs = new DiskSysfs(path.resolve(io.cwd, root));
    }
    const text = o.format === 'list' ? sysfsDeviceList(sysfs, o.match) : recordSysfs(sysfs, db, o.format, o.match);
    if (o.output !== undefined) fs.writeFileSync(path.resolve(io.cwd, o.output), text, 'latin1');
    else io.stdout(text);
    return ExitStatus.OK;
  });
}
