/**
 * `udevadm info` (udevadm-info.c, 252) as library calls: finding a device from a /sys path, a
 * /dev node or link, or a `.device` unit name; `-q name|symlink|path|property|all`; the record
 * format of `-q all` and `--export-db` (P:, M:, R:, U:, T:, D:, I:, N:, L:, S:, V:, E:); and
 * `-a`, the attribute walk up the parent chain in udev rules key format.
 */
import type { UdevDatabase } from '../database.js';
import { bytesToText, textToBytes } from '../bytes.js';
import { enumerateDevices } from '../device-enumerator.js';
import { UdevDevice } from '../device.js';
import { strerrorName } from '../diagnostics.js';
import { SysfsAccess, type FsError } from '../sources/sysfs-access.js';
import type { DevFs, SysfsSource } from '../sources/sysfs-source.js';

/** What the udevadm verbs read: /sys, /dev and the udev database. */
export interface UdevadmHost {
  readonly sysfs: SysfsSource;
  readonly devfs: DevFs;
  readonly db: UdevDatabase;
}

/** A verb's outcome: what it printed and its exit status (0 ok, 1 failed, 2 bad arguments). */
export interface UdevadmResult {
  readonly out: string;
  readonly err: string;
  readonly status: 0 | 1 | 2;
}

export const infoQueries = ['name', 'symlink', 'path', 'property', 'all'] as const;
export type InfoQuery = (typeof infoQueries)[number];

/** `-q TYPE`: `env` is an alias of `property`. */
export function parseInfoQuery(s: string): InfoQuery | undefined {
  if (s === 'env') return 'property';
  return (infoQueries as readonly string[]).includes(s) ? (s as InfoQuery) : undefined;
}

/** `-p PATH` / `-n NAME`: prefix /sys/ or /dev/ unless already there (path_join). */
export function infoDeviceArg(kind: 'path' | 'name', arg: string): string {
  const prefix = kind === 'name' ? '/dev/' : '/sys/';
  if (arg.startsWith(prefix) || arg === prefix.slice(0, -1)) return arg;
  return (prefix + arg).replace(/\/{2,}/g, '/');
}

/** Optional highlighting of record fields (udevadm's colours): identity by default. */
export interface RecordStyle {
  readonly name: (s: string) => string;
  readonly category: (s: string) => string;
  readonly node: (s: string) => string;
  readonly driver: (s: string) => string;
}
const plain = (s: string): string => s;
export const plainRecordStyle: RecordStyle = { name: plain, category: plain, node: plain, driver: plain };

/** Maximum symlinks followed resolving a /dev path. */
const MAX_LINKS = 40;

function devfsResolve(devfs: DevFs, path: string): { major: number; minor: number; type: 'char' | 'block' } | FsError {
  let p = path;
  for (let i = 0; i <= MAX_LINKS; i++) {
    const e = devfs.lstat(p);
    if (!e) return 'ENOENT';
    if (e.type === 'link') {
      const dir = p.slice(0, p.lastIndexOf('/'));
      const target = e.target.startsWith('/') ? e.target : `${dir}/${e.target}`;
      const parts: string[] = [];
      for (const c of target.split('/')) {
        if (c === '' || c === '.') continue;
        if (c === '..') parts.pop();
        else parts.push(c);
      }
      p = '/' + parts.join('/');
      continue;
    }
    if (e.type === 'dir') return 'ENOTTY';
    return { major: e.major, minor: e.minor, type: e.type };
  }
  return 'ELOOP';
}

/** unit_name_to_path() for `.device` units: `sys-devices-pci0000:00.device` → `/sys/devices/pci0000:00`. */
function deviceUnitPath(name: string): string | undefined {
  if (!name.endsWith('.device') || name.length <= 7 || name.includes('/')) return undefined;
  const body = name.slice(0, -7);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '-') out += '/';
    else if (c === '\\' && body[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 2, i + 4))) {
      out += String.fromCharCode(Number.parseInt(body.slice(i + 2, i + 4), 16));
      i += 3;
    } else out += c;
  }
  return '/' + out;
}

