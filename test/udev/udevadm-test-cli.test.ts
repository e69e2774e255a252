/**
 * `auxbus udevadm test` end to end: the text udevadm test 252 prints (banner, properties, RUN
 * list on stdout; the debug log on stderr), checked against the oracle's recordings of the
 * conformance cases; `--explain` (every rules line: skipped, not reached, stopped at which
 * token on which value, or matched with each token's value), as text and as JSON lines; and
 * bad input.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/verbs.js';
import { type ExplainEntry } from '../../src/udev/index.js';
import { listCases, loadCase } from '../conformance/udev/case.js';
import { parseJsonLines } from '../conformance/udev/compare.js';

const casesRoot = join(import.meta.dirname, '../conformance/udev/cases');
const BANNER =
  'This program is for debugging only, it does not run any program\n' +
  'specified by a RUN key. It may show incorrect results, because\n' +
  'some values may be different, or not available at a simulation run.\n\n';

async function udevadmTest(...argv: string[]) {
  const io = captureIo(casesRoot);
  const status = await runCli(['udevadm', 'test', ...argv], io);
  return { status, out: io.out, err: io.err };
}

function caseArgs(name: string): string[] {
  const c = loadCase(join(casesRoot, name), name);
  return [
    '--rules',
    ...c.rules.map((r) => join(name, r.name)),
    '--device',
    join(name, 'device.desc'),
    ...c.events.flatMap((e) => ['--event', `${e.action}:${e.devpath}`]),
  ];
}

/** The sorted form the oracle records for set-valued properties. */
function normalise(key: string, value: string): string {
  if (key === 'DEVLINKS') return value.split(' ').sort().join(' ');
  if (key === 'TAGS' || key === 'CURRENT_TAGS') return `:${value.split(':').filter(Boolean).sort().join(':')}:`;
  return value;
}

