/**
 * Benchmark: `add` events of a PCI netdev (a ConnectX port, eth0 below 0000:03:00.0; described in
 * test/support/rules-harness.ts, which the rules tests share) through
 * Debian's full rules set (/usr/lib/udev/rules.d), in-process, rules compiled once, as udevd
 * runs them (sealed uevent device, rules, node/links, database). Prints events per CPU second.
 *
 * usage: npx tsx bench/udev-events.ts [--rules DIR] [--seconds N]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRules, executeRules, UdevDevice, UdevEvent } from '../src/udev/index.js';
import { benchNetdevDesc, eth0AddUevent, rulesContext } from '../test/support/rules-harness.js';

const args = process.argv.slice(2);
const rulesDir = args.includes('--rules') ? args[args.indexOf('--rules') + 1]! : '/usr/lib/udev/rules.d';
const seconds = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 3;

const files = readdirSync(rulesDir)
  .filter((f) => f.endsWith('.rules'))
  .map((f) => ({ name: join(rulesDir, f), text: new Uint8Array(readFileSync(join(rulesDir, f))) }));
const t0 = performance.now();
const rules = compileRules(files);
const compileMs = performance.now() - t0;
const lines = rules.files.reduce((n, f) => n + f.lines.length, 0);

const ctx = rulesContext(benchNetdevDesc);
const ueventEnv = eth0AddUevent(1000);

function oneEvent(): UdevEvent {
  const dev = UdevDevice.fromUevent(ctx.fs, ctx.db, ueventEnv);
  if (typeof dev === 'string') throw new Error(`bench device: ${dev}`);
  const event = new UdevEvent(ctx, dev);
  const r = executeRules(event, rules);
  if (r !== 'ok') throw new Error(`bench event failed: ${r}`);
  return event;
}

// Show what the event produces once, then measure.
const sample = oneEvent();
const props = [...sample.dev.allProperties()].filter(([k]) => k.startsWith('ID_NET') || k === 'ID_PATH').map(([k, v]) => `${k}=${v}`);
for (let i = 0; i < 2000; i++) oneEvent();
// Rated by the process's CPU time (user + system): on a shared machine wall time mostly
// measures the other jobs.
let n = 0;
const start = performance.now();
const cpu0 = process.cpuUsage();
const deadline = start + seconds * 1000;
let now = start;
while (now < deadline) {
  for (let i = 0; i < 200; i++) oneEvent();
  n += 200;
  now = performance.now();
}
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
const rate = (n * 1000) / cpuMs;
process.stdout.write(
  `rules: ${files.length} files, ${lines} lines, compiled in ${compileMs.toFixed(1)} ms (${rules.diagnostics.filter((d) => d.level === 'error' || d.level === 'warning').length} diagnostics)\n` +
    `device: ${sample.dev.devpath} (${props.join(' ')})\n` +
    `udev-events: ${Math.round(rate)} events/s (${n} add events, ${((cpuMs * 1000) / n).toFixed(1)} CPU µs/event, ${(((now - start) * 1000) / n).toFixed(1)} wall µs/event)\n`,
);