/**
 * device_new_from_mode_and_devnum(): the device of /sys/dev/{char,block}/MAJ:MIN, which must
 * report that number (its uevent file is read here, before its subsystem is looked at: the
 * order its properties are printed in depends on it) and be a block device exactly if `type` is.
 */
function deviceFromDevnum(host: UdevadmHost, fs: SysfsAccess, type: 'char' | 'block', major: number, minor: number): UdevDevice | FsError {
  if (major === 0) return 'ENODEV';
  const dev = UdevDevice.fromSyspath(fs, host.db, `/sys/dev/${type}/${major}:${minor}`);
  if (typeof dev === 'string') return dev;
  const n = dev.getDevnum();
  if (!n || n.major !== major || n.minor !== minor) return 'ENXIO';
  if ((dev.subsystem === 'block') !== (type === 'block')) return 'ENXIO';
  return dev;
}

/** sd_device_new_from_path(): /sys → syspath, /dev → the node's device via /sys/dev/{char,block}. */
function deviceFromPath(host: UdevadmHost, fs: SysfsAccess, path: string): UdevDevice | FsError {
  if (path === '/sys' || path.startsWith('/sys/')) return UdevDevice.fromSyspath(fs, host.db, textToBytes(path));
  if (!(path === '/dev' || path.startsWith('/dev/'))) return 'EINVAL';
  const node = devfsResolve(host.devfs, path);
  if (typeof node === 'string') return node;
  return deviceFromDevnum(host, fs, node.type, node.major, node.minor);
}

/**
 * find_device(): the device an argument names. EINVAL for something that is neither a path nor a
 * device unit name, ENODEV for a path that names no device.
 */
export function findDevice(host: UdevadmHost, id: string, prefix?: string): UdevDevice | FsError {
  const fs = new SysfsAccess(host.sysfs);
  const direct = deviceFromPath(host, fs, id);
  if (typeof direct !== 'string') return direct;
  if (prefix !== undefined && !id.startsWith(prefix)) {
    const joined = deviceFromPath(host, fs, `${prefix}/${id}`.replace(/\/{2,}/g, '/'));
    if (typeof joined !== 'string') return joined;
  }
  if (id.includes('/')) return 'ENODEV';
  const unit = deviceUnitPath(id);
  if (unit === undefined) return 'EINVAL';
  const dev = deviceFromPath(host, fs, unit);
  return typeof dev === 'string' ? 'ENODEV' : dev;
}

/** The devlinks of a device, from its database entry. */
function devlinksOf(dev: UdevDevice): string[] {
  return [...dev.getDevlinks()].map(bytesToText);
}

/** print_record(): one device as `-q all` and `--export-db` print it (`prefix` before each line). */
export function formatRecord(dev: UdevDevice, prefix = '', style: RecordStyle = plainRecordStyle): string {
  const t = bytesToText;
  let out = `${prefix}P: ${style.name(t(dev.devpath))}\n`;
  out += `${prefix}M: ${style.name(t(dev.sysname))}\n`;
  if (dev.sysnum !== undefined) out += `${prefix}R: ${style.name(t(dev.sysnum))}\n`;
  const subsystem = dev.subsystem;
  if (subsystem !== undefined) out += `${prefix}U: ${style.category(t(subsystem))}\n`;
  const devtype = dev.getDevtype();
  if (devtype !== undefined) out += `${prefix}T: ${style.category(t(devtype))}\n`;
  const devnum = dev.getDevnum();
  if (devnum) out += `${prefix}D: ${style.node(`${subsystem === 'block' ? 'b' : 'c'} ${devnum.major}:${devnum.minor}`)}\n`;
  const ifindex = dev.getIfindex();
  if (ifindex !== undefined) out += `${prefix}I: ${style.node(String(ifindex))}\n`;
  const devname = dev.getDevname();
  if (devname !== undefined) {
    out += `${prefix}N: ${style.node(t(devname).replace(/^\/dev\//, ''))}\n`;
    dev.readDb(false);
    out += `${prefix}L: ${style.node(String(dev.devlinkPriority))}\n`;
    for (const l of devlinksOf(dev)) out += `${prefix}S: ${style.node(l.replace(/^\/dev\//, ''))}\n`;
  }
  const driver = dev.driver;
  if (driver !== undefined) out += `${prefix}V: ${style.driver(t(driver))}\n`;
  for (const [k, v] of dev.allProperties()) out += `${prefix}E: ${t(k)}=${t(v)}\n`;
  if (prefix === '') out += '\n';
  return out;
}

