/**
 * Behaviour fingerprint of the race explorer, for speed work on its path: for every
 * examples/explore/*.yaml, seeds 1..N (random chooser) run from the snapshot base, and one sha256
 * per scenario (16 hex digits printed) covers every schedule's choices, widths, violation and
 * number of choice points, and the machine's whole uevent log and virtual time at each end. The
 * same digests before and after a change mean the explorer saw the same behaviour, byte for byte.
 *
 * usage: npm run bench:explore-digest [-- N]   (N = 150)
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineScenarioHost, prepareBase, randomChooser, runSchedule } from '../src/machine/index.js';
import { loadScenario } from '../src/scenario/index.js';

const n = Number(process.argv[2] ?? 150);
const dir = 'examples/explore';
for (const f of readdirSync(dir)
  .filter((x) => x.endsWith('.yaml'))
  .sort()) {
  const file = join(dir, f);
  const result = loadScenario(readFileSync(file, 'utf8'), file, machineScenarioHost());
  if (!result.ok) throw new Error(`${file}: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  const loaded = result.loaded;
  const base = prepareBase(loaded);
  const h = createHash('sha256');
  for (let seed = 1; seed <= n; seed++) {
    const r = runSchedule(loaded, {
      ...(base ? { base } : {}),
      choose: randomChooser(seed),
      end: (m) => {
        h.update(JSON.stringify(m.uevent.log));
        h.update(String(m.clock.now()));
      },
    });
    h.update(JSON.stringify([r.schedule, r.widths, r.violation ?? null, r.points]));
  }
  base?.dispose();
  console.log(f.padEnd(28), h.digest('hex').slice(0, 16));
}
