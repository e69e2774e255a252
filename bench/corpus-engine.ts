/**
 * Benchmark: the udev engine on systemd 252's corpus (needs .corpus/, see
 * tools/corpus/generate.sh). Runs all cases ROUNDS times (default 5) after one warm-up round
 * and prints the time per round, per case and per event.
 *
 * usage: npx tsx bench/corpus-engine.ts [ROUNDS]
 */
import * as path from 'node:path';
import { corpusCases, loadEngine, repoRoot, runCase } from '../tools/corpus/run.js';

async function main(): Promise<number> {
  const rounds = Number(process.argv[2] ?? 5);
  if (!Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write('usage: npx tsx bench/corpus-engine.ts [ROUNDS]\n');
    return 2;
  }
  const { engine, reason } = await loadEngine();
  if (!engine) {
    process.stderr.write(`engine not available: ${reason}\n`);
    return 2;
  }
  const t0 = performance.now();
  const cases = corpusCases(path.join(repoRoot, '.corpus'));
  const loadMs = performance.now() - t0;
  const events = cases.reduce((n, c) => n + c.expected.filter((r) => r.kind === 'event').length, 0);
  for (const c of cases) runCase(c, engine); // warm-up
  const times: number[] = [];
  let passed = 0;
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    passed = 0;
    for (const c of cases) if (runCase(c, engine).passed) passed++;
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  process.stdout.write(
    `corpus: ${cases.length} cases, ${events} events, loaded in ${loadMs.toFixed(0)} ms; ${passed}/${cases.length} pass\n` +
      `median round ${median.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times[times.length - 1]!.toFixed(0)}), ` +
      `${((median * 1000) / cases.length).toFixed(0)} µs/case, ${((median * 1000) / events).toFixed(0)} µs/event\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(2);
  },
);
