/**
 * The work a machine restore does (docs/snapshot.md, issue #11), counted rather than timed: on
 * the explorer's base of the DOE hand-off race, restoring an unchanged machine writes nothing,
 * restoring after a schedule writes exactly the records that changed (bounded by their sizes)
 * and leaves nothing to write for the next restore, and no run adds an own property a restore
 * cannot see (non-enumerable or symbol-keyed).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { snapshotStats } from '../../src/base/index.js';
import { machineHiddenKeyChanges, machineSnapshotDiff, prepareBase, randomChooser, runSchedule } from '../../src/machine/index.js';
import { loadScenarioFile } from '../support/load-scenario.js';

const load = loadScenarioFile;

describe('machine restore: what stamps skip', () => {
  // Every explorer example whose campaigns run from a snapshot: after each schedule, the records
  // of a class whose stamp is the recorded one equal their recording (Snapshottable.snapshotStamp),
  // and a restore skips some.
  for (const file of readdirSync('examples/explore')
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `examples/explore/${f}`)) {
    it(`should skip only unchanged records (${file})`, () => {
      const loaded = load(file);
      const base = prepareBase(loaded);
      if (!base) return; // not quiescent before its block: no snapshot (docs/snapshot.md)
      try {
        for (let seed = 1; seed <= 6; seed++) {
          runSchedule(loaded, { base, choose: randomChooser(seed) });
          expect(machineSnapshotDiff(base.token).staleStamped).toBe(0);
          const before = snapshotStats().stamped;
          base.state.sm.machine.restore(base.token);
          expect(snapshotStats().stamped).toBeGreaterThan(before);
        }
      } finally {
        base.dispose();
      }
    });
  }
});

describe('machine restore: work', () => {
  for (const file of ['examples/explore/doe-pci-core-shared.yaml', 'examples/explore/unbind-vs-open.yaml']) {
    it(`should write nothing unchanged and only what changed after a schedule (${file})`, () => {
      const loaded = load(file);
      const base = prepareBase(loaded)!;
      expect(base).toBeDefined();
      const { machine } = base.state.sm;
      const restore = (): { writes: number; changed: number } => {
        const before = snapshotStats();
        machine.restore(base.token);
        const after = snapshotStats();
        return { writes: after.writes - before.writes, changed: after.changed - before.changed };
      };
      try {
        expect(machineSnapshotDiff(base.token)).toEqual({ records: 0, slots: 0, staleStamped: 0 });
        expect(restore()).toEqual({ writes: 0, changed: 0 });
        for (let seed = 1; seed <= 4; seed++) {
          runSchedule(loaded, { base, choose: randomChooser(seed) });
          expect(machineHiddenKeyChanges(base.token)).toEqual([]);
          const diff = machineSnapshotDiff(base.token);
          expect(diff.records).toBeGreaterThan(0);
          // What a stamp lets restore skip is unchanged indeed.
          expect(diff.staleStamped).toBe(0);
          const done = restore();
          expect(done.changed).toBe(diff.records);
          expect(done.writes).toBeGreaterThanOrEqual(diff.records);
          expect(done.writes).toBeLessThanOrEqual(diff.slots);
          expect(machineSnapshotDiff(base.token)).toEqual({ records: 0, slots: 0, staleStamped: 0 });
          expect(restore()).toEqual({ writes: 0, changed: 0 });
        }
      } finally {
        base.dispose();
      }
    });
  }
});
