/**
 * udev in the shell: `udevadm info|test|test-builtin|trigger|settle|monitor|control --reload`
 * as udevadm 252 takes them (getopt.ts), on the live machine; `explain DEVICE` (the rules trace
 * of the device's last event); and /etc/udev/rules.d, the rules files `echo … > FILE` writes
 * and `udevadm control --reload` makes udevd load.
 */
import { kerr } from '../../base/index.js';
import {
  type RulesFileInput,
  enumerationTypes,
  findDevice,
  formatExplain,
  infoDeviceArg,
  parseInfoQuery,
  parseKeyValue,
  plainRecordStyle,
  udevRulesFiles,
  udevadmInfo,
  udevadmMonitor,
  udevadmTrigger,
  verify,
} from '../../udev/index.js';
import { getopt, has, last } from './getopt.js';
import { RULES_DIR, type ShellCommand, type ShellContext, type ShellSessionApi } from './types.js';
import { devpathOf, udevadmTestMachine } from './udevadm-machine.js';

/** The session's /etc/udev/rules.d: starts as the machine's rules files. */
export function rulesDir(session: ShellSessionApi): Map<string, string> {
  return session.rulesFiles;
}

/** The rules udevd loads from the session's directory (plus the system rules of the machine). */
export function sessionRules(session: ShellSessionApi): RulesFileInput[] {
  return udevRulesFiles(
    [...rulesDir(session)].map(([name, text]) => ({ name, text })),
    session.machine.options.autoload,
  );
}

function info(ctx: ShellContext, args: readonly string[]): number {
  const devices: string[] = [];
  const p = getopt(args, [
    { long: 'query', short: 'q', arg: true },
    { long: 'path', short: 'p', arg: true },
    { long: 'name', short: 'n', arg: true },
    { long: 'root', short: 'r' },
    { long: 'attribute-walk', short: 'a' },
    { long: 'export', short: 'x' },
    { long: 'export-prefix', short: 'P', arg: true },
    { long: 'export-db', short: 'e' },
    { long: 'property', arg: true },
    { long: 'value' },
  ]);
  for (const v of p.opts.get('path') ?? []) devices.push(infoDeviceArg('path', v));
  for (const v of p.opts.get('name') ?? []) devices.push(infoDeviceArg('name', v));
  devices.push(...p.args);
  const q = last(p, 'query');
  const query = q === undefined ? undefined : parseInfoQuery(q);
  if (q !== undefined && query === undefined) throw kerr('EINVAL', `unknown query type '${q}'`);
  const host = { sysfs: ctx.udev.sysfs, devfs: ctx.udev.devfs, db: ctx.udev.daemon.db };
  const r = udevadmInfo(host, {
    devices,
    query,
    attributeWalk: has(p, 'attribute-walk'),
    exportDb: has(p, 'export-db'),
    root: has(p, 'root'),
    export: has(p, 'export') || has(p, 'export-prefix'),
    exportPrefix: last(p, 'export-prefix'),
    properties: p.opts
      .get('property')
      ?.flatMap((v) => v.split(','))
      .filter((s) => s !== ''),
    value: has(p, 'value'),
    style: plainRecordStyle,
  });
  ctx.out(r.out);
  for (const line of r.err.split('\n').filter((l) => l !== '')) ctx.err(`udevadm info: ${line}\n`);
  if (ctx.json) {
    const records = [];
    for (const id of devices) {
      const dev = findDevice(host, id);
      if (typeof dev === 'string') continue;
      records.push({
        devpath: dev.devpath,
        subsystem: dev.subsystem ?? null,
        driver: dev.driver ?? null,
        devnode: dev.getDevname() ?? null,
        properties: Object.fromEntries(dev.allProperties()),
      });
    }
    ctx.data(records);
  }
  return r.status === 0 ? 0 : 1;
}

function test(ctx: ShellContext, args: readonly string[]): number {
  const p = getopt(args, [{ long: 'action', short: 'a', arg: true }, { long: 'resolve-names', short: 'N', arg: true }, { long: 'explain' }]);
  if (p.args.length !== 1) throw kerr('EINVAL', 'usage: udevadm test [-a ACTION] [-N early|late|never] [--explain] SYSPATH');
  const r = udevadmTestMachine(ctx.machine, ctx.udev, {
    action: last(p, 'action'),
    resolveNames: last(p, 'resolve-names'),
    syspath: p.args[0]!,
    explain: has(p, 'explain'),
    rules: sessionRules(ctx.session),
  });
  const ev = r.events[0]!;
  ctx.out(ev.stdout);
  if (has(p, 'explain') && ev.explain) ctx.out(`\n--- explain\n${formatExplain(ev.explain)}`);
  ctx.data({ records: r.records, explain: ev.explain ?? null });
  return ev.exit === 0 ? 0 : 1;
}

