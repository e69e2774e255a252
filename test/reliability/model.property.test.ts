/**
 * The model-based reliability test (test/reliability/model.ts): random sequences of every
 * user-visible operation, all invariants checked after each step. `npm test` runs a small budget;
 * `npm run test:stress` raises it with MODEL_SEEDS (sequences) and MODEL_STEPS (operations each).
 */
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPERATIONS, type RunStats, opArb, runModel } from './model.js';

const SEEDS = Number(process.env.MODEL_SEEDS || 12);
const STEPS = Number(process.env.MODEL_STEPS || 25);
const SEED = Number(process.env.MODEL_SEED || 0x11e1);
/** A file the stress run appends its running figures to every 25 sequences (MODEL_PROGRESS). */
const PROGRESS = process.env.MODEL_PROGRESS;

describe('reliability model over every user-visible operation', () => {
  it('should hold every invariant after every step, and fail only with errno errors', () => {
    const stats: RunStats = { operations: 0, errnos: 0, perOp: {} };
    const started = performance.now();
    let done = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: STEPS, maxLength: STEPS }), (ops) => {
        const v = runModel(ops, stats);
        if (PROGRESS && ++done % 25 === 0)
          appendFileSync(
            PROGRESS,
            `${JSON.stringify({ seeds: done, operations: stats.operations, errnos: stats.errnos, ms: Math.round(performance.now() - started) })}\n`,
          );
        if (v) throw new Error(`invariant ${v.invariant} broken at step ${v.step} (${JSON.stringify(v.op)}): ${v.message}`);
      }),
      { numRuns: SEEDS, seed: SEED, endOnFailure: true },
    );
    if (process.env.MODEL_REPORT) {
      console.log(
        JSON.stringify({
          model: {
            seeds: SEEDS,
            stepsPerSeed: STEPS,
            operations: stats.operations,
            errnos: stats.errnos,
            violations: 0,
            perOp: stats.perOp,
            ms: Math.round(performance.now() - started),
          },
        }),
      );
    }
    // Every operation kind was drawn: the budget exercised the whole surface.
    if (stats.operations >= OPERATIONS.length * 20) expect(Object.keys(stats.perOp).sort()).toEqual([...OPERATIONS].sort());
  });

  it('should hold on the DOE hand-off, a vfio claim and a revoke', () => {
    expect(
      runModel([
        { op: 'override', pick: 1, value: 'doe_user.doe' },
        { op: 'unbind', pick: 1 },
        { op: 'drivers_probe', pick: 1 },
        { op: 'open', who: 0, pick: 0 },
        { op: 'open', who: 1, pick: 0 },
        { op: 'doe', pick: 0 },
        { op: 'doe-raw', pick: 0, mailbox: 1 },
        { op: 'rmmod', module: 'doe_user' },
        { op: 'doe', pick: 0 },
        { op: 'ioctl', pick: 0 },
        { op: 'close', pick: 0 },
        { op: 'modprobe', module: 'vfio_pci' },
        { op: 'sriov', pick: 1, n: 2 },
        { op: 'trigger', action: 'change' },
        { op: 'reload', rules: 2 },
        { op: 'hotplug', preset: 'cxl-type3' },
        { op: 'unplug', pick: 0 },
      ]),
    ).toBeUndefined();
  });
});
