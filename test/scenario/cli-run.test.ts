/**
 * `auxbus run` end to end over the fake host: the text and JSON reports, exit statuses 0/1/2,
 * DIR mode (sorted, recursive, worst status), argument errors, and the example scenario files
 * under examples/scenarios/{invalid,failing} doing what their comments say.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { run, runWithHost } from '../../src/cli/run.js';
import { emptyHost, fakeHost } from './fake-machine.js';

const CXL = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0';

const PASSING = `name: passing
steps:
  - boot: {}
  - check:
      bound: { "0000:0d:00.0": cxl_pci }
`;

const FAILING = `name: failing
steps:
  - boot: {}
  - rmmod: cxl_pci
  - check:
      bound: { "0000:0d:00.0": null }
      uevents_include: ["add ${CXL}"]
`;

const INVALID = `name: invalid
steps:
  - boot: {}
  - rmmod: cxl_pci
    expect: { errno: EBUSSY }
`;

function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'auxbus-run-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function cli(argv: string[], files: Record<string, string>, color = false) {
  const io = Object.assign(captureIo(workdir(files)), { color });
  const status = await runWithHost(argv, io, fakeHost());
  return { status, out: io.out, err: io.err };
}

describe('auxbus run: text output', () => {
  it('prints one line per step and a summary, exit 0 when every step held', async () => {
    const r = await cli(['p.yaml'], { 'p.yaml': PASSING });
    expect(r.status).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toBe('ok   p.yaml:3 boot\nok   p.yaml:4 check bound\np.yaml: passing: 2 steps, 0 failed\n');
  });

  it('says for a failure what was expected and what happened, exit 1', async () => {
    const r = await cli(['f.yaml'], { 'f.yaml': FAILING });
    expect(r.status).toBe(1);
    expect(r.out.split('\n')).toEqual([
      'ok   f.yaml:3 boot',
      'FAIL f.yaml:4 rmmod cxl_pci — expected success, got EBUSY (module cxl_pci is in use)',
      'FAIL f.yaml:5 check bound, uevents_include — bound 0000:0d:00.0: expected null (no driver), got cxl_pci',
      'f.yaml: failing: 3 steps, 2 failed',
      '',
    ]);
  });

  it('rejects an invalid file with FILE:LINE:COL on stderr, no step run, exit 2', async () => {
    const r = await cli(['i.yaml'], { 'i.yaml': INVALID });
    expect(r.status).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe("i.yaml:5:22: 'EBUSSY' is not a Linux errno name\n");
  });

  it('colours ok and FAIL only when the io has colour', async () => {
    const plain = await cli(['f.yaml'], { 'f.yaml': FAILING }, false);
    const coloured = await cli(['f.yaml'], { 'f.yaml': FAILING }, true);
    expect(plain.out).not.toContain('\u001b[');
    expect(coloured.out).toContain('\u001b[31mFAIL\u001b[39m');
    expect(coloured.out).toContain('\u001b[32mok  \u001b[39m');
  });
});

describe('auxbus run --json', () => {
  it('prints one object per step with step, line, verb, ok, expected, actual, then the summary', async () => {
    const r = await cli(['f.yaml', '--json'], { 'f.yaml': FAILING });
    expect(r.status).toBe(1);
    const lines = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { step: 1, line: 3, verb: 'boot', ok: true, expected: 'ok', actual: 'ok' },
      {
        step: 2,
        line: 4,
        verb: 'rmmod',
        ok: false,
        expected: 'ok',
        actual: { errno: 'EBUSY', message: 'module cxl_pci is in use' },
        message: 'expected success, got EBUSY (module cxl_pci is in use)',
      },
      {
        step: 3,
        line: 5,
        verb: 'check',
        ok: false,
        expected: { bound: { '0000:0d:00.0': null }, uevents_include: [`add ${CXL}`] },
        actual: {
          bound: { '0000:0d:00.0': 'cxl_pci' },
          uevents_include: [`add ${CXL}`, `bind ${CXL}`, `add ${CXL}/cxl_pci.doe.1`, `bind ${CXL}/cxl_pci.doe.1`],
        },
        message: 'bound 0000:0d:00.0: expected null (no driver), got cxl_pci',
      },
      { summary: { steps: 3, failed: 2 } },
    ]);
  });

  it('prints nothing on stdout for an invalid file', async () => {
    const r = await cli(['--json', 'i.yaml'], { 'i.yaml': INVALID });
    expect(r.status).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^i\.yaml:5:22: /);
  });
});

describe('auxbus run DIR', () => {
  const tree = {
    'b/z.yaml': PASSING,
    'a.yaml': FAILING,
    'b/a.yaml': PASSING,
    'b/notes.txt': 'not a scenario',
    'b/skip.yml': INVALID,
  };

  it('runs every *.yaml below it, sorted, and exits with the worst status', async () => {
    const r = await cli(['.'], tree);
    expect(r.status).toBe(1);
    const files = r.out
      .split('\n')
      .filter((l) => /^\S+\.yaml: /.test(l))
      .map((l) => l.split(':')[0]);
    expect(files).toEqual(['a.yaml', 'b/a.yaml', 'b/z.yaml']);
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('total: 3 files, 7 steps, 2 failed, 0 invalid');
  });

  it('exit 2 wins over 1, and the other files still run', async () => {
    const r = await cli(['d'], { 'd/1.yaml': FAILING, 'd/2.yaml': INVALID, 'd/3.yaml': PASSING });
    expect(r.status).toBe(2);
    expect(r.err).toBe("d/2.yaml:5:22: 'EBUSSY' is not a Linux errno name\n");
    expect(r.out).toContain('d/3.yaml: passing: 2 steps, 0 failed');
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('total: 3 files, 5 steps, 2 failed, 1 invalid');
  });

  it('tags JSON objects with their file and ends with the total summary', async () => {
    const r = await cli(['--json', 'd'], { 'd/1.yaml': PASSING, 'd/2.yaml': PASSING });
    expect(r.status).toBe(0);
    const lines = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.file ?? null)).toEqual(['d/1.yaml', 'd/1.yaml', 'd/1.yaml', 'd/2.yaml', 'd/2.yaml', 'd/2.yaml', null]);
    expect(lines.at(-1)).toEqual({ summary: { steps: 4, failed: 0, files: 2, invalid: 0 } });
  });

  it('an empty directory runs nothing and succeeds', async () => {
    const r = await cli(['e'], { 'e/readme.txt': '' });
    expect(r.status).toBe(0);
    expect(r.out).toBe('total: 0 files, 0 steps, 0 failed, 0 invalid\n');
  });
});

describe('auxbus run: arguments', () => {
  it.each([
    [[], /no scenario file or directory given/],
    [['--frobnicate', 'x.yaml'], /unknown option '--frobnicate'/],
    [['missing.yaml'], /missing\.yaml: no such file or directory/],
  ])('%j is bad input (exit 2)', async (argv, message) => {
    const r = await cli(argv, {});
    expect(r.status).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('--help prints usage and exits 0', async () => {
    const r = await cli(['--help'], {});
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^usage: auxbus run FILE\|DIR/);
  });

  it('the verb entry point parses its arguments before building a host', async () => {
    const io = captureIo(workdir({}));
    expect(await run(['--help'], io)).toBe(0);
    expect(io.out).toMatch(/^usage: auxbus run/);
  });

  it('without a machine in the build, rejects every verb as not landed (exit 2)', async () => {
    const dir = workdir({ 'p.yaml': PASSING });
    const io = captureIo(dir);
    expect(await runWithHost(['p.yaml'], io, emptyHost())).toBe(2);
    expect(io.err).toBe(
      "p.yaml:3:5: verb 'boot' is not supported by this build: its subsystem has not landed\n" +
        "p.yaml:4:5: verb 'check' is not supported by this build: its subsystem has not landed\n" +
        "p.yaml:5:7: check 'bound' is not supported by this build: its subsystem has not landed\n",
    );
  });
});

describe('example scenarios', () => {
  // examples/failing and examples/invalid sit beside examples/scenarios, so that
  // `auxbus run examples/scenarios` (every *.yaml below it) shows only scenarios that hold.
  const root = resolve(import.meta.dirname, '../../examples');
  const invalid = readdirSync(join(root, 'invalid')).filter((f) => f.endsWith('.yaml'));
  const failing = readdirSync(join(root, 'failing')).filter((f) => f.endsWith('.yaml'));

  it('has examples of both kinds', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(8);
    expect(failing.length).toBeGreaterThanOrEqual(4);
  });

  it.each(invalid)('invalid/%s is rejected at the position its comment gives', async (name) => {
    const text = readFileSync(join(root, 'invalid', name), 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# Rejected \(exit 2\): \S/);
    const at = /^# error at (\d+:\d+)$/m.exec(text)?.[1];
    const io = captureIo(root);
    const host = fakeHost();
    expect(await runWithHost([`invalid/${name}`], io, host)).toBe(2);
    expect(io.out).toBe('');
    expect(io.err.split('\n')[0]).toMatch(new RegExp(`^invalid/${name.replace('.', '\\.')}:${at}: `));
    expect(host.machines).toEqual([]);
  });

  it.each(failing)('failing/%s fails exactly the steps its comment gives', async (name) => {
    const text = readFileSync(join(root, 'failing', name), 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# Fails \(exit 1\): \S/);
    const steps = /^# fails: ([\d, ]+)$/m.exec(text)?.[1]?.split(',').map(Number);
    const io = captureIo(root);
    expect(await runWithHost(['--json', `failing/${name}`], io, fakeHost())).toBe(1);
    const results = io.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { step?: number; ok?: boolean });
    expect(results.filter((r) => r.ok === false).map((r) => r.step)).toEqual(steps);
  });
});
