/**
 * Benchmark: race-explorer throughput, schedules per second on one core, on the DOE hand-off
 * scenario (see explore-measure.ts for what is measured and how): the steady-state rate, the cold
 * rate of a fresh process's first campaign, and the warm-up curve between them.
 *
 * usage: npx tsx bench/explore.ts [--schedules N] [--file F] [--no-snapshot] [--json]
 *   --schedules N: seeds per campaign (1,000)
 *   --no-snapshot: every schedule builds and boots its machine (no snapshot/restore)
 *   --json: one line per figure, {"figure":"explorer.schedules_per_second","value":N,"unit":…}
 */
import pc from 'picocolors';
import { DOE_SCENARIO, MEASURED_BUILD, STEADY_CAMPAIGNS, WARM_UP_CAMPAIGNS, measureExplorer } from './explore-measure.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const file = opt('--file', DOE_SCENARIO);
const json = args.includes('--json');
const campaigns = 1 + WARM_UP_CAMPAIGNS + STEADY_CAMPAIGNS;
const tty = process.stderr.isTTY === true && !json;
const r = measureExplorer(file, Number(opt('--schedules', '1000')), !args.includes('--no-snapshot'), (i, rate) => {
  if (tty) process.stderr.write(`\r${pc.dim(`campaign ${i + 1}/${campaigns}: ${Math.round(rate)} schedules run per CPU s`)}\x1b[K`);
});
if (tty) process.stderr.write('\r\x1b[K');
const round = (x: number) => Math.round(x * 10) / 10;
if (json) {
  const fig = (figure: string, value: number, unit: string) => console.log(JSON.stringify({ figure, value, unit }));
  fig('explorer.schedules_per_second', round(r.perCpuSecond), 'schedules/s (one core, CPU time, steady state)');
  fig('explorer.schedules_per_second_wall', round(r.perWallSecond), 'schedules/s (wall, steady state)');
  fig('explorer.schedules_per_second_cold', round(r.coldPerCpuSecond), 'schedules/s (one core, CPU time, first campaign of a fresh process)');
  fig('explorer.campaign_seeds_per_second', round(r.seedsPerCpuSecond), 'seeds/s (one core, CPU time, steady state; repeats included)');
  fig('explorer.prefix_share', Math.round(r.prefixShare * 100) / 100, 'of a schedule before the block');
} else {
  const top = Math.max(...r.curve);
  const bars = '▁▂▃▄▅▆▇█';
  const spark = r.curve.map((x) => bars[Math.min(bars.length - 1, Math.floor((x / top) * bars.length))]).join('');
  console.log(
    `${file} (${MEASURED_BUILD}/), campaigns of ${r.schedules} seeds, ${r.runs} schedules run (${r.violating} seeds violating):\n` +
      `  steady state ${pc.bold(String(round(r.perCpuSecond)))} schedules run/s on one core (CPU time), ${round(r.seedsPerCpuSecond)} seeds/s, ${round(r.perWallSecond)}/s wall\n` +
      `  cold (first campaign of the process) ${round(r.coldPerCpuSecond)}/s; warm-up ${spark} ${r.curve.map((x) => Math.round(x)).join(' → ')}\n` +
      `  building, booting and running a fresh machine up to the block costs ${Math.round(r.prefixShare * 100) / 100}× a schedule from the snapshot`,
  );
}
