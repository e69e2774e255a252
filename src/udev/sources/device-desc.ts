/**
 * The oracle's device description format (device.desc; shared/tools/udev-oracle/README.md)
 * turned into the environment the oracle builds: a fake /sys (uevent files, subsystem and
 * driver links, /sys/bus|class index links, /sys/dev/char|block links, `dev` attributes,
 * A:/H:/L: entries), /proc/sys (Y:), /dev with the described nodes, and the udev database
 * entries of D:/G:/S: lines. One extension the oracle does not know: `B: NAME=VALUE`, blkid's
 * probe results for the device (TYPE, UUID, LABEL, PTTYPE, PART_ENTRY_*, …), which the `blkid`
 * builtin reports instead of reading a medium.
 */
import { DriverModelError, kerr } from '../../base/index.js';
import { bytesToArray, textToBytes } from '../bytes.js';
import { UdevDatabase } from '../database.js';
import { MemoryDevFs } from './devfs-memory.js';
import { relativePath, simplifyPath } from './sysfs-access.js';
import { MemorySysfs } from './sysfs-memory.js';

/** Subsystems whose `subsystem` link goes to /sys/bus (the oracle's list); others are classes. */
export const busSubsystems: ReadonlySet<string> = new Set([
  'pci',
  'pci_express',
  'usb',
  'usb-serial',
  'platform',
  'auxiliary',
  'scsi',
  'virtio',
  'i2c',
  'spi',
  'hid',
  'serio',
  'acpi',
  'pnp',
  'xen',
  'mdio_bus',
  'gpio',
  'mmc',
  'sdio',
  'cxl',
  'nvmem',
  'mei',
  'thunderbolt',
  'pcmcia',
  'ccw',
  'css',
  'vmbus',
  'amba',
  'cpu',
  'memory',
  'node',
  'workqueue',
  'event_source',
  'clockevents',
  'clocksource',
  'container',
  'machinecheck',
  'edac',
  'nd',
  'dax',
  'soundwire',
  'ishtp',
  'ulpi',
  'hdaudio',
  'ac97',
  'iscsi_flashnode',
  'fsi',
]);

/** What a description turns into. */
export interface DeviceDescEnvironment {
  readonly sysfs: MemorySysfs;
  readonly devfs: MemoryDevFs;
  readonly database: UdevDatabase;
  /** The P: paths in order (the first is the default event device). */
  readonly devpaths: readonly string[];
  /**
   * blkid's probe results of the described block devices (`B: NAME=VALUE` lines, an extension
   * the oracle does not know): what libblkid would read from the medium, in probe order.
   */
  readonly probeBlock: (dev: { readonly devpath: string }) => ReadonlyArray<readonly [string, string]> | undefined;
}

interface DescDevice {
  /** Line of its `P:` line, for errors found while building the environment. */
  readonly line: number;
  readonly path: string;
  readonly env: Array<[string, string]>;
  readonly links: Array<[string, string]>;
  node: string | undefined;
  readonly db: Array<[string, string]>;
  readonly blkid: Array<[string, string]>;
}

const utf8 = new TextEncoder();

/** printf %b: \n \t \\ \a \b \e \f \r \v, \0NNN octal, \xHH; \c stops the output. */
function printfB(s: string): Uint8Array {
  const out: number[] = [];
  const pushText = (t: string): void => {
    // ASCII (nearly every character of a description) is its own byte.
    if (t.length === 1 && t.charCodeAt(0) < 0x80) out.push(t.charCodeAt(0));
    else for (const b of utf8.encode(t)) out.push(b);
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) {
      pushText(c);
      continue;
    }
    const e = s[++i]!;
    const simple: Record<string, number> = { n: 10, t: 9, '\\': 92, a: 7, b: 8, e: 27, f: 12, r: 13, v: 11 };
    if (simple[e] !== undefined) out.push(simple[e]!);
    else if (e === 'c') break;
    else if (e === '0') {
      let v = 0;
      let k = 0;
      while (k < 3 && i + 1 < s.length && s[i + 1]! >= '0' && s[i + 1]! <= '7') {
        v = v * 8 + (s.charCodeAt(++i) - 48);
        k++;
      }
      out.push(v & 0xff);
    } else if (e === 'x') {
      let v = 0;
      let k = 0;
      while (k < 2 && i + 1 < s.length && /[0-9a-fA-F]/.test(s[i + 1]!)) {
        v = v * 16 + Number.parseInt(s[++i]!, 16);
        k++;
      }
      if (k === 0) pushText('\\x');
      else out.push(v);
    } else pushText('\\' + e);
  }
  return Uint8Array.from(out);
}

