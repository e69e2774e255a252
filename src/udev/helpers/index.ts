/**
 * The helper programs udev rules call, as registered program handlers (udev 252, dmsetup
 * 1.02.185): scsi_id, ata_id, cdrom_id, mtd_probe, v4l_id, fido_id under /usr/lib/udev and
 * `dmsetup udevflags` under /sbin and /usr/sbin.
 *
 * What each reads: the ioctl-based ones (scsi_id: SG_IO INQUIRY; ata_id: ATA IDENTIFY;
 * cdrom_id: CDROM ioctls; mtd_probe: MEMGETINFO; v4l_id: VIDIOC_QUERYCAP) open the device node
 * given on their command line. A described device has a node in /dev but no driver behind it,
 * so open(2) fails with ENXIO (ENOENT without a node) and each helper gives exactly what the
 * real one gives then: scsi_id --export prints its ID_SCSI block with empty fields and exits 0
 * (set_inq_values' positive error is not checked), without --whitelisted it exits 1 silently;
 * ata_id "unable to open" exit 1; cdrom_id exit 1; mtd_probe "Failed to open: …" exit 1;
 * v4l_id exit 3. fido_id reads only sysfs: the `report_descriptor` of the device's parent (from
 * DEVPATH in the environment, which must also carry SUBSYSTEM, ACTION and a SEQNUM — under
 * `udevadm test` there is none and fido_id fails — or its SYSFS_PATH argument), and prints ID_FIDO_TOKEN=1 and
 * ID_SECURITY_TOKEN=1 for a HID usage 0xF1D00001. dmsetup udevflags decodes the cookie's upper
 * 16 bits into DM_UDEV_*_FLAG='1' lines.
 */
import { strerror } from '../../base/index.js';
import { ProgramRegistry, UDEV_LIBEXEC_DIR, type ProgramContext, type ProgramResult } from '../spawn.js';

const result = (exitCode: number, stdout = '', stderr = ''): ProgramResult => ({ exitCode, stdout, stderr });

/** open(2) of a device node without a driver: ENXIO if the node exists, else ENOENT. */
function openErrno(ctx: ProgramContext, node: string): 'ENXIO' | 'ENOENT' {
  if (node.startsWith('/dev/') && ctx.devfs) return ctx.devfs.lstat(node) ? 'ENXIO' : 'ENOENT';
  return ctx.fs.lstat(node) ? 'ENXIO' : 'ENOENT';
}

/** The first operand (not an option, not an option's argument). */
function operand(argv: readonly string[], withArg: readonly string[]): string | undefined {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (withArg.includes(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return a;
  }
  return undefined;
}

/** scsi_id [--export] [--whitelisted|-g] [-d DEVICE | DEVICE] … */
function scsiId(ctx: ProgramContext): ProgramResult {
  const argv = ctx.argv;
  let exportVars = false;
  let whitelisted = false;
  let device: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-x' || a === '--export') exportVars = true;
    else if (a === '-g' || a === '--whitelisted' || a === '--allowlisted') whitelisted = true;
    else if (a === '-d' || a === '--device') device = argv[++i];
    else if (a.startsWith('--device=')) device = a.slice(9);
    else if (a === '-p' || a === '--page' || a === '-f' || a === '--config' || a === '-s' || a === '--sg-version') i++;
    else if (!a.startsWith('-')) device ??= a;
  }
  if (device === undefined) return result(1, '', 'No device specified.\n');
  // No config file: per_dev_options() gives good_dev = --whitelisted.
  if (!whitelisted) return result(1);
  if (exportVars) return result(0, 'ID_SCSI=1\nID_VENDOR=\nID_VENDOR_ENC=\nID_MODEL=\nID_MODEL_ENC=\nID_REVISION=\nID_TYPE=\n');
  // No serial number could be read.
  return result(1);
}

function ataId(ctx: ProgramContext): ProgramResult {
  const node = operand(ctx.argv, []);
  if (node === undefined) return result(1, '', 'no node specified\n');
  return result(1, '', `unable to open '${node}'\n`);
}

function cdromId(ctx: ProgramContext): ProgramResult {
  const node = operand(ctx.argv, []);
  if (node === undefined) return result(1, '', 'No device is specified.\n');
  return result(1);
}

function mtdProbe(ctx: ProgramContext): ProgramResult {
  const node = ctx.argv[1];
  if (ctx.argv.length !== 2 || node === undefined) return result(1, '', 'usage: mtd_probe /dev/mtd[n]\n');
  return result(1, '', `Failed to open: ${strerror(openErrno(ctx, node))}\n`);
}

function v4lId(ctx: ProgramContext): ProgramResult {
  const node = operand(ctx.argv, []);
  if (node === undefined) return result(2, '', 'Usage: v4l_id [--help] <device file>\n');
  return result(3);
}

/** is_fido_security_token_desc(): 1 for a FIDO CTAPHID usage, 0 for none, -1 malformed. */
export function isFidoSecurityTokenDesc(desc: string): number {
  let usage = 0;
  for (let pos = 0; pos < desc.length;) {
    const b = desc.charCodeAt(pos);
    if (b === 0xfe) {
      if (pos + 1 >= desc.length) return -1;
      pos += desc.charCodeAt(pos + 1) + 3;
      continue;
    }
    const tag = b >> 4;
    const type = (b >> 2) & 3;
    const sizeCode = b & 3;
    const size = sizeCode < 3 ? sizeCode : 4;
    pos++;
    if (pos + size > desc.length) return -1;
    let value = 0;
    for (let i = 0; i < size; i++) value = (value | (desc.charCodeAt(pos + i) << (8 * i))) >>> 0;
    pos += size;
    if (type === 1 && tag === 0) {
      if (size > 2) return -1;
      usage = ((value & 0xffff) << 16) >>> 0;
    }
    if (type === 2 && tag === 0) {
      usage = size === 4 ? value : ((usage & 0xffff0000) | (value & 0xffff)) >>> 0;
      if (usage === 0xf1d00001) return 1;
    }
  }
  return 0;
}

