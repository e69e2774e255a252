/**
 * Benchmark: the cost of one machine restore (docs/snapshot.md), in microseconds, on the
 * explorer's base of a scenario (default: the DOE hand-off race): after a schedule ran (what the
 * explorer pays per schedule) and on an unchanged machine (a restore right after a restore).
 * CPU time is the process's (it includes background GC and compiler threads, which after a
 * schedule finish the schedule's work); the median wall time of single restores does not.
 *
 * usage: nice -n 19 npx tsx bench/snapshot-restore.ts [scenario.yaml] [N]
 */
import { prepareBase, randomChooser, runSchedule } from '../src/machine/index.js';
import { DOE_SCENARIO, loadExploreScenario } from './explore-measure.js';

const file = process.argv[2] ?? DOE_SCENARIO;
const n = Number(process.argv[3] ?? 400);
const loaded = loadExploreScenario(file);
const base = prepareBase(loaded);
if (!base) throw new Error(`${file}: no snapshot base (not quiescent before its block)`);
const machine = base.state.sm.machine;
const cpu = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
let afterRun = 0;
let unchanged = 0;
const afterWall: number[] = [];
const unchangedWall: number[] = [];
for (let i = 0; i < n + 50; i++) {
  runSchedule(loaded, { base, choose: randomChooser(i + 1) });
  const w0 = performance.now();
  const t0 = cpu();
  machine.restore(base.token);
  const t1 = cpu();
  const w1 = performance.now();
  for (let k = 0; k < 10; k++) machine.restore(base.token);
  const t2 = cpu();
  const w2 = performance.now();
  if (i < 50) continue; // warm-up
  afterRun += t1 - t0;
  unchanged += (t2 - t1) / 10;
  afterWall.push((w1 - w0) * 1000);
  unchangedWall.push(((w2 - w1) * 1000) / 10);
}
console.log(
  `records ${base.token.objects}; restore after a schedule ${(afterRun / n).toFixed(1)} µs CPU, median ${median(afterWall).toFixed(1)} µs wall; ` +
    `unchanged ${(unchanged / n).toFixed(1)} µs CPU, median ${median(unchangedWall).toFixed(1)} µs wall`,
);
base.dispose();
