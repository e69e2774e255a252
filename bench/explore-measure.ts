/**
 * The race explorer's throughput on one scenario (default: the DOE hand-off race,
 * examples/explore/doe-pci-core-shared.yaml): seeded random schedules, every one run to the end
 * (not stopping at violations), invariants checked after every task. The rate is of schedules
 * *run*: a seed that repeats a schedule already run is answered from it (schedule-trie.ts) and
 * counted only in the campaign's rate of seeds.
 *
 * Two figures, from one process: the *cold* rate of its first 1,000-seed campaign, and the
 * *steady-state* rate once V8 has warmed up — the median of three campaigns run after five
 * others. Every campaign has seeds of its own (no campaign repeats another's schedules, so no
 * process-wide memo can answer one from an earlier campaign). V8 takes a few thousand schedules to settle (its optimising compiler works
 * from the type feedback of code run often enough), so a campaign of 1,000 seeds in a fresh
 * process spends most of its time warming up, while a long campaign (the stress budgets, a CI
 * shard of 100,000 seeds) runs at the steady rate. The curve of every campaign's rate is returned
 * so the warm-up can be seen.
 *
 * Rates are per CPU second of this process (user + system), "on one core": a shared machine's
 * load barely moves them, unlike the wall-clock rate measured beside them. `prefixShare` is the
 * share of a schedule's CPU time spent building and booting the machine and running the steps
 * before the first `concurrent:` block — the most a snapshot of the machine taken there could save.
 */
import { existsSync, readFileSync } from 'node:fs';
import type * as MachineModule from '../src/machine/index.js';
import type { LoadedScenario, ScenarioMachine } from '../src/scenario/index.js';
import type * as ScenarioModule from '../src/scenario/index.js';

/**
 * The explorer measured is the shipped build (dist/, compiled by tsc: what `auxbus explore` runs;
 * the bench scripts build first). tsx and vitest compile with esbuild, which turns the `#private`
 * fields of decorated (`@injectable`) classes into WeakMap look-ups: the same code from src/ runs
 * ~10% slower. Without dist/ the bench falls back to src/ and says so.
 */
const fromDist = existsSync(new URL('../dist/machine/index.js', import.meta.url));
if (!fromDist) process.stderr.write('bench: no dist/ (run `npm run build`): measuring src/ through tsx\n');
/** The machine module of the build measured (benches that load scenarios here use it too). */
export const machineImpl = (await import(fromDist ? '../dist/machine/index.js' : '../src/machine/index.js')) as typeof MachineModule;
const { explore, machineScenarioHost } = machineImpl;
const { loadScenario, perform } = (await import(fromDist ? '../dist/scenario/index.js' : '../src/scenario/index.js')) as typeof ScenarioModule;
/** Which build the figures are of. */
export const MEASURED_BUILD = fromDist ? 'dist' : 'src';

export interface ExplorerThroughput {
  /** Seeds of each campaign. */
  readonly schedules: number;
  /** Schedules actually run by the measured campaign (the other seeds repeated one: schedule-trie.ts). */
  readonly runs: number;
  readonly violating: number;
  /**
   * Schedules run per CPU second once V8 has warmed up: the median of the measured campaigns
   * (`STEADY_CAMPAIGNS`), run after `WARM_UP_CAMPAIGNS` others.
   */
  readonly perCpuSecond: number;
  /** The same campaigns per wall second (the CPU figure also counts V8's GC and compiler threads). */
  readonly perWallSecond: number;
  /** Seeds per CPU second in steady state: the campaign's rate, repeats included. */
  readonly seedsPerCpuSecond: number;
  /** Schedules run per CPU second by the first campaign of a fresh process (V8 not yet warm). */
  readonly coldPerCpuSecond: number;
  /** Every campaign's schedules run per CPU second, in order: cold, warm-up, measured. */
  readonly curve: readonly number[];
  readonly prefixShare: number;
}

export const DOE_SCENARIO = 'examples/explore/doe-pci-core-shared.yaml';

export function loadExploreScenario(file: string): LoadedScenario {
  const loaded = loadScenario(readFileSync(file, 'utf8'), file, machineScenarioHost());
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  return loaded.loaded;
}

const cpuSeconds = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/** CPU seconds of `runs` machines built, booted and run up to the first block. */
function prefixSeconds(loaded: LoadedScenario, runs: number): number {
  const host = machineScenarioHost();
  const c0 = cpuSeconds();
  for (let i = 0; i < runs; i++) {
    const sm = host.createMachine(loaded.machineOptions) as ScenarioMachine;
    for (const [name, spec] of loaded.processes) sm.addProcess(name, spec);
    const fds = new Map();
    for (const step of loaded.scenario.steps) {
      if (step.verb === 'concurrent') break;
      if (step.verb === 'check') continue;
      perform(sm, step, fds);
      if (step.settle) sm.settle();
    }
    sm.dispose?.();
  }
  return cpuSeconds() - c0;
}

/** Campaigns run between the cold one and the measured ones (~670 schedules run each). */
export const WARM_UP_CAMPAIGNS = 5;
/** Measured campaigns; the steady-state figure is their median. */
export const STEADY_CAMPAIGNS = 3;

/**
 * `snapshot`: campaigns restore a snapshot taken before the block where they can
 * (CampaignOptions.snapshot). The cold campaign runs seeds from 1, campaign k (from 0) seeds from
 * k·1,000,000 + 1. `onCampaign` sees each campaign's rate as it ends.
 */
export function measureExplorer(
  file = DOE_SCENARIO,
  schedules = 1000,
  snapshot = true,
  onCampaign?: (i: number, rate: number) => void,
): ExplorerThroughput {
  const loaded = loadExploreScenario(file);
  explore(loaded, { schedules: 20, seed: 1_000_000, stopAtFirst: false, snapshot });
  const campaign = (seed: number) => {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    const r = explore(loaded, { schedules, seed, stopAtFirst: false, snapshot });
    const cpu = cpuSeconds() - c0;
    const wall = (performance.now() - t0) / 1000;
    const runs = r.runs ?? r.schedules;
    return { r, runs, cpu, wall, rate: runs / cpu };
  };
  const curve: number[] = [];
  const note = (rate: number) => {
    curve.push(rate);
    onCampaign?.(curve.length - 1, rate);
  };
  const cold = campaign(1);
  note(cold.rate);
  for (let i = 0; i < WARM_UP_CAMPAIGNS; i++) note(campaign((i + 1) * 1_000_000 + 1).rate);
  const measured = Array.from({ length: STEADY_CAMPAIGNS }, (_, i) => {
    const c = campaign((WARM_UP_CAMPAIGNS + i + 1) * 1_000_000 + 1);
    note(c.rate);
    return c;
  }).sort((a, b) => a.rate - b.rate);
  const median = measured[Math.floor(STEADY_CAMPAIGNS / 2)]!;
  const prefix = prefixSeconds(loaded, Math.max(10, Math.floor(schedules / 4))) / Math.max(10, Math.floor(schedules / 4));
  return {
    schedules: median.r.schedules,
    runs: median.runs,
    violating: median.r.violations,
    perCpuSecond: median.rate,
    perWallSecond: median.runs / median.wall,
    seedsPerCpuSecond: median.r.schedules / median.cpu,
    coldPerCpuSecond: cold.rate,
    curve,
    prefixShare: prefix / (median.cpu / median.runs),
  };
}
