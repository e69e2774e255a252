/**
 * The kernel side: `modprobe [-r] MODULE`, `rmmod MODULE`, `lsmod` (lsmod's columns from
 * /proc/modules), `dmesg [-l LEVELS]` (the kernel log; `cat /dev/kmsg` gives kmsg records),
 * `hotplug PRESET`, `unplug BDF`, and the scheduler: `settle`, `advance MS`, `step` (run one
 * ready task and print it with the uevents it sent), `tasks` (the ready queue).
 */
import { kerr, type LogLevel } from '../../base/index.js';
import type { Machine } from '../../machine/index.js';
import { getopt, last } from './getopt.js';
import type { ShellCommand, ShellContext } from './types.js';

/** printk levels (include/linux/kern_levels.h) of the log's levels. */
const printkLevel: Record<LogLevel, number> = { alert: 1, critical: 2, error: 3, warning: 4, notice: 5, info: 6, debug: 7 };
/** dmesg --level names. */
const dmesgLevel: Record<string, LogLevel> = {
  alert: 'alert',
  crit: 'critical',
  err: 'error',
  warn: 'warning',
  notice: 'notice',
  info: 'info',
  debug: 'debug',
};

function kernelRecords(machine: Machine, levels: ReadonlySet<LogLevel>) {
  return machine.log.records.filter((r) => r.source === 'kernel' && levels.has(r.level));
}

const defaultLevels: ReadonlySet<LogLevel> = new Set(['alert', 'critical', 'error', 'warning', 'notice', 'info']);

/** `[    0.000000] message`, dmesg's default format (the time of the record in seconds). */
function dmesgLine(time: number, message: string): string {
  const usec = Math.round(time * 1000);
  return `[${String(Math.floor(usec / 1e6)).padStart(5)}.${String(usec % 1e6).padStart(6, '0')}] ${message}\n`;
}

/** /dev/kmsg records: `PRI,SEQ,TIMESTAMP_USEC,-;MESSAGE` (Documentation/ABI/testing/dev-kmsg). */
export function kmsgText(machine: Machine): string {
  return machine.log.records
    .filter((r) => r.source === 'kernel')
    .map((r, i) => `${printkLevel[r.level]},${i},${Math.round(r.time * 1000)},-;${r.message}\n`)
    .join('');
}

function dmesg(ctx: ShellContext, args: readonly string[]): number {
  const p = getopt(args, [{ long: 'level', short: 'l', arg: true }]);
  let levels = defaultLevels;
  const l = last(p, 'level');
  if (l !== undefined) {
    const names = l.split(',');
    const bad = names.find((n) => !(n in dmesgLevel));
    if (bad !== undefined) throw kerr('EINVAL', `unknown level '${bad}' (alert, crit, err, warn, notice, info, debug)`);
    levels = new Set(names.map((n) => dmesgLevel[n]!));
  }
  const records = kernelRecords(ctx.machine, levels);
  for (const r of records) ctx.out(dmesgLine(r.time, r.message));
  ctx.data(records.map((r) => ({ time: r.time, level: r.level, message: r.message })));
  return 0;
}

interface ModuleLine {
  readonly name: string;
  readonly size: number;
  readonly refcount: number;
  readonly holders: readonly string[];
}

function lsmod(ctx: ShellContext): number {
  const mods: ModuleLine[] = ctx.proc
    .readFile('/proc/modules')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [name, size, refcount, holders] = l.split(' ');
      return {
        name: name!,
        size: Number(size),
        refcount: Number(refcount),
        holders: holders === '-' ? [] : holders!.split(',').filter((h) => h !== ''),
      };
    });
  ctx.out('Module                  Size  Used by\n');
  for (const m of mods)
    ctx.out(`${m.name.padEnd(19)} ${String(m.size).padStart(8)}  ${m.refcount}${m.holders.length ? ` ${m.holders.join(',')}` : ''}\n`);
  ctx.data(mods);
  return 0;
}

function uint(v: string | undefined, what: string): number {
  if (v === undefined || !/^\d+$/.test(v)) throw kerr('EINVAL', `${what}: expected a number of milliseconds, got '${v ?? ''}'`);
  return Number(v);
}

