/**
 * The `blkid` builtin (udev-builtin-blkid.c, 252): `blkid [--offset=N] [--hint=…] [--noraid]`.
 *
 * The probe itself (libblkid reading superblocks and partition tables) is the host's: a
 * BuiltinHost.probeBlock hook returns the probe's NAME=VALUE results for a device (a device
 * description can carry them). Without results the device is treated as absent, which 252
 * ignores: success without properties (what udevadm test gives for a node it cannot open).
 * Results become properties as print_property() maps them: TYPE→ID_FS_TYPE, USAGE, VERSION,
 * UUID (+_ENC), UUID_SUB (+_ENC), LABEL (+_ENC), FS* → ID_FS_*, PTTYPE→ID_PART_TABLE_TYPE,
 * PTUUID, PART_ENTRY_* → ID_PART_ENTRY_* (NAME and TYPE encoded), the ISO9660 ids → ID_FS_*.
 */
import type { UdevDevice } from '../device.js';
import { utf8SequenceLength } from '../bytes.js';
import type { Builtin, BuiltinContext } from './builtin.js';
import { parseLongOptions } from './getopt.js';

/** blkid_safe_string(): whitespace runs become '_', trailing ones are dropped. */
function safeString(s: string): string {
  return s.replace(/[\s]+$/, '').replace(/\s/g, '_');
}

/** blkid_encode_string(): like encode_devnode_name, with ' ' also escaped. */
function encodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length;) {
    const len = utf8SequenceLength(s, i);
    if (len > 1) {
      out += s.slice(i, i + len);
      i += len;
      continue;
    }
    const c = s.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || '#+-.:=@_'.includes(s[i]!);
    out += ok ? s[i] : '\\x' + c.toString(16).padStart(2, '0');
    i++;
  }
  return out;
}

const ISO_IDS = [
  'SYSTEM_ID',
  'PUBLISHER_ID',
  'APPLICATION_ID',
  'BOOT_SYSTEM_ID',
  'VOLUME_ID',
  'LOGICAL_VOLUME_ID',
  'VOLUME_SET_ID',
  'DATA_PREPARER_ID',
];

/** print_property(). */
export function blkidProperty(dev: UdevDevice, name: string, value: string): void {
  const add = (k: string, v: string): void => dev.addProperty(k, v);
  if (name === 'TYPE') add('ID_FS_TYPE', value);
  else if (name === 'USAGE') add('ID_FS_USAGE', value);
  else if (name === 'VERSION') add('ID_FS_VERSION', value);
  else if (name === 'UUID' || name === 'UUID_SUB' || name === 'LABEL') {
    add(`ID_FS_${name}`, safeString(value));
    add(`ID_FS_${name}_ENC`, encodeString(value));
  } else if (name === 'FSSIZE' || name === 'FSLASTBLOCK' || name === 'FSBLOCKSIZE') add(`ID_FS_${name.slice(2)}`, value);
  else if (name === 'PTTYPE') add('ID_PART_TABLE_TYPE', value);
  else if (name === 'PTUUID') add('ID_PART_TABLE_UUID', value);
  else if (name === 'PART_ENTRY_NAME' || name === 'PART_ENTRY_TYPE') add(`ID_${name}`, encodeString(value));
  else if (name.startsWith('PART_ENTRY_')) add(`ID_${name}`, value);
  else if (ISO_IDS.includes(name)) add(`ID_FS_${name}`, encodeString(value));
}

function run(ctx: BuiltinContext): 'EINVAL' | 'ENOENT' | undefined {
  const { dev, host } = ctx;
  const { options } = parseLongOptions(ctx.argv, { o: 'offset', H: 'hint' }, { R: 'noraid' });
  const offset = options.get('o');
  if (offset !== undefined) {
    if (!/^\s*[-+]?\d+$/.test(offset)) {
      host.log('error', `Failed to parse '${offset}' as an integer: Invalid argument`);
      return 'EINVAL';
    }
    if (Number(offset) < 0) {
      host.log('error', `Invalid offset ${Number(offset)}: Invalid argument`);
      return 'EINVAL';
    }
  }
  const devnode = dev.getDevname();
  if (devnode === undefined) {
    host.log('debug', 'Failed to get device name: No such file or directory');
    return 'ENOENT';
  }
  const results = host.probeBlock?.(dev);
  if (!results) {
    host.log('debug', `Failed to open block device ${devnode}, ignoring: No such device or address`);
    return undefined;
  }
  const noraid = options.has('R');
  const rootPartition = dev.getProperty('ID_PART_GPT_AUTO_ROOT_UUID');
  for (const [name, value] of results) {
    if (noraid && name === 'USAGE' && value === 'raid') continue;
    blkidProperty(dev, name, value);
    if (rootPartition !== undefined && name === 'PART_ENTRY_UUID' && value === rootPartition) dev.addProperty('ID_PART_GPT_AUTO_ROOT', '1');
  }
  return undefined;
}

export const blkidBuiltin: Builtin = { name: 'blkid', runOnce: true, run };
