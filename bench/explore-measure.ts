/**
 * The race explorer's throughput on one scenario (default: the DOE hand-off race,
 * examples/explore/doe-pci-core-shared.yaml): seeded random schedules, every one run to the end
 * (not stopping at violations), invariants checked after every task, after a warm-up. The rate is
 * of schedules *run*: a seed that repeats a schedule already run is answered from it
 * (schedule-trie.ts) and counted only in the campaign's rate of seeds.
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
  /** Seeds of the campaign. */
  readonly schedules: number;
  /** Schedules actually run (the other seeds repeated one of them: schedule-trie.ts). */
  readonly runs: number;
  readonly violating: number;
  /** Schedules run per CPU second (repeats answered from the record are not counted). */
  readonly perCpuSecond: number;
  readonly perWallSecond: number;
  /** Seeds per CPU second: the campaign's rate, repeats included. */
  readonly seedsPerCpuSecond: number;
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

/** `snapshot`: campaigns restore a snapshot taken before the block where they can (CampaignOptions.snapshot). */
export function measureExplorer(file = DOE_SCENARIO, schedules = 1000, snapshot = true): ExplorerThroughput {
  const loaded = loadExploreScenario(file);
  explore(loaded, { schedules: 20, seed: 1_000_000, stopAtFirst: false, snapshot });
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const r = explore(loaded, { schedules, seed: 1, stopAtFirst: false, snapshot });
  const cpu = cpuSeconds() - c0;
  const wall = (performance.now() - t0) / 1000;
  const prefix = prefixSeconds(loaded, Math.max(10, Math.floor(schedules / 4))) / Math.max(10, Math.floor(schedules / 4));
  const runs = r.runs ?? r.schedules;
  return {
    schedules: r.schedules,
    runs,
    violating: r.violations,
    perCpuSecond: runs / cpu,
    perWallSecond: runs / wall,
    seedsPerCpuSecond: r.schedules / cpu,
    prefixShare: prefix / (cpu / runs),
  };
}