export interface InfoQueryOptions {
  /** -r: keep /dev/ on node and link names. */
  readonly root?: boolean;
  /** --property=NAME,…: only these properties. */
  readonly properties?: readonly string[];
  /** --value: only the values. */
  readonly value?: boolean;
  /** -x: KEY='VALUE'. */
  readonly export?: boolean;
  /** -P PREFIX: with -x, prefix every key. */
  readonly exportPrefix?: string;
  readonly style?: RecordStyle;
}

/** query_device(): the output of `-q` for one device, or an error message. */
export function queryDevice(dev: UdevDevice, query: InfoQuery, o: InfoQueryOptions = {}): { out: string } | { error: string } {
  const t = bytesToText;
  const strip = (p: string) => (o.root ? p : p.replace(/^\/dev\//, ''));
  switch (query) {
    case 'name': {
      const node = dev.getDevname();
      if (node === undefined) return { error: `No device node found: ${strerrorName('ENOENT')}` };
      return { out: `${strip(t(node))}\n` };
    }
    case 'symlink':
      return { out: `${devlinksOf(dev).map(strip).join(' ')}\n` };
    case 'path':
      return { out: `${t(dev.devpath)}\n` };
    case 'property': {
      let out = '';
      for (const [kb, vb] of dev.allProperties()) {
        const k = t(kb);
        const v = t(vb);
        if (o.properties && !o.properties.includes(k)) continue;
        if (o.export) out += `${o.exportPrefix ?? ''}${k}='${v}'\n`;
        else if (o.value) out += `${v}\n`;
        else out += `${k}=${v}\n`;
      }
      return { out };
    }
    case 'all':
      return { out: formatRecord(dev, '', o.style) };
    default: {
      const never: never = query;
      return { error: `unknown query type ${String(never)}` };
    }
  }
}

/** Attributes udevadm info -a never lists (shown otherwise, or not meaningful). */
const SKIPPED_ATTRIBUTES: ReadonlySet<string> = new Set(['uevent', 'dev', 'modalias', 'resource', 'driver', 'subsystem', 'module']);

/**
 * device_sysattrs_read_all(): files and links readable or writable by the owner in the device
 * directory and in its subdirectories that are not child devices (no `uevent` inside).
 */
function sysattrNames(fs: SysfsAccess, syspath: string): string[] {
  const names: string[] = [];
  const stack: (string | undefined)[] = [undefined];
  while (stack.length > 0) {
    const sub = stack.shift();
    const dir = sub === undefined ? syspath : `${syspath}/${sub}`;
    if (sub !== undefined && fs.lstat(`${dir}/uevent`) !== undefined) continue;
    for (const name of fs.readdir(dir) ?? []) {
      const rel = sub === undefined ? name : `${sub}/${name}`;
      const st = fs.lstat(`${dir}/${name}`);
      if (!st) continue;
      if (st.type === 'dir') {
        stack.push(rel);
        continue;
      }
      if ((st.mode & 0o600) === 0) continue;
      names.push(rel);
    }
  }
  return names;
}

/** sd_device_get_sysattr_value() with its errors: the value, 'denied' (EPERM/EACCES) or 'skip'. */
function sysattrForWalk(fs: SysfsAccess, syspath: string, name: string): string | 'denied' | 'skip' {
  const path = `${syspath}/${name}`;
  const st = fs.lstat(path);
  if (!st) return 'skip';
  if (st.type === 'link') return 'skip';
  if (st.type === 'dir') return 'skip';
  if ((st.mode & 0o400) === 0) return 'denied';
  const data = fs.readFile(path);
  if (typeof data !== 'string') return data.errno === 'EACCES' || data.errno === 'EPERM' ? 'denied' : 'skip';
  let end = data.length;
  while (end > 0 && (data[end - 1] === '\n' || data[end - 1] === '\r')) end--;
  const nul = data.indexOf('\0');
  return data.slice(0, nul >= 0 && nul < end ? nul : end);
}

function isPrintable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** print_all_attributes(): one device of the walk. */
function formatAttributes(fs: SysfsAccess, dev: UdevDevice, parent: boolean): string {
  const t = bytesToText;
  let out = `  looking at ${parent ? 'parent ' : ''}device '${t(dev.devpath)}':\n`;
  out += `    ${parent ? 'KERNELS' : 'KERNEL'}=="${t(dev.sysname)}"\n`;
  out += `    ${parent ? 'SUBSYSTEMS' : 'SUBSYSTEM'}=="${t(dev.subsystem ?? '')}"\n`;
  out += `    ${parent ? 'DRIVERS' : 'DRIVER'}=="${t(dev.driver ?? '')}"\n`;
  const attrs: [string, string][] = [];
  for (const name of sysattrNames(fs, dev.syspath)) {
    if (SKIPPED_ATTRIBUTES.has(name)) continue;
    const v = sysattrForWalk(fs, dev.syspath, name);
    if (v === 'skip') continue;
    if (v === 'denied') attrs.push([name, '(not readable)']);
    else if (!v.startsWith('/') && isPrintable(v)) attrs.push([name, v]);
  }
  attrs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [name, value] of attrs) out += `    ${parent ? 'ATTRS' : 'ATTR'}{${t(name)}}=="${t(value)}"\n`;
  return `${out}\n`;
}

/** print_device_chain(): `udevadm info -a` for one device. */
export function attributeWalk(host: UdevadmHost, dev: UdevDevice): string {
  const fs = new SysfsAccess(host.sysfs);
  let out =
    '\n' +
    'Udevadm info starts with the device specified by the devpath and then\n' +
    'walks up the chain of parent devices. It prints for every device\n' +
    'found, all possible attributes in the udev rules key format.\n' +
    'A rule to match, can be composed by the attributes of the device\n' +
    'and the attributes from one single parent device.\n' +
    '\n';
  out += formatAttributes(fs, dev, false);
  for (let p = dev.parent; p; p = p.parent) out += formatAttributes(fs, p, true);
  return out;
}

/** export_devices(): `--export-db`, every device's record in enumeration order. */
export function exportDb(host: UdevadmHost, style: RecordStyle = plainRecordStyle): string {
  const fs = new SysfsAccess(host.sysfs);
  return enumerateDevices(fs, host.db)
    .map((d) => formatRecord(d, '', style))
    .join('');
}

export interface UdevadmInfoOptions extends InfoQueryOptions {
  /** Device arguments (positional, and -p/-n already passed through `infoDeviceArg`), in order. */
  readonly devices: readonly string[];
  /** -q TYPE (default all). */
  readonly query?: InfoQuery;
  /** -a. */
  readonly attributeWalk?: boolean;
  /** -e. */
  readonly exportDb?: boolean;
}

/** info_main(): the whole verb. */
export function udevadmInfo(host: UdevadmHost, o: UdevadmInfoOptions): UdevadmResult {
  if (o.exportDb) return { out: exportDb(host, o.style), err: '', status: 0 };
  if (o.devices.length === 0) return { out: '', err: 'A device name or path is required\n', status: 2 };
  if (o.attributeWalk && o.devices.length > 1)
    return { out: '', err: 'Only one device may be specified with -a/--attribute-walk and -t/--tree\n', status: 2 };
  if (o.export && o.value) return { out: '', err: '-x/--export or -P/--export-prefix cannot be used with --value\n', status: 2 };
  let out = '';
  let err = '';
  let status: 0 | 1 = 0;
  for (const id of o.devices) {
    const dev = findDevice(host, id);
    if (typeof dev === 'string') {
      err +=
        dev === 'EINVAL'
          ? `Bad argument "${id}", expected an absolute path in /dev/ or /sys/ or a unit name: ${strerrorName(dev)}\n`
          : `Unknown device "${id}": ${strerrorName(dev)}\n`;
      status = 1;
      continue;
    }
    if (o.attributeWalk) {
      out += attributeWalk(host, dev);
      continue;
    }
    const r = queryDevice(dev, o.query ?? 'all', o);
    if ('error' in r) return { out, err: `${err}${r.error}\n`, status: 1 };
    out += r.out;
  }
  return { out, err, status };
}
