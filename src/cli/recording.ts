/**
 * Recordings of a /sys tree in umockdev-record's text format, and the device description format
 * of `udevadm test --device` (docs/device-desc.md), which extends it (D:, G:, Y:):
 *
 *     P: /devices/…            a device (a directory with a `uevent` file), parents first
 *     E: KEY=VALUE             its uevent variables, SUBSYSTEM, and (umockdev) its udev properties
 *     A: name=text             a text attribute, `\n` and `\\` escaped (name may be `power/control`)
 *     H: name=HEX              a binary attribute (bytes outside printable ASCII)
 *     L: name=target           a symbolic link in the device directory (not `subsystem`)
 *     N: name                  its /dev node, relative to /dev
 *     S: link                  a /dev symlink udev made for it, relative to /dev
 *     D: KEY=VALUE / G: tag    (desc) udev database properties and tags
 *
 * Unreadable attributes (write-only, EIO) are left out, as umockdev-record leaves them out.
 * Browser-safe: reads only through SysfsSource/DevFs/UdevDatabase.
 */
import { type SysfsSource, type UdevDatabase, SysfsAccess, UdevDevice } from '../udev/index.js';

export type RecordingFormat = 'umockdev' | 'desc';

const decoder = new TextDecoder('latin1');

function isText(data: Uint8Array): boolean {
  for (const b of data) if ((b < 0x20 && b !== 0x0a && b !== 0x09) || b >= 0x7f) return false;
  return true;
}

const hex = (data: Uint8Array) => Array.from(data, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join('');
const escapeText = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t');

/** Every device directory below `root` (one with a `uevent` file), in path order, parents first. */
export function deviceDirs(sysfs: SysfsSource, root = '/sys/devices', match?: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    const names = [...(sysfs.readdir(dir) ?? [])].sort();
    if (names.includes('uevent') && (match === undefined || dir.slice(4).startsWith(match))) out.push(dir);
    for (const n of names) {
      const p = `${dir}/${n}`;
      if (sysfs.lstat(p)?.type === 'dir') walk(p);
    }
  };
  walk(root);
  return out;
}

interface Entry {
  readonly kind: 'A' | 'H' | 'L';
  readonly name: string;
  readonly value: string;
}

/** Attributes and links of a device directory and its non-device subdirectories. */
function attributes(sysfs: SysfsSource, dir: string): Entry[] {
  const out: Entry[] = [];
  const walk = (d: string, prefix: string) => {
    for (const n of [...(sysfs.readdir(d) ?? [])].sort()) {
      const p = `${d}/${n}`;
      const st = sysfs.lstat(p);
      if (!st) continue;
      const name = `${prefix}${n}`;
      if (st.type === 'link') {
        if (prefix === '' && n === 'subsystem') continue;
        const t = sysfs.readlink(p);
        if (t !== undefined) out.push({ kind: 'L', name, value: t });
      } else if (st.type === 'dir') {
        if (sysfs.lstat(`${p}/uevent`)) continue; // a device of its own
        walk(p, `${name}/`);
      } else {
        if (prefix === '' && n === 'uevent') continue;
        if ((st.mode & 0o444) === 0) continue;
        let data: Uint8Array;
        try {
          data = sysfs.readFile(p);
        } catch {
          continue;
        }
        out.push(isText(data) ? { kind: 'A', name, value: escapeText(decoder.decode(data)) } : { kind: 'H', name, value: hex(data) });
      }
    }
  };
  walk(dir, '');
  return out;
}

const skipProps = new Set(['DEVPATH', 'ACTION', 'SEQNUM', 'DEVLINKS', 'TAGS', 'CURRENT_TAGS', 'USEC_INITIALIZED']);

/** The recording of every device below /sys/devices (or those whose devpath starts with `match`). */
export function recordSysfs(sysfs: SysfsSource, db: UdevDatabase | undefined, format: RecordingFormat, match?: string): string {
  const access = new SysfsAccess(sysfs);
  const blocks: string[] = [];
  for (const dir of deviceDirs(sysfs, '/sys/devices', match)) {
    const dev = UdevDevice.fromSyspath(access, db, dir);
    const uevent: [string, string][] = [];
    try {
      for (const l of decoder.decode(sysfs.readFile(`${dir}/uevent`)).split('\n')) {
        const eq = l.indexOf('=');
        if (eq > 0) uevent.push([l.slice(0, eq), l.slice(eq + 1)]);
      }
    } catch {
      // an unreadable uevent file: the device is recorded with its attributes only
    }
    const subsystem = sysfs.readlink(`${dir}/subsystem`)?.split('/').at(-1);
    // umockdev needs a SUBSYSTEM for every device (umockdev-record never records one without).
    if (subsystem === undefined && format === 'umockdev') continue;
    const env = new Map<string, string>(uevent);
    if (subsystem !== undefined) env.set('SUBSYSTEM', subsystem);
    const dbProps: [string, string][] = [];
    if (typeof dev !== 'string') {
      for (const [k, v] of dev.allProperties()) if (!env.has(k) && !skipProps.has(k)) dbProps.push([k, v]);
    }
    const lines: string[] = [`P: ${dir.slice(4)}`];
    const ordered = [...env].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (format === 'umockdev') {
      const all = [...ordered, ...dbProps].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [k, v] of all) lines.push(`E: ${k}=${v}`);
    } else for (const [k, v] of ordered) lines.push(`E: ${k}=${v}`);
    for (const e of attributes(sysfs, dir)) lines.push(`${e.kind}: ${e.name}=${e.value}`);
    if (typeof dev !== 'string') {
      const node = dev.getDevname();
      if (node !== undefined) lines.push(`N: ${node.replace(/^\/dev\//, '')}`);
      for (const l of [...dev.getDevlinks()].sort()) lines.push(`S: ${l.replace(/^\/dev\//, '')}`);
      if (format === 'desc') {
        for (const [k, v] of dbProps) lines.push(`D: ${k}=${v}`);
        for (const t of [...dev.allTags].sort()) lines.push(`G: ${t}`);
      }
    }
    blocks.push(`${lines.join('\n')}\n`);
  }
  return blocks.join('\n');
}

/** One line per device with a subsystem: name indented by depth, subsystem, driver (the tree a recording round-trips). */
export function sysfsDeviceList(sysfs: SysfsSource, match?: string): string {
  return deviceDirs(sysfs, '/sys/devices', match)
    .filter((dir) => sysfs.lstat(`${dir}/subsystem`) !== undefined)
    .map((dir) => {
      const sub = sysfs.readlink(`${dir}/subsystem`)?.split('/').at(-1) ?? '-';
      const drv = sysfs.readlink(`${dir}/driver`)?.split('/').at(-1);
      const depth = dir.split('/').length - 4;
      return `${'  '.repeat(Math.max(0, depth))}${dir.split('/').at(-1)}  ${sub}${drv ? `  → ${drv}` : ''}\n`;
    })
    .join('');
}
