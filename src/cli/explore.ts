/**
 * `auxbus explore SCENARIO [--schedules N] [--seed S] [--exhaustive --depth D [--no-sleep-sets]
 * [--no-state-hash]] [--shard I/N] [--jobs J] [--replay SCHEDULE] [--json]`: the race explorer
 * (docs/explorer.md) over the scenario's `concurrent:` blocks. On a violation: the shortest schedule found (shrunk), its timeline and the
 * command that replays it. Exit 1 when a violation was found, 0 when none, 2 on bad input.
 * `--json`: one JSON line per violation, then the summary {schedules, violations, shortest}.
 * Random mode runs each distinct schedule once (a seed repeating one is answered from it); the
 * text report says how many ran (each worker of `--jobs` keeps its own record of them).
 * A progress bar on stderr when it is a TTY without NO_COLOR.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  type CampaignOptions,
  type CampaignResult,
  concurrentBlock,
  explore,
  formatSchedule,
  formatTimeline,
  machineScenarioHost,
  mergeCampaigns,
  parseSchedule,
  runSchedule,
  shrink,
} from '../machine/index.js';
import { formatDiagnostic, loadScenario } from '../scenario/index.js';
import { readRulesFileFromDisk } from '../scenario/index.node.js';
import { newCommand, runCommand } from './command.js';
import { addRulesOptions, loadRules, reportRules, withScenarioCliRules } from './machine-args.js';
import type { RulesText } from './rules-args.js';
import { type CliIo, ExitStatus } from './io.js';

interface ExploreArgs {
  schedules: string;
  seed: string;
  exhaustive?: boolean;
  depth: string;
  shard?: string;
  replay?: string;
  jobs: string;
  json?: boolean;
  rules: string[];
  strict?: boolean;
  sleepSets: boolean;
  stateHash: boolean;
}

/**
 * A campaign split over `jobs` worker threads: worker k runs the seeds (or first choices) of
 * sub-shard k of this shard. The merged result is what one thread would report (the same
 * schedules, violations and first violation).
 */
