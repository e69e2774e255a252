/**
 * Filesystem views for running systemd's udev corpus through the engine the way the oracle
 * runs it (`udev-oracle.sh -s DIR`):
 *
 * - `TreeSnapshot`: a sysfs tree on disk (the corpus' generated `sys/`), read once.
 * - `OverlaySysfs`: one run's view — /sys is the snapshot with copy-on-write writes (like the
 *   oracle's overlayfs on tmpfs: a write overwrites in place and does not truncate), /proc/sys
 *   is an empty directory, every other path is the host's real filesystem, read-only (the
 *   oracle also sees the real root filesystem, e.g. for `TEST=="/etc/passwd"`).
 * - `MapDevFs`: an in-memory /dev.
 * - `initialDevNodes`: the device nodes the oracle creates before the first event (every
 *   uevent file below /sys/devices with MAJOR, MINOR and DEVNAME; mode 0600, root:root).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kerr } from '../../src/base/index.js';
import type { DevEntry, DevFs, DevNodeEntry, SysfsSource, SysfsStat } from '../../src/udev/index.js';

interface SnapDir {
  readonly type: 'dir';
  readonly mode: number;
  readonly children: string[];
}
interface SnapFile {
  readonly type: 'file';
  readonly mode: number;
  readonly disk: string;
}
interface SnapLink {
  readonly type: 'link';
  readonly target: string;
}
type SnapEntry = SnapDir | SnapFile | SnapLink;

/** A directory tree on disk, mounted at `mountPoint` (e.g. the corpus' sys/ at /sys). */
export class TreeSnapshot {
  readonly #entries = new Map<string, SnapEntry>();
  readonly #data = new Map<string, Uint8Array>();

  private constructor(readonly mountPoint: string) {}

  static load(dir: string, mountPoint = '/sys'): TreeSnapshot {
    const snap = new TreeSnapshot(mountPoint);
    const walk = (disk: string, virt: string): void => {
      const st = fs.lstatSync(disk);
      if (st.isSymbolicLink()) {
        snap.#entries.set(virt, { type: 'link', target: fs.readlinkSync(disk) });
      } else if (st.isDirectory()) {
        const names = fs.readdirSync(disk).sort();
        snap.#entries.set(virt, { type: 'dir', mode: st.mode & 0o7777, children: names });
        for (const n of names) walk(path.join(disk, n), virt + '/' + n);
      } else {
        snap.#entries.set(virt, { type: 'file', mode: st.mode & 0o7777, disk });
      }
    };
    walk(dir, mountPoint);
    return snap;
  }

  get size(): number {
    return this.#entries.size;
  }

  entry(p: string): SnapEntry | undefined {
    return this.#entries.get(p);
  }

  data(p: string, e: SnapFile): Uint8Array {
    let d = this.#data.get(p);
    if (!d) this.#data.set(p, (d = new Uint8Array(fs.readFileSync(e.disk))));
    return d;
  }

  /** Every path of the snapshot (for scans such as initialDevNodes). */
  paths(): IterableIterator<string> {
    return this.#entries.keys();
  }
}

const MAX_SYMLINKS = 40;
type Walked = { readonly path: string; readonly entry: SnapEntry | { readonly type: 'dir'; readonly mode: number; readonly children: string[] } };

function under(p: string, root: string): boolean {
  return p === root || p.startsWith(root + '/');
}

function hostErrno(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'EIO';
}

/** One run's filesystem: snapshot /sys with copy-on-write, empty /proc/sys, host elsewhere. */
export class OverlaySysfs implements SysfsSource {
  readonly #written = new Map<string, Uint8Array>();

  constructor(
    readonly snapshot: TreeSnapshot,
    readonly options: { readonly hostFallback?: boolean } = {},
  ) {}

