/**
 * `auxbus udevadm test`, in two forms:
 *
 * - on a machine, as udevadm 252 takes it: `udevadm test [-a ACTION] [-N early|late|never]
 *   [--explain] [--json] [MACHINE OPTIONS | --scenario FILE [--until N]] SYSPATH` — the device
 *   is read from the machine's /sys (SYSPATH `/sys/…` or `/devices/…`), the rules are the
 *   machine's; the machine is not changed (shell/udevadm-machine.ts);
 * - on a device description: `udevadm test --rules FILE|DIR… --device FILE.desc [--event
 *   ACTION:DEVPATH…]` — rules files against a described device, as the udev oracle runs them.
 *
 * Prints udevadm test's text (stdout, then its debug log on stderr), or with --json the
 * conformance JSON lines; --explain adds the per-line explanation. Exit 0, 1 when udevadm test
 * fails on the device, 2 on bad input (an unknown action, a device that does not exist, a bad
 * --event, an unreadable file).
 *
 * The description form loads no machine: the machine and the shell's `udevadm test` are imported
 * only for the machine form (test/architecture/cli-bundle.test.ts checks it).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DriverModelError, kerr } from '../base/index.js';
import { type UdevTestResult, deviceActions, formatExplain, formatRecords, loadDeviceDesc, runUdevTest } from '../udev/index.js';
import { newCommand, runCommand, unswallow } from './command.js';
import { loadHwdbOption } from './hwdb-option.js';
import { type CliIo, ExitStatus } from './io.js';
import { type MachineArgs, addMachineOptions, loadRules } from './machine-flags.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface TestArgs extends MachineArgs {
  action?: string;
  resolveNames: string;
  device?: string;
  event: string[];
  cmdline: string;
  json?: boolean;
  explain?: boolean;
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addMachineOptions(
    newCommand('udevadm test', io).description(
      'test an event run: the machine’s rules on one of its devices, or rules files on a device description',
    ),
  )
    .argument('[syspath]', 'the device, /sys/… or /devices/… (machine form)')
    .option('-a, --action <action>', `the event action (${deviceActions.join(', ')}); default add`)
    .option('-N, --resolve-names <when>', 'when to resolve user and group names: early, late or never', 'early')
    .option('--device <file>', 'device description (docs/device-desc.md) instead of a machine')
    .option('--event <action:devpath>', 'with --device: event to run, repeatable (default: add of the first P:)', collect, [] as string[])
    .option('--cmdline <text>', 'with --device: kernel command line for IMPORT{cmdline}', '')
    .option('--json', 'print the conformance JSON-lines records')
    .option('--explain', 'explain, line by line, why each rule matched or not');
  return runCommand(cmd, unswallow(argv), io, async () => {
    const o = cmd.opts<TestArgs>();
    const syspath = cmd.processedArgs[0] as string | undefined;
    if (!['early', 'late', 'never'].includes(o.resolveNames))
      throw kerr('EINVAL', `--resolve-names=${o.resolveNames}: expected early, late or never`);
    if (o.action !== undefined && !(deviceActions as readonly string[]).includes(o.action)) throw kerr('EINVAL', `Invalid action '${o.action}'`);
    let result: UdevTestResult;
    if (o.device !== undefined) {
      if (syspath !== undefined) throw kerr('EINVAL', `--device and SYSPATH '${syspath}': give the event with --event ACTION:DEVPATH`);
      const r = descTest(o, io);
      if (typeof r === 'number') return r;
      result = r;
    } else {
      if (syspath === undefined) throw kerr('EINVAL', 'a SYSPATH (/sys/… or /devices/…) or --device FILE.desc is required');
      const [{ openMachine }, { udevadmTestMachine }] = await Promise.all([import('./machine-args.js'), import('./shell/index.js')]);
      const live = openMachine(o, io);
      if (typeof live === 'number') return live;
      result = udevadmTestMachine(live.machine, live.udev, {
        action: o.action,
        resolveNames: o.resolveNames,
        syspath,
        explain: o.explain === true,
      });
    }
    print(result, o, io);
    return result.events.some((e) => e.exit !== 0) ? ExitStatus.FAILED : ExitStatus.OK;
  });
}

function print(result: UdevTestResult, o: TestArgs, io: CliIo): void {
  if (o.json) {
    io.stdout(formatRecords(result.records));
    if (o.explain)
      result.events.forEach((ev, i) => {
        for (const e of ev.explain ?? []) io.stdout(JSON.stringify({ kind: 'explain', event: i, ...e }) + '\n');
      });
    return;
  }
  result.events.forEach((ev, i) => {
    if (result.events.length > 1) io.stdout(`=== event ${i}: ${ev.action} ${ev.devpath}\n`);
    io.stdout(ev.stdout);
    io.stderr(ev.stderr);
    if (o.explain && ev.explain) io.stdout(`\n--- explain\n${formatExplain(ev.explain)}`);
  });
}

/** The description form: rules files (--rules) against --device. */
function descTest(o: TestArgs, io: CliIo): UdevTestResult | number {
  if (o.rules.length === 0) throw kerr('EINVAL', '--device needs --rules FILE|DIR…');
  const rules = loadRules(o, io);
  if (typeof rules === 'number') return rules;
  let descText: string;
  try {
    descText = readFileSync(resolve(io.cwd, o.device!), 'utf8');
  } catch {
    io.stderr(`${o.device}:1:1: cannot read the file\n`);
    return ExitStatus.BAD_INPUT;
  }
  let env: ReturnType<typeof loadDeviceDesc>;
  try {
    env = loadDeviceDesc(descText, o.device);
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
    const action = i > 0 ? ev.slice(0, i) : '';
    let devpath = i > 0 ? ev.slice(i + 1) : '';
    if (devpath.startsWith('/sys/')) devpath = devpath.slice(4);
    if (i <= 0 || !devpath.startsWith('/')) throw kerr('EINVAL', `--event ${ev}: expected ACTION:DEVPATH (e.g. add:/devices/…)`);
    if (!(deviceActions as readonly string[]).includes(action)) throw kerr('EINVAL', `--event ${ev}: Invalid action '${action}'`);
    if (!env.sysfs.lstat(`/sys${devpath}/uevent`)) throw kerr('ENODEV', `--event ${ev}: no device ${devpath} in ${o.device}`);
    events.push({ action, devpath });
  }
  if (events.length === 0) events.push({ action: o.action ?? 'add', devpath: env.devpaths[0]! });
  const hwdb = loadHwdbOption(o.hwdb, io);
  if (hwdb === null) return ExitStatus.BAD_INPUT;
  return runUdevTest({
    ...(hwdb ? { hwdb } : {}),
    probeBlock: env.probeBlock,
    rules: rules.map((r) => ({ name: r.name, text: Uint8Array.from(r.text, (c) => c.charCodeAt(0) & 0xff) })),
    sysfs: env.sysfs,
    devfs: env.devfs,
    database: env.database,
    events,
    cmdline: o.cmdline,
    explain: o.explain === true,
  });
}
