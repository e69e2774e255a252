/**
 * A SysfsSource over a directory on disk that stands for /sys (for example the tree systemd's
 * test/sys-script.py generates). Paths below /sys map into the directory; absolute symlink
 * targets below /sys are followed inside it; every other path (/proc/sys, /etc, …) is served
 * from an optional in-memory overlay, so nothing of the host's own filesystem leaks in.
 * Writes go to the files on disk.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { kerr, isErrnoName } from '../../base/index.js';
import type { SysfsSource, SysfsStat } from './sysfs-source.js';

function errnoOf(e: unknown): string {
  const code = (e as { code?: string }).code;
  return code && isErrnoName(code) ? code : 'EIO';
}

export class DiskSysfs implements SysfsSource {
  readonly #root: string;
  /** The root directory as a byte string (latin1 of its UTF-8 bytes). */
  readonly #rootBytes: string;

  /**
   * @param root directory standing for /sys
   * @param other source for paths outside /sys (default: nothing exists there)
   */
  constructor(
    root: string,
    private readonly other?: SysfsSource,
  ) {
    this.#root = nodePath.resolve(root);
    this.#rootBytes = Buffer.from(this.#root, 'utf8').toString('latin1');
  }

  /**
   * Map an absolute /sys path (a byte string) into the directory, resolving symlinks component
   * by component. The result is a Buffer path, so non-ASCII bytes reach the disk unchanged.
   */
  #resolve(path: string, followLast: boolean): Buffer | undefined {
    const p = this.#resolveText(path, followLast);
    return p === undefined ? undefined : Buffer.from(p, 'latin1');
  }

  #resolveText(path: string, followLast: boolean): string | undefined {
    let todo = path.split('/').filter((p) => p.length > 0 && p !== '.');
    if (todo[0] !== 'sys') return undefined;
    todo = todo.slice(1);
    const done: string[] = [];
    for (let links = 0; todo.length > 0;) {
      const part = todo.shift()!;
      if (part === '..') {
        done.pop();
        continue;
      }
      const real = Buffer.from(nodePath.join(this.#rootBytes, ...done, part), 'latin1');
      let st: fs.Stats;
      try {
        st = fs.lstatSync(real);
      } catch {
        done.push(part);
        return todo.length === 0 ? nodePath.join(this.#rootBytes, ...done) : undefined;
      }
      if (st.isSymbolicLink() && (todo.length > 0 || followLast)) {
        if (++links > 40) return undefined;
        const target = fs.readlinkSync(real, { encoding: 'buffer' }).toString('latin1');
        const parts = target.split('/').filter((p) => p.length > 0 && p !== '.');
        if (target.startsWith('/')) {
          if (parts[0] !== 'sys') return undefined;
          done.length = 0;
          todo = [...parts.slice(1), ...todo];
        } else todo = [...parts, ...todo];
        continue;
      }
      done.push(part);
    }
    return nodePath.join(this.#rootBytes, ...done);
  }

  #inSys(path: string): boolean {
    return path === '/sys' || path.startsWith('/sys/');
  }

  lstat(path: string): SysfsStat | undefined {
    if (!this.#inSys(path)) return this.other?.lstat(path);
    const p = this.#resolve(path, false);
    if (p === undefined) return undefined;
    try {
      const st = fs.lstatSync(p);
      const type = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file';
      return { type, mode: st.mode & 0o7777 };
    } catch {
      return undefined;
    }
  }

  readlink(path: string): string | undefined {
    if (!this.#inSys(path)) return this.other?.readlink(path);
    const p = this.#resolve(path, false);
    if (p === undefined) return undefined;
    try {
      return fs.readlinkSync(p, { encoding: 'buffer' }).toString('latin1');
    } catch {
      return undefined;
    }
  }

  readdir(path: string): readonly string[] | undefined {
    if (!this.#inSys(path)) return this.other?.readdir(path);
    const p = this.#resolve(path, true);
    if (p === undefined) return undefined;
    try {
      return fs.readdirSync(p, { encoding: 'buffer' }).map((b) => b.toString('latin1'));
    } catch {
      return undefined;
    }
  }

  readFile(path: string): Uint8Array {
    if (!this.#inSys(path)) {
      if (!this.other) throw kerr('ENOENT', path);
      return this.other.readFile(path);
    }
    const p = this.#resolve(path, true);
    if (p === undefined) throw kerr('ENOENT', path);
    try {
      return new Uint8Array(fs.readFileSync(p));
    } catch (e) {
      throw kerr(errnoOf(e) as never, path);
    }
  }

  writeFile(path: string, data: Uint8Array): void {
    if (!this.#inSys(path)) {
      if (!this.other) throw kerr('ENOENT', path);
      this.other.writeFile(path, data);
      return;
    }
    const p = this.#resolve(path, true);
    if (p === undefined) throw kerr('ENOENT', path);
    try {
      // Like the oracle's writes: the file must exist, and is written in place without truncation.
      const fd = fs.openSync(p, fs.constants.O_WRONLY);
      try {
        fs.writeSync(fd, data, 0, data.length, 0);
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      throw kerr(errnoOf(e) as never, path);
    }
  }
}
