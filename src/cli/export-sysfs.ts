/**
 * Write a machine's /sys, udev database and /dev as real files, so real tools read the same
 * input our engine reads (`auxbus export --format sysfs DIR`; tools/sysfs-dump records the
 * udevadm fixtures with it):
 *
 * - `dumpSysfs`: the tree as root sees it through the machine's SysfsSource (the view udevd and
 *   our udevadm use): directories and files with the model's modes and the bytes root reads,
 *   symlinks with their relative targets as stored. A file root may not read (EACCES/EPERM:
 *   write-only attributes) is written empty without read bits, which gives a reader the same
 *   EPERM; a file whose read fails otherwise (EIO from an mmap-only PCI `resourceN`) is left
 *   out: a regular file on tmpfs cannot fail a read.
 * - `dumpUdevDb`: /run/udev/data/<id> files in the format device_update_db() writes (S:, L:,
 *   I:, E:, G:, Q:, V:), one per database entry, and the tag index /run/udev/tags/<tag>/<id>.
 * - `devList`: /dev (devtmpfs nodes with their owner and mode after udev, udev's symlinks) as
 *   lines a script turns into mknod/chown/ln -s: `node c|b MODE UID GID MAJ MIN PATH` and
 *   `link TARGET PATH`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DbEntry, DevFs, SysfsSource, UdevDatabase } from '../udev/index.js';

/** A file that root could not read, with the errno: written empty (EACCES/EPERM) or left out. */
export interface UnreadableFile {
  readonly path: string;
  readonly errno: string;
}

const isPrivilegeError = (errno: string): boolean => errno === 'EACCES' || errno === 'EPERM';

function errnoOf(e: unknown): string {
  const errno = (e as { errno?: unknown }).errno;
  return typeof errno === 'string' ? errno : 'EIO';
}

/** Write `source`'s tree below `root` (a path such as /sys) into `outDir`. */
export function dumpSysfs(source: SysfsSource, outDir: string, root = '/sys'): UnreadableFile[] {
  const unreadable: UnreadableFile[] = [];
  const dirModes: [string, number][] = [];
  const walk = (virt: string, disk: string): void => {
    const st = source.lstat(virt);
    if (!st) throw new Error(`${virt}: vanished while dumping`);
    if (st.type === 'link') {
      const target = source.readlink(virt);
      if (target === undefined) throw new Error(`${virt}: unreadable link`);
      fs.symlinkSync(target, disk);
      return;
    }
    if (st.type === 'dir') {
      fs.mkdirSync(disk, { mode: 0o755 });
      const names = [...(source.readdir(virt) ?? [])].sort();
      for (const n of names) walk(`${virt}/${n}`, path.join(disk, n));
      dirModes.push([disk, st.mode]);
      return;
    }
    let data: Uint8Array;
    let mode = st.mode;
    try {
      data = source.readFile(virt);
    } catch (e) {
      const errno = errnoOf(e);
      unreadable.push({ path: virt, errno });
      if (!isPrivilegeError(errno)) return;
      data = new Uint8Array(0);
      mode &= ~0o444;
    }
    fs.writeFileSync(disk, data);
    fs.chmodSync(disk, mode);
  };
  walk(root, outDir);
  // Directory modes last, so a read-only directory can still be filled.
  for (const [disk, mode] of dirModes.reverse()) fs.chmodSync(disk, mode);
  return unreadable;
}

/** One /run/udev/data file (device_update_db()). */
export function formatDbEntry(e: DbEntry): string {
  let out = '';
  for (const l of e.devlinks) out += `S:${l}\n`;
  if (e.priority !== 0) out += `L:${e.priority}\n`;
  if (e.usec !== undefined) out += `I:${e.usec}\n`;
  for (const [k, v] of e.properties) out += `E:${k}=${v}\n`;
  for (const t of e.tags) out += `G:${t}\n`;
  for (const t of e.currentTags) out += `Q:${t}\n`;
  out += `V:${e.version}\n`;
  return out;
}

/**
 * Every database entry as `runUdev/data/<id>` (sticky bit for db_persist, as udevd sets it), and
 * for each of its tags `runUdev/tags/<tag>/<id>`.
 */
export function dumpUdevDb(db: UdevDatabase, runUdev: string): void {
  const dataDir = path.join(runUdev, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  fs.mkdirSync(path.join(runUdev, 'tags'), { recursive: true });
  for (const [id, e] of db.entries()) {
    const file = path.join(dataDir, id);
    fs.writeFileSync(file, formatDbEntry(e));
    fs.chmodSync(file, e.persist ? 0o1644 : 0o644);
    for (const tag of e.tags) {
      fs.mkdirSync(path.join(runUdev, 'tags', tag), { recursive: true });
      fs.writeFileSync(path.join(runUdev, 'tags', tag, id), '');
    }
  }
}

/** /dev as `node …` and `link …` lines, sorted by path (see the header). */
export function devList(devfs: DevFs): string {
  const lines: [string, string][] = [];
  for (const [p, e] of devfs.list()) {
    if (/\s/.test(p)) throw new Error(`${p}: white space in a /dev path`);
    if (e.type === 'link') lines.push([p, `link ${e.target} ${p}\n`]);
    else if (e.type !== 'dir')
      lines.push([p, `node ${e.type === 'block' ? 'b' : 'c'} ${e.mode.toString(8).padStart(4, '0')} ${e.uid} ${e.gid} ${e.major} ${e.minor} ${p}\n`]);
  }
  return lines
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, l]) => l)
    .join('');
}