function hexBytes(s: string, where: string): Uint8Array {
  const hex = s.replace(/\s+/g, '');
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw kerr('EINVAL', `${where}: bad hex value`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Build the oracle's environment from a description. Errors (a line that is not `X: …`, an
 * unknown tag, a block line before any P:) throw DriverModelError('EINVAL') whose message is
 * `<file>:<line>:<col>: <what>`.
 */
export function loadDeviceDesc(text: string, file = 'device.desc'): DeviceDescEnvironment {
  const devices: DescDevice[] = [];
  const attrs: Array<{ dev: DescDevice; name: string; data: Uint8Array; line: number }> = [];
  const sysctl: Array<[string, string, number]> = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (/^\s*(#|$)/.test(line)) continue;
    const m = /^([A-Z]):\s?(.*)$/.exec(line);
    const where = `${file}:${n + 1}:1`;
    if (!m) throw kerr('EINVAL', `${where}: cannot parse description line: ${line}`);
    const tag = m[1]!;
    const payload = m[2]!;
    if (tag === 'P') {
      const path = textToBytes(payload);
      devices.push({ line: n + 1, path: path.startsWith('/') ? path : '/' + path, env: [], links: [], node: undefined, db: [], blkid: [] });
      continue;
    }
    if (tag === 'Y') {
      const b = textToBytes(payload);
      const e = b.indexOf('=');
      sysctl.push(e < 0 ? [b, '', n + 1] : [b.slice(0, e), b.slice(e + 1), n + 1]);
      continue;
    }
    if (!'EAHLNSDGB'.includes(tag)) throw kerr('EINVAL', `${where}: unknown description tag '${tag}:'`);
    const cur = devices[devices.length - 1];
    if (!cur) throw kerr('EINVAL', `${where}: '${tag}:' line before any 'P:' line`);
    const eq = payload.indexOf('=');
    const key = textToBytes(eq < 0 ? payload : payload.slice(0, eq));
    const rawVal = eq < 0 ? '' : payload.slice(eq + 1);
    const val = textToBytes(rawVal);
    switch (tag) {
      case 'E':
        cur.env.push([key, val]);
        break;
      case 'L':
        cur.links.push([key, val]);
        break;
      case 'N':
        cur.node = key;
        break;
      case 'S':
      case 'D':
      case 'G':
        cur.db.push([tag, textToBytes(payload)]);
        break;
      case 'A':
        attrs.push({ dev: cur, name: key, data: printfB(rawVal), line: n + 1 });
        break;
      case 'H':
        attrs.push({ dev: cur, name: key, data: hexBytes(rawVal, where), line: n + 1 });
        break;
      case 'B':
        cur.blkid.push([key, val]);
        break;
    }
  }
  if (devices.length === 0) throw kerr('EINVAL', `${file}:1:1: description has no P: line`);

  // Errors of the environment (a link where a directory must go, …) are positioned at the line
  // that asked for the path.
  let at = 1;
  try {
    const sysfs = new MemorySysfs();
    const devfs = new MemoryDevFs();
    const database = new UdevDatabase();
    sysfs.mkdir('/sys/devices');
    sysfs.mkdir('/proc/sys');
    // The oracle's /dev always has these.
    for (const [name, minor] of [
      ['null', 3],
      ['zero', 5],
      ['random', 8],
      ['urandom', 9],
    ] as const)
      devfs.mknod(`/dev/${name}`, { type: 'char', major: 1, minor, mode: 0o666, uid: 0, gid: 0 });
    devfs.symlink('/proc/self/fd', '/dev/fd');
    devfs.symlink('/proc/self/fd/0', '/dev/stdin');
    devfs.symlink('/proc/self/fd/1', '/dev/stdout');
    devfs.symlink('/proc/self/fd/2', '/dev/stderr');

    for (const d of devices) {
      at = d.line;
      const dir = simplifyPath('/sys' + d.path);
      const kname = dir.slice(dir.lastIndexOf('/') + 1);
      sysfs.mkdir(dir);
      let subsys = '';
      let driver = '';
      let major = '';
      let minor = '';
      let devname = '';
      let ifindex = '';
      let devmode = '';
      let uevent = '';
      for (const [k, v] of d.env) {
        if (k === 'SUBSYSTEM') {
          subsys = v;
          continue;
        }
        if (['DEVPATH', 'ACTION', 'SEQNUM', 'DEVLINKS', 'TAGS', 'CURRENT_TAGS', 'USEC_INITIALIZED'].includes(k)) continue;
        if (k === 'DRIVER') driver = v;
        else if (k === 'MAJOR') major = v;
        else if (k === 'MINOR') minor = v;
        else if (k === 'DEVNAME') devname = v.startsWith('/dev/') ? v.slice(5) : v;
        else if (k === 'IFINDEX') ifindex = v;
        else if (k === 'DEVMODE') devmode = v;
        uevent += `${k}=${v}\n`;
      }
      if (d.node !== undefined && devname === '') {
        devname = d.node;
        uevent += `DEVNAME=${devname}\n`;
      }
      sysfs.putFile(dir + '/uevent', bytesToArray(uevent));
      let hasSubLink = false;
      let hasDrvLink = false;
      for (const [k, v] of d.links) {
        sysfs.putSymlink(`${dir}/${k}`, v);
        if (k === 'subsystem') hasSubLink = true;
        if (k === 'driver') hasDrvLink = true;
      }
      if (subsys) {
        let subdir: string;
        if (busSubsystems.has(subsys)) {
          subdir = `/sys/bus/${subsys}`;
          sysfs.mkdir(`${subdir}/devices`);
          sysfs.mkdir(`${subdir}/drivers`);
          sysfs.putSymlink(`${subdir}/devices/${kname}`, relativePath(`${subdir}/devices`, dir));
        } else {
          subdir = `/sys/class/${subsys}`;
          sysfs.mkdir(subdir);
          sysfs.putSymlink(`${subdir}/${kname}`, relativePath(subdir, dir));
        }
        if (!hasSubLink) sysfs.putSymlink(`${dir}/subsystem`, relativePath(dir, subdir));
      }
      if (driver && !hasDrvLink) {
        const drvdir = `/sys/bus/${subsys || 'unknown'}/drivers/${driver}`;
        sysfs.mkdir(drvdir);
        sysfs.putSymlink(`${dir}/driver`, relativePath(dir, drvdir));
      }
      if (major && minor) {
        const kind = subsys === 'block' ? 'block' : 'char';
        sysfs.mkdir(`/sys/dev/${kind}`);
        sysfs.putSymlink(`/sys/dev/${kind}/${major}:${minor}`, relativePath(`/sys/dev/${kind}`, dir));
        if (!sysfs.exists(`${dir}/dev`)) sysfs.putFile(`${dir}/dev`, bytesToArray(`${major}:${minor}\n`));
        if (devname) {
          const mode = devmode ? Number.parseInt(devmode, 8) : 0o600;
          devfs.mknod(`/dev/${devname}`, {
            type: kind === 'block' ? 'block' : 'char',
            major: Number(major),
            minor: Number(minor),
            mode: Number.isNaN(mode) ? 0o600 : mode & 0o7777,
            uid: 0,
            gid: 0,
          });
        }
      }
      if (d.db.length > 0) {
        let id = '';
        if (major && minor) id = `${subsys === 'block' ? 'b' : 'c'}${major}:${minor}`;
        else if (ifindex) id = `n${ifindex}`;
        else if (subsys) id = `+${subsys}:${kname}`;
        if (id) {
          const entry = { devlinks: [] as string[], properties: [] as Array<[string, string]>, tags: [] as string[] };
          for (const [tag, payload] of d.db) {
            if (tag === 'S') entry.devlinks.push(payload);
            else if (tag === 'G') entry.tags.push(payload);
            else {
              const eq = payload.indexOf('=');
              if (eq > 0) entry.properties.push([payload.slice(0, eq), payload.slice(eq + 1)]);
            }
          }
          database.set(id, {
            devlinks: entry.devlinks,
            priority: 0,
            usec: undefined,
            properties: entry.properties,
            tags: entry.tags,
            currentTags: entry.tags,
            version: 1,
            persist: false,
          });
        }
      }
    }
    for (const a of attrs) {
      at = a.line;
      sysfs.putFile(`/sys${a.dev.path}/${a.name}`.replace(/\/+/g, '/'), a.data);
    }
    for (const [k, v, line] of sysctl) {
      at = line;
      sysfs.putFile(`/proc/sys/${k.replaceAll('.', '/')}`, bytesToArray(v + '\n'));
    }
    const probes = new Map(devices.filter((d) => d.blkid.length > 0).map((d) => [d.path, d.blkid] as const));
    return { sysfs, devfs, database, devpaths: devices.map((d) => d.path), probeBlock: (dev) => probes.get(dev.devpath) };
  } catch (e) {
    if (DriverModelError.is(e)) throw kerr(e.errno, `${file}:${at}:1: ${e.message}`);
    throw e;
  }
}
