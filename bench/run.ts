/**
 * `npm run bench` (issue #12): the scale and speed figures, measured side by side in one run.
 * Prints a table; `--json` prints one `{"figure", "value", "unit"}` object per line instead;
 * `--svg FILE` writes the boot time and heap plot (log–log, with the linear reference line).
 *
 *   coldplug   (CPU seconds of the process, user + system; wall seconds beside them) ONE machine of N PCI functions,
 *              cxl-type3 and mlx5-nic 3:1 behind CXL and PCIe switches across as many PCI
 *              segments as needed (the fleet option; test/support/scale-machine.ts), booted with
 *              Debian's full udev rules set (/usr/lib/udev/rules.d) and settled: seconds,
 *              uevents/s, heap bytes per device; coldplug.ratio is t(10000)/t(1000) when both run
 *              (else last/first). N counts endpoint functions; coldplug.N.pci_functions adds the
 *              root and switch ports.
 *   rules      one netdev `add` event through Debian's full rules set, in process, per CPU second
 *              (udev-events.ts)
 *   scenarios  examples/scenarios/*.yaml run in process on the real machine, per second
 *   cli        whole processes: `auxbus udevadm test` on a conformance case, `auxbus --help`,
 *              `auxbus tree`, `node -e 0`, and the real `udevadm test` on the same case in the udev oracle's
 *              private mount namespace (bench/real-udevadm.sh) when udevadm is installed
 *   churn      machines built, booted and released (Machine.release) in a synchronous loop: heap
 *              retained per machine, after a first loop of 1,000 (reported apart)
 *
 *   explorer   the race explorer on the DOE hand-off scenario: schedules per CPU second (one
 *              core) in steady state and in a fresh process's first campaign, per wall second,
 *              and the share of a schedule spent before the block (bench/explore-measure.ts)
 *
 * Run with `node --expose-gc` (the npm script does) so heap figures are taken after a full
 * collection.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMachine, machineScenarioHost } from '../src/machine/index.js';
import { runScenarioFile } from '../src/scenario/index.node.js';
import { IPciCore, type PciCore } from '../src/pci/index.js';
import { scaleMachine } from '../test/support/scale-machine.js';
import { measureExplorer } from './explore-measure.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const svgFile = args.includes('--svg') ? args[args.indexOf('--svg') + 1] : undefined;
const sizes = args.includes('--sizes') ? args[args.indexOf('--sizes') + 1]!.split(',').map(Number) : [1000, 10000];
/** `--only coldplug|rules|scenarios|cli|churn`: one section. */
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const want = (section: string) => only === undefined || only === section;
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;
const root = join(import.meta.dirname, '..');
const RULES_DIR = '/usr/lib/udev/rules.d';

