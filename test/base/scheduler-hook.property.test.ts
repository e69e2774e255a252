/**
 * The scheduler under a hook policy (the race explorer's): the hook is offered exactly the live
 * ready tasks in queue order, whatever was cancelled or taken before, and `readyCount` is the
 * length of `ready`. Checked against a plain list model over random queue/cancel/run sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IDisposable, type ReadyTask, Scheduler } from '../../src/base/index.js';

type Op = { readonly op: 'queue' } | { readonly op: 'cancel'; readonly which: number } | { readonly op: 'run'; readonly pick: number };

const ops = fc.array(
  fc.oneof(
    fc.constant<Op>({ op: 'queue' }),
    fc.nat(40).map((which): Op => ({ op: 'cancel', which })),
    fc.nat(40).map((pick): Op => ({ op: 'run', pick })),
  ),
  { maxLength: 120 },
);

describe('Scheduler: hook policy over random queue/cancel/run sequences', () => {
  it('should offer the hook the live ready tasks in queue order and run the one it picks', () => {
    fc.assert(
      fc.property(ops, (seq) => {
        const s = new Scheduler();
        let want = 0;
        let offered: string[] = [];
        s.setPolicy({
          kind: 'hook',
          choose: (ready: readonly ReadyTask[]) => {
            offered = ready.map((t) => t.name);
            return want % ready.length;
          },
        });
        const model: string[] = [];
        const handles: { name: string; handle: IDisposable }[] = [];
        const ran: string[] = [];
        let n = 0;
        for (const o of seq) {
          if (o.op === 'queue') {
            const name = `t${n++}`;
            handles.push({ name, handle: s.queue(name, () => ran.push(name)) });
            model.push(name);
          } else if (o.op === 'cancel') {
            const h = handles[o.which % Math.max(1, handles.length)];
            if (!h) continue;
            h.handle.dispose();
            h.handle.dispose(); // idempotent
            const i = model.indexOf(h.name);
            if (i >= 0) model.splice(i, 1);
          } else {
            want = o.pick;
            const before = [...model];
            const did = s.runOne();
            expect(did).toBe(before.length > 0);
            if (!did) continue;
            expect(offered).toEqual(before);
            const [taken] = model.splice(want % before.length, 1);
            expect(ran[ran.length - 1]).toBe(taken);
          }
          expect(s.ready.map((t) => t.name)).toEqual(model);
          expect(s.readyCount).toBe(model.length);
          expect(s.pending).toBe(model.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('should count a cancelled timer once, however often its handle is disposed', () => {
    const s = new Scheduler();
    const fired: string[] = [];
    const a = s.queue('a', () => fired.push('a'), { delay: 5 });
    s.queue('b', () => fired.push('b'), { delay: 5 });
    a.dispose();
    a.dispose();
    expect(s.timers.map((t) => t.name)).toEqual(['b']);
    s.advance(5);
    expect(fired).toEqual(['b']);
  });
});