  #isVirtual(p: string): boolean {
    return under(p, this.snapshot.mountPoint) || under(p, '/proc/sys');
  }

  #virtualDir(p: string): Walked['entry'] | undefined {
    // ancestors of the mount points, and /proc/sys itself (empty)
    const mp = this.snapshot.mountPoint;
    if (p === '/') return { type: 'dir', mode: 0o755, children: [mp.slice(1).split('/')[0]!, 'proc'] };
    if (mp.startsWith(p + '/')) return { type: 'dir', mode: 0o755, children: [mp.slice(p.length + 1).split('/')[0]!] };
    if (p === '/proc') return { type: 'dir', mode: 0o555, children: ['sys'] };
    if (p === '/proc/sys') return { type: 'dir', mode: 0o555, children: [] };
    return undefined;
  }

  #lookup(p: string): Walked['entry'] | undefined {
    return this.snapshot.entry(p) ?? this.#virtualDir(p);
  }

  /** Physical walk inside the virtual part. */
  #walk(p: string, follow: boolean): Walked | 'ENOENT' | 'ENOTDIR' | 'ELOOP' {
    let todo = p.split('/').filter((c) => c.length > 0 && c !== '.');
    const stack: string[] = [];
    let links = 0;
    let cur: Walked['entry'] = this.#lookup('/')!;
    while (todo.length > 0) {
      const part = todo.shift()!;
      if (part === '..') {
        stack.pop();
        cur = this.#lookup('/' + stack.join('/')) ?? this.#lookup('/')!;
        continue;
      }
      const candidate = '/' + [...stack, part].join('/');
      const e = this.#lookup(candidate);
      if (!e) return 'ENOENT';
      if (e.type === 'link' && (todo.length > 0 || follow)) {
        if (++links > MAX_SYMLINKS) return 'ELOOP';
        if (e.target.startsWith('/')) stack.length = 0;
        todo = [...e.target.split('/').filter((c) => c.length > 0 && c !== '.'), ...todo];
        continue;
      }
      if (e.type === 'dir') {
        stack.push(part);
        cur = e;
        continue;
      }
      if (todo.length > 0) return 'ENOTDIR';
      return { path: candidate, entry: e };
    }
    return { path: '/' + stack.join('/'), entry: cur };
  }

  lstat(p: string): SysfsStat | undefined {
    if (!this.#isVirtual(p) && this.options.hostFallback) {
      try {
        const st = fs.lstatSync(p);
        return { type: st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file', mode: st.mode & 0o7777 };
      } catch {
        return undefined;
      }
    }
    const w = this.#walk(p, false);
    if (typeof w === 'string') return undefined;
    const e = w.entry;
    return { type: e.type, mode: e.type === 'link' ? 0o777 : e.mode };
  }

  readlink(p: string): string | undefined {
    if (!this.#isVirtual(p) && this.options.hostFallback) {
      try {
        return fs.readlinkSync(p);
      } catch {
        return undefined;
      }
    }
    const w = this.#walk(p, false);
    if (typeof w === 'string' || w.entry.type !== 'link') return undefined;
    return w.entry.target;
  }

  readdir(p: string): readonly string[] | undefined {
    if (!this.#isVirtual(p) && this.options.hostFallback) {
      try {
        return fs.readdirSync(p);
      } catch {
        return undefined;
      }
    }
    const w = this.#walk(p, true);
    if (typeof w === 'string' || w.entry.type !== 'dir') return undefined;
    return [...w.entry.children];
  }

  readFile(p: string): Uint8Array {
    if (!this.#isVirtual(p) && this.options.hostFallback) {
      try {
        return new Uint8Array(fs.readFileSync(p));
      } catch (e) {
        throw kerr(hostErrno(e) as 'EIO', `${p}: cannot read`);
      }
    }
    const w = this.#walk(p, true);
    if (typeof w === 'string') throw kerr(w, `${p}: cannot read`);
    if (w.entry.type === 'dir') throw kerr('EISDIR', `${p}: is a directory`);
    if (w.entry.type !== 'file') throw kerr('ENOENT', p);
    const over = this.#written.get(w.path);
    return (over ?? this.snapshot.data(w.path, w.entry)).slice();
  }

  writeFile(p: string, data: Uint8Array): void {
    if (!this.#isVirtual(p)) throw kerr('EROFS', `${p}: read-only outside /sys and /proc/sys`);
    const w = this.#walk(p, true);
    if (typeof w === 'string') throw kerr(w, `${p}: cannot write`);
    if (w.entry.type === 'dir') throw kerr('EISDIR', `${p}: is a directory`);
    if (w.entry.type !== 'file') throw kerr('ENOENT', p);
    const old = this.#written.get(w.path) ?? this.snapshot.data(w.path, w.entry);
    if (data.length >= old.length) this.#written.set(w.path, data.slice());
    else {
      // tmpfs/overlayfs as the oracle writes it: no truncation
      const merged = old.slice();
      merged.set(data, 0);
      this.#written.set(w.path, merged);
    }
  }

  /** Paths written during this run (canonical), for diagnostics of the runner. */
  writtenPaths(): string[] {
    return [...this.#written.keys()];
  }
}

function parentsOf(p: string): string[] {
  const out: string[] = [];
  for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) out.push(p.slice(0, i));
  return out;
}

/** An in-memory /dev; directories exist while something is below them. */
export class MapDevFs implements DevFs {
  readonly #entries = new Map<string, DevNodeEntry | { readonly type: 'link'; readonly target: string }>();

  #isDir(p: string): boolean {
    const prefix = p.endsWith('/') ? p : p + '/';
    for (const k of this.#entries.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }

  lstat(p: string): DevEntry | undefined {
    const e = this.#entries.get(p);
    if (e) return e;
    if (p === '/dev' || this.#isDir(p)) return { type: 'dir' };
    return undefined;
  }

  symlink(target: string, p: string): void {
    const e = this.#entries.get(p);
    if (e && e.type !== 'link') throw kerr('EEXIST', `${p}: exists`);
    if (!e && this.#isDir(p)) throw kerr('EEXIST', `${p}: is a directory`);
    for (const parent of parentsOf(p)) if (this.#entries.has(parent)) throw kerr('ENOTDIR', `${parent}: not a directory`);
    this.#entries.set(p, { type: 'link', target });
  }

  unlink(p: string): void {
    const e = this.#entries.get(p);
    if (!e) return;
    if (e.type !== 'link') throw kerr('EISDIR', `${p}: not a symlink`);
    this.#entries.delete(p);
  }

  chmodChown(p: string, mode: number | undefined, uid: number | undefined, gid: number | undefined): void {
    const e = this.#entries.get(p);
    if (!e || e.type === 'link') throw kerr('ENOENT', `${p}: no device node`);
    this.#entries.set(p, { ...e, mode: mode ?? e.mode, uid: uid ?? e.uid, gid: gid ?? e.gid });
  }

  list(): ReadonlyArray<readonly [string, DevEntry]> {
    return [...this.#entries.entries()];
  }

  mknod(p: string, node: DevNodeEntry): void {
    this.#entries.set(p, node);
  }
}

/** Parse a uevent file's KEY=VALUE lines. */
export function parseUevent(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/**
 * The nodes udev-oracle.sh -s creates before the first event: one per uevent file below
 * /sys/devices that has MAJOR, MINOR and DEVNAME (block if the device's subsystem link ends
 * in "block", else char), mode 0600, root:root, first one wins for a duplicate name.
 */
export function initialDevNodes(snapshot: TreeSnapshot, sysfs: SysfsSource): Array<[string, DevNodeEntry]> {
  const out = new Map<string, DevNodeEntry>();
  const dec = new TextDecoder();
  const devicesRoot = snapshot.mountPoint + '/devices/';
  for (const p of snapshot.paths()) {
    if (!p.startsWith(devicesRoot) || !p.endsWith('/uevent')) continue;
    const e = snapshot.entry(p);
    if (!e || e.type !== 'file') continue;
    const kv = parseUevent(dec.decode(snapshot.data(p, e)));
    const major = kv.get('MAJOR');
    const minor = kv.get('MINOR');
    const devname = kv.get('DEVNAME');
    if (!major || !minor || !devname) continue;
    const sub = sysfs.readlink(p.slice(0, -'/uevent'.length) + '/subsystem');
    const block = sub !== undefined && sub.split('/').pop() === 'block';
    const node = '/dev/' + devname.replace(/^\/dev\//, '');
    if (out.has(node)) continue;
    out.set(node, { type: block ? 'block' : 'char', major: Number(major), minor: Number(minor), mode: 0o600, uid: 0, gid: 0 });
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
