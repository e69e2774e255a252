/**
 * The race explorer's core (src/machine/explore): schedules are replayable choice lists, the
 * DOE hand-off race is found under pci-core-shared and absent under aux-exclusive within the
 * same budget, the two classic driver-core races are found or ruled out, state hashing prunes,
 * shards partition a campaign, and a `concurrent:` block loads, validates and runs.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Machine,
  TASK_INVARIANTS,
  explore,
  formatSchedule,
  kernelDoeBusy,
  machineScenarioHost,
  parseSchedule,
  runSchedule,
  shrink,
} from '../../src/machine/index.js';
import { type LoadedScenario, loadScenario, runScenarioText } from '../../src/scenario/index.js';

function load(file: string): LoadedScenario {
  const r = loadScenario(readFileSync(file, 'utf8'), file, machineScenarioHost());
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.loaded;
}

const shared = load('examples/explore/doe-pci-core-shared.yaml');
const exclusive = load('examples/explore/doe-aux-exclusive.yaml');

describe('explorer: the DOE hand-off race', () => {
  it('should run the in-order schedule of either policy without a violation', () => {
    expect(runSchedule(shared).violation).toBeUndefined();
    expect(runSchedule(exclusive).violation).toBeUndefined();
  });

  it('should find the kernel CDAT read vs userspace exchange under pci-core-shared, shortest two choices', () => {
    const r = explore(shared, { schedules: 50, seed: 1, exhaustive: { depth: 3 } });
    expect(r.violations).toBe(1);
    expect(r.found?.violation.invariant).toBe('kernel-doe-vs-userspace');
    const s = shrink(shared, r.found!.schedule, 'kernel-doe-vs-userspace');
    expect(formatSchedule(s.schedule)).toBe('1.1');
    // The timeline shows the rebind (lane 2) before the exchange (lane 1).
    const lanes = s.timeline.filter((e) => e.actor.startsWith('lane')).map((e) => `${e.actor.slice(0, 6)} ${e.what.split(' ')[0]}`);
    expect(lanes).toEqual(['lane 2 write', 'lane 2 write', 'lane 1 doe']);
  });

  it('should find nothing under aux-exclusive within the same budget, exhaustively, with pruning', () => {
    const r = explore(exclusive, { schedules: 50, seed: 1, exhaustive: { depth: 3 } });
    expect(r.violations).toBe(0);
    expect(r.complete).toBe(true);
    expect(r.pruned).toBeGreaterThan(0);
  });

  it('should replay a schedule to the same run, byte for byte, and the twin without the violation', () => {
    const a = runSchedule(shared, { prefix: [1, 1], timeline: true });
    const b = runSchedule(shared, { prefix: [1, 1], timeline: true });
    expect(a.violation?.invariant).toBe('kernel-doe-vs-userspace');
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(runSchedule(exclusive, { prefix: [1, 1] }).violation).toBeUndefined();
  });

  it('should let an observer watch the race: the kernel mid-exchange on mailbox 0 while lane 1’s exchange runs', () => {
    const seen: { entry: string | undefined; inStep: string | undefined; kernelBusy: boolean; t: number }[] = [];
    const r = runSchedule(shared, {
      prefix: [1, 1],
      timeline: true,
      observe: (m, entry, inStep) => seen.push({ entry: entry?.what, inStep, kernelBusy: kernelDoeBusy(m, '0000:0d:00.0', 0), t: m.clock.now() }),
    });
    // One observation per timeline entry, in order, and a last one after the run.
    expect(seen.map((o) => o.entry)).toEqual([...r.timeline.map((e) => e.what), undefined]);
    const lane1 = seen.findIndex((o) => o.entry?.startsWith('doe 0000:0d:00.0 mailbox 0'));
    expect(lane1).toBeGreaterThan(0);
    // Inside lane 1's exchange, at some entry the kernel has its own exchange in flight.
    expect(seen.slice(lane1 + 1).some((o) => o.inStep === 'lane 1' && o.kernelBusy)).toBe(true);
    // Before the lane steps, no lane step is in progress.
    expect(seen.slice(0, 2).every((o) => o.inStep === undefined)).toBe(true);
  });

  it('should find it with seeded random schedules and not under aux-exclusive with the same seeds', () => {
    const r = explore(shared, { schedules: 12, seed: 1 });
    expect(r.found?.seed).toBe(10);
    expect(explore(exclusive, { schedules: 12, seed: 1 }).violations).toBe(0);
  });

  it('should split a random campaign into disjoint shards', () => {
    const a = explore(exclusive, { schedules: 4, seed: 1, shard: [0, 2] });
    const b = explore(exclusive, { schedules: 4, seed: 1, shard: [1, 2] });
    expect([a.schedules, b.schedules]).toEqual([2, 2]);
  });
});

describe('explorer: classic driver-core races', () => {
  it('should rule out a revoked-file or devres violation for unbind vs open of /dev/fwctl/fwctl0', () => {
    const r = explore(load('examples/explore/unbind-vs-open.yaml'), { schedules: 60, seed: 1, exhaustive: { depth: 3 } });
    expect(r.violations).toBe(0);
    expect(r.complete).toBe(true);
  });

  it('should find the too-late driver_override of a udev rule racing modprobe', () => {
    const race = load('examples/explore/override-vs-modprobe.yaml');
    const r = explore(race, { schedules: 5, seed: 1 });
    expect(r.found?.violation.invariant).toBe('driver-override-respected');
    expect(r.found?.violation.message).toBe('pci 0000:0e:00.0 has driver_override vfio-pci but is bound to cxl_pci');
  });
});

describe('explorer: invariants', () => {
  const owners = TASK_INVARIANTS.find((i) => i.name === 'one-owner-per-mailbox-and-vfio-group')!;
  const holding = (...files: [string, string][]) =>
    ({
      processes: { all: files.map(([name, path]) => ({ name, openFiles: new Map([[3, { path }]]) })) },
    }) as unknown as Machine;
  it.each([
    [
      [
        ['a', '/dev/doe/cxl_pci.doe.1'],
        ['b', '/dev/doe/cxl_pci.doe.1'],
      ],
      '/dev/doe/cxl_pci.doe.1 is held by both a and b',
    ],
    [
      [
        ['a', '/dev/vfio/7'],
        ['b', '/dev/vfio/7'],
      ],
      '/dev/vfio/7 is held by both a and b',
    ],
    [
      [
        ['a', '/dev/vfio/vfio'],
        ['b', '/dev/vfio/vfio'],
      ],
      undefined,
    ],
    [
      [
        ['a', '/dev/doe/cxl_pci.doe.1'],
        ['a', '/dev/doe/cxl_pci.doe.1'],
      ],
      undefined,
    ],
  ] as const)('should judge holders %j', (files, expected) => {
    expect(owners.check(holding(...(files as unknown as [string, string][])), { bindings: new WeakMap(), ueventsChecked: 0, lastSeqnum: 0 })).toBe(
      expected,
    );
  });
});

describe('explorer: schedules', () => {
  it('should print and parse schedules as dotted choice lists', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { maxLength: 12 }), (s) => {
        expect(parseSchedule(formatSchedule(s))).toEqual(s);
      }),
    );
    expect(parseSchedule('1..2')).toBeUndefined();
    expect(parseSchedule('-')).toEqual([]);
  });
});

describe('scenario: concurrent blocks', () => {
  const host = machineScenarioHost();
  it('should run a block lane by lane under auxbus run and judge each step', () => {
    const text = `name: t
machine: { presets: [mlx5-nic] }
steps:
  - boot: {}
  - concurrent:
      - - read: /sys/bus/auxiliary/devices/mlx5_core.fwctl.0/driver_override
          expect: { value: "(null)\\n" }
      - - read: /nonexistent
          expect: { errno: ENOENT }
`;
    const r = runScenarioText(text, 't.yaml', host);
    expect(r.status).toBe(0);
    const bad = runScenarioText(text.replace('errno: ENOENT', 'errno: EPERM'), 't.yaml', host);
    expect(bad.steps[1]!.failures[0]).toMatch(/^lane 2 step 1 \(read \/nonexistent\): expected errno EPERM, got ENOENT/);
  });

  it.each([
    ['one lane', '  - concurrent:\n      - - settle:\n', /at least two lanes/],
    ['a nested block', '  - concurrent:\n      - - concurrent: [[{settle: }], [{settle: }]]\n      - - settle:\n', /cannot nest/],
    ['an unknown process in a lane', '  - concurrent:\n      - - settle:\n      - - read: /sys\n          as: nobody\n', /unknown process 'nobody'/],
  ])('should reject %s at load time with a position', (_, body, message) => {
    const r = loadScenario(`name: t\nsteps:\n${body}`, 't.yaml', host);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]!.message).toMatch(message);
  });
});
