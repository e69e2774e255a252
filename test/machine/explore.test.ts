/**
 * The race explorer's core (src/machine/explore): schedules are replayable choice lists, the
 * DOE hand-off race is found under pci-core-shared and absent under aux-exclusive within the
 * same budget, the two classic driver-core races are found or ruled out, state hashing prunes,
 * shards partition a campaign, and a `concurrent:` block loads, validates and runs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Footprint,
  type Machine,
  SleepSetSearch,
  TASK_INVARIANTS,
  conflicts,
  explore,
  formatSchedule,
  kernelDoeBusy,
  machineScenarioHost,
  parseSchedule,
  runSchedule,
  shrink,
} from '../../src/machine/index.js';
import { type LoadedScenario, loadScenario, runScenarioText } from '../../src/scenario/index.js';
import { loadScenarioFile } from '../support/load-scenario.js';

const load = loadScenarioFile;

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
  const holding = (...files: [string, string][]) => {
    const all = files.map(([name, path]) => ({ name, openFiles: new Map([[3, { path }]]) }));
    return { processes: { all, values: () => all.values() } } as unknown as Machine;
  };
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

describe('explorer: every concurrent block', () => {
  const two = load('examples/explore/two-blocks.yaml');
  it('should explore the second block too and find the DOE race there', () => {
    const r = explore(two, { schedules: 50, seed: 1, exhaustive: { depth: 5 } });
    expect(r.found?.violation.invariant).toBe('kernel-doe-vs-userspace');
    const s = shrink(two, r.found!.schedule, 'kernel-doe-vs-userspace');
    expect(formatSchedule(s.schedule)).toBe('0.0.1.1');
    const lanes = s.timeline.filter((e) => e.actor.includes('lane')).map((e) => `${e.actor.replace(/ \(.*/, '')} ${e.what.split(' ')[0]}`);
    expect(lanes).toEqual(['lane 1 read', 'lane 2 read', 'b2 lane 2 write', 'b2 lane 2 write', 'b2 lane 1 doe']);
    // The same steps with the first block removed are the one-block scenario: same race.
    expect(runSchedule(two, { prefix: [0, 0, 1, 1] }).violation?.invariant).toBe('kernel-doe-vs-userspace');
  });
});

describe('explorer: partial-order reduction (sleep sets)', () => {
  const readers = load('examples/explore/independent-readers.yaml');
  const campaign = (sleepSets: boolean, stateHashing: boolean) =>
    explore(readers, { schedules: 1000, seed: 1, exhaustive: { depth: 20, sleepSets, stateHashing } });

  it('should count schedules with and without reduction where independent actors commute', () => {
    const none = campaign(false, false);
    const sleep = campaign(true, false);
    const hash = campaign(false, true);
    const both = campaign(true, true);
    for (const r of [none, sleep, hash, both]) expect([r.complete, r.violations]).toEqual([true, 0]);
    // 2+2+2 steps of three lanes: 6!/(2!2!2!) = 90 interleavings, every one run without reduction.
    expect([none.schedules, none.pruned]).toEqual([90, 0]);
    // Sleep sets run each order of the four conflicting open/close steps to the end once (6),
    // and stop 12 runs as soon as they only reorder independent steps.
    expect([sleep.schedules - sleep.pruned, sleep.pruned]).toEqual([6, 12]);
    expect([hash.schedules, hash.pruned]).toEqual([29, 17]);
    expect([both.schedules, both.pruned]).toEqual([15, 11]);
  });

  /** Each complete run's order of the conflicting steps (lanes 2 and 3 open and close one node). */
  const orders = (sleepSets: boolean): Set<string> => {
    const search = new SleepSetSearch();
    const seen = new Set<string>();
    let prefix: number[] | undefined = [];
    while (prefix) {
      const r = runSchedule(readers, { prefix, timeline: true, ...(sleepSets ? { sleepSets: { search, depth: 20 } } : {}) });
      if (!r.pruned)
        seen.add(
          r.timeline
            .filter((e) => /lane [23]/.test(e.actor))
            .map((e) => `${e.actor} ${e.what}`)
            .join('; '),
        );
      if (sleepSets) prefix = search.next(20);
      else {
        // Plain DFS: the next schedule in lexicographic order of choices.
        const made = [...r.schedule, ...new Array<number>(r.widths.length - r.schedule.length).fill(0)];
        let i = made.length - 1;
        while (i >= 0 && made[i]! + 1 >= r.widths[i]!) i--;
        prefix = i < 0 ? undefined : [...made.slice(0, i), made[i]! + 1];
      }
    }
    return seen;
  };

  it('should keep every order of conflicting steps that the full search reaches', () => {
    const full = orders(false);
    expect(full.size).toBe(6);
    expect(orders(true)).toEqual(full);
  });

  const fp = (global: boolean, reads: string[], writes: string[]): Footprint => ({ global, reads, writes });
  it.each([
    ['two reads of one file', fp(false, ['path:/a'], []), fp(false, ['path:/a'], []), false],
    ['a read and a write of one file', fp(false, ['path:/a'], []), fp(false, [], ['path:/a']), true],
    ['two writes of different files', fp(false, [], ['path:/a', 'proc:x']), fp(false, [], ['path:/b', 'proc:y']), false],
    ['two opens in one process', fp(false, [], ['path:/a', 'proc:x']), fp(false, [], ['path:/b', 'proc:x']), true],
    ['anything and a global option', fp(false, ['path:/a'], []), fp(true, [], []), true],
  ])('should judge %s (conflict %s)', (_, a, b, expected) => {
    expect(conflicts(a, b)).toBe(expected);
    expect(conflicts(b, a)).toBe(expected);
  });
});

describe('explorer: sleep sets lose no outcome (property)', () => {
  const host = machineScenarioHost();
  type LaneStep = { verb: 'read'; path: string; as: string } | { verb: 'open'; path: string; as: string } | { verb: 'close'; lane: number };
  const paths = ['/dev/fwctl/fwctl0', '/dev/infiniband/uverbs0', '/sys/bus/auxiliary/devices/mlx5_core.fwctl.0/uevent'];
  const laneStep = fc.oneof(
    fc.record({ verb: fc.constant('read' as const), path: fc.constantFrom(...paths), as: fc.constantFrom('a', 'b') }),
    fc.record({ verb: fc.constant('open' as const), path: fc.constantFrom(...paths.slice(0, 2)), as: fc.constantFrom('a', 'b') }),
    fc.record({ verb: fc.constant('close' as const), lane: fc.nat(2) }),
  );
  const firstOpen: LaneStep = { verb: 'open', path: paths[0]!, as: 'a' };
  /** A scenario of 2–3 lanes of 1–2 steps; a close names the fd of a lane's first open (lane 1's when that lane has none). */
  const scenario = (lanes: LaneStep[][]): string | undefined => {
    const fdOf = new Map<number, { fd: string; as: string }>();
    const text: string[] = [];
    lanes.forEach((lane, l) => {
      const steps: string[] = [];
      lane.forEach((s, i) => {
        if (s.verb === 'read') steps.push(`read: ${s.path}\n          as: ${s.as}`);
        else if (s.verb === 'open') {
          const fd = `f${l}${i}`;
          if (!fdOf.has(l)) fdOf.set(l, { fd, as: s.as });
          steps.push(`open: ${s.path}\n          as: ${s.as}\n          mode: r\n          fd: ${fd}`);
        } else {
          // Lane 1 opens first, so a close in another lane races that open (EBADF before it).
          const target = fdOf.get(s.lane) ?? fdOf.get(0);
          if (target && (l > 0 || i > 0)) steps.push(`close: ${target.fd}`);
        }
      });
      if (steps.length > 0) text.push(`      - - ${steps.join('\n        - ')}`);
    });
    if (text.length < 2) return undefined;
    return `name: p\nmachine: { presets: [mlx5-nic] }\nprocesses:\n  a: { uid: 0, caps: [CAP_SYS_ADMIN] }\n  b: { uid: 0, caps: [CAP_SYS_ADMIN] }\nsteps:\n  - boot: {}\n  - advance: 11000\n  - concurrent:\n${text.join('\n')}\n`;
  };
  /** Every complete run's outcome of each lane step (what, and its errno if any), lane by lane. */
  const outcomes = (loaded: LoadedScenario, sleepSets: boolean): Set<string> => {
    const search = new SleepSetSearch();
    const seen = new Set<string>();
    let prefix: number[] | undefined = [];
    while (prefix) {
      const r = runSchedule(loaded, { prefix, timeline: true, ...(sleepSets ? { sleepSets: { search, depth: 20 } } : {}) });
      if (!r.pruned) {
        const lanes = new Map<string, string[]>();
        for (const e of r.timeline.filter((x) => x.actor.startsWith('lane'))) {
          const l = lanes.get(e.actor) ?? [];
          if (e.what.startsWith('  → ')) l[l.length - 1] += e.what;
          else l.push(e.what);
          lanes.set(e.actor, l);
        }
        seen.add(
          `${[...lanes]
            .sort()
            .map(([k, v]) => `${k}: ${v.join(', ')}`)
            .join(' | ')} ${r.violation?.invariant ?? ''}`,
        );
      }
      if (sleepSets) prefix = search.next(20);
      else {
        const made = [...r.schedule, ...new Array<number>(r.widths.length - r.schedule.length).fill(0)];
        let i = made.length - 1;
        while (i >= 0 && made[i]! + 1 >= r.widths[i]!) i--;
        prefix = i < 0 ? undefined : [...made.slice(0, i), made[i]! + 1];
      }
    }
    return seen;
  };

  it('should reach the same outcomes of every step with sleep sets as the full search', () => {
    fc.assert(
      fc.property(fc.array(fc.array(laneStep, { minLength: 1, maxLength: 2 }), { minLength: 2, maxLength: 3 }), (drawn) => {
        const lanes = drawn.map((l, i) => (i === 0 ? [firstOpen, ...l.slice(0, 1)] : l));
        const text = scenario(lanes);
        fc.pre(text !== undefined);
        const r = loadScenario(text!, 'p.yaml', host);
        if (!r.ok) throw new Error(`${text}\n${r.diagnostics.map((d) => d.message).join('; ')}`);
        expect(outcomes(r.loaded, true)).toEqual(outcomes(r.loaded, false));
      }),
      { numRuns: 8, seed: 11 },
    );
  });
});
