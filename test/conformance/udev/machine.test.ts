/**
 * `auxbus udevadm test [-a ACTION] SYSPATH` on a machine, checked against the real udev 252.
 * Each case of cases-machine/ names a machine (`machine`: `auxbus` options), rules files and one
 * event (`events`: ACTION:DEVPATH). Its `device.desc` is `auxbus export --format desc` of that
 * machine with those rules, and `expected.jsonl` is what the oracle
 * (/work/shared/tools/udev-oracle/record-case.sh) recorded on it. The test checks both halves:
 * the machine still exports exactly the recorded description (so the oracle's device is the
 * machine's device), and the machine form of `udevadm test --json` agrees with the recording by
 * the conformance README's rules — as the `--device` form is checked on every recorded case.
 *
 * One difference is the description format's, not the engine's: a description carries /dev
 * nodes (N:) and the links udev keeps in its database (S:), but not the /dev/char/MAJ:MIN links
 * udev made for *other* devices, which exist on the machine (as on a real system) and not in
 * the oracle's /dev. Those records are left out on both sides; the event device's own are kept.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../../src/cli/io.js';
import { runCli } from '../../../src/cli/verbs.js';
import { compareRecords, formatMismatches, parseJsonLines } from './compare.js';

const root = join(import.meta.dirname, 'cases-machine');
const cases = readdirSync(root).filter((n) => /^m\d+-/.test(n)).sort();

type Rec = ReturnType<typeof parseJsonLines>['records'][number];

/** Without /dev/char links of devices other than the event device (see above). */
function withoutOtherCharLinks(records: readonly Rec[]): Rec[] {
  const prop = (k: string) => records.find((r) => r.kind === 'property' && r.key === k)?.value;
  const own = `/dev/char/${String(prop('MAJOR'))}:${String(prop('MINOR'))}`;
  return records.filter((r) => !(r.kind === 'symlink' && String(r.path).startsWith('/dev/char/') && r.path !== own));
}

async function cli(argv: string[]) {
  const io = captureIo();
  const status = await runCli(argv, io);
  return { status, out: io.out, err: io.err };
}

function load(name: string) {
  const dir = join(root, name);
  const machine = readFileSync(join(dir, 'machine'), 'utf8').trim().split(/\s+/);
  const rules = readdirSync(dir)
    .filter((f) => f.endsWith('.rules'))
    .sort()
    .map((f) => join(dir, f));
  const [event] = readFileSync(join(dir, 'events'), 'utf8').trim().split('\n');
  const i = event!.indexOf(':');
  return {
    machine,
    rules,
    action: event!.slice(0, i),
    syspath: `/sys${event!.slice(i + 1)}`,
    desc: readFileSync(join(dir, 'device.desc'), 'utf8'),
    expected: readFileSync(join(dir, 'expected.jsonl'), 'utf8'),
  };
}

describe('udevadm test SYSPATH on the machine agrees with udev 252 on the same device', () => {
  it('has the machine cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
  });

  for (const name of cases) {
    it(name, async () => {
      const c = load(name);
      const exported = await cli(['export', '--format', 'desc', ...c.machine, '--rules', ...c.rules]);
      expect(exported.status).toBe(0);
      expect(exported.out, 'the machine is the device the oracle saw').toBe(c.desc);
      const r = await cli(['udevadm', 'test', '--json', '-a', c.action, ...c.machine, '--rules', ...c.rules, '--', c.syspath]);
      expect(r.status).toBe(0);
      const expected = parseJsonLines(c.expected);
      const actual = parseJsonLines(r.out);
      expect(expected.errors).toEqual([]);
      expect(actual.errors).toEqual([]);
      const problems = compareRecords(withoutOtherCharLinks(expected.records), withoutOtherCharLinks(actual.records));
      expect(problems, formatMismatches(problems)).toEqual([]);
    });
  }
});
