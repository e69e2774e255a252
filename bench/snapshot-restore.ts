/**
 * Benchmark: the CPU cost of one machine restore (docs/snapshot.md), in microseconds, on the
 * explorer's base of a scenario (default: the DOE hand-off race): after a schedule ran (what the
 * explorer pays per schedule) and on an unchanged machine (restore right after a restore).
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
let afterRun = 0;
let unchanged = 0;
for (let i = 0; i < n + 50; i++) {
  runSchedule(loaded, { base, choose: randomChooser(i + 1) });
  const t0 = cpu();
  machine.restore(base.token);
  const t1 = cpu();
  for (let k = 0; k < 10; k++) machine.restore(base.token);
  const t2 = cpu();
  if (i < 50) continue; // warm-up
  afterRun += t1 - t0;
  unchanged += (t2 - t1) / 10;
}
console.log(`records ${base.token.objects}; restore after a schedule ${(afterRun / n).toFixed(1)} µs; unchanged ${(unchanged / n).toFixed(1)} µs`);
base.dispose();
