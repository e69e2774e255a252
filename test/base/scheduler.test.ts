import { describe, expect, it } from 'vitest';
import { BugIndicatingError, Scheduler, SimulatedClock } from '../../src/base/index.js';

function run(s: Scheduler, names: string[]): string[] {
  const order: string[] = [];
  for (const n of names) s.queue(n, () => order.push(n));
  s.settle();
  return order;
}

const TEN = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9'];

describe('Scheduler.settle', () => {
  it('should run ready tasks in queue order by default, including tasks queued by tasks', () => {
    const s = new Scheduler();
    const order: string[] = [];
    s.queue('a', () => {
      order.push('a');
      s.queue('c', () => order.push('c'));
    });
    s.queue('b', () => order.push('b'));
    expect(s.settle()).toBe(3);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(s.pending).toBe(0);
  });

  it('should never run a task inside another task', () => {
    const s = new Scheduler();
    const order: string[] = [];
    s.queue('outer', () => {
      s.queue('inner', () => order.push('inner'));
      expect(s.settle()).toBe(0); // nested settle is a no-op
      expect(() => s.runOne()).toThrow(BugIndicatingError);
      order.push('outer done');
    });
    s.settle();
    expect(order).toEqual(['outer done', 'inner']);
  });

  it('should skip cancelled tasks', () => {
    const s = new Scheduler();
    const order: string[] = [];
    s.queue('a', () => order.push('a'));
    s.queue('b', () => order.push('b')).dispose();
    expect(s.pending).toBe(1);
    expect(s.settle()).toBe(1);
    expect(order).toEqual(['a']);
  });

  it('should skip tasks and timers cancelled by a running task, and never offer them to a hook', () => {
    const s = new Scheduler();
    const order: string[] = [];
    const offered: string[][] = [];
    s.setPolicy({ kind: 'hook', choose: (ready) => (offered.push(ready.map((t) => t.name)), ready.length - 1) });
    const later = s.queue('timer', () => order.push('timer'), { delay: 3 });
    const c = s.queue('c', () => order.push('c'));
    s.queue('b', () => {
      order.push('b');
      c.dispose();
      later.dispose();
      later.dispose();
    });
    s.queue('a', () => order.push('a'));
    expect(s.advance(10)).toBe(2);
    expect(order).toEqual(['a', 'b']);
    expect(offered).toEqual([
      ['c', 'b', 'a'],
      ['c', 'b'],
    ]);
    expect(s.pending).toBe(0);
  });

  it('should not advance time and leave future timers alone', () => {
    const clock = new SimulatedClock();
    const s = new Scheduler(clock);
    const order: string[] = [];
    s.queue('later', () => order.push('later'), { delay: 5 });
    s.queue('now', () => order.push('now'));
    expect(s.settle()).toBe(1);
    expect(clock.now()).toBe(0);
    expect(order).toEqual(['now']);
    expect(s.pending).toBe(1);
  });

  it('should stop a livelock with a BugIndicatingError', () => {
    const s = new Scheduler();
    const forever = () => {
      s.queue('again', forever);
    };
    s.queue('again', forever);
    expect(() => s.settle()).toThrow(/did not converge/);
  });
});