export const kernelCommands: readonly ShellCommand[] = [
  {
    name: 'modprobe',
    usage: 'modprobe [-r] MODULE…',
    summary: 'load a module and its dependencies (-r: remove it)',
    completes: (s) => s.machine.modules.available.map((m) => m.name),
    run(ctx, args) {
      const p = getopt(args, [{ long: 'remove', short: 'r' }]);
      if (p.args.length === 0) throw kerr('EINVAL', 'missing module name');
      for (const m of p.args) {
        if (p.opts.has('remove')) ctx.machine.rmmod(m);
        else ctx.machine.modprobe(m);
      }
      ctx.machine.settle();
      return 0;
    },
  },
  {
    name: 'rmmod',
    usage: 'rmmod MODULE…',
    summary: 'unload a module (EBUSY while in use)',
    completes: (s) => [...s.machine.modules.loaded],
    run(ctx, args) {
      if (args.length === 0) throw kerr('EINVAL', 'missing module name');
      for (const m of args) ctx.machine.rmmod(m);
      ctx.machine.settle();
      return 0;
    },
  },
  { name: 'lsmod', usage: 'lsmod', summary: 'the loaded modules, their use counts and holders', completes: 'none', run: lsmod },
  {
    name: 'dmesg',
    usage: 'dmesg [-l alert,crit,err,warn,notice,info,debug]',
    summary: 'the kernel log (default: every level but debug)',
    completes: 'none',
    run: dmesg,
  },
  {
    name: 'hotplug',
    usage: 'hotplug PRESET',
    summary: 'hot-add one more instance of a preset (cxl-type3, mlx5-nic, …)',
    completes: () => ['cxl-type3', 'mlx5-nic'],
    run(ctx, args) {
      if (args.length !== 1) throw kerr('EINVAL', 'usage: hotplug PRESET');
      ctx.machine.hotplug(args[0]!);
      ctx.machine.settle();
      return 0;
    },
  },
  {
    name: 'unplug',
    usage: 'unplug BDF',
    summary: 'surprise-remove a PCI function',
    completes: (s) => s.machine.processes.root.readdir('/sys/bus/pci/devices'),
    run(ctx, args) {
      if (args.length !== 1) throw kerr('EINVAL', 'usage: unplug BDF');
      ctx.machine.unplug(args[0]!);
      ctx.machine.settle();
      return 0;
    },
  },
  {
    name: 'settle',
    usage: 'settle',
    summary: 'run every ready task (udev workers, deferred probe) until none is left',
    completes: 'none',
    run(ctx) {
      const n = ctx.machine.settle();
      ctx.out(`${n} task${n === 1 ? '' : 's'} ran\n`);
      ctx.data({ ran: n });
      return 0;
    },
  },
  {
    name: 'advance',
    usage: 'advance MS',
    summary: 'advance virtual time by MS milliseconds, running what falls due',
    completes: 'none',
    run(ctx, args) {
      const ms = uint(args[0], 'advance');
      const n = ctx.machine.advance(ms);
      ctx.out(`t=${ctx.machine.clock.now()} ms, ${n} task${n === 1 ? '' : 's'} ran\n`);
      ctx.data({ now: ctx.machine.clock.now(), ran: n });
      return 0;
    },
  },
  {
    name: 'tasks',
    usage: 'tasks',
    summary: 'the scheduler’s ready tasks, in the order step would run them',
    completes: 'none',
    run(ctx) {
      const ready = ctx.machine.scheduler.ready;
      for (const t of ready) ctx.out(`${t.id}\t${t.name}\n`);
      if (ready.length === 0) ctx.out('no task is ready\n');
      ctx.data(ready.map((t) => ({ id: t.id, name: t.name })));
      return 0;
    },
  },
  {
    name: 'step',
    usage: 'step',
    summary: 'run one ready task and print it with the uevents it sent',
    completes: 'none',
    run(ctx) {
      const next = ctx.machine.scheduler.ready[0];
      const before = ctx.machine.uevent.log.length;
      if (!next || !ctx.machine.scheduler.runOne()) {
        ctx.out('no task is ready\n');
        ctx.data({ ran: null });
        return 0;
      }
      ctx.out(`ran: ${next.name}\n`);
      const sent = ctx.machine.uevent.log.slice(before);
      for (const ev of sent) ctx.out(`  uevent ${ev.seqnum} ${ev.action} ${ev.devpath}\n`);
      ctx.out(`${ctx.machine.scheduler.ready.length} ready\n`);
      ctx.data({ ran: next.name, uevents: sent.map((ev) => ({ seqnum: ev.seqnum, action: ev.action, devpath: ev.devpath })) });
      return 0;
    },
  },
];
