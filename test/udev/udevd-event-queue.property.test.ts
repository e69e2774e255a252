/**
 * The event queue answers as udevd's scan does: for random queues of related devpaths, ids,
 * device nodes and moves, isBlocked() is true exactly when an earlier event in the queue
 * conflicts (eventsConflict), its blocker is the earliest such event, and startNext() starts the
 * earliest unblocked queued event — whether the queue scans (short), answers through its indexes
 * (long), or switches between the two in the middle of the run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INDEX_ABOVE,
  type QueuedEvent,
  type QueuedEventKey,
  UdevEventQueue,
  devpathConflict,
  eventsConflict,
} from '../../src/udev/daemon/event-queue.js';

const path = fc.array(fc.constantFrom('a', 'b', 'ab'), { minLength: 1, maxLength: 3 }).map((p) => `/devices/${p.join('/')}`);
const keyArb = fc.record({
  devpath: path,
  devpathOld: fc.option(path, { nil: undefined }),
  id: fc.option(fc.constantFrom('c1:0', 'n3'), { nil: undefined }),
  devnode: fc.option(fc.constantFrom('/dev/x', '/dev/y'), { nil: undefined }),
});
// Each step: insert a key, remove the i-th live event, or start the next one.
const stepArb = fc.oneof(
  keyArb.map((k) => ({ op: 'insert' as const, k })),
  fc.nat(20).map((i) => ({ op: 'remove' as const, i })),
  fc.constant({ op: 'start' as const }),
);

function scanBlocker(live: readonly QueuedEvent<null>[], e: QueuedEventKey): number | undefined {
  return live.find((x) => x.seqnum < e.seqnum && eventsConflict(e, x))?.seqnum;
}

type Step = { op: 'insert'; k: Omit<QueuedEventKey, 'seqnum'> } | { op: 'remove'; i: number } | { op: 'start' };

/**
 * Run `steps` on a queue and on `live`, the model (every inserted, not removed event in SEQNUM
 * order); a start must start the earliest queued event the scan finds unblocked. `check` runs
 * after every step with the SEQNUM last given out.
 */
function runSteps(
  steps: readonly Step[],
  indexAbove: number,
  check: (q: UdevEventQueue<null>, live: readonly QueuedEvent<null>[], seqnum: number) => void,
) {
  const q = new UdevEventQueue<null>({ indexAbove });
  const live: QueuedEvent<null>[] = [];
  let seqnum = 0;
  // The queue indexes from the insert that takes it past indexAbove until it is empty again.
  let indexed = false;
  for (const step of steps) {
    if (step.op === 'insert') {
      live.push(q.insert({ seqnum: ++seqnum, ...step.k }, null));
      if (live.length > indexAbove) indexed = true;
    } else if (step.op === 'remove' && live.length > 0) {
      q.remove(live.splice(step.i % live.length, 1)[0]!);
      if (live.length === 0) indexed = false;
    } else if (step.op === 'start') {
      const expected = live.find((e) => e.state === 'queued' && scanBlocker(live, e) === undefined);
      expect(q.startNext()?.seqnum).toBe(expected?.seqnum);
    }
    expect(q.indexed).toBe(indexed);
    check(q, live, seqnum);
  }
  return { q, live };
}

/** The queue says `e` is blocked exactly when the scan finds an earlier conflicting event, and names the earliest. */
function expectBlocker(q: UdevEventQueue<null>, live: readonly QueuedEvent<null>[], e: QueuedEvent<null>): void {
  const blocker = scanBlocker(live, e);
  expect(q.isBlocked(e)).toBe(blocker !== undefined);
  expect(e.blockerSeqnum).toBe(blocker ?? e.seqnum);
}

/** Always indexed, switching at a few events, the default, never indexed within the run. */
const thresholds = [0, 3, DEFAULT_INDEX_ABOVE, 1000] as const;

describe('UdevEventQueue (scanning and indexed) against the scan', () => {
  it.each(thresholds)('blocks, remembers the earliest blocker and starts in SEQNUM order as the scan would (indexAbove %i)', (indexAbove) => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => {
        runSteps(steps, indexAbove, (q, live) => {
          for (const e of live) expectBlocker(q, live, e);
          expect(q.running).toBe(live.filter((e) => e.state === 'running').length);
          expect(q.events.map((e) => e.seqnum)).toEqual(live.map((e) => e.seqnum));
        });
      }),
      { numRuns: 300 },
    );
  });

  it.each(thresholds)('answers the same when many events share a key and leave out of order (indexAbove %i)', (indexAbove) => {
    // Long queues on two devpaths, one id: each key's list grows past its compaction threshold.
    const manyArb = fc.record({
      devpath: fc.constantFrom('/devices/a/b', '/devices/a/c', '/devices/a'),
      devpathOld: fc.constant(undefined),
      id: fc.option(fc.constant('+queues:rx-0'), { nil: undefined }),
      devnode: fc.constant(undefined),
    });
    const manyStep = fc.oneof(
      { weight: 3, arbitrary: manyArb.map((k) => ({ op: 'insert' as const, k })) },
      { weight: 2, arbitrary: fc.nat(200).map((i) => ({ op: 'remove' as const, i })) },
      { weight: 1, arbitrary: fc.constant({ op: 'start' as const }) },
    );
    fc.assert(
      fc.property(fc.array(manyStep, { minLength: 100, maxLength: 400 }), fc.nat(), (steps, pick) => {
        const { q, live } = runSteps(steps, indexAbove, (q, live, seqnum) => {
          // A few live events per step (all of them would make the run quadratic).
          for (let k = 0; k < Math.min(3, live.length); k++) expectBlocker(q, live, live[(pick + k * 7 + seqnum) % live.length]!);
        });
        expect(q.events.map((e) => e.seqnum)).toEqual(live.map((e) => e.seqnum));
      }),
      { numRuns: 60 },
    );
  });
});

describe('devpathConflict', () => {
  it('is true exactly for equal paths and a path below the other at a `/`', () => {
    const segment = fc.constantFrom('a', 'ab', 'b', '0000:0d:00.0', 'fwctl', 'fwctl0');
    const devpath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((p) => `/devices/${p.join('/')}`);
    fc.assert(
      fc.property(devpath, devpath, (a, b) => {
        expect(devpathConflict(a, b)).toBe(a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`));
      }),
      { numRuns: 500 },
    );
  });
});
