/**
 * An in-memory filesystem tree implementing SysfsSource: directories, files with modes and
 * symlinks, resolved physically like the kernel's path walk. It models the oracle's fake /sys
 * and /proc/sys (tmpfs): writes need an existing file and overwrite in place without
 * truncating, as the oracle's writes do, unless `truncateOnWrite` asks for real sysfs behaviour.
 */
import { kerr } from '../../base/index.js';
import { arrayToBytes } from '../bytes.js';
import type { SysfsSource, SysfsStat } from './sysfs-source.js';

type Node = DirNode | FileNode | LinkNode;

interface DirNode {
  readonly type: 'dir';
  readonly mode: number;
  readonly children: Map<string, Node>;
}

interface FileNode {
  readonly type: 'file';
  mode: number;
  data: Uint8Array;
  /** `data` as a byte string, made on the first readFileBytes after each change. */
  bytes: string | undefined;
}

interface LinkNode {
  readonly type: 'link';
  readonly target: string;
}

const MAX_SYMLINKS = 40;

export interface MemorySysfsOptions {
  /** Replace a file's contents on write (real sysfs) instead of overwriting in place (tmpfs). */
  readonly truncateOnWrite?: boolean;
}

/** A whole filesystem from "/" in memory; populate it with mkdir/writeFile/symlink. */
export class MemorySysfs implements SysfsSource {
  readonly #root: DirNode = { type: 'dir', mode: 0o755, children: new Map() };
  readonly #truncate: boolean;
  /** Path walks are memoised until the tree's shape changes (writes only change contents). */
  readonly #cacheFollow = new Map<string, ReturnType<MemorySysfs['walkUncached']>>();
  readonly #cacheNoFollow = new Map<string, ReturnType<MemorySysfs['walkUncached']>>();

  constructor(options: MemorySysfsOptions = {}) {
    this.#truncate = options.truncateOnWrite ?? false;
  }

