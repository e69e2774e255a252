/**
 * Run systemd 252's own udev test corpus (generated locally by tools/corpus/generate.sh into
 * .corpus/) through the project's udev engine and compare every event with the real udevadm
 * 252 output recorded in .corpus/recorded/NNN.jsonl, on every compared field (properties, RUN
 * list, /dev symlinks, device node, NAME, ATTR/SYSCTL writes, diagnostics), not only the
 * corpus' own link expectations.
 *
 * usage: npx tsx tools/corpus/run.ts [options]
 *   --corpus DIR     corpus directory (default: <repo>/.corpus)
 *   --cases DIR      instead of the corpus, run a folder of device.desc conformance cases
 *                    (e.g. test/conformance/udev/cases-local); repeatable
 *   --only LIST      only these case numbers / names, e.g. 1,5,17-20 or 101-test-modes-glob
 *   -v, --verbose    print the full mismatch report under each FAIL line
 *   --strict         keep the oracle's recording artefacts (as compare.py --strict)
 *   --json FILE      also write a machine-readable summary
 *   -h, --help
 * Prints one FAIL line per failing case with the mismatching kinds, then "N/M passed".
 * Exit status: 0 all passed, 1 some failed, 2 bad input or engine not available.
 *
 * Environment of a corpus case (as the oracle's `udev-oracle.sh -s sys`): the generated sys/
 * tree at /sys (copy-on-write per case), an empty /proc/sys, the host's files elsewhere
 * (read-only; e.g. TEST=="/etc/passwd"), a /dev holding a 0600 root:root node for every
 * uevent with MAJOR/MINOR/DEVNAME, an empty udev database, one rules file
 * "udev-test.rules", and one add event per listed device, in order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compareRecords, formatMismatches, parseJsonLines, type LooseRecord, type Mismatch } from './compare.js';
import type { DevFs, SysfsSource } from '../../src/udev/index.js';
import { MapDevFs, OverlaySysfs, TreeSnapshot, initialDevNodes } from './tree-fs.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

// ------------------------------------------------------------------------- engine binding

/** The part of src/udev's public API the runner uses (checked at run time). */
export interface EngineApi {
  runUdevTest(options: {
    rules: ReadonlyArray<{ name: string; text: string }>;
    sysfs: SysfsSource;
    devfs?: DevFs;
    database?: unknown;
    events: ReadonlyArray<{ action: string; devpath: string }>;
  }): { records: readonly unknown[] } | readonly unknown[];
  loadDeviceDesc?(text: string, file?: string): { sysfs: unknown; devfs: unknown; database: unknown; devpaths: readonly string[] };
}

/** Import the engine; undefined (with a reason) when src/udev does not offer runUdevTest yet. */
export async function loadEngine(): Promise<{ engine?: EngineApi; reason?: string }> {
  const entry = path.join(repoRoot, 'src', 'udev', 'index.ts');
  if (!fs.existsSync(entry)) return { reason: `${entry} does not exist` };
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path.join(repoRoot, 'src', 'udev', 'index.js')).href)) as Record<string, unknown>;
  } catch (e) {
    return { reason: `importing src/udev/index.ts failed: ${(e as Error).message}` };
  }
  if (typeof mod['runUdevTest'] !== 'function') return { reason: 'src/udev/index.ts does not export runUdevTest (yet)' };
  return { engine: mod as unknown as EngineApi };
}

function recordsOf(result: { records: readonly unknown[] } | readonly unknown[]): LooseRecord[] {
  const list = Array.isArray(result) ? result : (result as { records: readonly unknown[] }).records;
  // round-trip through JSON so the engine's records look exactly like parsed JSON lines
  return list.map((r) => JSON.parse(JSON.stringify(r)) as LooseRecord);
}

// ------------------------------------------------------------------------- cases

export interface CorpusCase {
  readonly desc: string;
  readonly rules: string;
  readonly devices: ReadonlyArray<{ readonly devpath: string; readonly [k: string]: unknown }>;
}