describe('Scheduler policies', () => {
  it('should reproduce the same order for the same seed', () => {
    const a = new Scheduler();
    const b = new Scheduler();
    a.setPolicy({ kind: 'random', seed: 42 });
    b.setPolicy({ kind: 'random', seed: 42 });
    const first = run(a, TEN);
    expect(run(b, TEN)).toEqual(first);
    expect([...first].sort()).toEqual(TEN);
    expect(first).not.toEqual(TEN);
  });

  it('should give different orders for different seeds', () => {
    const orders = new Set<string>();
    for (const seed of [1, 2, 3, 4]) {
      const s = new Scheduler();
      s.setPolicy({ kind: 'random', seed });
      orders.add(run(s, TEN).join(','));
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('should restart the sequence when the same seed is set again', () => {
    const s = new Scheduler();
    s.setPolicy({ kind: 'random', seed: 7 });
    const first = run(s, TEN);
    s.setPolicy({ kind: 'random', seed: 7 });
    expect(run(s, TEN)).toEqual(first);
  });

  it('should let a hook choose among the ready tasks (here: always the last)', () => {
    const s = new Scheduler();
    const seen: string[][] = [];
    s.setPolicy({
      kind: 'hook',
      choose: (ready) => {
        seen.push(ready.map((t) => t.name));
        return ready.length - 1;
      },
    });
    s.queue('a', () => {}, { key: 'k' });
    expect(run(s, ['b', 'c'])).toEqual(['c', 'b']);
    expect(seen).toEqual([['a', 'b', 'c'], ['a', 'b'], ['a']]);
  });

  it.each([-1, 3, 0.5, Number.NaN])('should refuse a hook choice of %d', (choice) => {
    const s = new Scheduler();
    s.setPolicy({ kind: 'hook', choose: () => choice });
    for (const n of ['a', 'b', 'c']) s.queue(n, () => {});
    expect(() => s.runOne()).toThrow(BugIndicatingError);
    expect(s.pending).toBe(3);
  });

  it('should expose the key of a ready task', () => {
    const s = new Scheduler();
    s.queue('w', () => {}, { key: '/devices/a0' });
    expect(s.ready.map((t) => [t.name, t.key])).toEqual([['w', '/devices/a0']]);
  });
});

describe('Scheduler.advance', () => {
  it('should fire timers in deadline order, equal deadlines in queue order, settling at each', () => {
    const clock = new SimulatedClock();
    const s = new Scheduler(clock);
    const order: string[] = [];
    s.queue('t30', () => order.push(`t30@${clock.now()}`), { delay: 30 });
    s.queue(
      't10a',
      () => {
        order.push(`t10a@${clock.now()}`);
        s.queue('follow-up', () => order.push(`follow-up@${clock.now()}`));
        s.queue('t10+5', () => order.push(`t10+5@${clock.now()}`), { delay: 5 });
      },
      { delay: 10 },
    );
    s.queue('t10b', () => order.push(`t10b@${clock.now()}`), { delay: 10 });
    s.queue('t50', () => order.push(`t50@${clock.now()}`), { delay: 50 });
    expect(s.advance(40)).toBe(5);
    expect(order).toEqual(['t10a@10', 't10b@10', 'follow-up@10', 't10+5@15', 't30@30']);
    expect(clock.now()).toBe(40);
    expect(s.pending).toBe(1);
    s.advance(10);
    expect(order.at(-1)).toBe('t50@50');
  });

  it('should never move time backwards', () => {
    const clock = new SimulatedClock();
    clock.set(100);
    clock.set(50);
    clock.increment(-5);
    expect(clock.now()).toBe(100);
    expect(clock.nowUsec()).toBe(100_000);
  });
});

describe('Scheduler.fireNextTimer (the playground steps timers one deadline at a time)', () => {
  it('moves the clock to the earliest deadline and makes only the timers due then ready', () => {
    const s = new Scheduler(new SimulatedClock());
    const ran: string[] = [];
    s.queue('late', () => ran.push('late'), { delay: 20 });
    s.queue('early-a', () => ran.push('early-a'), { delay: 5 });
    s.queue('early-b', () => ran.push('early-b'), { delay: 5 });
    expect(s.timers.map((t) => [t.name, t.due])).toEqual([
      ['early-a', 5],
      ['early-b', 5],
      ['late', 20],
    ]);
    expect(s.fireNextTimer()).toBe(true);
    expect(s.clock.now()).toBe(5);
    expect(ran).toEqual([]);
    expect(s.ready.map((t) => t.name)).toEqual(['early-a', 'early-b']);
    expect(s.runOne()).toBe(true);
    expect(ran).toEqual(['early-a']);
    s.settle();
    expect(s.fireNextTimer()).toBe(true);
    expect(s.clock.now()).toBe(20);
    s.settle();
    expect(ran).toEqual(['early-a', 'early-b', 'late']);
    expect(s.fireNextTimer()).toBe(false);
    expect(s.clock.now()).toBe(20);
  });
});

describe('Scheduler with long bursts of ready tasks', () => {
  it('runs thousands of tasks in queue order, cancelled ones skipped, while tasks queue more and the explorer view stays exact', () => {
    const s = new Scheduler(new SimulatedClock());
    const ran: number[] = [];
    const handles = new Map<number, { dispose(): void }>();
    const add = (i: number) =>
      handles.set(
        i,
        s.queue(`t${i}`, () => {
          ran.push(i);
          // Every 100th task queues one more behind everything and cancels a later one.
          if (i % 100 === 0 && i < 5000) add(10_000 + i);
          if (i % 100 === 50) handles.get(i + 7)?.dispose();
        }),
      );
    for (let i = 0; i < 5000; i++) add(i);
    for (let i = 3; i < 5000; i += 10) handles.get(i)!.dispose();
    expect(s.pending).toBe(4500);
    expect(s.ready.slice(0, 4).map((t) => t.name)).toEqual(['t0', 't1', 't2', 't4']);
    let steps = 0;
    while (steps < 2500 && s.runOne()) steps++;
    expect(s.ready[0]!.name).toBe(`t${ran.at(-1)! + 1 + (ran.at(-1)! % 10 === 2 ? 1 : 0)}`);
    s.settle();
    const expected: number[] = [];
    for (let i = 0; i < 5000; i++) if (i % 10 !== 3 && !(i % 100 === 57)) expected.push(i);
    for (let i = 0; i < 5000; i += 100) expected.push(10_000 + i);
    expect(ran).toEqual(expected);
    expect(s.pending).toBe(0);
  });
});
