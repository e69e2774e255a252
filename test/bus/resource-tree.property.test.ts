/**
 * The resource tree (src/bus/resource.ts) answers as the walk over every claim did: a request
 * clashes with a busy region of its kind exactly when one overlaps (EBUSY, naming the lowest
 * such region), iomem_is_exclusive sees an overlapping busy mem region, and /proc/iomem lists
 * the claims in the order they were made.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DriverModelError } from '../../src/base/index.js';
import { type Resource, ResourceTree } from '../../src/bus/index.js';

const kindArb = fc.constantFrom('mem' as const, 'io' as const);
const stepArb = fc.oneof(
  fc.record({
    op: fc.constant('request' as const),
    kind: kindArb,
    start: fc.nat(200),
    size: fc.integer({ min: 1, max: 40 }),
    exclusive: fc.boolean(),
  }),
  fc.record({ op: fc.constant('release' as const), i: fc.nat() }),
  fc.record({ op: fc.constant('query' as const), start: fc.nat(240), size: fc.integer({ min: 1, max: 60 }), strict: fc.boolean() }),
);

describe('ResourceTree', () => {
  it('clashes, releases and answers iomem_is_exclusive as a walk over every claim (property)', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const tree = new ResourceTree();
        const model: Resource[] = [];
        for (const s of steps) {
          if (s.op === 'request') {
            const end = s.start + s.size - 1;
            const clash = model.filter((r) => r.kind === s.kind && r.start <= end && s.start <= r.end).sort((a, b) => a.start - b.start)[0];
            let got: Resource | DriverModelError;
            try {
              got = tree.request(s.kind, s.start, s.size, `o${model.length}`, s.exclusive);
            } catch (e) {
              got = e as DriverModelError;
            }
            if (clash) {
              expect(DriverModelError.is(got, 'EBUSY')).toBe(true);
              expect((got as DriverModelError).message).toContain(`held by ${clash.owner}`);
            } else {
              expect(got).toMatchObject({ kind: s.kind, start: s.start, end, busy: true, exclusive: s.exclusive });
              model.push(got as Resource);
            }
          } else if (s.op === 'release' && model.length > 0) {
            tree.release(model.splice(s.i % model.length, 1)[0]!);
          } else if (s.op === 'query') {
            tree.ioStrictDevmem = s.strict;
            const end = s.start + s.size - 1;
            const expected = model.some((r) => r.kind === 'mem' && r.start <= end && s.start <= r.end && (s.strict || r.exclusive));
            expect(tree.iomemIsExclusive(s.start, s.size)).toBe(expected);
          }
          expect(tree.claims).toEqual(model);
        }
      }),
      { numRuns: 300 },
    );
  });
});
