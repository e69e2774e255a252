/**
 * Make the small hwdb the conformance cases use (test/fixtures/hwdb/*.hwdb) from the host's
 * /usr/lib/udev/hwdb.d: run every case of test/conformance/udev/cases-real with the host's
 * compiled hwdb.bin, note every string the engine looks up, keep only the match lines (with their
 * records' properties) that match one of them, and check that the pruned database answers every
 * noted lookup exactly like the full one. Run with `npx tsx tools/udev-hwdb/prune.ts`.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileHwdb, HwdbBin } from '../../src/udev/index.js';
import { readHwdbSources } from '../../src/udev/hwdb/hwdb-files.node.js';
import { glibcFnmatch } from '../../src/udev/rules/fnmatch.js';
import { listCases, loadCase, runCase } from '../../test/conformance/udev/case.js';

const root = join(import.meta.dirname, '../..');
const full = HwdbBin.open(new Uint8Array(readFileSync('/usr/lib/udev/hwdb.bin')));
if (typeof full === 'string') throw new Error(full);
const queried = new Set<string>();
const recording = {
  lookup(m: string): Map<string, string> {
    queried.add(m);
    return full.lookup(m);
  },
};
const casesDir = join(root, 'test/conformance/udev/cases-real');
for (const name of listCases(casesDir)) runCase(loadCase(join(casesDir, name), name), recording);
// net_id's OUI lookups and a few more the tests use directly.
const extra = process.argv.slice(2);
for (const e of extra) queried.add(e);

const out = join(root, 'test/fixtures/hwdb');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const sources = readHwdbSources('/');
const pruned: Array<{ path: string; text: string }> = [];
for (const f of sources) {
  const lines = f.text.split('\n');
  let kept = '';
  let matches: string[] = [];
  let props: string[] = [];
  const flush = (): void => {
    if (matches.length > 0 && props.length > 0) kept += matches.join('\n') + '\n' + props.join('\n') + '\n\n';
    matches = [];
    props = [];
  };
  for (const raw of lines) {
    if (raw.startsWith('#')) continue;
    const line = raw.replace(/#.*$/, '').replace(/\s+$/, '');
    if (line.length === 0) {
      flush();
      continue;
    }
    if (line[0] === ' ') props.push(line);
    else {
      if (props.length > 0) flush();
      if ([...queried].some((q) => glibcFnmatch(line, q))) matches.push(line);
    }
  }
  flush();
  if (kept.length > 0) {
    const name = f.path.slice(f.path.lastIndexOf('/') + 1);
    writeFileSync(join(out, name), kept);
    pruned.push({ path: `/usr/lib/udev/hwdb.d/${name}`, text: kept });
  }
}
const small = HwdbBin.open(compileHwdb(pruned).bytes) as HwdbBin;
const differ = [...queried].filter((q) => JSON.stringify([...small.lookup(q)]) !== JSON.stringify([...full.lookup(q)]));
if (differ.length > 0) throw new Error(`pruned hwdb differs for ${differ.join(', ')}`);
console.log(`${queried.size} lookups, ${pruned.length} files kept`);
