/**
 * hwdb lookups against the host's `systemd-hwdb query` (udev 252):
 * - the host's compiled /usr/lib/udev/hwdb.bin read by HwdbBin, and
 * - the host's /usr/lib/udev/hwdb.d text files compiled by compileHwdb,
 * for a large sample of modaliases made from the database's own match patterns (wildcards
 * filled in two ways) plus near misses; and small synthetic databases (duplicate keys across
 * files and records, wildcards at every position, malformed records) compiled by
 * `systemd-hwdb update --root` and by compileHwdb.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileHwdb, HwdbBin } from '../../../src/udev/hwdb/index.js';
import { readHwdbSources } from '../../../src/udev/hwdb/hwdb-files.node.js';

const HOST_BIN = '/usr/lib/udev/hwdb.bin';
const TOOL = ['/usr/bin/systemd-hwdb', '/bin/systemd-hwdb'].find((p) => existsSync(p));
// Without udev installed (no hwdb.bin or no systemd-hwdb) there is nothing to compare with;
// .ci/run installs the udev package so CI always runs these.
const hostHasHwdb = existsSync(HOST_BIN) && TOOL !== undefined;

/** Run `systemd-hwdb query` for every modalias in one shell loop; one result block per line. */
function queryAll(modaliases: readonly string[], root?: string): string[] {
  const rootArg = root ? ` --root='${root}'` : '';
  const script = `while IFS= read -r m; do ${TOOL} query${rootArg} "$m"; echo @@; done`;
  const r = spawnSync('/bin/sh', ['-c', script], { input: modaliases.join('\n') + '\n', encoding: 'latin1', maxBuffer: 1 << 28 });
  const blocks = r.stdout.split('@@\n');
  blocks.pop();
  return blocks;
}

function format(props: Map<string, string>): string {
  let s = '';
  for (const [k, v] of props) s += `${k}=${v}\n`;
  return s;
}

/** Concrete strings for a match pattern: `*` empty or filled, `?` and brackets by a member. */
function concretize(pattern: string, fill: string): string {
  return pattern
    .replace(/\[!?([^\]])[^\]]*\]/g, (m, c: string) => (m[1] === '!' ? '~' : c))
    .replace(/\?/g, '0')
    .replace(/\*/g, fill)
    .replace(/\\/g, '');
}

function sampleModaliases(): string[] {
  const out = new Set<string>();
  const files = readHwdbSources('/');
  let k = 0;
  for (const f of files) {
    for (const line of f.text.split('\n')) {
      if (line.length === 0 || line[0] === ' ' || line[0] === '#') continue;
      // Every 60th match line of every file, both fillings, and a near miss.
      if (k++ % 60 !== 0) continue;
      const m = line.replace(/\s+$/, '');
      out.add(concretize(m, ''));
      out.add(concretize(m, 'X1*'));
      out.add(concretize(m, '').slice(0, -1));
    }
  }
  for (const extra of ['', 'usb:', 'OUI:001B21', 'pci:*', 'acpi:PNP0A03:', 'dmi:bvnLENOVO:bvrN1EET:svnLENOVO:pnThinkPadT460s:']) out.add(extra);
  return [...out].filter((m) => !m.includes('\n') && !m.includes("'"));
}

describe.skipIf(!hostHasHwdb)('hwdb lookups agree with systemd-hwdb query on the host database', () => {
  let sample: string[];
  let expected: string[];
  beforeAll(() => {
    sample = sampleModaliases();
    expected = queryAll(sample);
  });

  it('covers a large sample', () => {
    expect(sample.length).toBeGreaterThan(4000);
    expect(expected.length).toBe(sample.length);
    // The sample is not trivially empty: most modaliases find properties.
    expect(expected.filter((b) => b.length > 0).length).toBeGreaterThan(sample.length / 2);
  });

  it('reads the host hwdb.bin like sd-hwdb', () => {
    const hwdb = HwdbBin.open(new Uint8Array(readFileSync(HOST_BIN)));
    if (typeof hwdb === 'string') throw new Error(hwdb);
    const mismatches = sample.filter((m, i) => format(hwdb.lookup(m)) !== expected[i]);
    expect(mismatches).toEqual([]);
  });

  it('compiles the host hwdb.d into a database with the same lookups', () => {
    const { bytes, warnings } = compileHwdb(readHwdbSources('/'));
    expect(warnings).toEqual([]);
    const hwdb = HwdbBin.open(bytes);
    if (typeof hwdb === 'string') throw new Error(hwdb);
    const mismatches = sample.filter((m, i) => format(hwdb.lookup(m)) !== expected[i]);
    expect(mismatches).toEqual([]);
  });
});

describe.skipIf(!hostHasHwdb)('compileHwdb agrees with systemd-hwdb update on synthetic databases', () => {
  const files: Record<string, string> = {
    '10-a.hwdb': [
      '# comment',
      'test:abc*',
      'test:ab?d*',
      ' KEY_A=from 10 first',
      '  KEY_B=two leading blanks # trailing comment',
      '',
      'test:abcd',
      ' KEY_A=exact in 10',
      ' KEY_A=exact in 10 again',
      ' NOSPACE',
      ' =empty key',
      '',
      'test:*',
      ' ANY=1',
      '',
      'test:[a-c]bc*',
      ' BRACKET=yes',
      '',
      'orphan-match',
      '',
      ' indented-without-match=1',
      'test:x',
      ' P=1',
      'not-a-property',
      '',
    ].join('\n'),
    '20-b.hwdb': ['test:abc*', ' KEY_A=from 20', '', 'test:abcd', ' KEY_C=late', ''].join('\n'),
  };
  const queries = ['test:abcd', 'test:abce', 'test:abxd', 'test:bbc', 'test:x', 'test:', 'test', 'orphan-match', 'test:abcdef'];
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hwdb-'));
    mkdirSync(join(dir, 'etc/udev/hwdb.d'), { recursive: true });
    for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, 'etc/udev/hwdb.d', n), t);
    spawnSync(TOOL!, ['update', '--root', dir], { encoding: 'utf8' });
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same properties for every query', () => {
    const expected = queryAll(queries, dir);
    const { bytes } = compileHwdb(Object.entries(files).map(([n, text]) => ({ path: `/etc/udev/hwdb.d/${n}`, text })));
    const hwdb = HwdbBin.open(bytes) as HwdbBin;
    expect(queries.map((q) => format(hwdb.lookup(q)))).toEqual(expected);
  });

  it('warns about the malformed lines as hwdb-util does', () => {
    const r = spawnSync(TOOL!, ['update', '--root', dir], { encoding: 'utf8' });
    const { warnings } = compileHwdb(Object.entries(files).map(([n, text]) => ({ path: `/etc/udev/hwdb.d/${n}`, text })));
    const theirs = r.stderr
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => l.replace(/^.*?(\/etc\/udev\/hwdb\.d\/)/, '$1'));
    expect(warnings).toEqual(theirs);
  });
});