function testBuiltin(ctx: ShellContext, args: readonly string[]): number {
  const p = getopt(args, [{ long: 'action', short: 'a', arg: true }]);
  if (p.args.length !== 2) throw kerr('EINVAL', 'usage: udevadm test-builtin [-a ACTION] COMMAND SYSPATH');
  const [command, syspath] = p.args as [string, string];
  const run = (text: string) =>
    udevadmTestMachine(ctx.machine, ctx.udev, {
      action: last(p, 'action'),
      syspath,
      rules: [{ name: '/run/udev/rules.d/00-test-builtin.rules', text }],
    });
  const base = new Map(run('').records.flatMap((rec) => (rec.kind === 'property' ? [[rec.key, rec.value] as const] : [])));
  const withBuiltin = run(`IMPORT{builtin}="${command.replace(/["\\]/g, '\\$&')}"\n`);
  const props: [string, string][] = [];
  for (const rec of withBuiltin.records) if (rec.kind === 'property' && base.get(rec.key) !== rec.value) props.push([rec.key, rec.value]);
  const failed = withBuiltin.events[0]!.diagnostics.find((d) => d.level === 'error');
  for (const [k, v] of props) ctx.out(`${k}=${v}\n`);
  ctx.data(Object.fromEntries(props));
  if (failed) {
    ctx.err(`udevadm test-builtin: ${failed.message}\n`);
    return 1;
  }
  return 0;
}

function trigger(ctx: ShellContext, args: readonly string[]): number {
  const p = getopt(args, [
    { long: 'verbose', short: 'v' },
    { long: 'dry-run', short: 'n' },
    { long: 'quiet', short: 'q' },
    { long: 'type', short: 't', arg: true },
    { long: 'action', short: 'c', arg: true },
    { long: 'subsystem-match', short: 's', arg: true },
    { long: 'subsystem-nomatch', short: 'S', arg: true },
    { long: 'attr-match', short: 'a', arg: true },
    { long: 'attr-nomatch', short: 'A', arg: true },
    { long: 'property-match', short: 'p', arg: true },
    { long: 'tag-match', short: 'g', arg: true },
    { long: 'sysname-match', short: 'y', arg: true },
    { long: 'parent-match', short: 'b', arg: true },
    { long: 'settle', short: 'w' },
  ]);
  const type = last(p, 'type') ?? 'devices';
  if (!(enumerationTypes as readonly string[]).includes(type)) throw kerr('EINVAL', `Unknown type --type=${type}`);
  const host = { sysfs: ctx.udev.sysfs, devfs: ctx.udev.devfs, db: ctx.udev.daemon.db };
  const parents: string[] = [];
  for (const id of [...(p.opts.get('parent-match') ?? []), ...p.args]) {
    const dev = findDevice(host, id);
    if (typeof dev === 'string') throw kerr('ENODEV', `Failed to open the device '${id}': ${dev}`);
    parents.push(dev.syspath);
  }
  const before = ctx.machine.uevent.log.length;
  const r = udevadmTrigger(
    { sysfs: ctx.udev.sysfs, db: ctx.udev.daemon.db, settle: () => void ctx.machine.settle() },
    {
      action: last(p, 'action') ?? 'change',
      type: type as (typeof enumerationTypes)[number],
      dryRun: has(p, 'dry-run'),
      verbose: has(p, 'verbose'),
      quiet: has(p, 'quiet'),
      settle: true,
      matches: {
        subsystems: p.opts.get('subsystem-match'),
        nomatchSubsystems: p.opts.get('subsystem-nomatch'),
        sysattrs: (p.opts.get('attr-match') ?? []).map(parseKeyValue),
        nomatchSysattrs: (p.opts.get('attr-nomatch') ?? []).map(parseKeyValue),
        properties: (p.opts.get('property-match') ?? []).map((v) => parseKeyValue(v) as [string, string]),
        tags: p.opts.get('tag-match'),
        sysnames: p.opts.get('sysname-match'),
        parents,
      },
    },
  );
  ctx.machine.settle();
  ctx.out(r.out);
  for (const line of r.err.split('\n').filter((l) => l !== '')) ctx.err(`udevadm trigger: ${line}\n`);
  ctx.data({ devices: r.devices, uevents: ctx.machine.uevent.log.slice(before).map((e) => `${e.action} ${e.devpath}`) });
  return r.status === 0 ? 0 : 1;
}

/** Monitor messages already printed by `udevadm monitor` in this session. */
const monitorSeen = new WeakMap<ShellSessionApi, number>();

