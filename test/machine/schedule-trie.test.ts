/**
 * A random campaign runs each distinct schedule once (schedule-trie.ts): a seed whose choices
 * repeat a run already made gets that run's result. The campaign's counts and first violation must
 * be those of running every seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Chooser, ScheduleTrie, explore, prepareBase, randomChooser, runSchedule } from '../../src/machine/index.js';
import { loadScenarioFile } from '../support/load-scenario.js';

const load = loadScenarioFile;

/**
 * A deterministic stand-in for a run: a tree whose widths and ends are a function of the choices
 * made (as a machine's are), driven like runSchedule (prefix first, then `choose`).
 */
function fakeRun(treeSeed: number, prefix: readonly number[], choose: Chooser) {
  const widths: number[] = [];
  const schedule: number[] = [];
  let h = treeSeed >>> 0;
  for (let point = 0; ; point++) {
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
    if (point >= 2 && h % 5 === 0) break; // the run ends here
    const width = 1 + (h % 3); // 1 is no choice point
    if (width === 1) continue;
    const p = widths.length;
    const c = Math.min(p < prefix.length ? prefix[p]! : choose(width, p), width - 1);
    widths.push(width);
    schedule.push(c);
    h = (h + c * 0x9e3779b9) >>> 0;
  }
  const violation = schedule.reduce((a, c) => a + c, 0) % 4 === 3 ? { invariant: 'sum', message: schedule.join('.') } : undefined;
  return { widths, schedule, violation };
}

describe('ScheduleTrie', () => {
  it('answers every seed as running it would, and runs each distinct schedule once', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 200 }), (treeSeed, seeds) => {
        const trie = new ScheduleTrie();
        const distinct = new Set<string>();
        let runs = 0;
        for (let seed = 1; seed <= seeds; seed++) {
          const direct = fakeRun(treeSeed, [], randomChooser(seed));
          distinct.add(direct.schedule.join('.'));
          const choose = randomChooser(seed);
          const walk = trie.walk(choose);
          let got;
          if (walk.kind === 'known') got = walk.outcome;
          else {
            const r = fakeRun(treeSeed, walk.prefix, choose);
            trie.record(r.widths, r);
            runs++;
            got = r;
          }
          expect(got.schedule).toEqual(direct.schedule);
          expect(got.violation).toEqual(direct.violation);
        }
        expect(runs).toBe(distinct.size);
      }),
      { numRuns: 200 },
    );
  });

  it('stops growing at its node budget and still answers from what it holds', () => {
    const trie = new ScheduleTrie(4);
    trie.record([2], { schedule: [0], violation: undefined });
    trie.record([2, 2, 2, 2, 2], { schedule: [1, 1, 1, 1, 1], violation: undefined });
    expect(trie.size).toBe(4);
    expect(trie.walk(() => 0)).toEqual({ kind: 'known', outcome: { schedule: [0], violation: undefined } });
    // The truncated run is not an end: a walk down it runs again, from where the tree stops.
    expect(trie.walk(() => 1)).toEqual({ kind: 'run', prefix: [1, 1, 1] });
  });

  it('grows its node and child-slot arrays past their first sizes and still answers every run', () => {
    // Runs of six points of four options each: run k chooses k's base-4 digits.
    const digits = (k: number) => Array.from({ length: 6 }, (_, i) => Math.floor(k / 4 ** (5 - i)) % 4);
    const widths = [4, 4, 4, 4, 4, 4];
    const trie = new ScheduleTrie();
    for (let k = 0; k < 3000; k += 2)
      trie.record(widths, { schedule: digits(k), violation: k % 7 === 0 ? { invariant: 'i', message: `${k}` } : undefined });
    expect(trie.size).toBeGreaterThan(2048);
    for (let k = 0; k < 3000; k++) {
      const d = digits(k);
      const walk = trie.walk((_w, p) => d[p]!);
      if (k % 2 === 1) {
        // Never recorded: its last point has no child for it.
        expect(walk).toEqual({ kind: 'run', prefix: d });
        continue;
      }
      expect(walk.kind).toBe('known');
      if (walk.kind !== 'known') continue;
      expect(walk.outcome.schedule).toEqual(d);
      expect(walk.outcome.violation?.message).toBe(k % 7 === 0 ? `${k}` : undefined);
    }
  });

  it('keeps the children of a point whose width grew between two records', () => {
    const trie = new ScheduleTrie();
    trie.record([2], { schedule: [1], violation: undefined });
    trie.record([3, 2], { schedule: [2, 1], violation: undefined });
    const at = (choices: number[]) => trie.walk((_w, p) => choices[p] ?? 0);
    expect(at([1])).toEqual({ kind: 'known', outcome: { schedule: [1], violation: undefined } });
    expect(at([2, 1])).toEqual({ kind: 'known', outcome: { schedule: [2, 1], violation: undefined } });
    expect(at([0])).toEqual({ kind: 'run', prefix: [0] });
    expect(trie.size).toBe(4);
  });

  it('keeps a run’s schedule and violation, not the result it was given', () => {
    const trie = new ScheduleTrie();
    const violation = { invariant: 'x', message: 'm' };
    const run = { schedule: [1, 0, 1], violation, widths: [2, 2, 2], timeline: [{ t: 0, actor: 'kernel', what: 'w' }] };
    trie.record(run.widths, run);
    run.schedule.push(1);
    const walk = trie.walk((w, p) => [1, 0, 1][p]! % w);
    expect(walk.kind).toBe('known');
    if (walk.kind !== 'known') return;
    expect(walk.outcome).not.toBe(run);
    expect(Object.keys(walk.outcome).sort()).toEqual(['schedule', 'violation']);
    expect(walk.outcome.schedule).toEqual([1, 0, 1]);
    expect(walk.outcome.violation).toBe(violation);
  });
});

describe('a random campaign with repeated schedules', () => {
  const loaded = load('examples/explore/doe-pci-core-shared.yaml');

  it('reports the counts and first violation of running every seed, having run fewer', () => {
    const seeds = 120;
    const base = prepareBase(loaded);
    let violations = 0;
    let first: number | undefined;
    const distinct = new Set<string>();
    for (let k = 0; k < seeds; k++) {
      const r = runSchedule(loaded, { choose: randomChooser(7 + k), ...(base ? { base } : {}) });
      distinct.add(r.schedule.join('.'));
      if (r.violation) {
        violations++;
        first ??= 7 + k;
      }
    }
    base?.dispose();
    const c = explore(loaded, { schedules: seeds, seed: 7, stopAtFirst: false });
    expect(c.schedules).toBe(seeds);
    expect(c.violations).toBe(violations);
    expect(c.found?.seed).toBe(first);
    expect(c.runs).toBe(distinct.size);
    expect(c.runs).toBeLessThan(seeds);
  });
});
