/**
 * Benchmark: what building a machine costs, in CPU microseconds per machine (one core):
 * `createMachine()` alone, and `createMachine` + `boot()` + `release()` of the churn loop's
 * machine (`autoload: true`, the default presets). Also the WeakRefs each machine makes.
 *
 * usage: node --import tsx bench/machine-build.ts [--count N] [--json]
 */
import { createMachine } from '../src/machine/index.js';
import { weakRefsMadeBy } from '../test/support/weak-refs.js';

const args = process.argv.slice(2);
const count = args.includes('--count') ? Number(args[args.indexOf('--count') + 1]) : 200;

function cpuMicros(run: () => void): number {
  const c0 = process.cpuUsage();
  run();
  const c = process.cpuUsage(c0);
  return c.user + c.system;
}

// Warm-up: module-level caches, the JIT (WeakRefs counted, as in the runs measured).
weakRefsMadeBy(() => {
  for (let i = 0; i < 20; i++) createMachine({ autoload: true }).release();
});
let create = 0;
const weakRefsPerCreate =
  weakRefsMadeBy(() => {
    create = cpuMicros(() => {
      for (let i = 0; i < count; i++) createMachine({ autoload: true }).release();
    });
  }) / count;
let cycle = 0;
const weakRefsPerCycle =
  weakRefsMadeBy(() => {
    cycle = cpuMicros(() => {
      for (let i = 0; i < count; i++) {
        const m = createMachine({ autoload: true });
        m.boot();
        m.release();
      }
    });
  }) / count;

const figures = [
  { figure: 'machine.create_cpu_us', value: Math.round(create / count), unit: 'µs (CPU) per createMachine' },
  { figure: 'machine.cycle_cpu_us', value: Math.round(cycle / count), unit: 'µs (CPU) per createMachine + boot + release' },
  { figure: 'machine.create_weakrefs', value: weakRefsPerCreate, unit: 'WeakRefs per createMachine' },
  { figure: 'machine.cycle_weakrefs', value: weakRefsPerCycle, unit: 'WeakRefs per createMachine + boot + release' },
];
for (const f of figures) console.log(args.includes('--json') ? JSON.stringify(f) : `${f.figure.padEnd(26)} ${String(f.value).padStart(8)} ${f.unit}`);
