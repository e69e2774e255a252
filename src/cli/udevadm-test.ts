/**
 * `auxbus udevadm-test --rules FILE… --device FILE.desc --event ACTION:DEVPATH… [--json]
 * [--explain]`: run rules files against a device description the way the udev oracle does.
 * Prints udevadm test's text (stdout section, then its debug log), or with --json the
 * conformance JSON lines; --explain adds the per-line explanation.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DriverModelError } from '../base/index.js';
import { formatExplain, formatRecords, loadDeviceDesc, runUdevTest } from '../udev/index.js';
import { newCommand, runCommand } from './command.js';
import { loadHwdbOption } from './hwdb-option.js';
import { type CliIo, ExitStatus } from './io.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = newCommand('udevadm-test', io)
    .description('run udev 252 rules against a described device (the oracle format)')
    .option('--rules <file...>', 'rules files (repeatable)', [] as string[])
    .option('--device <file>', 'device description (device.desc format)')
    .option('--event <action:devpath>', 'event to run, repeatable (default: add of the first P:)', collect, [] as string[])
    .option('--cmdline <text>', 'kernel command line for IMPORT{cmdline}', '')
    .option('--hwdb <path>', 'hardware database: hwdb.bin, .hwdb file, directory, or `system` for the host database (default: none)')
    .option('--json', 'print the conformance JSON-lines records')
    .option('--explain', 'explain, line by line, why each rule matched or not');
  return runCommand(cmd, argv, io, () => {
    const o = cmd.opts<{ rules: string[]; device?: string; event: string[]; cmdline: string; hwdb?: string; json?: boolean; explain?: boolean }>();
    if (o.rules.length === 0 || o.device === undefined) {
      io.stderr('udevadm-test: --rules FILE… and --device FILE.desc are required\n');
      return ExitStatus.BAD_INPUT;
    }
    const read = (file: string): Buffer | undefined => {
      try {
        return readFileSync(resolve(io.cwd, file));
      } catch (e) {
        io.stderr(`${file}:1:1: cannot read: ${(e as Error).message}\n`);
        return undefined;
      }
    };
    const rules: Array<{ name: string; text: Uint8Array }> = [];
    for (const f of o.rules) {
      const data = read(f);
      if (!data) return ExitStatus.BAD_INPUT;
      rules.push({ name: f, text: new Uint8Array(data) });
    }
    const descData = read(o.device);
    if (!descData) return ExitStatus.BAD_INPUT;
    let env: ReturnType<typeof loadDeviceDesc>;
    try {
      env = loadDeviceDesc(descData.toString('utf8'), o.device);
    } catch (e) {
      if (DriverModelError.is(e)) {
        io.stderr(`${e.message}\n`);
        return ExitStatus.BAD_INPUT;
      }
      throw e;
    }
    const events: Array<{ action: string; devpath: string }> = [];
    for (const ev of o.event) {
      const i = ev.indexOf(':');
      if (i <= 0) {
        io.stderr(`udevadm-test: --event ${ev}: expected ACTION:DEVPATH\n`);
        return ExitStatus.BAD_INPUT;
      }
      events.push({ action: ev.slice(0, i), devpath: ev.slice(i + 1) });
    }
    if (events.length === 0) events.push({ action: 'add', devpath: env.devpaths[0]! });
    const hwdb = loadHwdbOption(o.hwdb, io);
    if (hwdb === null) return ExitStatus.BAD_INPUT;
    const result = runUdevTest({
      ...(hwdb ? { hwdb } : {}),
      rules,
      sysfs: env.sysfs,
      devfs: env.devfs,
      database: env.database,
      probeBlock: env.probeBlock,
      events,
      cmdline: o.cmdline,
      explain: o.explain === true,
    });
    if (o.json) {
      io.stdout(formatRecords(result.records));
      if (o.explain)
        result.events.forEach((ev, i) => {
          for (const e of ev.explain ?? []) io.stdout(JSON.stringify({ kind: 'explain', event: i, ...e }) + '\n');
        });
    } else {
      result.events.forEach((ev, i) => {
        if (result.events.length > 1) io.stdout(`=== event ${i}: ${ev.action} ${ev.devpath}\n`);
        io.stdout(ev.stdout);
        io.stderr(ev.stderr);
        if (o.explain && ev.explain) io.stdout(`\n--- explain\n${formatExplain(ev.explain)}`);
      });
    }
    return result.events.some((e) => e.exit !== 0) ? ExitStatus.FAILED : ExitStatus.OK;
  });
}