interface Figure {
  readonly figure: string;
  readonly value: number;
  readonly unit: string;
}
const figures: Figure[] = [];
function report(figure: string, value: number, unit: string): void {
  figures.push({ figure, value, unit });
  if (json) process.stdout.write(`${JSON.stringify({ figure, value, unit })}\n`);
  else process.stdout.write(`${figure.padEnd(40)} ${formatValue(value).padStart(14)} ${unit}\n`);
}
function formatValue(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en') : v.toPrecision(3);
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
function arrayBuffers(): number {
  gc();
  return process.memoryUsage().arrayBuffers;
}

// --- coldplug ----------------------------------------------------------------------------

const debianRules = existsSync(RULES_DIR)
  ? readdirSync(RULES_DIR)
      .filter((f) => f.endsWith('.rules'))
      .sort()
      .map((f) => ({ name: f, text: readFileSync(join(RULES_DIR, f), 'utf8') }))
  : [];

interface Coldplug {
  readonly functions: number;
  /** CPU seconds of this process (user + system): a shared machine's load barely moves it. */
  readonly seconds: number;
  readonly wallSeconds: number;
  readonly uevents: number;
  readonly devices: number;
  readonly heapPerDevice: number;
  /** ArrayBuffer memory (outside the JavaScript heap: the simulated hardware's byte arrays) per device. */
  readonly bufferPerDevice: number;
  /** Every PCI function: the endpoints, root ports and switch ports. */
  readonly pciFunctions: number;
}

function coldplug(functions: number): Coldplug {
  const base = heap();
  const baseBuffers = arrayBuffers();
  const m = scaleMachine(functions, { rules: debianRules, cxlPerNic: 3 });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  m.boot();
  const cpu = process.cpuUsage(c0);
  const seconds = (cpu.user + cpu.system) / 1e6;
  const wallSeconds = (performance.now() - t0) / 1000;
  let devices = 0;
  for (const _ of m.core.devices) devices++;
  const heapPerDevice = (heap() - base) / devices;
  const bufferPerDevice = (arrayBuffers() - baseBuffers) / devices;
  const uevents = m.uevent.log.length;
  const pciFunctions = m.get<PciCore>(IPciCore).devices.length;
  m.dispose();
  return { functions, seconds, wallSeconds, uevents, devices, heapPerDevice, bufferPerDevice, pciFunctions };
}

// The first machine compiles the rules (kept for every later daemon of the process): boot a small
// one first, so that no size's heap figure carries the compiled rules (with them the first size
// looked dearer and the marginal figure cheaper than they are).
if (want('coldplug')) {
  const warm = scaleMachine(4, { rules: debianRules, cxlPerNic: 3 });
  warm.boot();
  warm.release();
}

const series: Coldplug[] = [];
for (const n of want('coldplug') ? sizes : []) {
  const results = Array.from({ length: n >= 1000 ? 1 : runs }, () => coldplug(n));
  const mid = results.sort((a, b) => a.seconds - b.seconds)[Math.floor(results.length / 2)]!;
  series.push(mid);
  report(`coldplug.${n}.seconds`, mid.seconds, 's (CPU)');
  report(`coldplug.${n}.wall_seconds`, mid.wallSeconds, 's');
  report(`coldplug.${n}.uevents_per_second`, mid.uevents / mid.seconds, 'uevents/s');
  report(`coldplug.${n}.devices`, mid.devices, 'devices');
  report(`coldplug.${n}.heap_bytes_per_device`, mid.heapPerDevice, 'B');
  report(`coldplug.${n}.array_buffer_bytes_per_device`, mid.bufferPerDevice, 'B');
  report(`coldplug.${n}.pci_functions`, mid.pciFunctions, 'functions');
}
if (series.length >= 2) {
  // t(10000)/t(1000) when both ran, else last/first (a run of 100,300,1000 compares 1000 with 100).
  const both = series.some((c) => c.functions === 1000) && series.some((c) => c.functions === 10000);
  const first = both ? series.find((c) => c.functions === 1000)! : series[0]!;
  const last = both ? series.find((c) => c.functions === 10000)! : series.at(-1)!;
  report(`coldplug.ratio`, last.seconds / first.seconds, `× t(${last.functions})/t(${first.functions}); linear ${last.functions / first.functions}`);
  // Heap per device at the margin (the machine's fixed cost, compiled rules included, cancels out).
  report(
    'coldplug.heap_bytes_per_device',
    (last.heapPerDevice * last.devices - first.heapPerDevice * first.devices) / (last.devices - first.devices),
    'B (marginal)',
  );
}

// --- rules -------------------------------------------------------------------------------

if (want('rules')) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench/udev-events.ts'), '--seconds', '3'], { encoding: 'utf8' });
  const rate = Number(/udev-events: (\d+) events\/s/.exec(out)?.[1]);
  report('rules.events_per_second', rate, 'events/s');
}

// --- scenarios ---------------------------------------------------------------------------

if (want('scenarios')) {
  const dir = join(root, 'examples/scenarios');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const host = machineScenarioHost();
  for (const f of files) runScenarioFile(join(dir, f), host); // warm-up
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 3000) {
    for (const f of files) {
      if (runScenarioFile(join(dir, f), host).status !== 0) throw new Error(`${f} failed`);
      n++;
    }
  }
  report('scenarios.per_second', (n * 1000) / (performance.now() - t0), 'scenarios/s');
}

// --- CLI latency -------------------------------------------------------------------------