function fidoId(ctx: ProgramContext): ProgramResult {
  if (ctx.argv.length > 2) return result(1, '', 'Usage: fido_id [SYSFS_PATH]\n');
  let syspath: string;
  if (ctx.argv.length === 2) syspath = ctx.argv[1]!;
  else {
    // device_new_from_strv() → device_verify(): DEVPATH, SUBSYSTEM, ACTION and a non-zero SEQNUM
    // (udevadm test has no SEQNUM, so fido_id fails there).
    const devpath = ctx.env.get('DEVPATH');
    const seqnum = ctx.env.get('SEQNUM');
    if (
      devpath === undefined ||
      ctx.env.get('SUBSYSTEM') === undefined ||
      ctx.env.get('ACTION') === undefined ||
      seqnum === undefined ||
      !/^[1-9]\d*$/.test(seqnum)
    )
      return result(1, '', 'Failed to get current device from environment: Invalid argument\n');
    syspath = '/sys' + devpath;
  }
  // sd_device_get_parent(): the nearest ancestor directory with a uevent file.
  let parent: string | undefined;
  for (let p = syspath.slice(0, syspath.lastIndexOf('/')); p.length > '/sys/devices'.length; p = p.slice(0, p.lastIndexOf('/'))) {
    if (ctx.fs.lstat(p + '/uevent')) {
      parent = p;
      break;
    }
  }
  if (parent === undefined) return result(1, '', 'Failed to get parent HID device: No such file or directory\n');
  const data = ctx.fs.readFile(parent + '/report_descriptor');
  if (typeof data !== 'string') return result(1, '', `Failed to open report descriptor at '${parent}/report_descriptor': ${strerror(data.errno)}\n`);
  if (data.length === 0) return result(1);
  const r = isFidoSecurityTokenDesc(data.slice(0, 4096));
  if (r < 0) return result(1);
  return result(0, r > 0 ? 'ID_FIDO_TOKEN=1\nID_SECURITY_TOKEN=1\n' : '');
}

/** libdevmapper's udev flags, bit by bit from the cookie's bit 16. */
const DM_FLAGS: readonly string[] = [
  'DM_UDEV_DISABLE_DM_RULES_FLAG',
  'DM_UDEV_DISABLE_SUBSYSTEM_RULES_FLAG',
  'DM_UDEV_DISABLE_DISK_RULES_FLAG',
  'DM_UDEV_DISABLE_OTHER_RULES_FLAG',
  'DM_UDEV_LOW_PRIORITY_FLAG',
  'DM_UDEV_DISABLE_LIBRARY_FALLBACK_FLAG',
  'DM_UDEV_PRIMARY_SOURCE_FLAG',
  '',
  'DM_SUBSYSTEM_UDEV_FLAG0',
  'DM_SUBSYSTEM_UDEV_FLAG1',
  'DM_SUBSYSTEM_UDEV_FLAG2',
  'DM_SUBSYSTEM_UDEV_FLAG3',
  'DM_SUBSYSTEM_UDEV_FLAG4',
  'DM_SUBSYSTEM_UDEV_FLAG5',
  'DM_SUBSYSTEM_UDEV_FLAG6',
  'DM_SUBSYSTEM_UDEV_FLAG7',
];

function dmsetup(ctx: ProgramContext): ProgramResult {
  const args = ctx.argv.slice(1);
  if (args[0] !== 'udevflags') return result(1, '', 'Command failed.\n');
  if (args.length !== 2) return result(1, '', 'Incorrect number of arguments.\n');
  const cookie = args[1]!;
  // strtoul(cookie, &p, 0) with the whole string consumed.
  const m = /^\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(cookie);
  if (!m) return result(1, '', 'Incorrect cookie value.\nCommand failed.\n');
  const v =
    m[1]!.startsWith('0x') || m[1]!.startsWith('0X')
      ? Number.parseInt(m[1]!, 16)
      : m[1]!.length > 1 && m[1]![0] === '0'
        ? Number.parseInt(m[1]!, 8)
        : Number(m[1]);
  if (v > 0xffffffff) return result(1, '', 'Incorrect cookie value.\nCommand failed.\n');
  const flags = Math.floor(v / 0x10000) & 0xffff;
  let out = '';
  DM_FLAGS.forEach((name, bit) => {
    if (name.length > 0 && flags & (1 << bit)) out += `${name}='1'\n`;
  });
  return result(0, out);
}

/** Register the helpers on a registry. */
export function registerHelpers(registry: ProgramRegistry): void {
  registry.register(`${UDEV_LIBEXEC_DIR}/scsi_id`, scsiId);
  registry.register(`${UDEV_LIBEXEC_DIR}/ata_id`, ataId);
  registry.register(`${UDEV_LIBEXEC_DIR}/cdrom_id`, cdromId);
  registry.register(`${UDEV_LIBEXEC_DIR}/mtd_probe`, mtdProbe);
  registry.register(`${UDEV_LIBEXEC_DIR}/v4l_id`, v4lId);
  registry.register(`${UDEV_LIBEXEC_DIR}/fido_id`, fidoId);
  registry.register('/sbin/dmsetup', dmsetup);
  registry.register('/usr/sbin/dmsetup', dmsetup);
}