async function exploreInWorkers(
  data: { text: string; file: string; baseDir: string; rules: readonly RulesText[] },
  campaign: Omit<CampaignOptions, 'onProgress'>,
  jobs: number,
  onProgress: ((done: number) => void) | undefined,
): Promise<CampaignResult> {
  const [i, n] = campaign.shard ?? [0, 1];
  const self = import.meta.url;
  const ts = self.endsWith('.ts');
  const url = new URL(ts ? './explore-worker.ts' : './explore-worker.js', self);
  let done = 0;
  const results = await Promise.all(
    Array.from({ length: jobs }, (_, k) => {
      // Shard i of n, split k of jobs: seeds congruent to i + k*n modulo n*jobs.
      const shard: [number, number] = [i + k * n, n * jobs];
      return new Promise<CampaignResult>((resolveResult, reject) => {
        // From source (tsx), the worker registers tsx's loader before importing the TS module.
        const source = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url.href)}); })`;
        const w = ts
          ? new Worker(source, { eval: true, workerData: { ...data, campaign: { ...campaign, shard } } })
          : new Worker(url, { workerData: { ...data, campaign: { ...campaign, shard } } });
        w.on('message', (m: { kind: 'progress'; delta: number } | { kind: 'result'; result: CampaignResult }) => {
          if (m.kind === 'progress') {
            done += m.delta;
            onProgress?.(done);
          } else resolveResult(m.result);
        });
        w.on('error', reject);
      });
    }),
  );
  // The seeds of shard i of n (k ≡ i mod n, seed S + k) up to `last`: what one thread would run.
  const seedsUpTo = (last: number): number => {
    let count = 0;
    for (let k = i; k < campaign.schedules && campaign.seed + k <= last; k += n) count++;
    return count;
  };
  return mergeCampaigns(results, campaign.stopAtFirst ?? true, seedsUpTo);
}

const nat = (s: string): number | undefined => (/^\d+$/.test(s) ? Number(s) : undefined);

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addRulesOptions(newCommand('explore', io))
    .description("run a scenario's concurrent: block under many schedules and check the invariants")
    .argument('<scenario>', 'a scenario file with a concurrent: block')
    .option('--schedules <n>', 'schedules to run (random mode), or the cap (exhaustive mode)', '1000')
    .option('--seed <s>', 'first seed (random mode)', '1')
    .option('--exhaustive', 'every schedule whose first D choices vary (state hashing prunes repeats)')
    .option('--depth <d>', 'choice points varied in --exhaustive mode', '8')
    .option('--no-sleep-sets', '--exhaustive without partial-order reduction (sleep sets)')
    .option('--no-state-hash', '--exhaustive without state hashing')
    .option('--shard <i/n>', 'run only shard I of N (seeds, or first choices, congruent to I mod N)')
    .option('--jobs <j>', 'worker threads sharing the campaign on this machine', '1')
    .option('--replay <schedule>', 'run one schedule (as printed, e.g. 1.1) and show its timeline')
    .option('--json', 'machine-readable output');
  return runCommand(cmd, argv, io, async () => {
    const [file] = cmd.args as [string];
    const o = cmd.opts<ExploreArgs>();
    const bad = (msg: string): number => {
      io.stderr(`auxbus explore: ${msg}\n`);
      return ExitStatus.BAD_INPUT;
    };
    const schedules = nat(o.schedules);
    const seed = nat(o.seed);
    const depth = nat(o.depth);
    if (schedules === undefined || schedules < 1) return bad(`--schedules ${o.schedules}: not a positive number`);
    if (seed === undefined || seed > 0xffffffff) return bad(`--seed ${o.seed}: not a 32-bit unsigned number`);
    if (depth === undefined) return bad(`--depth ${o.depth}: not a number`);
    const jobs = nat(o.jobs);
    if (jobs === undefined || jobs < 1 || jobs > 64) return bad(`--jobs ${o.jobs}: expected 1 to 64`);
    let shard: [number, number] | undefined;
    if (o.shard !== undefined) {
      const m = /^(\d+)\/(\d+)$/.exec(o.shard);
      if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) return bad(`--shard ${o.shard}: expected I/N with 0 <= I < N`);
      shard = [Number(m[1]), Number(m[2])];
    }
    const replay = o.replay === undefined ? undefined : parseSchedule(o.replay);
    if (o.replay !== undefined && replay === undefined) return bad(`--replay ${o.replay}: expected choices like 1.0.2 (or - for none)`);

    const full = resolve(io.cwd, file);
    let text: string;
    try {
      text = readFileSync(full, 'utf8');
    } catch (e) {
      return bad(`${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const cliRules = loadRules(o, io);
    if (typeof cliRules === 'number') return cliRules;
    const parsed = loadScenario(text, file, machineScenarioHost(), { baseDir: dirname(full), readRulesFile: readRulesFileFromDisk });
    if (!parsed.ok) {
      for (const d of parsed.diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
      return ExitStatus.BAD_INPUT;
    }
    const loaded = { ...parsed, loaded: withScenarioCliRules(parsed.loaded, cliRules) };
    if (reportRules(parsed.loaded.machineOptions.rules, o.strict, io) !== undefined) return ExitStatus.BAD_INPUT;
    const block = concurrentBlock(loaded.loaded);
    if (!block) return bad(`${file}: no concurrent: block to explore`);
    const replayCmd = (s: readonly number[]) => `auxbus explore ${file} --replay ${formatSchedule(s)}`;

    if (replay !== undefined) {
      const r = runSchedule(loaded.loaded, { prefix: replay, timeline: true });
      if (o.json) {
        io.stdout(`${JSON.stringify({ schedule: formatSchedule(r.schedule), violation: r.violation ?? null, timeline: r.timeline })}\n`);
        io.stdout(
          `${JSON.stringify({ schedules: 1, violations: r.violation ? 1 : 0, shortest: r.violation ? formatSchedule(r.schedule) : null })}\n`,
        );
      } else {
        io.stdout(`${formatTimeline(r.timeline)}\n`);
        io.stdout(r.violation ? `violation: ${r.violation.invariant}: ${r.violation.message}\n` : `no violation\n`);
      }
      return r.violation ? ExitStatus.FAILED : ExitStatus.OK;
    }

    const tty = io.color;
    const progress = (done: number) => {
      const w = 30;
      const fill = Math.min(w, Math.round((done / schedules) * w));
      io.stderr(`\r[${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${done}/${schedules}`);
    };
    const campaign: Omit<CampaignOptions, 'onProgress'> = {
      schedules,
      seed,
      ...(o.exhaustive ? { exhaustive: { depth, sleepSets: o.sleepSets, stateHashing: o.stateHash } } : {}),
      ...(shard ? { shard } : {}),
    };
    const result =
      jobs > 1
        ? await exploreInWorkers({ text, file, baseDir: dirname(full), rules: cliRules }, campaign, jobs, tty ? progress : undefined)
        : explore(loaded.loaded, { ...campaign, ...(tty ? { onProgress: progress } : {}) });
    if (tty) io.stderr('\r\x1b[K');
    let shortest: string | null = null;
    if (result.found) {
      const s = shrink(loaded.loaded, result.found.schedule, result.found.violation.invariant);
      const v = s.violation ?? result.found.violation;
      shortest = formatSchedule(s.schedule);
      if (o.json) {
        io.stdout(
          `${JSON.stringify({ violation: v, schedule: shortest, found: formatSchedule(result.found.schedule), seed: result.found.seed ?? null, replay: replayCmd(s.schedule) })}\n`,
        );
      } else {
        io.stdout(`violation: ${v.invariant}: ${v.message}\n`);
        io.stdout(
          `shortest schedule: ${shortest} (${s.schedule.length} choice${s.schedule.length === 1 ? '' : 's'}; found as ${formatSchedule(result.found.schedule)}${result.found.seed !== undefined ? `, seed ${result.found.seed}` : ''})\n`,
        );
        io.stdout(`${formatTimeline(s.timeline)}\n`);
        io.stdout(`replay: ${replayCmd(s.schedule)}\n`);
      }
    } else if (!o.json) {
      io.stdout(
        `no violation in ${result.schedules} schedule${result.schedules === 1 ? '' : 's'}${o.exhaustive ? ` (exhaustive to depth ${depth}${result.complete ? ', complete' : ', cap reached'}, ${result.pruned} pruned)` : repeated(result)}\n`,
      );
    }
    if (o.json) io.stdout(`${JSON.stringify({ schedules: result.schedules, violations: result.violations, shortest })}\n`);
    return result.found ? ExitStatus.FAILED : ExitStatus.OK;
  });
}

/** Random mode: how many seeds repeated a schedule already run (and were answered from it). */
function repeated(result: { readonly schedules: number; readonly runs?: number }): string {
  if (result.runs === undefined || result.runs >= result.schedules) return '';
  const n = result.schedules - result.runs;
  return ` (${result.runs} run; ${n} repeated a schedule already run)`;
}
