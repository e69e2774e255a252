/**
 * An in-memory /dev implementing DevFs: device nodes (as devtmpfs creates them), symlinks
 * and the directories between them. Directories exist only while something is below them
 * (removing the last symlink removes its now-empty parents, as udev's rmdir_parents does).
 */
import { kerr } from '../base/index.js';
import type { DevEntry, DevFs, DevNodeEntry } from './sysfs-source.js';

function parentsOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) out.push(path.slice(0, i));
  return out;
}

export class MemoryDevFs implements DevFs {
  readonly #entries = new Map<string, DevNodeEntry | { readonly type: 'link'; readonly target: string }>();

  lstat(path: string): DevEntry | undefined {
    const e = this.#entries.get(path);
    if (e) return e;
    if (path === '/dev' || this.#isDir(path)) return { type: 'dir' };
    return undefined;
  }

  #isDir(path: string): boolean {
    const prefix = path.endsWith('/') ? path : path + '/';
    for (const p of this.#entries.keys()) if (p.startsWith(prefix)) return true;
    return false;
  }

  #checkParents(path: string): void {
    for (const p of parentsOf(path)) {
      const e = this.#entries.get(p);
      if (e) throw kerr('ENOTDIR', `${p}: not a directory`);
    }
  }

  symlink(target: string, path: string): void {
    const e = this.#entries.get(path);
    if (e && e.type !== 'link') throw kerr('EEXIST', `${path}: exists`);
    if (!e && this.#isDir(path)) throw kerr('EEXIST', `${path}: is a directory`);
    this.#checkParents(path);
    this.#entries.set(path, { type: 'link', target });
  }

  unlink(path: string): void {
    const e = this.#entries.get(path);
    if (!e) return;
    if (e.type !== 'link') throw kerr('EISDIR', `${path}: not a symlink`);
    this.#entries.delete(path);
  }

  chmodChown(path: string, mode: number | undefined, uid: number | undefined, gid: number | undefined): void {
    const e = this.#entries.get(path);
    if (!e || e.type === 'link') throw kerr('ENOENT', `${path}: no device node`);
    this.#entries.set(path, { ...e, mode: mode ?? e.mode, uid: uid ?? e.uid, gid: gid ?? e.gid });
  }

  list(): ReadonlyArray<readonly [string, DevEntry]> {
    return [...this.#entries.entries()];
  }

  /** devtmpfs: create a device node (replacing whatever is there). */
  mknod(path: string, node: DevNodeEntry): void {
    this.#entries.set(path, node);
  }

  /** devtmpfs: remove a device node. */
  removeNode(path: string): void {
    const e = this.#entries.get(path);
    if (e && e.type !== 'link') this.#entries.delete(path);
  }
}