export interface RunnableCase {
  /** "017" for corpus cases, the folder name for device.desc cases. */
  readonly id: string;
  readonly title: string;
  readonly expected: LooseRecord[];
  readonly expectedErrors: string[];
  run(engine: EngineApi): LooseRecord[];
}

export function loadCorpus(corpusDir: string): { cases: CorpusCase[]; snapshot: TreeSnapshot } {
  const json = path.join(corpusDir, 'udev-test.json');
  const sys = path.join(corpusDir, 'sys');
  if (!fs.existsSync(json) || !fs.existsSync(sys)) {
    throw new Error(`${corpusDir}: no udev-test.json or sys/ - run tools/corpus/generate.sh first`);
  }
  const cases = JSON.parse(fs.readFileSync(json, 'utf8')) as CorpusCase[];
  return { cases, snapshot: TreeSnapshot.load(sys, '/sys') };
}

/** Build the runnable corpus cases (recordings from CORPUS/recorded/NNN.jsonl). */
export function corpusCases(corpusDir: string): RunnableCase[] {
  const { cases, snapshot } = loadCorpus(corpusDir);
  const recDir = path.join(corpusDir, 'recorded');
  return cases.map((c, i) => {
    const id = String(i + 1).padStart(3, '0');
    const recFile = path.join(recDir, `${id}.jsonl`);
    const { records, errors } = fs.existsSync(recFile)
      ? parseJsonLines(fs.readFileSync(recFile, 'utf8'), recFile)
      : { records: [], errors: [`${recFile} missing - run tools/corpus/generate.sh (needs root)`] };
    return {
      id,
      title: c.desc,
      expected: records,
      expectedErrors: errors,
      run(engine: EngineApi): LooseRecord[] {
        const sysfs = new OverlaySysfs(snapshot, { hostFallback: true });
        const devfs = new MapDevFs();
        for (const [p, node] of initialDevNodes(snapshot, sysfs)) devfs.mknod(p, node);
        return recordsOf(
          engine.runUdevTest({
            rules: [{ name: 'udev-test.rules', text: c.rules }],
            sysfs,
            devfs,
            events: c.devices.map((d) => ({ action: 'add', devpath: d.devpath })),
          }),
        );
      },
    };
  });
}

