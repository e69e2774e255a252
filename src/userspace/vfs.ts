/**
 * The path walk a simulated process sees: /sys (sysfs over the object model), /dev (devtmpfs,
 * opening character devices through their file operations) and /proc. It applies the DAC check
 * and kernfs's open rules, and returns open file descriptions for the process layer.
 *
 * kernfs rule (fs/kernfs/file.c kernfs_fop_open): opening an attribute for write when it has no
 * write bits or no store, or for read when it has no read bits or no show, fails with EACCES —
 * even for root, after the generic permission check passed.
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { DriverModelError, isPlainAbsolute, kerr, normalizeAbsolute } from '../base/index.js';
import {
  type AnyAttribute,
  type CharDev,
  type CharDevFile,
  CharDevRegistry,
  type IoctlCaller,
  Devtmpfs,
  ICharDevRegistry,
  IDevtmpfs,
  ISysfs,
  PAGE_SIZE,
  type Sysfs,
  type SysfsFile,
  isBinAttribute,
} from '../bus/index.js';
import { type Credentials, MAY_READ, MAY_WRITE, checkPermission } from './cred.js';
import { IProcfs, type ProcFile, type Procfs } from './procfs.js';

export type OpenMode = 'r' | 'w' | 'rw';

/** struct file: one open of a path. */
export type OpenFileDescription =
  | {
      readonly kind: 'sysfs';
      readonly path: string;
      readonly attr: AnyAttribute<unknown>;
      readonly obj: unknown;
      /** The node the open holds (`of->kn`), asked on every read and write whether it is still active. */
      readonly node: SysfsFile;
      pos: number;
      readonly mode: OpenMode;
      /** seq_file state of a text attribute: the one show() output and the position read up to. */
      seq?: { readonly buf: Uint8Array; readPos: number };
    }
  | { readonly kind: 'chr'; readonly path: string; readonly cdev: CharDev; readonly file: CharDevFile; pos: number; readonly mode: OpenMode }
  | { readonly kind: 'proc'; readonly path: string; readonly proc: ProcFile; pos: number; readonly mode: OpenMode }
  | { readonly kind: 'dir'; readonly path: string; pos: number; readonly mode: OpenMode };

export interface StatResult {
  readonly type: 'file' | 'dir' | 'link' | 'chr';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly rdev?: { readonly major: number; readonly minor: number };
}

/** Who is opening: credentials plus the identity recorded in device files. */
export interface Opener {
  readonly cred: Credentials;
  readonly name: string;
  readonly pid: number;
}

export const IVfs: ServiceIdentifier<Vfs> = Symbol.for('IVfs');

export function normalizePath(path: string): string {
  if (!path.startsWith('/')) throw kerr('ENOENT', `${path}: relative paths are not supported`);
  return normalizeAbsolute(path);
}

function wants(mode: OpenMode): number {
  return (mode.includes('r') ? MAY_READ : 0) | (mode.includes('w') ? MAY_WRITE : 0);
}

@injectable()
export class Vfs {
  constructor(
    @inject(ISysfs) private readonly sysfs: Sysfs,
    @inject(IDevtmpfs) private readonly devtmpfs: Devtmpfs,
    @inject(ICharDevRegistry) private readonly cdevs: CharDevRegistry,
    @inject(IProcfs) private readonly procfs: Procfs,
  ) {}

  /** open(2). Throws ENOENT, EACCES, EISDIR, ENXIO, or whatever the driver's open() throws. */
  open(path: string, mode: OpenMode, who: Opener): OpenFileDescription {
    const p = normalizePath(path);
    if (p === '/sys' || p.startsWith('/sys/')) return this.#openSysfs(p, mode, who);
    if (p === '/dev' || p.startsWith('/dev/')) return this.#openDev(p, mode, who);
    if (p.startsWith('/proc/')) return this.#openProc(p, mode, who);
    throw kerr('ENOENT', `${path}: no such file or directory`);
  }

