/**
 * udevd's ordering rules on a toy machine under the seeded-random scheduler: events of one device
 * (or of a parent and a child) never overlap and never reorder, every event is processed once and
 * broadcast in a per-device SEQNUM order, while unrelated devices' events may interleave.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Device } from '../../src/bus/index.js';
import { machineUdev } from '../../src/machine/index.js';
import { devpathConflict } from '../../src/udev/daemon/event-queue.js';
import type { WorkerStep } from '../../src/udev/daemon/udevd.js';
import { createToyMachine } from '../support/toy-bus.js';

type Op = { kind: 'add'; parent: number } | { kind: 'change'; target: number } | { kind: 'remove'; target: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), parent: fc.integer({ min: -1, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('change' as const), target: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), target: fc.nat(40) }) },
);

interface Run {
  steps: WorkerStep[];
  sent: { seqnum: number; devpath: string }[];
  broadcast: { seqnum: number; devpath: string }[];
}

/**
 * Boot a toy machine (random policy), then do every op without settling in between so udevd's
 * queue fills up, then settle. Every toy device binds (driver `d` matches all), adding `bind`
 * events; `change` is a synthetic uevent written to the device's `uevent` file.
 */
function runOps(seed: number, ops: readonly Op[]): Run {
  const { machine, toy } = createToyMachine({ policy: { kind: 'random', seed } });
  machine.boot();
  const udev = machineUdev(machine);
  const booted = machine.uevent.seqnum;
  toy.register('d', { prefix: 'd' });
  const steps: WorkerStep[] = [];
  udev.daemon.onWorkerStep((s) => steps.push(s));
  const live: Device[] = [];
  let n = 0;
  for (const op of ops) {
    if (op.kind === 'add') {
      const parent = op.parent < 0 || live.length === 0 ? undefined : live[op.parent % live.length];
      live.push(toy.add(`d${n++}`, { parent }));
    } else if (live.length > 0) {
      const dev = live[op.target % live.length]!;
      if (op.kind === 'change') machine.processes.root.writeFile(`/sys${dev.devpath}/uevent`, 'change');
      else if (!live.some((d) => d.parent === dev)) {
        toy.remove(dev);
        live.splice(live.indexOf(dev), 1);
      }
    }
  }
  machine.settle();
  expect(udev.daemon.isIdle).toBe(true);
  return {
    steps,
    sent: machine.uevent.log.filter((e) => e.seqnum > booted).map((e) => ({ seqnum: e.seqnum, devpath: e.devpath })),
    broadcast: udev.daemon.processed.map((p) => ({ seqnum: p.seqnum, devpath: p.devpath })),
  };
}

function checkOrdering(r: Run): void {
  // Every kernel uevent is processed exactly once: rules, then run, then done.
  const phases = new Map<number, string[]>();
  const at = new Map<string, number>();
  r.steps.forEach((s, i) => {
    phases.set(s.seqnum, [...(phases.get(s.seqnum) ?? []), s.phase]);
    at.set(`${s.phase}:${s.seqnum}`, i);
  });
  expect([...phases.keys()].sort((a, b) => a - b)).toEqual(r.sent.map((e) => e.seqnum));
  for (const p of phases.values()) expect(p).toEqual(['rules', 'run', 'done']);
  // Conflicting events (same device, parent/child) never overlap and keep SEQNUM order.
  for (let i = 0; i < r.sent.length; i++) {
    for (let j = i + 1; j < r.sent.length; j++) {
      const a = r.sent[i]!;
      const b = r.sent[j]!;
      if (!devpathConflict(a.devpath, b.devpath)) continue;
      expect(at.get(`done:${a.seqnum}`)!).toBeLessThan(at.get(`rules:${b.seqnum}`)!);
    }
  }
  // Broadcasts of one device come in SEQNUM order.
  const last = new Map<string, number>();
  for (const b of r.broadcast) {
    expect(b.seqnum).toBeGreaterThan(last.get(b.devpath) ?? 0);
    last.set(b.devpath, b.seqnum);
  }
}

describe('udevd event ordering', () => {
  it('holds for random device trees, ops and scheduler seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.array(opArb, { minLength: 1, maxLength: 30 }), (seed, ops) => {
        checkOrdering(runOps(seed, ops));
      }),
      { numRuns: 150 },
    );
  });

  it('lets unrelated devices interleave under the random policy', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 6; i++) ops.push({ kind: 'add', parent: -1 });
    for (let i = 0; i < 6; i++) ops.push({ kind: 'change', target: i });
    let reordered = false;
    for (let seed = 1; seed <= 20 && !reordered; seed++) {
      const r = runOps(seed, ops);
      checkOrdering(r);
      const starts = r.steps.filter((s) => s.phase === 'rules').map((s) => s.seqnum);
      reordered = starts.some((s, i) => i > 0 && s < starts[i - 1]!);
    }
    expect(reordered).toBe(true);
  });

  it('processes in SEQNUM order under the in-order policy when nothing blocks', () => {
    const { machine, toy } = createToyMachine();
    machine.boot();
    const booted = machine.uevent.seqnum;
    for (let i = 0; i < 4; i++) toy.add(`x${i}`);
    machine.settle();
    const udev = machineUdev(machine);
    const sent = machine.uevent.log.filter((e) => e.seqnum > booted).map((e) => e.seqnum);
    expect(sent).toHaveLength(4);
    expect(udev.daemon.processed.map((p) => p.seqnum)).toEqual(sent);
  });

  it('runs at most udev.children_max events at once (kernel command line)', () => {
    const { machine, toy } = createToyMachine({ cmdline: 'quiet udev.children_max=1', policy: { kind: 'random', seed: 3 } });
    machine.boot();
    const udev = machineUdev(machine);
    expect(udev.daemon.childrenMax).toBe(1);
    let running = 0;
    let most = 0;
    udev.daemon.onWorkerStep((s) => {
      if (s.phase === 'rules') most = Math.max(most, ++running);
      if (s.phase === 'done') running--;
    });
    for (let i = 0; i < 6; i++) toy.add(`x${i}`);
    machine.settle();
    expect(udev.daemon.isIdle).toBe(true);
    expect(most).toBe(1);
  });

  it('runs unrelated events side by side by default (children_max 18)', () => {
    const { machine, toy } = createToyMachine({ policy: { kind: 'random', seed: 3 } });
    machine.boot();
    const udev = machineUdev(machine);
    expect(udev.daemon.childrenMax).toBe(18);
    let running = 0;
    let most = 0;
    udev.daemon.onWorkerStep((s) => {
      if (s.phase === 'rules') most = Math.max(most, ++running);
      if (s.phase === 'done') running--;
    });
    for (let i = 0; i < 6; i++) toy.add(`x${i}`);
    machine.settle();
    expect(most).toBeGreaterThan(1);
  });
});
