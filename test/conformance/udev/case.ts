/**
 * Loading one conformance case folder (rules files, device.desc, optional events file,
 * expected.jsonl) and running it through runUdevTest the way run-cases.sh runs an engine.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { compileHwdb, HwdbBin, loadDeviceDesc, runUdevTest, type HwdbLookup, type LinkFileInput, type UdevTestResult } from '../../../src/udev/index.js';

export interface ConformanceCase {
  readonly name: string;
  readonly dir: string;
  readonly rules: Array<{ name: string; text: Uint8Array }>;
  readonly desc: string;
  readonly events: Array<{ action: string; devpath: string }>;
  readonly expected: string;
}

/** Case folders below `root` (those holding an expected.jsonl), sorted by name. */
export function listCases(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'expected.jsonl')))
    .map((d) => d.name)
    .sort();
}

export function loadCase(dir: string, name: string): ConformanceCase {
  const rules = readdirSync(dir)
    .filter((f) => f.endsWith('.rules'))
    .sort()
    .map((f) => ({ name: f, text: new Uint8Array(readFileSync(join(dir, f))) }));
  const desc = readFileSync(join(dir, 'device.desc'), 'utf8');
  let events: Array<{ action: string; devpath: string }>;
  const eventsPath = join(dir, 'events');
  if (existsSync(eventsPath)) {
    events = readFileSync(eventsPath, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0 && !l.startsWith('#'))
      .map((l) => {
        const i = l.indexOf(':');
        return { action: l.slice(0, i), devpath: l.slice(i + 1) };
      });
  } else {
    const first = /^P:\s?(.*)$/m.exec(desc);
    events = [{ action: 'add', devpath: first ? first[1]!.trim() : '' }];
  }
  return { name, dir, rules, desc, events, expected: readFileSync(join(dir, 'expected.jsonl'), 'utf8') };
}

export function runCase(c: ConformanceCase, hwdb: HwdbLookup | undefined = fixtureHwdb()): UdevTestResult {
  const env = loadDeviceDesc(c.desc, join(c.dir, 'device.desc'));
  return runUdevTest({
    rules: c.rules,
    sysfs: env.sysfs,
    devfs: env.devfs,
    database: env.database,
    events: c.events,
    probeBlock: env.probeBlock,
    ...(hwdb ? { hwdb } : {}),
  });
}

const fixtures = join(import.meta.dirname, '../../fixtures');
let hwdbCache: HwdbBin | undefined;

/**
 * The hardware database the oracle saw (Debian's /usr/lib/udev/hwdb.bin), as the records of its
 * hwdb.d that the recorded cases look up (test/fixtures/hwdb, made by tools/udev-hwdb/prune.ts),
 * compiled once.
 */
export function fixtureHwdb(): HwdbBin {
  if (hwdbCache) return hwdbCache;
  const dir = join(fixtures, 'hwdb');
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.hwdb'))
        .sort()
        .map((f) => ({ path: `/usr/lib/udev/hwdb.d/${f}`, text: readFileSync(join(dir, f), 'latin1') }))
    : [];
  const h = HwdbBin.open(compileHwdb(files).bytes);
  if (typeof h === 'string') throw new Error(`fixture hwdb: ${h}`);
  hwdbCache = h;
  return h;
}

/** Debian's /usr/lib/systemd/network/*.link (the oracle's host has them). */
export function fixtureLinkFiles(): LinkFileInput[] {
  const dir = join(fixtures, 'systemd-network');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.link'))
    .sort()
    .map((f) => ({ path: `/usr/lib/systemd/network/${f}`, text: readFileSync(join(dir, f), 'latin1') }));
}
