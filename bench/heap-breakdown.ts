/**
 * Where a booted machine's heap goes (issue #12): boots one fleet machine of N endpoint
 * functions with Debian's rules, then releases its long-lived logs and tables one by one and
 * prints the heap (and ArrayBuffer memory) each held, per device. Run with
 * `node --expose-gc --import tsx bench/heap-breakdown.ts 300`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { machineUdev } from '../src/machine/index.js';
import { scaleMachine } from '../test/support/scale-machine.js';

const n = Number(process.argv[2] ?? 300);
const RULES_DIR = '/usr/lib/udev/rules.d';
const rules = existsSync(RULES_DIR)
  ? readdirSync(RULES_DIR)
      .filter((f) => f.endsWith('.rules'))
      .sort()
      .map((f) => ({ name: f, text: readFileSync(join(RULES_DIR, f), 'utf8') }))
  : [];
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
function mem(): { heap: number; buffers: number } {
  gc();
  gc();
  const u = process.memoryUsage();
  return { heap: u.heapUsed, buffers: u.arrayBuffers };
}

// Warm up: the first machine compiles the rules (shared by every later daemon of the process).
(() => {
  const warm = scaleMachine(4, { rules, cxlPerNic: 3 });
  warm.boot();
  warm.release();
})();
await new Promise((resolve) => setTimeout(resolve, 0));
const base = mem();
let m = scaleMachine(n, { rules, cxlPerNic: 3 });
m.boot();
const devices = ((core: typeof m.core) => {
  let count = 0;
  for (const _ of core.devices) count++;
  return count;
})(m.core);
let last = mem();
const row = (what: string, heap: number, buffers: number) =>
  process.stdout.write(`${what.padEnd(36)} ${String(Math.round(heap / devices)).padStart(8)} ${String(Math.round(buffers / devices)).padStart(8)}\n`);
process.stdout.write(
  `${devices} devices, ${m.uevent.log.length} uevents\n${'B per device'.padEnd(36)} ${'heap'.padStart(8)} ${'buffers'.padStart(8)}\n`,
);
row('machine (total)', last.heap - base.heap, last.buffers - base.buffers);
function drop(what: string, f: () => void): void {
  f();
  const now = mem();
  row(what, last.heap - now.heap, last.buffers - now.buffers);
  last = now;
}
let mu = machineUdev(m);
let daemon = mu.daemon;
drop('monitor log', () => {
  (mu as unknown as { monitor: unknown }).monitor = undefined;
});
drop('udevd processed log', () => {
  daemon.processed.length = 0;
});
drop('kernel uevent log', () => {
  (m.uevent.log as unknown[]).length = 0;
});
drop('udevd journal', () => {
  daemon.journal.length = 0;
});
drop('udev database', () => {
  for (const [id] of [...daemon.db.entries()]) daemon.db.delete(id);
});
drop('kernel log records', () => {
  (m.log.records as unknown[]).length = 0;
});
row('rest (devices, hardware, sysfs …)', last.heap - base.heap, last.buffers - base.buffers);
const snapshot = process.argv.indexOf('--snapshot');
if (process.argv.includes('--release')) {
  m.release();
  m = mu = daemon = undefined as never;
  // inversify's WeakRefs keep their targets until the job ends (docs/performance.md, "Churn").
  await new Promise((resolve) => setTimeout(resolve, 0));
  drop('the machine itself (after release)', () => undefined);
  row('left after release: process caches', last.heap - base.heap, last.buffers - base.buffers);
}
if (snapshot > 0) writeHeapSnapshot(process.argv[snapshot + 1]);