  #openSysfs(p: string, mode: OpenMode, who: Opener): OpenFileDescription {
    const node = this.sysfs.lookup(p);
    if (node.kind === 'dir') {
      if (mode !== 'r') throw kerr('EISDIR', `${p}: Is a directory`);
      return { kind: 'dir', path: p, pos: 0, mode };
    }
    if (node.kind !== 'file') throw kerr('ENOENT', p);
    checkPermission(who.cred, { mode: node.mode, uid: 0, gid: 0 }, wants(mode), p);
    const attr = node.attr;
    const canRead = isBinAttribute(attr) ? Boolean(attr.read || attr.mmap) : Boolean(attr.show);
    const canWrite = isBinAttribute(attr) ? Boolean(attr.write || attr.mmap) : Boolean(attr.store);
    if (mode.includes('w') && (!(node.mode & 0o222) || !canWrite)) throw kerr('EACCES', `${p}: Permission denied`);
    if (mode.includes('r') && (!(node.mode & 0o444) || !canRead)) throw kerr('EACCES', `${p}: Permission denied`);
    return { kind: 'sysfs', path: p, attr, obj: node.obj, node, pos: 0, mode };
  }

  #openDev(p: string, mode: OpenMode, who: Opener): OpenFileDescription {
    const node = this.devtmpfs.resolve(p);
    if (!node) throw kerr('ENOENT', `${p}: no such file or directory`);
    if (node.kind === 'dir') {
      if (mode !== 'r') throw kerr('EISDIR', `${p}: Is a directory`);
      return { kind: 'dir', path: node.path, pos: 0, mode };
    }
    if (node.kind !== 'chr') throw kerr('ENOENT', p);
    checkPermission(who.cred, node, wants(mode), p);
    const cdev = this.cdevs.lookup(node.devt);
    if (!cdev) throw kerr('ENXIO', `${p}: No such device or address`);
    const file: CharDevFile = {
      owner: who.name,
      pid: who.pid,
      flags: { read: mode.includes('r'), write: mode.includes('w') },
      devt: node.devt,
      privateData: undefined,
      hasCapability: (cap) => who.cred.caps.has(cap as never),
    };
    cdev.fops.open?.(file);
    cdev.openFiles.add(file);
    return { kind: 'chr', path: p, cdev, file, pos: 0, mode };
  }

  #openProc(p: string, mode: OpenMode, who: Opener): OpenFileDescription {
    if (this.procfs.isDir(p)) {
      if (mode !== 'r') throw kerr('EISDIR', `${p}: Is a directory`);
      return { kind: 'dir', path: p, pos: 0, mode };
    }
    const proc = this.procfs.lookup(p);
    if (!proc) throw kerr('ENOENT', `${p}: no such file or directory`);
    checkPermission(who.cred, { mode: proc.mode, uid: 0, gid: 0 }, wants(mode), p);
    if (mode.includes('w') && !proc.write) throw kerr('EACCES', `${p}: Permission denied`);
    return { kind: 'proc', path: p, proc, pos: 0, mode };
  }

  /**
   * kernfs_get_active: an attribute whose object left sysfs answers ENODEV. The node answers
   * itself when it can (device attributes); otherwise the path is walked again and must still
   * lead to the same attribute of the same object.
   */
  #checkActive(f: Extract<OpenFileDescription, { kind: 'sysfs' }>): void {
    if (f.node.active) {
      if (f.node.active()) return;
      throw kerr('ENODEV', `${f.path}: No such device`);
    }
    const node = this.sysfs.tryLookup(f.path);
    if (!node || node.kind !== 'file' || node.attr !== f.attr || node.obj !== f.obj) {
      throw kerr('ENODEV', `${f.path}: No such device`);
    }
  }

  /** read(2) at the file position; `length` defaults to "everything". */
  read(f: OpenFileDescription, length: number, who: Opener): Uint8Array {
    if (f.mode === 'w') throw kerr('EBADF', `${f.path}: not open for reading`);
    switch (f.kind) {
      case 'dir':
        throw kerr('EISDIR', `${f.path}: Is a directory`);
      case 'sysfs': {
        this.#checkActive(f);
        const attr = f.attr;
        let data: Uint8Array;
        if (isBinAttribute(attr)) {
          const size = attr.size(f.obj);
          const n = Math.max(0, Math.min(length, size - f.pos));
          if (n > 0 && !attr.read) throw kerr('EIO', `${f.path}: mmap only`);
          data = n === 0 ? new Uint8Array(0) : attr.read!(f.obj, f.pos, n, accessor(who));
        } else {
          // seq_file over kernfs_seq_start/next (single_open behaviour): show() runs once, when
          // the file is first read; later reads continue in that buffer until EOF. A read at
          // another position than where the last one ended (lseek, pread) traverses anew.
          if (!f.seq || f.seq.readPos !== f.pos) {
            f.seq = { buf: utf8Encoder.encode(attr.show!(f.obj).slice(0, PAGE_SIZE)), readPos: f.pos };
          }
          data = f.seq.buf.slice(f.pos, f.pos + length);
          f.seq.readPos = f.pos + data.length;
        }
        f.pos += data.length;
        return data;
      }
      case 'proc': {
        const text = utf8Encoder.encode(f.proc.read());
        const data = text.slice(f.pos, f.pos + length);
        f.pos += data.length;
        return data;
      }
      case 'chr': {
        if (!f.cdev.fops.read) throw kerr('EINVAL', `${f.path}: read not supported`);
        const data = f.cdev.fops.read(f.file, length, f.pos);
        f.pos += data.length;
        return data;
      }
      default: {
        const never: never = f;
        throw kerr('EINVAL', String(never));
      }
    }
  }

  /** write(2). sysfs text attributes: cut to PAGE_SIZE, 0-byte writes do nothing. */
  write(f: OpenFileDescription, data: Uint8Array, who: Opener): number {
    if (f.mode === 'r') throw kerr('EBADF', `${f.path}: not open for writing`);
    switch (f.kind) {
      case 'dir':
        throw kerr('EISDIR', `${f.path}: Is a directory`);
      case 'sysfs': {
        this.#checkActive(f);
        const attr = f.attr;
        if (isBinAttribute(attr)) {
          // sysfs_kf_bin_write: at or past the end EFBIG, clamped to the size, nothing left → 0,
          // and only then EIO for a file without a write handler (mmap-only BARs).
          const size = attr.size(f.obj);
          let chunk = data;
          if (size > 0) {
            if (f.pos >= size) throw kerr('EFBIG', `${f.path}: write beyond the end`);
            if (chunk.length > size - f.pos) chunk = chunk.subarray(0, size - f.pos);
          }
          if (chunk.length === 0) return 0;
          if (!attr.write) throw kerr('EIO', `${f.path}: mmap only`);
          const n = attr.write(f.obj, f.pos, chunk, accessor(who));
          f.pos += n;
          return n;
        }
        // kernfs_fop_write_iter: sysfs text files have no atomic_write_len, so a longer write is
        // cut to PAGE_SIZE and the store sees the cut buffer (no E2BIG); write(2) reports what
        // the store consumed. sysfs_kf_write: a 0-byte write does nothing.
        const chunk = data.length > PAGE_SIZE ? data.subarray(0, PAGE_SIZE) : data;
        if (chunk.length === 0) return 0;
        const text = latin1Decoder.decode(chunk);
        const n = attr.store!(f.obj, text, accessor(who));
        return Math.min(n, chunk.length);
      }
      case 'proc': {
        f.proc.write!(new TextDecoder().decode(data));
        return data.length;
      }
      case 'chr': {
        if (!f.cdev.fops.write) throw kerr('EINVAL', `${f.path}: write not supported`);
        const n = f.cdev.fops.write(f.file, data, f.pos);
        f.pos += n;
        return n;
      }
      default: {
        const never: never = f;
        throw kerr('EINVAL', String(never));
      }
    }
  }

  /** ioctl(2) (vfs_ioctl): a driver's ENOIOCTLCMD reaches userspace as ENOTTY. */
  ioctl(f: OpenFileDescription, cmd: number | string, arg: unknown, caller?: IoctlCaller): unknown {
    if (f.kind !== 'chr' || !f.cdev.fops.ioctl) throw kerr('ENOTTY', `${f.path}: Inappropriate ioctl for device`);
    try {
      return f.cdev.fops.ioctl(f.file, cmd, arg, caller);
    } catch (e) {
      if (DriverModelError.is(e) && e.errno === 'ENOIOCTLCMD') throw kerr('ENOTTY', `${f.path}: Inappropriate ioctl for device`);
      throw e;
    }
  }

  /** close(2): the driver's release runs; it cannot fail. */
  close(f: OpenFileDescription): void {
    if (f.kind === 'chr') {
      f.cdev.openFiles.delete(f.file);
      f.cdev.fops.release?.(f.file);
    }
  }

  readdir(path: string, who: Opener): string[] {
    const p = normalizePath(path);
    if (p === '/') return ['dev', 'proc', 'sys'];
    if (p === '/sys' || p.startsWith('/sys/')) {
      const node = this.sysfs.lookup(p);
      if (node.kind !== 'dir') throw kerr('ENOTDIR', `${path}: Not a directory`);
      return node.entries();
    }
    if (p === '/dev' || p.startsWith('/dev/')) {
      const node = this.devtmpfs.resolve(p);
      if (!node) throw kerr('ENOENT', `${path}: no such file or directory`);
      return this.devtmpfs.readdir(node.path);
    }
    if (p === '/proc' || p.startsWith('/proc/')) return this.procfs.readdir(p);
    void who;
    throw kerr('ENOENT', `${path}: no such file or directory`);
  }

  readlink(path: string): string {
    const p = normalizePath(path);
    if (p.startsWith('/sys/')) return this.sysfs.readlink(p);
    if (p.startsWith('/dev/')) {
      const node = this.devtmpfs.lookup(p);
      if (!node) throw kerr('ENOENT', path);
      if (node.kind !== 'link') throw kerr('EINVAL', `${path}: not a symlink`);
      return node.target;
    }
    throw kerr('EINVAL', `${path}: not a symlink`);
  }

  /** stat(2) (follows links) or lstat(2). */
  stat(path: string, noFollow = false): StatResult {
    const p = normalizePath(path);
    if (p === '/' || p === '/sys' || p === '/dev' || p === '/proc') return { type: 'dir', mode: 0o755, uid: 0, gid: 0 };
    if (p.startsWith('/sys/')) {
      const node = this.sysfs.lookup(p, noFollow);
      if (node.kind === 'dir') return { type: 'dir', mode: node.mode, uid: 0, gid: 0 };
      if (node.kind === 'link') return { type: 'link', mode: 0o777, uid: 0, gid: 0 };
      return { type: 'file', mode: node.mode, uid: 0, gid: 0 };
    }
    if (p.startsWith('/dev/')) {
      const node = noFollow ? this.devtmpfs.lookup(p) : this.devtmpfs.resolve(p);
      if (!node) throw kerr('ENOENT', `${path}: no such file or directory`);
      if (node.kind === 'dir') return { type: 'dir', mode: node.mode, uid: 0, gid: 0 };
      if (node.kind === 'link') return { type: 'link', mode: 0o777, uid: 0, gid: 0 };
      return { type: 'chr', mode: node.mode, uid: node.uid, gid: node.gid, rdev: node.devt };
    }
    if (p.startsWith('/proc/')) {
      if (this.procfs.isDir(p)) return { type: 'dir', mode: 0o555, uid: 0, gid: 0 };
      const f = this.procfs.lookup(p);
      if (!f) throw kerr('ENOENT', `${path}: no such file or directory`);
      return { type: 'file', mode: f.mode, uid: 0, gid: 0 };
    }
    throw kerr('ENOENT', `${path}: no such file or directory`);
  }

  /**
   * lstat(2)/stat(2) for callers that only branch on success (udev's sysfs view): undefined
   * instead of an exception for a path below /sys that does not resolve, the same answer as
   * `stat` otherwise.
   */
  tryStat(path: string, noFollow = false): StatResult | undefined {
    if (path.startsWith('/sys/') && isPlainAbsolute(path)) {
      const node = this.sysfs.tryLookup(path, noFollow);
      if (!node) return undefined;
      if (node.kind === 'dir') return { type: 'dir', mode: node.mode, uid: 0, gid: 0 };
      if (node.kind === 'link') return linkStat;
      return { type: 'file', mode: node.mode, uid: 0, gid: 0 };
    }
    try {
      return this.stat(path, noFollow);
    } catch {
      return undefined;
    }
  }

  /** readlink(2) below /sys without the exception: the target, or undefined. */
  tryReadlink(path: string): string | undefined {
    if (path.startsWith('/sys/') && isPlainAbsolute(path)) {
      return this.sysfs.tryReadlink(path);
    }
    try {
      return this.readlink(path);
    } catch {
      return undefined;
    }
  }

  /**
   * `cat` of a sysfs text attribute, the text Process.readFile would return for it (open + read
   * to EOF + close, the bytes decoded as latin1) — the same checks in the same order (kernfs_fop_open: the
   * permission check, then EACCES without read bits or show), show() once, cut to PAGE_SIZE —
   * without a file description. Undefined for anything else (binary attributes, directories,
   * /dev, /proc): the caller then takes the system-call path.
   */
  readSysfsText(path: string, who: Opener): string | undefined {
    if (!path.startsWith('/sys/') || !isPlainAbsolute(path)) return undefined;
    const node = this.sysfs.tryLookup(path);
    if (!node || node.kind !== 'file' || isBinAttribute(node.attr)) return undefined;
    checkPermission(who.cred, { mode: node.mode, uid: 0, gid: 0 }, MAY_READ, path);
    if (!(node.mode & 0o444) || !node.attr.show) throw kerr('EACCES', `${path}: Permission denied`);
    const text = node.attr.show(node.obj).slice(0, PAGE_SIZE);
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return latin1Decoder.decode(utf8Encoder.encode(text));
    return text;
  }

  /** lstat(2) succeeds (tryStat: no exception thrown and caught for a missing /sys path). */
  exists(path: string): boolean {
    return this.tryStat(path, true) !== undefined;
  }
}

const linkStat: StatResult = { type: 'link', mode: 0o777, uid: 0, gid: 0 };

/** How Process.readFile decodes what read(2) returned. */
const latin1Decoder = new TextDecoder('latin1');
/** Stateless: one encoder serves every call. */
const utf8Encoder = new TextEncoder();

/** What an attribute's show/store/read/write sees of the caller; one per opener, made once. */
const accessors = new WeakMap<Opener, { readonly hasCapability: (cap: string) => boolean; readonly comm: string }>();

function accessor(who: Opener) {
  let a = accessors.get(who);
  if (!a || a.comm !== who.name) {
    a = { hasCapability: (cap: string) => who.cred.caps.has(cap as never), comm: who.name };
    accessors.set(who, a);
  }
  return a;
}
