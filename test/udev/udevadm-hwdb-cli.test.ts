/**
 * `auxbus udevadm hwdb` and the `--hwdb PATH` option of `udevadm test`: --update writes a
 * database the real `systemd-hwdb query` reads (when the host has it), --test queries a .hwdb
 * file, a directory or a hwdb.bin, and a rules file importing hwdb sees the database given.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/verbs.js';
import { HwdbBin } from '../../src/udev/index.js';

const dir = mkdtempSync(join(tmpdir(), 'auxbus-hwdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'usr/lib/udev/hwdb.d'), { recursive: true });
mkdirSync(join(dir, 'etc/udev/hwdb.d'), { recursive: true });
writeFileSync(
  join(dir, 'usr/lib/udev/hwdb.d/20-test.hwdb'),
  'usb:v1234p*\n ID_VENDOR_FROM_DATABASE=Test Vendor\n\nusb:v1234p0001*\n ID_MODEL_FROM_DATABASE=Widget\n',
);
// /etc overrides a file of the same name in /usr/lib.
writeFileSync(
  join(dir, 'etc/udev/hwdb.d/30-local.hwdb'),
  'usb:v1234p0001*\n ID_MODEL_FROM_DATABASE=Local Widget\n\nbroken-record-without-properties\n',
);

async function cli(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const io = captureIo(dir);
  const status = await runCli(argv, io);
  return { status, out: io.out, err: io.err };
}

describe('auxbus udevadm hwdb', () => {
  it('requires --update or --test', async () => {
    expect((await cli(['udevadm', 'hwdb'])).status).toBe(2);
  });

  it('--update compiles <root>/etc and /usr/lib hwdb.d into etc/udev/hwdb.bin, warning like hwdb-util', async () => {
    const r = await cli(['udevadm', 'hwdb', '--update', '--root', '.']);
    expect(r.status).toBe(0);
    expect(r.err).toBe('/etc/udev/hwdb.d/30-local.hwdb:4: Property expected, ignoring record with no properties.\n');
    const bin = HwdbBin.open(new Uint8Array(readFileSync(join(dir, 'etc/udev/hwdb.bin'))));
    expect(typeof bin).not.toBe('string');
    expect([...(bin as HwdbBin).lookup('usb:v1234p0001d0100')]).toEqual([
      ['ID_VENDOR_FROM_DATABASE', 'Test Vendor'],
      ['ID_MODEL_FROM_DATABASE', 'Local Widget'],
    ]);
    expect((await cli(['udevadm', 'hwdb', '--update', '--root', '.', '--strict'])).status).toBe(1);
  });

  it.skipIf(!existsSync('/usr/bin/systemd-hwdb'))('writes a file the real systemd-hwdb queries the same way', async () => {
    await cli(['udevadm', 'hwdb', '--update', '--root', '.']);
    const real = spawnSync('/usr/bin/systemd-hwdb', ['query', '--root', dir, 'usb:v1234p0001d0100'], { encoding: 'utf8' });
    const ours = await cli(['udevadm', 'hwdb', '--test', 'usb:v1234p0001d0100', '--root', '.']);
    expect(ours.out).toBe(real.stdout);
  });

  it('--test with --hwdb reads a .hwdb file or a directory', async () => {
    const file = await cli(['udevadm', 'hwdb', '--test', 'usb:v1234p0002', '--hwdb', 'usr/lib/udev/hwdb.d/20-test.hwdb']);
    expect(file).toEqual({ status: 0, out: 'ID_VENDOR_FROM_DATABASE=Test Vendor\n', err: '' });
    const missing = await cli(['udevadm', 'hwdb', '--test', 'x', '--hwdb', 'nope.bin']);
    expect(missing.status).toBe(2);
  });
});

describe('udevadm test --hwdb', () => {
  it('gives IMPORT{builtin}="hwdb" the database', async () => {
    writeFileSync(join(dir, '60-hw.rules'), 'SUBSYSTEM=="usb", IMPORT{builtin}="hwdb \'usb:v$attr{idVendor}p$attr{idProduct}\'", ENV{HWDB_OK}="1"\n');
    writeFileSync(
      join(dir, 'usb.desc'),
      'P: /devices/pci0000:00/0000:00:14.0/usb1/1-1\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nA: idVendor=1234\\n\nA: idProduct=0001\\n\n\nP: /devices/pci0000:00/0000:00:14.0\nE: SUBSYSTEM=pci\n',
    );
    const without = await cli(['udevadm', 'test', '--rules', '60-hw.rules', '--device', 'usb.desc', '--json']);
    expect(without.out).not.toContain('HWDB_OK');
    const withDb = await cli(['udevadm', 'test', '--rules', '60-hw.rules', '--device', 'usb.desc', '--json', '--hwdb', 'usr/lib/udev/hwdb.d']);
    expect(withDb.out).toContain('"key":"ID_MODEL_FROM_DATABASE","value":"Widget"');
    expect(withDb.out).toContain('"key":"HWDB_OK","value":"1"');
  });
});