if (want('cli')) {
  const caseDir = join(root, 'test/conformance/udev/cases/000a-pci-function');
  const expected = readFileSync(join(caseDir, 'expected.jsonl'), 'utf8').split('\n')[0]!;
  const event = JSON.parse(expected) as { action: string; devpath: string };
  const rulesFiles = readdirSync(caseDir).filter((f) => f.endsWith('.rules'));
  const bin = join(root, 'bin/auxbus.mjs');
  // Each process runs under `bash -c '…; times'`: its wall seconds, and its CPU seconds (user +
  // system of the child, which the load of a shared machine barely moves).
  const time = (cmd: string, argv: string[], cwd = root): { wall: number; cpu: number } => {
    const walls: number[] = [];
    const cpus: number[] = [];
    const quoted = [cmd, ...argv].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const r = spawnSync('bash', ['-c', `${quoted} > /dev/null 2>&1; s=$?; times; exit $s`], { cwd, encoding: 'utf8' });
      walls.push((performance.now() - t0) / 1000);
      if (r.status !== 0 && cmd === process.execPath && argv[0] !== '-e') throw new Error(`${argv.join(' ')}: exit ${r.status}`);
      // `times` prints the shell's user/system times, then its children's.
      const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(r.stdout.trim());
      cpus.push(m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) : NaN);
    }
    return { wall: median(walls), cpu: median(cpus) };
  };
  const udevadmArgs = [
    'udevadm',
    'test',
    ...rulesFiles.flatMap((r) => ['--rules', r]),
    '--device',
    'device.desc',
    '--event',
    `${event.action}:${event.devpath}`,
  ];
  const nodeFloorTimes = time(process.execPath, ['-e', '0']);
  const udevadmTestTimes = time(process.execPath, [bin, ...udevadmArgs], caseDir);
  const help = time(process.execPath, [bin, '--help']);
  const tree = time(process.execPath, [bin, 'tree']);
  const nodeFloor = nodeFloorTimes.wall;
  const udevadmTest = udevadmTestTimes.wall;
  report('cli.node_floor.seconds', nodeFloor, 's');
  report('cli.udevadm_test.seconds', udevadmTest, 's');
  report('cli.help.seconds', help.wall, 's');
  report('cli.udevadm_test_over_node', udevadmTest / nodeFloor, '×');
  report('cli.node_floor.cpu_seconds', nodeFloorTimes.cpu, 's (CPU)');
  report('cli.udevadm_test.cpu_seconds', udevadmTestTimes.cpu, 's (CPU)');
  report('cli.udevadm_test_over_node_cpu', udevadmTestTimes.cpu / nodeFloorTimes.cpu, '× (CPU)');
  report('cli.help.cpu_seconds', help.cpu, 's (CPU)');
  report('cli.help_over_node_cpu', help.cpu / nodeFloorTimes.cpu, '× (CPU)');
  // `auxbus tree` boots the default machine: module loading plus a boot.
  report('cli.tree.seconds', tree.wall, 's');
  report('cli.tree.cpu_seconds', tree.cpu, 's (CPU)');
  report('cli.tree_over_node_cpu', tree.cpu / nodeFloorTimes.cpu, '× (CPU)');
  // The real udevadm 252 on the same case, in the private mount namespace the udev oracle sets
  // up (bench/real-udevadm.sh times only the udevadm processes); skipped without udevadm or root.
  const real = spawnSync('bash', [join(root, 'bench/real-udevadm.sh'), caseDir, '7'], { encoding: 'utf8' });
  const realSeconds = Number(real.stdout.trim());
  if (real.status === 0 && realSeconds > 0) {
    report('cli.real_udevadm_test.seconds', realSeconds, 's');
    report('cli.udevadm_test_over_real_udevadm', udevadmTest / realSeconds, '×');
  } else
    process.stderr.write(
      `cli.udevadm_test_over_real_udevadm: skipped (real udevadm 252 in a private namespace not available: exit ${real.status})\n`,
    );
}

// --- churn -------------------------------------------------------------------------------

if (want('churn')) {
  const churn = (count: number) => {
    const base = heap();
    for (let i = 0; i < count; i++) {
      const m = createMachine({ autoload: true });
      m.boot();
      m.release();
    }
    return heap() - base;
  };
  churn(20); // warm-up: module-level caches
  // The first long loop also grows, once, what is not the machines' own: the JIT's code and the
  // backing tables of the WeakMaps the TypeScript transform makes for #private fields. Measured
  // apart, so that the two figures after it compare machines with machines.
  const first = churn(1000);
  const small = churn(100);
  const large = churn(1000);
  report('churn.retained_bytes_per_machine', large / 1000, 'B');
  report('churn.retained_bytes_100', small, 'B (whole loop)');
  report('churn.retained_bytes_1000', large, 'B (whole loop)');
  // Two identical loops' totals differ by up to ~1.6 MB (the JIT's code space and hash-table
  // capacities, growing or flushed): a total below NOISE counts as NOISE, so that the ratio of
  // two totals inside the noise reads 1 rather than the quotient of two noise values.
  const NOISE = 2 * 1024 * 1024;
  report('churn.retained_growth_1000_over_100', Math.max(large, NOISE) / Math.max(small, NOISE), '× (flat = 1; totals below 2 MiB count as 2 MiB)');
  report('churn.first_loop_bytes_per_machine', first / 1000, 'B (one-time growth included)');
  // The same 1,000 machines, measured after the loop's job ended (inversify's WeakRef targets
  // are kept alive until then, ECMAScript's KeepDuringJob).
  await new Promise((r) => setImmediate(r));
  const base = heap();
  for (let i = 0; i < 1000; i++) {
    const m = createMachine({ autoload: true });
    m.boot();
    m.release();
  }
  await new Promise((r) => setImmediate(r));
  report('churn.retained_bytes_per_machine_after_yield', (heap() - base) / 1000, 'B');
}

