/**
 * Benchmark: race-explorer throughput, schedules per second on one core, on the DOE hand-off
 * scenario (examples/explore/doe-pci-core-shared.yaml): seeded random schedules, every one run to
 * the end (not stopping at violations), invariants checked after every task. Warm-up first.
 *
 * usage: npx tsx bench/explore.ts [--schedules N] [--file F] [--json]
 *   --json: one line {"figure":"explorer.schedules_per_second","value":N,"unit":"schedules/s"}
 */
import { readFileSync } from 'node:fs';
import { explore, machineScenarioHost } from '../src/machine/index.js';
import { loadScenario } from '../src/scenario/index.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const file = opt('--file', 'examples/explore/doe-pci-core-shared.yaml');
const n = Number(opt('--schedules', '100'));
const json = args.includes('--json');

const loaded = loadScenario(readFileSync(file, 'utf8'), file, machineScenarioHost());
if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
explore(loaded.loaded, { schedules: 10, seed: 1_000_000, stopAtFirst: false });
const t0 = performance.now();
const r = explore(loaded.loaded, { schedules: n, seed: 1, stopAtFirst: false });
const seconds = (performance.now() - t0) / 1000;
const perSecond = Math.round((r.schedules / seconds) * 10) / 10;
if (json) console.log(JSON.stringify({ figure: 'explorer.schedules_per_second', value: perSecond, unit: 'schedules/s' }));
else console.log(`${file}: ${r.schedules} schedules in ${seconds.toFixed(2)} s: ${perSecond} schedules/s (${r.violations} violating)`);