/** Byte order, as `LC_ALL=C sort` and udev sort file names. */
export function byteOrder(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

/** The events of a device.desc case: its `events` file, or add of the first P: line. */
export function caseEvents(dir: string): Array<{ action: string; devpath: string }> {
  const evFile = path.join(dir, 'events');
  const out: Array<{ action: string; devpath: string }> = [];
  if (fs.existsSync(evFile)) {
    for (let line of fs.readFileSync(evFile, 'utf8').split('\n')) {
      line = line.replace(/\r$/, '');
      if (/^\s*(#|$)/.test(line)) continue;
      const i = line.indexOf(':');
      const devpath = line.slice(i + 1);
      out.push({ action: line.slice(0, i), devpath: devpath.startsWith('/') ? devpath : '/' + devpath });
    }
    return out;
  }
  const desc = fs.readFileSync(path.join(dir, 'device.desc'), 'utf8');
  const m = /^P:[ \t]*(.*)$/m.exec(desc);
  if (!m) throw new Error(`${dir}/device.desc has no P: line`);
  return [{ action: 'add', devpath: m[1]!.trim() }];
}

/** device.desc conformance cases of a folder (sub-folders with expected.jsonl). */
export function descCases(casesDir: string): RunnableCase[] {
  const out: RunnableCase[] = [];
  for (const name of fs.readdirSync(casesDir).sort(byteOrder)) {
    const dir = path.join(casesDir, name);
    const expFile = path.join(dir, 'expected.jsonl');
    if (!fs.existsSync(expFile)) continue;
    const { records, errors } = parseJsonLines(fs.readFileSync(expFile, 'utf8'), expFile);
    out.push({
      id: name,
      title: name,
      expected: records,
      expectedErrors: errors,
      run(engine: EngineApi): LooseRecord[] {
        if (!engine.loadDeviceDesc) throw new Error('src/udev/index.ts does not export loadDeviceDesc (yet)');
        const env = engine.loadDeviceDesc(fs.readFileSync(path.join(dir, 'device.desc'), 'utf8'), 'device.desc');
        const rules = fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.rules') && !f.startsWith('.'))
          .sort(byteOrder)
          .map((f) => ({ name: f, text: fs.readFileSync(path.join(dir, f), 'utf8') }));
        return recordsOf(
          engine.runUdevTest({
            rules,
            sysfs: env.sysfs as SysfsSource,
            devfs: env.devfs as DevFs,
            database: env.database,
            events: caseEvents(dir),
          }),
        );
      },
    });
  }
  return out;
}

// ------------------------------------------------------------------------- running

export interface CaseResult {
  readonly id: string;
  readonly title: string;
  readonly passed: boolean;
  readonly mismatches: readonly Mismatch[];
  readonly crashedEvents: readonly number[];
  readonly error?: string;
  readonly ms: number;
}

export function runCase(c: RunnableCase, engine: EngineApi, strict = false): CaseResult {
  const t0 = performance.now();
  if (c.expectedErrors.length > 0) {
    return { id: c.id, title: c.title, passed: false, mismatches: [], crashedEvents: [], error: c.expectedErrors.join('; '), ms: 0 };
  }
  let actual: LooseRecord[];
  try {
    actual = c.run(engine);
  } catch (e) {
    const err = e as Error;
    const where = (err.stack ?? '')
      .split('\n')
      .slice(1, 3)
      .map((s) => s.trim())
      .join(' / ');
    return {
      id: c.id,
      title: c.title,
      passed: false,
      mismatches: [],
      crashedEvents: [],
      error: `engine threw ${err.name}: ${err.message}${where ? ` (${where})` : ''}`,
      ms: performance.now() - t0,
    };
  }
  const { mismatches, crashedEvents } = compareRecords(c.expected, actual, { strict });
  return { id: c.id, title: c.title, passed: mismatches.length === 0, mismatches, crashedEvents, ms: performance.now() - t0 };
}

/** "1,5,17-20" → predicate over case ids (numbers compare numerically, names exactly). */
export function parseOnly(spec: string | undefined): (id: string) => boolean {
  if (!spec) return () => true;
  const nums = new Set<number>();
  const names = new Set<string>();
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const r = /^(\d+)-(\d+)$/.exec(part);
    if (r) for (let n = Number(r[1]); n <= Number(r[2]); n++) nums.add(n);
    else if (/^\d+$/.test(part)) nums.add(Number(part));
    else names.add(part);
  }
  return (id) => names.has(id) || (/^\d+/.test(id) && nums.has(Number.parseInt(id, 10)));
}

export function summaryLine(r: CaseResult): string {
  if (r.error) return `FAIL ${r.id} ${r.title}: ${r.error}`;
  const byKind = new Map<string, number[]>();
  for (const m of r.mismatches) {
    const evs = byKind.get(m.kind) ?? [];
    evs.push(m.event);
    byKind.set(m.kind, evs);
  }
  const kinds = [...byKind].map(([k, evs]) => `${k}(ev ${evs.join(',')})`).join(' ');
  return `FAIL ${r.id} ${r.title}: ${kinds}`;
}

interface Options {
  corpus: string;
  cases: string[];
  only?: string;
  verbose: boolean;
  strict: boolean;
  json?: string;
}

function usage(): string {
  const src = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8');
  const m = /\/\*\*([\s\S]*?)\*\//.exec(src);
  return (m ? m[1]! : '')
    .split('\n')
    .map((l) => l.replace(/^ \* ?/, ''))
    .join('\n')
    .trim();
}

function parseArgs(argv: readonly string[]): Options | 'help' | string {
  const o: Options = { corpus: path.join(repoRoot, '.corpus'), cases: [], verbose: false, strict: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string | undefined => argv[++i];
    switch (a) {
      case '--corpus': {
        const v = val();
        if (!v) return '--corpus needs a directory';
        o.corpus = path.resolve(v);
        break;
      }
      case '--cases': {
        const v = val();
        if (!v) return '--cases needs a directory';
        o.cases.push(path.resolve(v));
        break;
      }
      case '--only': {
        const v = val();
        if (!v) return '--only needs a list';
        o.only = v;
        break;
      }
      case '--json': {
        const v = val();
        if (!v) return '--json needs a file';
        o.json = path.resolve(v);
        break;
      }
      case '-v':
      case '--verbose':
        o.verbose = true;
        break;
      case '--strict':
        o.strict = true;
        break;
      case '-h':
      case '--help':
        return 'help';
      default:
        return `unknown argument: ${a}`;
    }
  }
  return o;
}

export async function main(argv: readonly string[]): Promise<number> {
  const opts = parseArgs(argv);
  if (opts === 'help') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  if (typeof opts === 'string') {
    process.stderr.write(`run.ts: ${opts}\n${usage()}\n`);
    return 2;
  }
  const t0 = performance.now();
  let cases: RunnableCase[];
  try {
    cases = opts.cases.length > 0 ? opts.cases.flatMap((d) => descCases(d)) : corpusCases(opts.corpus);
  } catch (e) {
    process.stderr.write(`run.ts: ${(e as Error).message}\n`);
    return 2;
  }
  const pick = parseOnly(opts.only);
  cases = cases.filter((c) => pick(c.id));
  const loadMs = performance.now() - t0;

  const { engine, reason } = await loadEngine();
  if (!engine) {
    process.stderr.write(`run.ts: engine not available: ${reason}\n`);
    process.stdout.write(`0/${cases.length} passed (engine not available; ${cases.length} cases loaded in ${loadMs.toFixed(0)} ms)\n`);
    return 2;
  }

  const results: CaseResult[] = [];
  for (const c of cases) {
    const r = runCase(c, engine, opts.strict);
    results.push(r);
    if (!r.passed) {
      process.stdout.write(summaryLine(r) + '\n');
      if (opts.verbose && r.mismatches.length > 0) {
        process.stdout.write(formatMismatches(r.mismatches).replace(/^/gm, '    ') + '\n');
      }
    } else if (opts.verbose) {
      process.stdout.write(`PASS ${r.id} ${r.title}\n`);
    }
  }
  const passed = results.filter((r) => r.passed).length;
  const kindTotals = new Map<string, number>();
  for (const r of results) {
    for (const k of new Set(r.mismatches.map((m) => m.kind))) kindTotals.set(k, (kindTotals.get(k) ?? 0) + 1);
    if (r.error) kindTotals.set('error', (kindTotals.get('error') ?? 0) + 1);
  }
  const totalMs = performance.now() - t0;
  if (kindTotals.size > 0) {
    process.stdout.write('failing cases per kind: ' + [...kindTotals].map(([k, n]) => `${k} ${n}`).join(', ') + '\n');
  }
  const crashed = results.filter((r) => r.crashedEvents.length > 0).map((r) => r.id);
  if (crashed.length > 0) {
    process.stdout.write(`note: property/RUN not compared where udevadm 252 crashed (cases ${crashed.join(', ')})\n`);
  }
  process.stdout.write(`${passed}/${results.length} passed (${(totalMs / 1000).toFixed(1)} s)\n`);
  if (opts.json) {
    fs.writeFileSync(
      opts.json,
      JSON.stringify(
        {
          passed,
          total: results.length,
          ms: Math.round(totalMs),
          cases: results.map((r) => ({
            id: r.id,
            title: r.title,
            passed: r.passed,
            error: r.error,
            ms: Math.round(r.ms),
            mismatches: r.mismatches,
          })),
        },
        null,
        1,
      ) + '\n',
    );
  }
  return passed === results.length ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`run.ts: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(2);
    },
  );
}