// --- explorer ----------------------------------------------------------------------------

if (want('explorer')) {
  const r = measureExplorer();
  report('explorer.schedules_per_second', r.perCpuSecond, 'schedules/s (one core, CPU time, steady state)');
  report('explorer.schedules_per_second_wall', r.perWallSecond, 'schedules/s (wall, steady state)');
  report('explorer.schedules_per_second_cold', r.coldPerCpuSecond, 'schedules/s (one core, CPU time, first campaign of a fresh process)');
  report('explorer.campaign_seeds_per_second', r.seedsPerCpuSecond, 'seeds/s (one core, CPU time, steady state; repeats included)');
  report('explorer.prefix_share', r.prefixShare, 'of a schedule before the block');
}

if (svgFile) writeFileSync(svgFile, plot(series));

/** Boot time and heap against functions, log–log, each with its linear reference (slope 1 through the first point). */
function plot(points: readonly Coldplug[]): string {
  const W = 640;
  const H = 400;
  const pad = 60;
  const xs = points.map((p) => p.functions);
  const x0 = Math.log10(Math.min(...xs));
  const x1 = Math.log10(Math.max(...xs));
  const seriesOf = (name: string, color: string, value: (p: Coldplug) => number) => ({ name, color, ys: points.map(value) });
  const lines = [
    seriesOf('boot seconds', '#1f77b4', (p) => p.seconds),
    seriesOf('heap MiB', '#d62728', (p) => (p.heapPerDevice * p.devices) / 2 ** 20),
  ];
  const all = lines.flatMap((l) => [...l.ys, (l.ys[0]! * xs.at(-1)!) / xs[0]!]);
  const y0 = Math.floor(Math.log10(Math.min(...all)));
  const y1 = Math.ceil(Math.log10(Math.max(...all)));
  const X = (v: number) => pad + ((Math.log10(v) - x0) / (x1 - x0 || 1)) * (W - 2 * pad);
  const Y = (v: number) => H - pad - ((Math.log10(v) - y0) / (y1 - y0 || 1)) * (H - 2 * pad);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="black"/>`,
    `<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 15}" text-anchor="middle">PCI functions in one machine (log)</text>`,
  ];
  for (const x of xs) out.push(`<text x="${X(x)}" y="${H - pad + 16}" text-anchor="middle">${x}</text>`);
  for (let e = y0; e <= y1; e++) out.push(`<text x="${pad - 6}" y="${Y(10 ** e) + 4}" text-anchor="end">1e${e}</text>`);
  lines.forEach((l, i) => {
    const pts = xs.map((x, j) => `${X(x).toFixed(1)},${Y(l.ys[j]!).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${l.color}" stroke-width="2"/>`);
    for (let j = 0; j < xs.length; j++) out.push(`<circle cx="${X(xs[j]!).toFixed(1)}" cy="${Y(l.ys[j]!).toFixed(1)}" r="3" fill="${l.color}"/>`);
    const ref = (xs.at(-1)! / xs[0]!) * l.ys[0]!;
    out.push(
      `<line x1="${X(xs[0]!).toFixed(1)}" y1="${Y(l.ys[0]!).toFixed(1)}" x2="${X(xs.at(-1)!).toFixed(1)}" y2="${Y(ref).toFixed(1)}" stroke="${l.color}" stroke-dasharray="4 4"/>`,
    );
    out.push(`<text x="${pad + 10}" y="${pad + 16 * i}" fill="${l.color}">${l.name} (dashed: linear from the first point)</text>`);
  });
  out.push('</svg>\n');
  return out.join('\n');
}
