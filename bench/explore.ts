/**
 * Benchmark: race-explorer throughput, schedules per second on one core, on the DOE hand-off
 * scenario (see explore-measure.ts for what is measured and how).
 *
 * usage: npx tsx bench/explore.ts [--schedules N] [--file F] [--no-snapshot] [--json]
 *   --no-snapshot: every schedule builds and boots its machine (no snapshot/restore)
 *   --json: one line per figure, {"figure":"explorer.schedules_per_second","value":N,"unit":…}
 */
import { DOE_SCENARIO, MEASURED_BUILD, measureExplorer } from './explore-measure.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const file = opt('--file', DOE_SCENARIO);
const r = measureExplorer(file, Number(opt('--schedules', '1000')), !args.includes('--no-snapshot'));
const round = (x: number) => Math.round(x * 10) / 10;
if (args.includes('--json')) {
  console.log(JSON.stringify({ figure: 'explorer.schedules_per_second', value: round(r.perCpuSecond), unit: 'schedules/s (one core, CPU time)' }));
  console.log(JSON.stringify({ figure: 'explorer.schedules_per_second_wall', value: round(r.perWallSecond), unit: 'schedules/s (wall)' }));
  console.log(
    JSON.stringify({
      figure: 'explorer.campaign_seeds_per_second',
      value: round(r.seedsPerCpuSecond),
      unit: 'seeds/s (one core, CPU time; repeats included)',
    }),
  );
  console.log(
    JSON.stringify({ figure: 'explorer.prefix_share', value: Math.round(r.prefixShare * 100) / 100, unit: 'of a schedule before the block' }),
  );
} else {
  console.log(
    `${file} (${MEASURED_BUILD}/): ${r.schedules} seeds, ${r.runs} schedules run (${r.violating} seeds violating): ${round(r.perCpuSecond)} schedules run/s on one core (CPU time), ` +
      `${round(r.seedsPerCpuSecond)} seeds/s, ` +
      `${round(r.perWallSecond)}/s wall; building, booting and running a fresh machine up to the block costs ${Math.round(r.prefixShare * 100) / 100}× a schedule from the snapshot`,
  );
}