describe('auxbus udevadm test', () => {
  describe('having a single-event conformance case', () => {
    const singleEvent = listCases(casesRoot).filter((n) => loadCase(join(casesRoot, n), n).events.length === 1);

    it('should have such cases', () => {
      expect(singleEvent.length).toBeGreaterThan(10);
    });

    for (const name of singleEvent) {
      it(`should print udevadm 252's stdout for ${name}`, async () => {
        const c = loadCase(join(casesRoot, name), name);
        const r = await udevadmTest(...caseArgs(name));
        const expected = parseJsonLines(c.expected).records;
        expect(r.status).toBe((expected.find((x) => x.kind === 'event') as { exit: number }).exit === 0 ? 0 : 1);
        expect(r.out.startsWith(BANNER)).toBe(true);
        const lines = r.out
          .slice(BANNER.length)
          .split('\n')
          .filter((l) => l.length > 0);
        const runAt = lines.findIndex((l) => l.startsWith("run: '"));
        const propertyLines = runAt < 0 ? lines : lines.slice(0, runAt);
        const runLines = runAt < 0 ? [] : lines.slice(runAt);
        // Properties in udevadm's order (USEC_INITIALIZED is dropped by the oracle), then RUN.
        const properties = propertyLines
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const)
          .filter(([k]) => k !== 'USEC_INITIALIZED')
          .map(([k, v]) => `${k}=${normalise(k, v)}`);
        const expectedProperties = expected.filter((x) => x.kind === 'property').map((x) => `${x.key}=${x.value}`);
        expect(properties).toEqual(expectedProperties);
        expect(runLines).toEqual(expected.filter((x) => x.kind === 'run').map((x) => `run: '${x.cmd}'`));
      });
    }
  });

  it('should log rule traces on stderr as 252 does: "sysname: file:line message"', async () => {
    const r = await udevadmTest(...caseArgs('000a-pci-function'));
    expect(r.err).toContain(
      "0000:03:00.0: 000a-pci-function/50-pci.rules:15 ATTR '/sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0/sriov_numvfs' writing '4'\n",
    );
    expect(r.err).toContain("000a-pci-function/50-pci.rules:25 Invalid key 'FOO'\n");
  });

  it('should separate the events of a multi-event run', async () => {
    const r = await udevadmTest(...caseArgs('000c-aux-fwctl-chardev'));
    const c = loadCase(join(casesRoot, '000c-aux-fwctl-chardev'), '000c-aux-fwctl-chardev');
    for (const [i, e] of c.events.entries()) expect(r.out).toContain(`=== event ${i}: ${e.action} ${e.devpath}\n${BANNER}`);
  });

  describe('with --explain', () => {
    it('should say for every line of the file what happened, with the values compared', async () => {
      const r = await udevadmTest('--explain', ...caseArgs('013-goto-label'));
      expect(r.status).toBe(0);
      const explain = r.out.slice(r.out.indexOf('\n--- explain\n') + '\n--- explain\n'.length);
      const at = (line: number): string => {
        const start = explain.indexOf(`50-goto.rules:${line}: `);
        expect(start, `line ${line} explained`).toBeGreaterThanOrEqual(0);
        const end = explain.indexOf('\n50-goto.rules:', start + 1);
        return explain.slice(start, end < 0 ? undefined : end + 1);
      };
      expect(at(2)).toBe('50-goto.rules:2: FAIL   ACTION!="add|bind", GOTO="aux_end"\n    FAIL ACTION!="add|bind" on mlx5_core.eth.0: "bind"\n');
      expect(at(7)).toBe(
        '50-goto.rules:7: FAIL   KERNEL=="*.rdma.*", GOTO="rdma"\n    FAIL KERNEL=="*.rdma.*" on mlx5_core.eth.0: "mlx5_core.eth.0"\n',
      );
      expect(at(8)).toBe(
        '50-goto.rules:8: MATCH  KERNEL=="*.eth.*", GOTO="eth"\n    ok   KERNEL=="*.eth.*" on mlx5_core.eth.0: "mlx5_core.eth.0"\n    GOTO line 12\n',
      );
      expect(at(9)).toBe('50-goto.rules:9: ----   ENV{STEP}+="fell-through"\n    (not reached: GOTO on line 8)\n');
      expect(at(12)).toBe('50-goto.rules:12: SKIP   LABEL="eth"\n    (nothing on this line applies to this device and action)\n');
      expect(at(21)).toContain('    ok   DRIVER=="mlx5_core.eth" on mlx5_core.eth.0: "mlx5_core.eth"\n    GOTO line 23\n');
      // Every compiled line of the file appears exactly once, in order.
      const explained = [...explain.matchAll(/^50-goto\.rules:(\d+): /gm)].map((m) => Number(m[1]));
      expect(explained).toEqual([...explained].sort((a, b) => a - b));
      expect(new Set(explained).size).toBe(explained.length);
      expect(explained).toEqual(expect.arrayContaining([2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 16, 18, 19, 21, 22, 23, 24]));
    });

    it('should show the parent-key group on the ancestor that matched, and why a group failed', async () => {
      const r = await udevadmTest('--explain', ...caseArgs('000b-netdev-rename'));
      expect(r.out).toContain(
        '    ok   SUBSYSTEMS=="pci" on 0000:03:00.0: "pci"\n' +
          '    ok   DRIVERS=="mlx5_core" on 0000:03:00.0: "mlx5_core"\n' +
          '    ok   ATTRS{vendor}=="0x15b3" on 0000:03:00.0: "0x15b3"\n',
      );
      expect(r.out).toContain('    FAIL ATTRS{vendor}=="0x15b3": no ancestor matched all parent keys (last tried 0000:00:02.0: (none))\n');
      // Operators as written, though the compiler normalises `?*` and IMPORT's `=`.
      expect(r.out).toContain('    ok   ENV{PF}=="?*" on eth7: "0000:03:00.0"\n');
      expect(r.out).toContain('    ok   IMPORT{builtin}="path_id" on eth7\n');
    });

    it('should print explain records after the conformance records with --json', async () => {
      const r = await udevadmTest('--explain', '--json', ...caseArgs('013-goto-label'));
      const records = r.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string } & Partial<ExplainEntry>);
      const explain = records.filter((x) => x.kind === 'explain');
      expect(records.findIndex((x) => x.kind === 'explain')).toBe(records.length - explain.length);
      expect(explain.find((x) => x.line === 7)).toMatchObject({
        status: 'failed',
        passed: [],
        failed: { token: 'KERNEL=="*.rdma.*"', device: 'mlx5_core.eth.0', value: 'mlx5_core.eth.0' },
      });
      expect(explain.find((x) => x.line === 8)).toMatchObject({ status: 'matched', jumpedTo: 12 });
      expect(explain.find((x) => x.line === 10)).toMatchObject({ status: 'not-reached', jumpedFrom: 8 });
    });
  });

  describe('having bad input', () => {
    it('should exit 2 without a device (SYSPATH or --device)', async () => {
      const r = await udevadmTest('--rules', 'x.rules');
      expect(r.status).toBe(2);
      expect(r.err).toBe('auxbus udevadm test: a SYSPATH (/sys/… or /devices/…) or --device FILE.desc is required (EINVAL)\n');
    });

    it('should exit 2 on an event without ACTION:', async () => {
      const r = await udevadmTest(...caseArgs('013-goto-label'), '--event', 'nonsense');
      expect(r.status).toBe(2);
      expect(r.err.split('\n').at(-2)).toBe('auxbus udevadm test: --event nonsense: expected ACTION:DEVPATH (e.g. add:/devices/…) (EINVAL)');
    });

    it('should exit 2 for a device that is not in the description', async () => {
      const r = await udevadmTest(
        '--rules',
        '013-goto-label/50-goto.rules',
        '--device',
        '013-goto-label/device.desc',
        '--event',
        'add:/devices/nope',
      );
      expect(r.status).toBe(2);
      expect(r.err).toContain('auxbus udevadm test: --event add:/devices/nope: no device /devices/nope in 013-goto-label/device.desc (ENODEV)\n');
    });

    it('should exit 2 naming a missing rules file', async () => {
      const r = await udevadmTest('--rules', 'missing.rules', '--device', '013-goto-label/device.desc');
      expect(r.status).toBe(2);
      expect(r.err).toBe('auxbus udevadm test: missing.rules: cannot read rules file or directory (ENOENT)\n');
    });
  });
});
