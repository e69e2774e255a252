/**
 * Benchmark: the race explorer's V8 warm-up, campaign by campaign, in one fresh process — where a
 * fresh process's extra CPU goes (docs/performance.md, "V8 warm-up of the explorer").
 *
 * usage: npx tsx bench/explore-warmup.ts [--campaigns N] [--schedules N] [--same] [--file F]
 *   --campaigns N: campaigns run (8)
 *   --schedules N: seeds per campaign (1,000)
 *   --same: every campaign runs seeds 1…N (the schedules of the first; the crypto memo and the
 *           code warm, nothing else); default: campaign k runs seeds from k·1,000,000 + 1
 *
 * Each campaign is one `explore()` (a machine booted and snapshotted, then its schedules), as the
 * bench's campaigns are (bench/explore-measure.ts). Per campaign: schedules run per CPU second of
 * the process, and, on Linux, the CPU time per schedule run of the main thread and of the other
 * threads — V8's helpers: concurrent TurboFan compiles and the collector's parallel and concurrent
 * work (`/proc/self/task/<tid>/stat`, in clock ticks of 10 ms: read the helpers' column over a
 * campaign of ~0.5 s as ±20 µs). Run node with `--no-concurrent-recompilation` to move the compiles
 * onto the main thread, `--trace-opt --trace-deopt` to see them. The last line says at which
 * campaign the rate first comes within 10% of the median of the last three.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { DOE_SCENARIO, MEASURED_BUILD, loadExploreScenario, machineImpl } from './explore-measure.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const file = opt('--file', DOE_SCENARIO);
const campaigns = Number(opt('--campaigns', '8'));
const schedules = Number(opt('--schedules', '1000'));
const same = args.includes('--same');
/** USER_HZ: the unit of utime and stime in /proc (100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds of each thread of this process, by thread id; undefined off Linux. */
function threadCpu(): Map<string, number> | undefined {
  if (!existsSync('/proc/self/task')) return undefined;
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    // Fields after the parenthesised name, which may hold spaces: state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(tid, (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND);
  }
  return out;
}

const cpuSeconds = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

const loaded = loadExploreScenario(file);
const main = String(process.pid);
const rates: number[] = [];
console.log(`${file} (${MEASURED_BUILD}/), ${campaigns} campaigns of ${schedules} ${same ? 'same ' : ''}seeds, one fresh process`);
console.log('campaign  runs  runs/CPU s  main µs/run  helpers µs/run');
for (let i = 0; i < campaigns; i++) {
  const t0 = threadCpu();
  const c0 = cpuSeconds();
  const r = machineImpl.explore(loaded, { schedules, seed: same ? 1 : i * 1_000_000 + 1, stopAtFirst: false, snapshot: true });
  const cpu = cpuSeconds() - c0;
  const t1 = threadCpu();
  const runs = r.runs ?? r.schedules;
  rates.push(runs / cpu);
  let mainCpu = 0;
  let helpers = 0;
  for (const [tid, s] of t1 ?? []) {
    const d = s - (t0?.get(tid) ?? 0);
    if (tid === main) mainCpu += d;
    else helpers += d;
  }
  const perRun = (s: number) => (t1 ? String(Math.round((s * 1e6) / runs)) : '-');
  console.log(
    `${String(i + 1).padStart(8)}  ${String(runs).padStart(4)}  ${(runs / cpu).toFixed(0).padStart(10)}  ${perRun(mainCpu).padStart(11)}  ${perRun(helpers).padStart(14)}`,
  );
}
if (rates.length >= 4) {
  const last = rates.slice(-3).sort((a, b) => a - b)[1]!;
  const at = rates.findIndex((x) => x >= 0.9 * last);
  console.log(`steady (median of the last three) ${last.toFixed(0)} runs/CPU s; within 10% of it from campaign ${at + 1}`);
}
