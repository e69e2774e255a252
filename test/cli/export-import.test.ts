/**
 * Record and replay: `auxbus export --format sysfs|umockdev|desc` and `auxbus import`, checked
 * against each other (round trips), against a recording the real umockdev-record made of this
 * machine's /sys (committed), and against the real tools when installed (Debian pciutils, udev,
 * umockdev; root for the private mount namespace udevadm needs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { sysfsDeviceList } from '../../src/cli/recording.js';
import { runCli } from '../../src/cli/verbs.js';
import { createMachine, machineUdev } from '../../src/machine/index.js';

async function cli(...argv: string[]) {
  const io = captureIo();
  const status = await runCli(argv, io);
  return { status, out: io.out, err: io.err };
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const isRoot = process.getuid?.() === 0;
const MACHINE = ['--preset', 'cxl-type3', 'mlx5-nic'];
const tmp = mkdtempSync(join(tmpdir(), 'auxbus-export-'));

function machineList(): string {
  const m = createMachine({ presets: ['cxl-type3', 'mlx5-nic'] });
  m.boot();
  return sysfsDeviceList(machineUdev(m).sysfs);
}

describe('round trips', () => {
  it('export --format umockdev, then import: the same device tree', async () => {
    const file = join(tmp, 'rt.umockdev');
    expect((await cli('export', '--format', 'umockdev', file, ...MACHINE)).status).toBe(0);
    const imported = await cli('import', file);
    expect(imported.status).toBe(0);
    expect(imported.out).toBe(machineList());
    expect(imported.out).toContain('      cxl_pci.doe.1  auxiliary  → pci_doe.doe\n');
  });

  it('export --format desc: udevadm test --device on it prints what udevadm test SYSPATH prints on the machine', async () => {
    const desc = join(tmp, 'm.desc');
    const rules = join(tmp, '70-t.rules');
    writeFileSync(rules, 'SUBSYSTEM=="pci", ATTR{vendor}=="0x8086", ENV{ID_IS_CXL}="1", SYMLINK+="cxl-%k"\n');
    expect((await cli('export', '--format', 'desc', desc, ...MACHINE, '--rules', rules)).status).toBe(0);
    const dev = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0';
    const onMachine = await cli('udevadm', 'test', '--json', ...MACHINE, '--rules', rules, `/sys${dev}`);
    const onDesc = await cli('udevadm', 'test', '--json', '--rules', rules, '--device', desc, '--event', `add:${dev}`);
    const props = (out: string) =>
      out
        .split('\n')
        .filter((l) => l.includes('"kind":"property"'))
        .map((l) => JSON.parse(l) as { key: string; value: string })
        .filter((p) => p.key !== 'USEC_INITIALIZED')
        .map((p) => `${p.key}=${p.value}`)
        .sort();
    expect(props(onDesc.out)).toEqual(props(onMachine.out));
    expect(props(onMachine.out)).toContain('ID_IS_CXL=1');
  });

  it('imports a recording made by the real umockdev-record of a host’s /sys (committed)', async () => {
    const r = await cli('import', 'test/cli/fixtures/host-pci.umockdev');
    expect(r).toEqual({ status: 0, out: '  0000:00:01.0  pci  → virtio-pci\n', err: '' });
    const desc = await cli('import', 'test/cli/fixtures/host-pci.umockdev', '--format', 'desc');
    expect(desc.out).toContain('E: PCI_ID=1AF4:1045\n');
  });

  it('import --host-sysfs ROOT snapshots a sysfs tree on disk (here: an export of the machine)', async () => {
    const dir = join(tmp, 'host');
    expect((await cli('export', '--format', 'sysfs', dir, ...MACHINE)).status).toBe(0);
    const r = await cli('import', '--host-sysfs', join(dir, 'sys'));
    expect(r.status).toBe(0);
    expect(r.out).toBe(machineList());
  });

  it('an unreadable or malformed recording is a positioned message, exit 2', async () => {
    const bad = join(tmp, 'bad.umockdev');
    writeFileSync(bad, 'P: /devices/x\nQ: what\n');
    expect(await cli('import', bad)).toEqual({ status: 2, out: '', err: `${bad}:2:1: unknown description tag 'Q:'\n` });
    expect((await cli('import', join(tmp, 'none'))).status).toBe(2);
  });
});

describe.skipIf(!has('lspci'))('real lspci on an export (Debian pciutils)', () => {
  it('decodes the DOE capabilities, the CXL DVSECs and each function’s kernel driver', async () => {
    const dir = join(tmp, 'lspci');
    expect((await cli('export', '--format', 'sysfs', dir, ...MACHINE)).status).toBe(0);
    const r = spawnSync('lspci', ['-A', 'linux-sysfs', '-O', `sysfs.path=${dir}/sys/bus/pci`, '-vvv'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const cxl = r.stdout.slice(r.stdout.indexOf('0d:00.0 CXL'));
    expect(cxl.match(/Capabilities: \[[0-9a-f]+ v1\] Data Object Exchange/g)?.length).toBe(3);
    expect(cxl).toMatch(/Designated Vendor-Specific: Vendor=1e98 ID=0000 Rev=\d+ Len=\d+: CXL/);
    expect(cxl).toContain('Kernel driver in use: cxl_pci');
    expect(r.stdout).toContain('Kernel driver in use: mlx5_core');
  });

  it('the shell’s lspci -nn -k prints what the real one prints (but Kernel modules, which needs the host’s modules.alias)', async () => {
    const dir = join(tmp, 'lspci2');
    expect((await cli('export', '--format', 'sysfs', dir, ...MACHINE)).status).toBe(0);
    const real = spawnSync('lspci', ['-A', 'linux-sysfs', '-O', `sysfs.path=${dir}/sys/bus/pci`, '-nn', '-k'], { encoding: 'utf8' }).stdout;
    const ours = await cli('shell', ...MACHINE, '-c', 'lspci -nn -k');
    expect(ours.out.replace(/\tKernel modules: .*\n/g, '')).toBe(real);
  });
});

describe.skipIf(!has('udevadm') || !has('unshare') || !isRoot)('real udevadm on an export (private mount namespace)', () => {
  it('udevadm info --export-db equals auxbus udevadm info --export-db', async () => {
    const dir = join(tmp, 'udevadm');
    const rules = join(tmp, '70-doe.rules');
    writeFileSync(rules, 'SUBSYSTEM=="doe", GROUP="plugdev", MODE="0660", SYMLINK+="doe-compliance", TAG+="uaccess"\n');
    const opts = [...MACHINE, '--module', 'doe_user', '--rules', rules];
    expect((await cli('export', '--format', 'sysfs', dir, ...opts)).status).toBe(0);
    const real = spawnSync('tools/sysfs-dump/on-export.sh', [dir, 'udevadm', 'info', '--export-db'], { encoding: 'utf8' });
    expect(real.status).toBe(0);
    const ours = await cli('udevadm', 'info', '--export-db', ...opts);
    expect(ours.out).toBe(real.stdout);
    expect(ours.out).toContain('P: /devices/pci0000:00/0000:00:01.0/0000:0d:00.0');
  });
});

describe.skipIf(!has('umockdev-run'))('real umockdev-run on an export', () => {
  it('sees every exported device with its attributes and properties', async () => {
    const file = join(tmp, 'run.umockdev');
    expect((await cli('export', '--format', 'umockdev', file, ...MACHINE)).status).toBe(0);
    const exported = readFileSync(file, 'latin1').match(/^P: .+$/gm)!;
    const r = spawnSync('umockdev-run', ['-d', file, '--', 'udevadm', 'info', '--export-db'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.match(/^P: .+$/gm)).toEqual(exported);
    expect(r.stdout).toContain('E: PCI_ID=8086:0D93\n');
    const attr = spawnSync('umockdev-run', ['-d', file, '--', 'cat', '/sys/bus/pci/devices/0000:0d:00.0/vendor'], { encoding: 'utf8' });
    expect(attr.stdout).toBe('0x8086\n');
  });
});