  /**
   * Walk `path`. Returns the node and its canonical path, or an errno name. Intermediate
   * symlinks are always followed; the last one only with `follow`.
   */
  #walk(path: string, follow: boolean): { node: Node; path: string[] } | 'ENOENT' | 'ENOTDIR' | 'ELOOP' {
    const cache = follow ? this.#cacheFollow : this.#cacheNoFollow;
    let r = cache.get(path);
    if (r === undefined) {
      r = this.walkUncached(path, follow);
      cache.set(path, r);
    }
    return r;
  }

  /** @internal the walk itself (public only so its return type can be named above). */
  walkUncached(path: string, follow: boolean): { node: Node; path: string[] } | 'ENOENT' | 'ENOTDIR' | 'ELOOP' {
    let todo = path.split('/').filter((p) => p.length > 0 && p !== '.');
    const dirs: DirNode[] = [this.#root];
    const names: string[] = [];
    let links = 0;
    while (todo.length > 0) {
      const part = todo.shift()!;
      const cur = dirs[dirs.length - 1]!;
      if (part === '..') {
        if (dirs.length > 1) {
          dirs.pop();
          names.pop();
        }
        continue;
      }
      const child: Node | undefined = cur.children.get(part);
      if (!child) return 'ENOENT';
      if (child.type === 'link' && (todo.length > 0 || follow)) {
        if (++links > MAX_SYMLINKS) return 'ELOOP';
        if (child.target.startsWith('/')) {
          dirs.length = 1;
          names.length = 0;
        }
        todo = [...child.target.split('/').filter((p) => p.length > 0 && p !== '.'), ...todo];
        continue;
      }
      if (child.type === 'dir') {
        dirs.push(child);
        names.push(part);
        continue;
      }
      if (todo.length > 0) return 'ENOTDIR';
      return { node: child, path: [...names, part] };
    }
    return { node: dirs[dirs.length - 1]!, path: names };
  }

  lstat(path: string): SysfsStat | undefined {
    const r = this.#walk(path, false);
    if (typeof r === 'string') return undefined;
    const n = r.node;
    return { type: n.type, mode: n.type === 'link' ? 0o777 : n.mode };
  }

  readlink(path: string): string | undefined {
    const r = this.#walk(path, false);
    if (typeof r === 'string' || r.node.type !== 'link') return undefined;
    return r.node.target;
  }

  readdir(path: string): readonly string[] | undefined {
    const r = this.#walk(path, true);
    if (typeof r === 'string' || r.node.type !== 'dir') return undefined;
    return [...r.node.children.keys()];
  }

  readFile(path: string): Uint8Array {
    const r = this.#walk(path, true);
    if (typeof r === 'string') throw kerr(r, `${path}: cannot read`);
    if (r.node.type === 'dir') throw kerr('EISDIR', `${path}: is a directory`);
    if (r.node.type !== 'file') throw kerr('ENOENT', path);
    return r.node.data.slice();
  }

  readFileBytes(path: string): string {
    const r = this.#walk(path, true);
    if (typeof r === 'string') throw kerr(r, `${path}: cannot read`);
    if (r.node.type === 'dir') throw kerr('EISDIR', `${path}: is a directory`);
    if (r.node.type !== 'file') throw kerr('ENOENT', path);
    const f = r.node;
    return (f.bytes ??= arrayToBytes(f.data));
  }

  writeFile(path: string, data: Uint8Array): void {
    const r = this.#walk(path, true);
    if (typeof r === 'string') throw kerr(r, `${path}: cannot write`);
    if (r.node.type === 'dir') throw kerr('EISDIR', `${path}: is a directory`);
    if (r.node.type !== 'file') throw kerr('ENOENT', path);
    const f = r.node;
    f.bytes = undefined;
    if (this.#truncate || data.length >= f.data.length) f.data = data.slice();
    else {
      const merged = f.data.slice();
      merged.set(data, 0);
      f.data = merged;
    }
  }

  // ------------------------------------------------------------------ building the tree

  #invalidate(): void {
    this.#cacheFollow.clear();
    this.#cacheNoFollow.clear();
  }

  /** mkdir -p (following symlinks in the path). */
  mkdir(path: string): void {
    this.#invalidate();
    let cur: DirNode = this.#root;
    let done = '';
    for (const part of path.split('/').filter((p) => p.length > 0)) {
      done += '/' + part;
      const child = cur.children.get(part);
      if (!child) {
        const d: DirNode = { type: 'dir', mode: 0o755, children: new Map() };
        cur.children.set(part, d);
        cur = d;
        continue;
      }
      if (child.type === 'dir') {
        cur = child;
        continue;
      }
      const r = this.#walk(done, true);
      if (typeof r === 'string' || r.node.type !== 'dir') throw kerr('ENOTDIR', `${done}: not a directory`);
      cur = r.node;
    }
  }

  #parentDir(path: string): { dir: DirNode; name: string } {
    const i = path.lastIndexOf('/');
    const parent = i <= 0 ? '/' : path.slice(0, i);
    this.mkdir(parent);
    const r = this.#walk(parent, true);
    if (typeof r === 'string' || r.node.type !== 'dir') throw kerr('ENOTDIR', `${parent}: not a directory`);
    return { dir: r.node, name: path.slice(i + 1) };
  }

  /** Create or replace a file (parents created). */
  putFile(path: string, data: Uint8Array | string, mode = 0o644): void {
    const { dir, name } = this.#parentDir(path);
    this.#invalidate();
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data.slice();
    dir.children.set(name, { type: 'file', mode, data: bytes, bytes: undefined });
  }

  /** Create or replace a symlink (parents created); `target` is stored verbatim. */
  putSymlink(path: string, target: string): void {
    const { dir, name } = this.#parentDir(path);
    this.#invalidate();
    dir.children.set(name, { type: 'link', target });
  }

  /** True if something exists at `path` (not following a final symlink). */
  exists(path: string): boolean {
    return this.lstat(path) !== undefined;
  }
}
