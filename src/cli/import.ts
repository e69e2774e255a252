/**
 * `auxbus import FILE | --host-sysfs [ROOT]`: build a machine view from a umockdev recording
 * (ours or real umockdev-record's) or a device description, or snapshot a real /sys read-only
 * (ROOT, default /sys; `--match DEVPATH` narrows it), then print its device list (devpath
 * depth, name, subsystem, driver) — or, with `--format umockdev|desc`, write it again, so a
 * host's devices become a description `auxbus udevadm test --device` runs rules against.
 * `--rules FILE|DIR…` runs an `add` event for every imported device through those rules (as
 * `udevadm test` does, one database for all), so the udev database a umockdev recording or a
 * description carries is what the rules make of the devices.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option } from 'commander';
import { DriverModelError, kerr } from '../base/index.js';
import { type DevFs, MemoryDevFs, type SysfsSource, UdevDatabase, loadDeviceDesc, runUdevTest } from '../udev/index.js';
import { DiskSysfs } from '../udev/index.node.js';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus } from './io.js';
import { addRulesOptions, loadRules } from './machine-args.js';
import { deviceDirs, recordSysfs, sysfsDeviceList } from './recording.js';
import type { RulesText } from './rules-args.js';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addRulesOptions(newCommand('import', io))
    .description('build a machine view from a umockdev recording or a host /sys and print it')
    .argument('[file]', 'umockdev recording or device description')
    .option('--host-sysfs [root]', 'snapshot a real /sys (read-only; default /sys)')
    .option('--match <devpath>', 'only devices whose devpath starts with this')
    .addOption(
      new Option('--format <format>', 'write the imported devices instead of listing them').choices(['list', 'umockdev', 'desc']).default('list'),
    )
    .option('-o, --output <file>', 'write to FILE instead of standard output');
  return runCommand(cmd, argv, io, () => {
    const o = cmd.opts<{
      hostSysfs?: string | boolean;
      match?: string;
      format: 'list' | 'umockdev' | 'desc';
      output?: string;
      rules: string[];
      strict?: boolean;
    }>();
    const file = cmd.processedArgs[0] as string | undefined;
    if ((file === undefined) === (o.hostSysfs === undefined)) throw kerr('EINVAL', 'give a recording FILE or --host-sysfs [ROOT], not both');
    const rules = loadRules(o, io);
    if (typeof rules === 'number') return rules;
    let sysfs: SysfsSource;
    let db: UdevDatabase | undefined;
    let devfs: DevFs | undefined;
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
        devfs = env.devfs;
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
    if (rules.length > 0) db = applyRules(rules, sysfs, devfs, db, o.match);
    const text = o.format === 'list' ? sysfsDeviceList(sysfs, o.match) : recordSysfs(sysfs, db, o.format, o.match);
    if (o.output !== undefined) fs.writeFileSync(path.resolve(io.cwd, o.output), text, 'latin1');
    else io.stdout(text);
    return ExitStatus.OK;
  });
}

/** An `add` event through `rules` for every imported device (parents first), into one database. */
function applyRules(
  rules: readonly RulesText[],
  sysfs: SysfsSource,
  devfs: DevFs | undefined,
  db: UdevDatabase | undefined,
  match?: string,
): UdevDatabase {
  const database = db ?? new UdevDatabase();
  runUdevTest({
    rules: rules.map((r) => ({ name: r.name, text: Uint8Array.from(r.text, (c) => c.charCodeAt(0) & 0xff) })),
    sysfs,
    devfs: devfs ?? new MemoryDevFs(),
    database,
    events: deviceDirs(sysfs, '/sys/devices', match).map((d) => ({ action: 'add', devpath: d.slice(4) })),
  });
  return database;
}
