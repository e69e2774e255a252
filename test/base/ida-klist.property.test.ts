/**
 * IdAllocator hands out the lowest free id ≥ min (ida_alloc) whatever the order of allocations,
 * takes and frees — checked against a plain set; KList keeps insertion order under any sequence
 * of appends and removals, as an array would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdAllocator, KList } from '../../src/base/index.js';

describe('IdAllocator', () => {
  it('allocates the lowest free id at or above min, as a scan would', () => {
    const op = fc.oneof(fc.constant({ op: 'alloc' as const }), fc.record({ op: fc.constantFrom('take' as const, 'free' as const), id: fc.nat(12) }));
    fc.assert(
      fc.property(fc.nat(3), fc.array(op, { maxLength: 60 }), (min, ops) => {
        const ida = new IdAllocator(min);
        const used = new Set<number>();
        for (const o of ops) {
          if (o.op === 'alloc') {
            let id = min;
            while (used.has(id)) id++;
            used.add(id);
            expect(ida.alloc()).toBe(id);
          } else if (o.op === 'take') {
            expect(ida.take(o.id)).toBe(!used.has(o.id));
            used.add(o.id);
          } else if (used.has(o.id)) {
            ida.free(o.id);
            used.delete(o.id);
          }
        }
      }),
    );
  });
});

describe('KList', () => {
  it('keeps insertion order, membership and the tail under appends and removals', () => {
    const op = fc.record({ remove: fc.boolean(), item: fc.nat(10) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const list = new KList<number>();
        const model: number[] = [];
        for (const o of ops) {
          if (o.remove) {
            const i = model.indexOf(o.item);
            expect(list.remove(o.item)).toBe(i >= 0);
            if (i >= 0) model.splice(i, 1);
          } else {
            list.push(o.item);
            if (!model.includes(o.item)) model.push(o.item);
          }
          expect([...list]).toEqual(model);
          expect(list.length).toBe(model.length);
          expect(list.last()).toBe(model.at(-1));
        }
      }),
    );
  });

  it('lets an iteration remove the item it is on', () => {
    const list = new KList<number>();
    for (const i of [1, 2, 3, 4]) list.push(i);
    const seen: number[] = [];
    for (const i of list) {
      seen.push(i);
      if (i % 2 === 0) list.remove(i);
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    expect([...list]).toEqual([1, 3]);
  });
});
