/**
 * `--rules FILE|DIR…` on every verb of `auxbus` and `auxbus udevadm` (the verb tables are the
 * list: a verb added without a row here fails the coverage test): each prints the rules'
 * diagnostics on stderr as `file:line:col: level: message` before it runs, and with `--strict`
 * stops there with exit 2 and nothing on stdout. Where the verb has a machine or devices, the
 * rules take effect (demo's, run's and explore's machines, pci-trace's, import's database,
 * verify's file list).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { udevadmVerbs } from '../../src/cli/udevadm.js';
import { runCli, verbs } from '../../src/cli/verbs.js';

async function cli(...argv: string[]) {
  const io = captureIo();
  const status = await runCli(argv, io);
  return { status, out: io.out, err: io.err };
}

const dir = mkdtempSync(join(tmpdir(), 'auxbus-rules-verbs-'));
const typo = join(dir, '71-typo.rules');
writeFileSync(typo, 'SUBSYSTEM=="pci", GOTO="end"\nSUBSYTEM=="pci", MODE="0600"\nLABEL="end"\n');
const typoLine = `${typo}:2:1: error: Invalid key 'SUBSYTEM'\n`;
const tag = join(dir, '60-tag.rules');
writeFileSync(tag, 'SUBSYSTEM=="pci", ENV{AUXBUS_CLI_RULES}="yes"\n');
const program = join(dir, 'prog.txt');
writeFileSync(program, 'select auto\nread 0 4\n');
const desc = join(dir, 'dev.desc');
writeFileSync(desc, 'P: /devices/pci0000:00/0000:00:02.0\nE: SUBSYSTEM=pci\nE: PCI_SLOT_NAME=0000:00:02.0\n');
const hwdbRoot = join(dir, 'root');
mkdirSync(join(hwdbRoot, 'etc/udev/hwdb.d'), { recursive: true });
writeFileSync(join(hwdbRoot, 'etc/udev/hwdb.d/10-x.hwdb'), 'pci:v00008086*\n ID_X=1\n');
const scenario = 'examples/scenarios/pci-unbind-children.yaml';

/** The shortest argv that makes each verb run (the `--rules …` part is added by the test). */
const argvOf: Record<string, string[]> = {
  demo: ['demo'],
  run: ['run', scenario],
  tree: ['tree'],
  shell: ['shell', '-c', 'lsmod'],
  export: ['export', '--format', 'desc'],
  import: ['import', desc],
  'pci-trace': ['pci-trace', program],
  doe: ['doe', 'discover', '0000:0d:00.0'],
  explore: ['explore', 'examples/explore/unbind-vs-open.yaml', '--schedules', '1'],
  'spdm serve': ['spdm', 'serve', '--port', '0'],
  'spdm connect': ['spdm', 'connect', '127.0.0.1:1'],
  graph: ['graph'],
  'udevadm info': ['udevadm', 'info', '/sys/bus/pci/devices/0000:0d:00.0'],
  'udevadm trigger': ['udevadm', 'trigger'],
  'udevadm settle': ['udevadm', 'settle'],
  'udevadm monitor': ['udevadm', 'monitor'],
  'udevadm test': ['udevadm', 'test', '/sys/bus/pci/devices/0000:0d:00.0'],
  'udevadm test-builtin': ['udevadm', 'test-builtin', 'path_id', '/sys/bus/pci/devices/0000:0d:00.0'],
  'udevadm verify': ['udevadm', 'verify'],
  'udevadm hwdb': ['udevadm', 'hwdb', '--test', 'pci:v00008086d00001234', '--root', hwdbRoot],
};

describe('--rules on every verb', () => {
  it('the table covers every verb of both verb tables', () => {
    const names = [...verbs.filter((v) => v.name !== 'udevadm' && v.name !== 'spdm').map((v) => v.name), 'spdm serve', 'spdm connect'];
    names.push(...udevadmVerbs.map((v) => `udevadm ${v.name}`));
    expect(Object.keys(argvOf).sort()).toEqual(names.sort());
  });

  it.each(Object.entries(argvOf))('%s --rules R --strict: the diagnostic on stderr, exit 2, nothing run', async (_, argv) => {
    const r = await cli(...argv, '--rules', typo, '--strict');
    expect(r.err).toContain(typoLine);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(2);
    // verify's run is the check itself: its summary is its output.
    if (!argv.includes('verify')) expect(r.out).toBe('');
  });

  it.each(['demo', 'run', 'import', 'pci-trace', 'tree', 'udevadm verify'])(
    '%s --rules R: the diagnostic first, then the verb runs',
    async (name) => {
      const r = await cli(...argvOf[name]!, '--rules', typo);
      expect(r.err.startsWith(typoLine)).toBe(true);
      expect(r.status).toBe(name === 'udevadm verify' ? 1 : 0);
      expect(r.out).not.toBe('');
    },
  );
});

describe('--rules takes effect', () => {
  it('run: the rules are installed beside the scenario’s (property on the PCI device)', async () => {
    const s = join(dir, 'prop.yaml');
    writeFileSync(
      s,
      'name: prop\nmachine: { presets: [cxl-type3] }\nsteps:\n  - boot: {}\n  - check: { property: { "0000:0d:00.0": { AUXBUS_CLI_RULES: "yes" } } }\n',
    );
    const without = await cli('run', s);
    const withRules = await cli('run', '--rules', tag, s);
    expect(without.status).toBe(1);
    expect(withRules.status).toBe(0);
  });

  it('run: a scenario after the --rules list is not read as a rules file', async () => {
    const r = await cli('run', '--rules', tag, typo, scenario);
    expect(r.err).toBe(typoLine);
    expect(r.status).toBe(0);
  });

  it('import: every device gets an add event through the rules; the description carries their properties', async () => {
    const r = await cli('import', '--format', 'desc', '--rules', tag, desc);
    expect(r.status).toBe(0);
    expect(r.out).toContain('AUXBUS_CLI_RULES=yes');
    expect((await cli('import', '--format', 'desc', desc)).out).not.toContain('AUXBUS_CLI_RULES');
  });

  it('udevadm verify: --rules names more files to check; --strict makes a failure exit 2', async () => {
    const r = await cli('udevadm', 'verify', tag, '--rules', typo);
    expect(r.out).toContain('2 udev rules files have been checked.');
    expect(r.status).toBe(1);
    expect((await cli('udevadm', 'verify', tag, '--rules', typo, '--strict')).status).toBe(2);
  });

  it('tree --scenario with --rules: the scenario machine installs them', async () => {
    const r = await cli('udevadm', 'info', '--scenario', scenario, '--rules', tag, '-q', 'property', '/sys/bus/pci/devices/0000:0d:00.0');
    expect(r.out).toContain('AUXBUS_CLI_RULES=yes');
    expect(r.status).toBe(0);
  });
});
