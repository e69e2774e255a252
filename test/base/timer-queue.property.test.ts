/**
 * The scheduler's timer heap hands timers out as the sorted list did: by deadline, equal
 * deadlines in queue order, cancelled ones never, whatever the order they were added and
 * cancelled in (cancelling many drops them all at once: the order must survive that too).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerQueue } from '../../src/base/timer-queue.js';

interface T {
  id: number;
  due: number;
  cancelled: boolean;
}

const stepArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('push' as const), due: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cancel' as const), i: fc.nat() }) },
  { weight: 2, arbitrary: fc.constant({ op: 'shift' as const }) },
);

describe('TimerQueue', () => {
  it('yields timers by (due, queue order), skipping cancelled ones, as a sorted list (property)', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 300 }), (steps) => {
        const q = new TimerQueue<T>();
        let model: T[] = [];
        let id = 0;
        for (const s of steps) {
          if (s.op === 'push') {
            const t = { id: ++id, due: s.due, cancelled: false };
            q.push(t);
            model.push(t);
            model.sort((a, b) => a.due - b.due || a.id - b.id);
          } else if (s.op === 'cancel' && model.length > 0) {
            const t = model[s.i % model.length]!;
            t.cancelled = true;
            model = model.filter((x) => x !== t);
            q.noteCancelled();
          } else if (s.op === 'shift') {
            expect(q.shift()).toBe(model.shift());
          }
          expect(q.peek()).toBe(model[0]);
        }
        expect(q.live()).toEqual(model);
      }),
      { numRuns: 300 },
    );
  });
});