function monitor(ctx: ShellContext, args: readonly string[]): number {
  const p = getopt(args, [
    { long: 'kernel', short: 'k' },
    { long: 'udev', short: 'u' },
    { long: 'property', short: 'p' },
    { long: 'environment', short: 'e' },
    { long: 'subsystem-match', short: 's', arg: true },
    { long: 'tag-match', short: 't', arg: true },
    { long: 'all' },
  ]);
  const messages = ctx.udev.monitor.messages;
  const from = has(p, 'all') ? 0 : (monitorSeen.get(ctx.session) ?? 0);
  monitorSeen.set(ctx.session, messages.length);
  const shown = messages.slice(from);
  ctx.out(
    udevadmMonitor(shown, {
      kernel: has(p, 'kernel'),
      udev: has(p, 'udev'),
      property: has(p, 'property') || has(p, 'environment'),
      subsystemMatch: p.opts.get('subsystem-match'),
      tagMatch: p.opts.get('tag-match'),
    }),
  );
  ctx.data(shown.map((m) => ({ ...m, properties: Object.fromEntries(m.properties) })));
  return 0;
}

function control(ctx: ShellContext, args: readonly string[]): number {
  const p = getopt(args, [{ long: 'reload', short: 'R' }]);
  if (!has(p, 'reload')) throw kerr('EINVAL', 'only --reload is supported (udevadm control --reload)');
  const diags = ctx.udev.daemon.reload(sessionRules(ctx.session));
  for (const d of diags) if (d.level === 'warning' || d.level === 'error') ctx.err(`${d.file ?? ''}:${d.line ?? 1}:1: ${d.level}: ${d.message}\n`);
  return 0;
}

const udevadmVerbs: Record<string, (ctx: ShellContext, args: readonly string[]) => number> = {
  info,
  test,
  'test-builtin': testBuiltin,
  trigger,
  settle: (ctx) => (ctx.machine.settle(), 0),
  monitor,
  control,
};

export const udevCommands: readonly ShellCommand[] = [
  {
    name: 'udevadm',
    usage: 'udevadm info|test|test-builtin|trigger|settle|monitor|control --reload …',
    summary: 'udevadm 252 on the machine (monitor prints the events since the last monitor)',
    completes: (s, i) => (i === 1 ? Object.keys(udevadmVerbs) : []),
    run(ctx, args) {
      const [verb, ...rest] = args;
      const f = verb === undefined ? undefined : udevadmVerbs[verb];
      if (!f) throw kerr('EINVAL', `Unknown command verb '${verb ?? ''}' (${Object.keys(udevadmVerbs).join(', ')})`);
      return f(ctx, rest);
    },
  },
  {
    name: 'explain',
    usage: 'explain DEVICE',
    summary: "the rules trace udevd recorded for the device's last event: what matched, what failed and why (DEVICE: name, /sys/… or /dev/…)",
    run(ctx, args) {
      if (args.length !== 1) throw kerr('EINVAL', 'usage: explain DEVICE');
      const id = args[0]!;
      let syspath: string;
      if (id.startsWith('/sys/') || id.startsWith('/devices/')) syspath = id;
      else if (id.startsWith('/dev/')) {
        const dev = findDevice({ sysfs: ctx.udev.sysfs, devfs: ctx.udev.devfs, db: ctx.udev.daemon.db }, id);
        if (typeof dev === 'string') throw kerr('ENODEV', `${id}: ${dev}`);
        syspath = dev.syspath;
      } else syspath = `/sys${ctx.machine.findDevice(id).devpath}`;
      const devpath = devpathOf(ctx.udev, syspath);
      // What udevd recorded while it processed the event, not a re-run: the rules or the device
      // may have changed since.
      const trace = ctx.udev.daemon.traces.last(devpath);
      if (!trace) throw kerr('ENOENT', `${id}: udevd keeps no rules trace for ${devpath} (no event processed since boot, or dropped)`);
      const { seqnum, action, result, entries } = trace;
      ctx.out(`${action} ${devpath} (seqnum ${seqnum}${result === 'ok' ? '' : `, ${result}`})\n${formatExplain(entries)}`);
      ctx.data({ seqnum, action, devpath, result, explain: entries });
      return 0;
    },
  },
  {
    name: 'rules',
    usage: 'rules [check]',
    summary: 'list /etc/udev/rules.d (check: print what udev 252’s parser says about them)',
    completes: () => ['check'],
    run(ctx, args) {
      const dir = rulesDir(ctx.session);
      if (args[0] === 'check') {
        const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
        const r = verify(
          [...dir].map(([name, text]) => ({ name: `${RULES_DIR}/${name}`, text: enc(text) })),
          {},
        );
        for (const d of r.diagnostics) if (d.file !== null) ctx.out(`${d.file}:${d.line ?? 1}:1: ${d.level}: ${d.message}\n`);
        return r.exitCode === 0 ? 0 : 1;
      }
      for (const name of [...dir.keys()].sort()) ctx.out(`${RULES_DIR}/${name}\n`);
      ctx.data([...dir.keys()].sort());
      return 0;
    },
  },
];
