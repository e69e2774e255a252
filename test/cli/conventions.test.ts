/**
 * Conventions every verb keeps: --version, one error form, exit 0/1/2, --rules FILE|DIR,
 * option lists that cannot swallow device arguments, rules diagnostics on stderr before the
 * verb runs (--strict: exit 2), --scenario FILE [--until N], no stack trace when the reader
 * goes away (EPIPE).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { unswallow } from '../../src/cli/machine-args.js';
import { runCli } from '../../src/cli/verbs.js';
import { defaultPresets, resolveMachineOptions } from '../../src/machine/index.js';

async function cli(...argv: string[]) {
  const io = captureIo();
  const status = await runCli(argv, io);
  return { status, out: io.out, err: io.err };
}

const dir = mkdtempSync(join(tmpdir(), 'auxbus-conv-'));
const good = join(dir, '70-good.rules');
writeFileSync(good, 'SUBSYSTEM=="doe", MODE="0660"\n');
const typo = join(dir, '71-typo.rules');
writeFileSync(typo, 'SUBSYSTEM=="pci", GOTO="end"\nSUBSYTEM=="pci", MODE="0600"\nLABEL="end"\n');
const rulesDir = join(dir, 'rules.d');
mkdirSync(rulesDir);
writeFileSync(join(rulesDir, '10-a.rules'), 'SUBSYSTEM=="doe", SYMLINK+="from-dir"\n');
writeFileSync(join(rulesDir, 'README'), 'not rules\n');
const long = join(dir, '72-long.rules');
writeFileSync(long, `# a comment\nSUBSYSTEM=="pci", ENV{X}="${'x'.repeat(17000)}"\n`);

describe('--version and errors', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await cli('--version')).toEqual({ status: 0, out: `auxbus ${pkg.version}\n`, err: '' });
  });

  it.each([
    [['tree', '--bogus'], "auxbus tree: unknown option '--bogus'\n"],
    [['udevadm', 'info', '--bogus'], "auxbus udevadm info: unknown option '--bogus'\n"],
    [['udevadm', 'test', '-a', 'bogus', '/sys/bus/pci/devices/0000:0d:00.0'], "auxbus udevadm test: Invalid action 'bogus' (EINVAL)\n"],
    [['udevadm', 'test', '/sys/devices/nothing'], "auxbus udevadm test: Failed to open device '/sys/devices/nothing': No such device (ENODEV)\n"],
    [['tree', '--until', '3'], 'auxbus tree: --until needs --scenario FILE (EINVAL)\n'],
    [['export', '--format', 'sysfs'], 'auxbus export: --format sysfs needs a directory (EINVAL)\n'],
  ])('%j is one line on stderr, exit 2', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.err).toBe(message);
    expect(r.status).toBe(2);
  });

  it('udevadm test --help names the verb as it is typed', async () => {
    const r = await cli('udevadm', 'test', '--help');
    expect(r.out).toMatch(/^Usage: auxbus udevadm test /);
    expect(r.status).toBe(0);
  });

  it('udevadm test --device: a bad --event or an unknown devpath is exit 2; /sys in front is accepted', async () => {
    const desc = join(dir, 'dev.desc');
    writeFileSync(desc, 'P: /devices/platform/foo\nE: SUBSYSTEM=platform\n');
    expect((await cli('udevadm', 'test', '--rules', good, '--device', desc, '--event', 'bnd:/devices/platform/foo')).status).toBe(2);
    expect((await cli('udevadm', 'test', '--rules', good, '--device', desc, '--event', 'add:/devices/none')).status).toBe(2);
    expect((await cli('udevadm', 'test', '--rules', good, '--device', desc, '--event', 'add:/sys/devices/platform/foo')).status).toBe(0);
    expect((await cli('udevadm', 'test', '--rules', rulesDir, '--device', desc)).status).toBe(0);
  });
});

describe('one default set of presets', () => {
  it('the CLI boots what the API boots', async () => {
    expect(resolveMachineOptions().presets).toEqual(defaultPresets);
    const r = await cli('tree', '--json');
    const pci = (JSON.parse(r.out) as { devices: { bus: string | null; name: string }[] }).devices.filter((d) => d.bus === 'pci').map((d) => d.name);
    expect(pci).toEqual(['0000:00:01.0', '0000:0d:00.0']);
  });
});

describe('option lists do not swallow device arguments', () => {
  it.each([
    [
      ['info', '--rules', 'a.rules', '/dev/fwctl/fwctl0'],
      ['info', '--rules', 'a.rules', '--', '/dev/fwctl/fwctl0'],
    ],
    [
      ['info', '--rules', 'a.rules', 'b.rules', '/sys/x', '-q', 'path'],
      ['info', '--rules', 'a.rules', 'b.rules', '-q', 'path', '--', '/sys/x'],
    ],
    [
      ['--preset', 'cxl-type3', '/devices/x'],
      ['--preset', 'cxl-type3', '--', '/devices/x'],
    ],
    [
      ['--rules', 'a.rules', 'b.rules'],
      ['--rules', 'a.rules', 'b.rules'],
    ],
  ])('%j', (argv, expected) => {
    expect(unswallow(argv)).toEqual(expected);
  });

  // --preset and --module lists hold closed sets: a word outside the set ends the list.
  it.each([
    [
      ['doe', '--preset', 'cxl-type3', 'mlx5-nic', 'discover', 'cxl_pci.doe.0'],
      ['doe', '--preset', 'cxl-type3', 'mlx5-nic', '--', 'discover', 'cxl_pci.doe.0'],
    ],
    [
      ['--module', 'cxl_pci', 'pci_doe', 'cdat', 'x'],
      ['--module', 'cxl_pci', 'pci_doe', '--', 'cdat', 'x'],
    ],
    [
      ['--preset', 'no-such-preset', 'x'],
      ['--preset', 'no-such-preset', '--', 'x'],
    ],
  ])('closed list %j', (argv, expected) => {
    expect(unswallow(argv, ['--preset', '--module'], { '--preset': ['cxl-type3', 'mlx5-nic'], '--module': ['cxl_pci', 'pci_doe'] })).toEqual(
      expected,
    );
  });

  it('auxbus doe --preset P ACTION DEVICE reads ACTION and DEVICE as positional arguments', async () => {
    const r = await cli('doe', '--preset', 'cxl-type3', 'discover', 'cxl_pci.doe.0');
    expect(r.status).toBe(0);
    expect(r.out).toContain('1e98:02');
  });

  it('udevadm info --rules R /dev/fwctl/fwctl0 (the form that used to read the node as a rules file)', async () => {
    const r = await cli('udevadm', 'info', '--rules', good, '-q', 'name', '/dev/fwctl/fwctl0');
    expect(r).toEqual({ status: 0, out: 'fwctl/fwctl0\n', err: '' });
  });

  it('udevadm info --rules R DEVICE reads R as rules and DEVICE as the device', async () => {
    const r = await cli('udevadm', 'info', '--rules', good, '-q', 'path', '/sys/bus/pci/devices/0000:0d:00.0');
    expect(r).toEqual({ status: 0, out: '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0\n', err: '' });
  });
});

describe('rules diagnostics on every verb', () => {
  it('tree prints them positioned on stderr before running, exit 0; --strict makes them exit 2', async () => {
    const r = await cli('tree', '--rules', typo);
    expect(r.err).toBe(`${typo}:2:1: error: Invalid key 'SUBSYTEM'\n`);
    expect(r.status).toBe(0);
    expect(r.out).toContain('/sys/devices');
    const strict = await cli('tree', '--rules', typo, '--strict');
    expect(strict.status).toBe(2);
    expect(strict.out).toBe('');
  });

  it('the over-long line that makes udev drop a file names the file and the line', async () => {
    const r = await cli('graph', '--rules', long);
    expect(r.err).toMatch(
      new RegExp(
        `^${long.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:1: error: line is \\d+ bytes, longer than udev's 16383: udev 252 ignores the whole file \\(No buffer space available\\)\\n$`,
      ),
    );
  });

  it('--rules DIR installs its *.rules files', async () => {
    const r = await cli('udevadm', 'info', '--rules', rulesDir, '--module', 'doe_user', '-q', 'symlink', '/sys/bus/auxiliary/devices/cxl_pci.doe.0');
    expect(r.status).toBe(0);
    expect(r.err).toBe('');
  });

  it('run prints the rules diagnostics of a scenario before its first step; --strict exit 2', async () => {
    const scenario = join(dir, 's.yaml');
    writeFileSync(
      scenario,
      `name: typo\nmachine: { presets: [cxl-type3] }\nrules:\n  - file: 71-typo.rules\nsteps:\n  - boot: {}\n  - check: { bound: { "0000:0d:00.0": cxl_pci } }\n`,
    );
    const r = await cli('run', scenario);
    expect(r.err).toBe(`${typo.replace(`${dir}/`, '')}:2:1: error: Invalid key 'SUBSYTEM'\n`.replace(/^/, ''));
    expect(r.status).toBe(0);
    const strict = await cli('run', '--strict', scenario);
    expect(strict.status).toBe(2);
    expect(strict.out).not.toContain('ok ');
  });
});

describe('--scenario FILE [--until N]', () => {
  it('tree shows the machine as the scenario leaves it, or after step N', async () => {
    const before = await cli('tree', '--json', '--scenario', 'examples/scenarios/pci-unbind-children.yaml', '--until', '2');
    const first = await cli('tree', '--json', '--scenario', 'examples/scenarios/pci-unbind-children.yaml', '--until', '3');
    const all = await cli('tree', '--json', '--scenario', 'examples/scenarios/pci-unbind-children.yaml');
    const driver = (r: { out: string }) =>
      (JSON.parse(r.out) as { devices: { name: string; driver: string | null }[] }).devices.find((d) => d.name === '0000:0d:00.0')?.driver;
    expect([driver(before), driver(first), driver(all)]).toEqual(['cxl_pci', null, 'cxl_pci']);
    expect(all.status).toBe(0);
    expect(first.status).toBe(0);
  });

  it('a scenario that does not load is its positioned diagnostics, exit 2', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: x\nsteps:\n  - frobnicate: 1\n');
    const r = await cli('udevadm', 'monitor', '--scenario', bad);
    expect(r.err).toMatch(/^.*bad\.yaml:3:\d+: .+\n$/);
    expect(r.status).toBe(2);
  });
});

describe('no stack trace when the reader goes away', () => {
  const tsx = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
  const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
  it.each([['demo'], ['run --json examples/scenarios'], ['udevadm info --export-db'], ['export --format desc']])(
    'auxbus %s | head -1',
    (args) => {
      const r = spawnSync('sh', ['-c', `${tsx} ${main} ${args} | head -1; echo "status=\${PIPESTATUS:-done}"`], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\n').length).toBe(3);
    },
    30_000,
  );
});

describe('I/O errors on files the user names are one line, exit 2', () => {
  const aFile = join(dir, 'a-file');
  writeFileSync(aFile, '');
  it.each([
    [
      ['spdm', 'serve', '--cert-chain', join(dir, 'none.der'), '--key', join(dir, 'none.pem')],
      `auxbus spdm serve: ${join(dir, 'none.der')}: cannot open (ENOENT)\n`,
    ],
    [['import', 'test/cli/fixtures/host-pci.umockdev', '-o', join(aFile, 'out')], `auxbus import: ${join(aFile, 'out')}: cannot open (ENOTDIR)\n`],
    [['export', '--format', 'desc', join(dir, 'no', 'such', 'x')], `auxbus export: ${join(dir, 'no', 'such', 'x')}: cannot open (ENOENT)\n`],
    [['export', '--format', 'sysfs', join(aFile, 'x')], `auxbus export: ${join(aFile, 'x')}: cannot mkdir (ENOTDIR)\n`],
  ])('%j', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.err).toBe(message);
    expect(r.status).toBe(2);
  });
});
