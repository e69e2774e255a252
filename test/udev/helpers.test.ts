/**
 * The helper programs against the real ones installed on the host (udev 252's scsi_id, ata_id,
 * cdrom_id, mtd_probe, v4l_id, fido_id and dmsetup): the same argv on a device node with no
 * driver behind it (what a described device is) gives the same stdout and exit status; fido_id's
 * report-descriptor parser on FIDO, keyboard and malformed descriptors; dmsetup udevflags on
 * every flag bit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPrograms } from '../../src/udev/index.js';
import { isFidoSecurityTokenDesc } from '../../src/udev/helpers/index.js';
import { runRegistered } from '../../src/udev/spawn.js';
import { SysfsAccess } from '../../src/udev/sources/sysfs-access.js';
import { MemorySysfs } from '../../src/udev/sources/sysfs-memory.js';
import { MemoryDevFs } from '../../src/udev/sources/devfs-memory.js';

const LIBEXEC = '/usr/lib/udev';
const hostHasHelpers = existsSync(`${LIBEXEC}/scsi_id`);
const tmp = mkdtempSync(join(tmpdir(), 'auxbus-helpers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A block node 8:240 (no disk behind it) on the host, at the same path our devfs has. */
const node = join(tmp, 'sdp');
const madeNode = spawnSync('mknod', [node, 'b', '8', '240']).status === 0;

function ours(argv: string[], env: Record<string, string> = {}): { stdout: string; exitCode: number } {
  const sysfs = new MemorySysfs();
  sysfs.putFile(node, '');
  const devfs = new MemoryDevFs();
  const r = runRegistered(defaultPrograms(), new SysfsAccess(sysfs), devfs, argv, new Map(Object.entries(env)), '');
  return { stdout: r.stdout, exitCode: r.exitCode };
}

function real(argv: string[], env: Record<string, string> = {}): { stdout: string; exitCode: number } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'latin1', env });
  return { stdout: r.stdout, exitCode: r.status ?? -1 };
}

const ROWS: string[][] = [
  [`${LIBEXEC}/scsi_id`, '--export', '--whitelisted', '-d', node],
  [`${LIBEXEC}/scsi_id`, '--whitelisted', '--replace-whitespace', node],
  [`${LIBEXEC}/scsi_id`, '--export', node],
  [`${LIBEXEC}/ata_id`, '--export', node],
  [`${LIBEXEC}/cdrom_id`, node],
  [`${LIBEXEC}/cdrom_id`, '--lock-media', node],
  [`${LIBEXEC}/mtd_probe`, node],
  [`${LIBEXEC}/v4l_id`, node],
  [`${LIBEXEC}/fido_id`],
  ['/sbin/dmsetup', 'udevflags', '12345'],
  ['/sbin/dmsetup', 'udevflags', String(0x0040 << 16)],
  ['/sbin/dmsetup', 'udevflags', String(0xff7f * 65536)],
  ['/sbin/dmsetup', 'udevflags', '0x1f0000'],
  ['/sbin/dmsetup', 'udevflags', 'abc'],
  ['/sbin/dmsetup', 'udevflags'],
];

describe.skipIf(!hostHasHelpers || !madeNode)('helpers agree with the real ones on a node without a device', () => {
  // Needs udev's helpers installed and mknod permission (root); CI installs udev and dmsetup.
  for (const argv of ROWS) {
    // dmsetup comes with the dmsetup package (LVM hosts), the others with udev.
    it.skipIf(!existsSync(argv[0]!))(argv.map((a) => a.replace(tmp, '…')).join(' '), () => {
      expect(ours(argv)).toEqual(real(argv));
    });
  }
});

describe('fido_id', () => {
  const hex = (s: string): string => String.fromCharCode(...(s.match(/../g) ?? []).map((b) => Number.parseInt(b, 16)));
  it.each([
    ['FIDO usage page + usage', '06d0f10901a1010920150026ff007508954081020921150026ff00750895409102c0', 1],
    ['32-bit usage', '0b0100d0f1a101c0', 1],
    ['keyboard', '05010906a101050719e029e71500250175019508810295017508810395057501050819012905910295017503910395067508150025650507190029658100c0', 0],
    ['long item skipped', 'fe0200aabb06d0f10901', 1],
    ['truncated item', '06d0', -1],
    ['usage page too wide', '07d0f10000', -1],
  ])('%s', (_name, desc, want) => {
    expect(isFidoSecurityTokenDesc(hex(desc))).toBe(want);
  });

  it('prints the token properties for a SYSFS_PATH argument', () => {
    const sysfs = new MemorySysfs();
    const hid = '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-9/1-9:1.1/0003:1050:0407.0001';
    sysfs.putFile(hid + '/uevent', '');
    sysfs.putFile(
      hid + '/report_descriptor',
      Uint8Array.from(hex('06d0f10901a101c0'), (c) => c.charCodeAt(0)),
    );
    sysfs.putFile(hid + '/hidraw/hidraw1/uevent', '');
    const r = runRegistered(defaultPrograms(), new SysfsAccess(sysfs), undefined, [`${LIBEXEC}/fido_id`, hid + '/hidraw/hidraw1'], new Map(), '');
    expect(r).toEqual({ exitCode: 0, stdout: 'ID_FIDO_TOKEN=1\nID_SECURITY_TOKEN=1\n', stderr: '' });
  });
});
