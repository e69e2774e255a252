/**
 * The engine's side of SysfsSource: byte-string paths in and out, symlink chasing
 * (chase_symlinks/realpath), readlink_value, path simplification, and errno-carrying results
 * instead of exceptions on the hot path. Everything the udev engine reads or writes on a
 * filesystem goes through one `SysfsAccess`.
 */
import { DriverModelError, type ErrnoName, isPlainAbsolute } from '../../base/index.js';
import { arrayToBytes, bytesToArray } from '../bytes.js';
import type { SysfsSource, SysfsStat } from './sysfs-source.js';

/** A failed filesystem operation: the Linux errno name. */
export type FsError = ErrnoName;

/** A failed read: carries the errno (an object, so it can never be mistaken for file contents). */
export interface FsFailure {
  readonly errno: FsError;
}

/** Maximum symlinks followed while resolving one path (Linux MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

/**
 * path_simplify(): drop `.` components, duplicate and trailing slashes; keeps `..` (it cannot
 * be resolved lexically when symlinks are involved).
 */
export function simplifyPath(p: string): string {
  // An absolute path without empty, `.` or `..` components is its own simplification.
  if (p.length === 0 || isPlainAbsolute(p)) return p;
  const abs = p.charCodeAt(0) === 47;
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    out.push(part);
  }
  const joined = out.join('/');
  if (abs) return '/' + joined;
  return joined.length ? joined : '.';
}

/** path_is_normalized(): no `.` or `..` components, no `//`. */
export function isNormalizedPath(p: string): boolean {
  if (p.includes('//')) return false;
  for (const part of p.split('/')) if (part === '.' || part === '..') return false;
  return true;
}

/** The directory part of a path ("/a/b" → "/a", "/a" → "/"). */
export function dirName(p: string): string {
  const i = p.lastIndexOf('/');
  if (i <= 0) return i === 0 ? '/' : '.';
  return p.slice(0, i);
}

/** The last component of a path. */
export function baseName(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

/** Join a relative path onto a directory (no normalisation). */
export function joinPath(dir: string, rel: string): string {
  if (rel.charCodeAt(0) === 47) return rel;
  return dir.endsWith('/') ? dir + rel : dir + '/' + rel;
}

/** The non-empty '/'-separated components of a path, in order. */
function components(p: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= p.length; i++) {
    if (i < p.length && p.charCodeAt(i) !== 47) continue;
    if (i > start) out.push(p.slice(start, i));
    start = i + 1;
  }
  return out;
}

/** Relative path from directory `fromDir` to `to` (both absolute, simplified). */
export function relativePath(fromDir: string, to: string): string {
  const a = components(fromDir);
  const b = components(to);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const up = a.length - i;
  const parts: string[] = [];
  for (let k = 0; k < up; k++) parts.push('..');
  for (let k = i; k < b.length; k++) parts.push(b[k]!);
  return parts.length ? parts.join('/') : '.';
}

/**
 * Errno-returning filesystem access over a SysfsSource. Paths are byte strings on both sides
 * (the SysfsSource contract), so nothing is converted on the hot path; file contents are
 * turned from Uint8Array into byte strings here.
 */
export class SysfsAccess {
  constructor(readonly source: SysfsSource) {}

  lstat(path: string): SysfsStat | undefined {
    return this.source.lstat(path);
  }

  readlink(path: string): string | undefined {
    return this.source.readlink(path);
  }

  readdir(path: string): readonly string[] | undefined {
    return this.source.readdir(path);
  }

  /** Read a whole file (following a final symlink) as a byte string, or the failure. */
  readFile(path: string): string | FsFailure {
    try {
      const src = this.source;
      return src.readFileBytes ? src.readFileBytes(path) : arrayToBytes(src.readFile(path));
    } catch (e) {
      return { errno: DriverModelError.is(e) ? e.errno : 'EIO' };
    }
  }

  /** Write a byte string to a file; undefined on success, else the errno. */
  writeFile(path: string, data: string): FsError | undefined {
    try {
      this.source.writeFile(path, bytesToArray(data));
      return undefined;
    } catch (e) {
      if (DriverModelError.is(e)) return e.errno;
      return 'EIO';
    }
  }

  /**
   * chase_symlinks()/realpath(): resolve every symlink and `..` physically. Returns the
   * canonical absolute path, or the errno (ENOENT for a missing component, ELOOP).
   */
  realpath(path: string): string | FsError {
    let todo = path.split('/').filter((x) => x.length > 0 && x !== '.');
    let done: string[] = [];
    let links = 0;
    while (todo.length > 0) {
      const part = todo.shift()!;
      if (part === '..') {
        done.pop();
        continue;
      }
      const candidate = '/' + [...done, part].join('/');
      const st = this.lstat(candidate);
      if (!st) return 'ENOENT';
      if (st.type === 'link') {
        if (++links > MAX_SYMLINKS) return 'ELOOP';
        const target = this.readlink(candidate);
        if (target === undefined) return 'ENOENT';
        const tparts = target.split('/').filter((x) => x.length > 0 && x !== '.');
        if (target.charCodeAt(0) === 47) done = [];
        todo = [...tparts, ...todo];
        continue;
      }
      if (todo.length > 0 && st.type !== 'dir') return 'ENOTDIR';
      done.push(part);
    }
    return '/' + done.join('/');
  }

  /** stat(2): like lstat but following a final symlink. */
  stat(path: string): SysfsStat | undefined {
    const st = this.lstat(path);
    if (!st || st.type !== 'link') return st;
    const real = this.realpath(path);
    if (real.charCodeAt(0) !== 47) return undefined;
    return this.lstat(real);
  }

  /** readlink_value(): the last component of a symlink's target, or undefined. */
  readlinkValue(path: string): string | undefined {
    const t = this.readlink(path);
    if (t === undefined) return undefined;
    const s = t.endsWith('/') ? t.slice(0, -1) : t;
    return baseName(s);
  }
}
