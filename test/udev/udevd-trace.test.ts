/**
 * udevd's per-event rules trace (src/udev/daemon/event-trace.ts): recorded by the worker while it
 * runs the rules — a PROGRAM on the line runs once per event, not again to explain it —, kept per
 * device for its last event, unchanged when the rules are reloaded until another event runs
 * them, bounded by device count (least recently traced dropped first), and what the shell's
 * `explain DEVICE` prints.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createShellSession } from '../../src/cli/shell/index.js';
import { type Machine, createMachine, machineUdev } from '../../src/machine/index.js';
import { type EventTrace, EventTraceLog } from '../../src/udev/index.js';

const DOE1 = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0/cxl_pci.doe.1';
const RULES = [
  '# counts its PROGRAM runs',
  'SUBSYSTEM=="auxiliary", KERNEL=="*.doe.1", PROGRAM=="/usr/bin/count", ENV{COUNTED}="%c"',
  'SUBSYSTEM=="auxiliary", ATTR{driver_override}=="nothing", ENV{NEVER}="1"',
  '',
].join('\n');

function boot(): { machine: Machine; runs: () => number } {
  const machine = createMachine({ presets: ['cxl-type3'], rules: [{ name: '60-count.rules', text: RULES }] });
  let runs = 0;
  machineUdev(machine).daemon.programs.register('/usr/bin/count', () => ({ exitCode: 0, stdout: `${++runs}\n`, stderr: '' }));
  machineUdev(machine).daemon.traces.setMaxDevices(64);
  machine.boot();
  machine.settle();
  return { machine, runs: () => runs };
}

describe('udevd records each event’s rules trace as it runs', () => {
  it('the trace of the last event: what matched with the values compared, and what failed on which token and value', () => {
    const { machine } = boot();
    const t = machineUdev(machine).daemon.traces.last(DOE1)!;
    expect(t.action).toBe('bind');
    const matched = t.entries.find((e) => e.file.endsWith('60-count.rules') && e.line === 2)!;
    expect(matched.status).toBe('matched');
    expect(matched.passed?.map((p) => p.token)).toContain('PROGRAM=="/usr/bin/count"');
    const failed = t.entries.find((e) => e.file.endsWith('60-count.rules') && e.line === 3)!;
    expect(failed).toMatchObject({
      status: 'failed',
      failed: { token: 'ATTR{driver_override}=="nothing"', device: 'cxl_pci.doe.1', value: '(null)' },
    });
  });

  it('a PROGRAM runs once per event: recording and explaining run nothing again', () => {
    const { machine, runs } = boot();
    const udev = machineUdev(machine);
    const events = udev.daemon.processed.filter((p) => p.devpath === DOE1).length;
    expect(runs()).toBe(events);
    const r = createShellSession(machine, udev).execute('explain cxl_pci.doe.1');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^bind \/devices\/.*cxl_pci\.doe\.1 \(seqnum \d+\)\n/);
    expect(r.stdout).toContain('60-count.rules:2: MATCH');
    expect(r.stdout).toContain('60-count.rules:3: FAIL');
    expect(runs()).toBe(events);
  });

  it('reloaded rules do not change the recorded trace until an event runs them', () => {
    const { machine } = boot();
    const shell = createShellSession(machine, machineUdev(machine));
    shell.execute(`echo 'KERNEL=="cxl_pci.doe.1", ENV{NEW}="1"' > /etc/udev/rules.d/60-count.rules; udevadm control --reload`);
    const before = shell.execute('explain cxl_pci.doe.1');
    expect(before.stdout).toContain('PROGRAM=="/usr/bin/count"');
    expect(before.stdout).not.toContain('ENV{NEW}');
    shell.execute('udevadm trigger -c change /sys/bus/auxiliary/devices/cxl_pci.doe.1; udevadm settle');
    const after = shell.execute('explain cxl_pci.doe.1');
    expect(after.stdout).toMatch(/^change /);
    expect(after.stdout).toContain('60-count.rules:1: MATCH  KERNEL=="cxl_pci.doe.1", ENV{NEW}="1"');
  });

  it('explain of a device udevd processed no event for is one error line, exit 1', () => {
    const { machine } = boot();
    // The host bridge's directory: the kernel sends no uevent for it, so udevd processed none.
    const r = createShellSession(machine, machineUdev(machine)).execute('explain /sys/devices/pci0000:00');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'explain: /sys/devices/pci0000:00: udevd keeps no rules trace for /devices/pci0000:00 (no event processed since boot, or dropped)\n',
    );
  });

  it('off by default: a machine records no trace unless asked to', () => {
    const machine = createMachine({ presets: ['cxl-type3'] });
    machine.boot();
    expect(machineUdev(machine).daemon.traces.size).toBe(0);
    const log = new EventTraceLog();
    log.record({ seqnum: 1, action: 'add', devpath: '/devices/a', result: 'ok', entries: [] });
    expect(log.size).toBe(0);
    log.setMaxDevices(1);
    log.record({ seqnum: 2, action: 'add', devpath: '/devices/a', result: 'ok', entries: [] });
    expect(log.last('/devices/a')?.seqnum).toBe(2);
  });
});

describe('the trace log is bounded by devices, least recently traced dropped first', () => {
  const trace = (seqnum: number, devpath: string): EventTrace => ({ seqnum, action: 'add', devpath, result: 'ok', entries: [] });

  it('keeps the last trace of at most maxDevices devices (model check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 40 }), (max, devs) => {
        const log = new EventTraceLog(max);
        const model: string[] = [];
        const last = new Map<string, number>();
        devs.forEach((d, i) => {
          const p = `/devices/d${d}`;
          log.record(trace(i, p));
          const at = model.indexOf(p);
          if (at >= 0) model.splice(at, 1);
          model.push(p);
          while (model.length > max) model.shift();
          last.set(p, i);
        });
        expect(log.all().map((t) => t.devpath)).toEqual(model);
        for (const p of model) expect(log.last(p)?.seqnum).toBe(last.get(p));
        expect(log.size).toBeLessThanOrEqual(max);
      }),
    );
  });
});
