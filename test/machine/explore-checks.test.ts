/**
 * The explorer checks the task invariants after every task, step and clock step, and skips a
 * check only when nothing ran since the last one. These tests break an invariant behind the
 * explorer's back — inside the task the scheduler's hook lets run, or inside a lane step — and
 * require the run to report it at the very next check: no later task may be chosen (the hook
 * checks first), from a snapshot base (campaigns) and on a fresh machine with a timeline (replays).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ChoicePolicy, Scheduler } from '../../src/base/index.js';
import { type Machine, prepareBase, runSchedule } from '../../src/machine/index.js';
import { Process } from '../../src/userspace/index.js';
import { loadScenarioFile } from '../support/load-scenario.js';

const load = loadScenarioFile;

const exclusive = load('examples/explore/doe-aux-exclusive.yaml');
const planted = /^uevent add \/devices\/planted has SEQNUM 0 after \d+$/;

/**
 * Plants a uevent out of SEQNUM order in the machine's log (a snapshot restores the log) at the
 * `nth` hook call, after the explorer has chosen (the task it runs "made" the break), or inside
 * a sysfs write to an `unbind` file; `late` counts hook choices made after the break.
 */
function saboteur(where: { readonly hookCall: number } | 'unbind-step') {
  const s = { machine: undefined as Machine | undefined, planted: false, late: 0 };
  const plant = (): void => {
    if (!s.machine || s.planted) return;
    (s.machine.uevent.log as unknown[]).push({ seqnum: 0, action: 'add', devpath: '/devices/planted' });
    s.planted = true;
  };
  const setPolicy = Scheduler.prototype.setPolicy;
  vi.spyOn(Scheduler.prototype, 'setPolicy').mockImplementation(function (this: Scheduler, policy: ChoicePolicy) {
    if (policy.kind !== 'hook') return setPolicy.call(this, policy);
    let calls = 0;
    setPolicy.call(this, {
      kind: 'hook',
      choose: (ready) => {
        const i = policy.choose(ready);
        if (s.planted) s.late++;
        if (where !== 'unbind-step' && ++calls === where.hookCall) plant();
        return i;
      },
    });
  });
  const writeFile = Process.prototype.writeFile;
  vi.spyOn(Process.prototype, 'writeFile').mockImplementation(function (this: Process, path: string, value: string | Uint8Array) {
    const n = writeFile.call(this, path, value);
    if (where === 'unbind-step' && path.endsWith('/unbind')) plant();
    return n;
  });
  return s;
}

afterEach(() => vi.restoreAllMocks());

describe('explorer: a broken invariant is reported at the next check', () => {
  const runs = (where: { readonly hookCall: number } | 'unbind-step') => {
    const base = prepareBase(exclusive)!;
    const s = saboteur(where);
    expect(runSchedule(exclusive, { base, end: (m) => void (s.machine = m) }).violation).toBeUndefined();
    for (const prefix of [[], [1], [1, 1], [2, 0, 1]]) {
      s.planted = false;
      const r = runSchedule(exclusive, { base, prefix });
      expect(s.planted).toBe(true);
      expect(r.violation?.invariant).toBe('uevent-seqnum-order');
      expect(r.violation?.message).toMatch(planted);
      expect(s.late).toBe(0);
    }
    base.dispose();
  };

  it.each([1, 2, 3, 5, 8, 12, 20])('should stop right after the task of hook call %i, from a snapshot base', (hookCall) => runs({ hookCall }));

  it('should stop right after a lane step (a sysfs unbind), from a snapshot base', () => runs('unbind-step'));

  it.each([3, 40])('should stop right after the task of hook call %i, on a fresh machine with a timeline', (hookCall) => {
    const s = saboteur({ hookCall });
    const r = runSchedule(exclusive, { prefix: [1], timeline: true, observe: (m) => void (s.machine = m) });
    expect(s.planted).toBe(true);
    expect(r.violation?.invariant).toBe('uevent-seqnum-order');
    expect(r.violation?.message).toMatch(planted);
    expect(s.late).toBe(0);
  });
});
