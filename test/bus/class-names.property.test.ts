/**
 * The class's lowest-free-number index (src/bus/class-names.ts) answers as __dev_alloc_name's
 * walk over every device does, for any sequence of registrations, removals and renames, and
 * tests O(1) names per allocation while no name is freed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClassNameNumbers, classNameWork } from '../../src/bus/class-names.js';

const patterns = [
  ['eth', ''],
  ['eth', 'x'],
  ['mlx5_', ''],
] as const;

/** The walk: mark every canonical number of the pattern in use, take the lowest unmarked. */
function scan(names: ReadonlySet<string>, prefix: string, suffix: string, limit: number): number | undefined {
  const used = new Set<number>();
  for (const n of names) {
    if (!n.startsWith(prefix) || !n.endsWith(suffix) || n.length <= prefix.length + suffix.length) continue;
    const mid = n.slice(prefix.length, n.length - suffix.length);
    if (/^(0|[1-9][0-9]*)$/.test(mid)) used.add(Number(mid));
  }
  for (let i = 0; i < limit; i++) if (!used.has(i)) return i;
  return undefined;
}

const nameArb = fc.oneof(
  fc.nat(12).map((i) => `eth${i}`),
  fc.nat(5).map((i) => `eth${i}x`),
  fc.nat(5).map((i) => `mlx5_${i}`),
  fc.constantFrom('eth01', 'eth', 'ethx', 'lan0', 'eth-1', 'mlx5_00'),
);
const stepArb = fc.oneof(
  fc.record({ op: fc.constant('alloc' as const), p: fc.nat(patterns.length - 1), limit: fc.constantFrom(4, 8, 64) }),
  fc.record({ op: fc.constant('add' as const), name: nameArb }),
  fc.record({ op: fc.constant('remove' as const), i: fc.nat() }),
  fc.record({ op: fc.constant('rename' as const), i: fc.nat(), name: nameArb }),
);

describe('ClassNameNumbers', () => {
  it('finds the lowest free number the walk over every name finds (property)', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 80 }), (steps) => {
        const index = new ClassNameNumbers();
        const names = new Set<string>();
        const taken = (n: string) => names.has(n);
        for (const s of steps) {
          if (s.op === 'alloc') {
            const [prefix, suffix] = patterns[s.p]!;
            const got = index.lowestFree(prefix, suffix, s.limit, taken);
            expect(got).toBe(scan(names, prefix, suffix, s.limit));
            if (got !== undefined) names.add(`${prefix}${got}${suffix}`);
          } else if (s.op === 'add') names.add(s.name);
          else if (names.size > 0) {
            const old = [...names][s.i % names.size]!;
            if (s.op === 'rename' && names.has(s.name)) continue;
            names.delete(old);
            index.freed(old);
            if (s.op === 'rename') names.add(s.name);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('tests at most two names per allocation while names are only taken (the last one handed out, then the next)', () => {
    const index = new ClassNameNumbers();
    const names = new Set<string>();
    const probes0 = classNameWork.probes;
    for (let i = 0; i < 2000; i++) names.add(`eth${index.lowestFree('eth', '', 32768, (n) => names.has(n))!}`);
    expect(names.has('eth1999')).toBe(true);
    expect(classNameWork.probes - probes0).toBe(2 * 2000 - 1);
  });
});
