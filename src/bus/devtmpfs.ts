/**
 * devtmpfs (drivers/base/devtmpfs.c) plus what udev adds to /dev: the kernel creates a node for
 * every device with a devt (0600 root:root unless the class says otherwise) and deletes it when
 * the device goes, even with files open; udev changes mode and ownership and adds symlinks.
 * Nodes are keyed by device, so their existence follows the object model.
 */
import { injectable, type ServiceIdentifier } from 'inversify';
import { isPlainAbsolute, kerr, normalizeAbsolute } from '../base/index.js';
import { type Device, type DevT, deviceDevnodeInfo } from './device.js';
import { deviceDevnodeName } from './uevent.js';

export type DevNode =
  | { readonly kind: 'chr'; readonly path: string; readonly devt: DevT; mode: number; uid: number; gid: number; readonly device: Device }
  | { readonly kind: 'dir'; readonly path: string; readonly mode: number }
  | { readonly kind: 'link'; readonly path: string; readonly target: string };

/**
 * lstat(2) of a /dev path as plain data (the shape udev's DevFs answers): a node's numbers, mode
 * and owner, a symlink's target, or a directory.
 */
export type DevStat =
  | { readonly type: 'char'; readonly major: number; readonly minor: number; readonly mode: number; readonly uid: number; readonly gid: number }
  | { readonly type: 'link'; readonly target: string }
  | { readonly type: 'dir' };

/** Every directory's DevStat (it carries nothing else). */
const DIR_STAT: DevStat = Object.freeze({ type: 'dir' });

interface NodeState {
  mode: number;
  uid: number;
  gid: number;
}

export const IDevtmpfs: ServiceIdentifier<Devtmpfs> = Symbol.for('IDevtmpfs');

@injectable()
export class Devtmpfs {
  readonly #nodes = new Map<Device, NodeState>();
  /** The same nodes by path, and how many nodes each directory below /dev holds (lookups by index). */
  readonly #byPath = new Map<string, Device>();
  readonly #pathOf = new Map<Device, string>();
  readonly #nodeDirs = new Map<string, number>();
  /** Symlinks created by userspace (udev), path → target text. */
  readonly #links = new Map<string, string>();
  /** How many of those symlinks each directory below /dev holds, at any depth (lookups by index). */
  readonly #linkDirs = new Map<string, number>();
  /** Directories created by userspace (udev's mkdir -p for links). */
  readonly #dirs = new Set<string>();

  /** devtmpfs_create_node (device_add, for a device with a devt): the class's mode and owner, else 0600 root:root. */
  createNode(dev: Device): void {
    const info = deviceDevnodeInfo(dev);
    this.#nodes.set(dev, { mode: info?.mode ?? 0o600, uid: info?.uid ?? 0, gid: info?.gid ?? 0 });
    this.#index(dev);
  }

  /** devtmpfs_delete_node (device_del), even with the node open. */
  deleteNode(dev: Device): void {
    this.#nodes.delete(dev);
    this.#unindex(dev);
  }

  /** The device was renamed: its derived node path follows it. */
  renameNode(dev: Device): void {
    if (!this.#nodes.has(dev)) return;
    this.#unindex(dev);
    this.#index(dev);
  }

  #index(dev: Device): void {
    const p = Devtmpfs.nodePath(dev)!;
    this.#byPath.set(p, dev);
    this.#pathOf.set(dev, p);
    for (let i = p.lastIndexOf('/'); i > 4; i = p.lastIndexOf('/', i - 1)) {
      const d = p.slice(0, i);
      this.#nodeDirs.set(d, (this.#nodeDirs.get(d) ?? 0) + 1);
    }
  }

  #unindex(dev: Device): void {
    const p = this.#pathOf.get(dev);
    if (p === undefined) return;
    this.#pathOf.delete(dev);
    if (this.#byPath.get(p) === dev) this.#byPath.delete(p);
    for (let i = p.lastIndexOf('/'); i > 4; i = p.lastIndexOf('/', i - 1)) {
      const d = p.slice(0, i);
      const n = (this.#nodeDirs.get(d) ?? 1) - 1;
      if (n > 0) this.#nodeDirs.set(d, n);
      else this.#nodeDirs.delete(d);
    }
  }

  /** /dev/<devnode name> of a device with a node. */
  static nodePath(dev: Device): string | undefined {
    const name = deviceDevnodeName(dev);
    return name === undefined ? undefined : `/dev/${name}`;
  }

  #nodeEntries(): [string, Device, NodeState][] {
    const out: [string, Device, NodeState][] = [];
    for (const [dev, state] of this.#nodes) out.push([Devtmpfs.nodePath(dev)!, dev, state]);
    return out;
  }

  /** The node, link or directory at an absolute /dev path (no symlink following). */
  lookup(path: string): DevNode | undefined {
    const norm = normalizeAbsolute(path);
    if (norm === '/dev') return { kind: 'dir', path: norm, mode: 0o755 };
    const dev = this.#byPath.get(norm);
    const st = dev && this.#nodes.get(dev);
    if (dev && st) {
      const p = norm;
      {
        return {
          kind: 'chr',
          path: p,
          devt: dev.devt!,
          device: dev,
          get mode() {
            return st.mode;
          },
          set mode(m: number) {
            st.mode = m;
          },
          get uid() {
            return st.uid;
          },
          set uid(u: number) {
            st.uid = u;
          },
          get gid() {
            return st.gid;
          },
          set gid(g: number) {
            st.gid = g;
          },
        };
      }
    }
    const link = this.#links.get(norm);
    if (link !== undefined) return { kind: 'link', path: norm, target: link };
    if (this.#isDir(norm)) return { kind: 'dir', path: norm, mode: 0o755 };
    return undefined;
  }

  /**
   * What `lookup` would find at `path`, as plain data: no node object (whose accessors cost a
   * closure each) for the callers that only read it.
   */
  stat(path: string): DevStat | undefined {
    const norm = normalizeAbsolute(path);
    if (norm === '/dev') return DIR_STAT;
    const dev = this.#byPath.get(norm);
    const st = dev && this.#nodes.get(dev);
    if (dev && st) return { type: 'char', major: dev.devt!.major, minor: dev.devt!.minor, mode: st.mode, uid: st.uid, gid: st.gid };
    const link = this.#links.get(norm);
    if (link !== undefined) return { type: 'link', target: link };
    return this.#isDir(norm) ? DIR_STAT : undefined;
  }

  /** The kind of what `lookup` would find at a normalized path, undefined for nothing. */
  #kindAt(norm: string): DevNode['kind'] | undefined {
    if (norm === '/dev') return 'dir';
    const dev = this.#byPath.get(norm);
    if (dev && this.#nodes.has(dev)) return 'chr';
    if (this.#links.has(norm)) return 'link';
    return this.#isDir(norm) ? 'dir' : undefined;
  }

  /**
   * chmod(2) and chown(2) of the device node at `path` (no symlink following, as udev's
   * fchmod/fchown on the node it opened): undefined leaves a value as it is.
   * @throws {DriverModelError} ENOENT when no device node is there.
   */
  setNodeAttrs(path: string, mode: number | undefined, uid: number | undefined, gid: number | undefined): void {
    const dev = this.#byPath.get(normalizeAbsolute(path));
    const st = dev && this.#nodes.get(dev);
    if (!st) throw kerr('ENOENT', `${path}: No such file or directory`);
    if (mode !== undefined) st.mode = mode & 0o7777;
    if (uid !== undefined) st.uid = uid;
    if (gid !== undefined) st.gid = gid;
  }

  #isDir(path: string): boolean {
    return this.#dirs.has(path) || this.#nodeDirs.has(path) || this.#linkDirs.has(path);
  }

  /** Count a symlink in (`by` 1) or out of (-1) every directory above it below /dev. */
  #countLink(path: string, by: 1 | -1): void {
    for (let i = path.lastIndexOf('/'); i > 4; i = path.lastIndexOf('/', i - 1)) {
      const d = path.slice(0, i);
      const n = (this.#linkDirs.get(d) ?? 0) + by;
      if (n > 0) this.#linkDirs.set(d, n);
      else this.#linkDirs.delete(d);
    }
  }

  /** Entries of a directory. */
  readdir(path: string): string[] {
    const norm = normalizeAbsolute(path);
    const node = this.lookup(norm);
    if (!node) throw kerr('ENOENT', `${path}: no such file or directory`);
    if (node.kind !== 'dir') throw kerr('ENOTDIR', `${path}: not a directory`);
    const prefix = norm === '/dev' ? '/dev/' : `${norm}/`;
    const names = new Set<string>();
    const all = [...this.#nodeEntries().map(([p]) => p), ...this.#links.keys(), ...this.#dirs];
    for (const p of all) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
    return [...names].sort();
  }

  /** Follow symlinks to the final node (ELOOP after 40). */
  resolve(path: string): DevNode | undefined {
    let current = normalizeAbsolute(path);
    for (let i = 0; i < 40; i++) {
      const node = this.lookup(current);
      if (!node || node.kind !== 'link') return node;
      current = node.target.startsWith('/') ? normalizeAbsolute(node.target) : normalizeAbsolute(`${parentOf(current)}/${node.target}`);
    }
    throw kerr('ELOOP', path);
  }

  chmod(path: string, mode: number): void {
    const node = this.resolve(path);
    if (!node || node.kind !== 'chr') throw kerr('ENOENT', path);
    node.mode = mode & 0o7777;
  }

  chown(path: string, uid: number, gid: number): void {
    const node = this.resolve(path);
    if (!node || node.kind !== 'chr') throw kerr('ENOENT', path);
    node.uid = uid;
    node.gid = gid;
  }

  /** symlink(2) by userspace; EEXIST if the path is taken. */
  symlink(target: string, path: string): void {
    const norm = normalizeAbsolute(path);
    if (this.#kindAt(norm) !== undefined) throw kerr('EEXIST', path);
    this.#links.set(norm, target);
    this.#countLink(norm, 1);
  }

  mkdir(path: string): void {
    this.#dirs.add(normalizeAbsolute(path));
  }

  /** rmdir(2) of a userspace directory: ENOTEMPTY while anything lives below it. */
  rmdir(path: string): void {
    const failed = this.#rmdir(normalizeAbsolute(path));
    if (failed !== undefined) throw kerr(failed, path);
  }

  /** rmdir(2) of a normalized path: the errno it fails with, undefined once removed. */
  #rmdir(norm: string): 'ENOENT' | 'ENOTEMPTY' | undefined {
    if (!this.#dirs.has(norm)) return 'ENOENT';
    if (this.#nodeDirs.has(norm) || this.#linkDirs.has(norm)) return 'ENOTEMPTY';
    const prefix = `${norm}/`;
    for (const p of this.#dirs) if (p.startsWith(prefix)) return 'ENOTEMPTY';
    this.#dirs.delete(norm);
    return undefined;
  }

  /**
   * mkdir -p of the directories above `path` below /dev (udev's mkdir_parents before a symlink).
   * @throws {DriverModelError} ENOTDIR when a component exists and is not a directory.
   */
  mkdirParents(path: string): void {
    if (!isPlainAbsolute(path)) {
      const parts = path.split('/').filter(Boolean);
      for (let i = 2; i < parts.length; i++) {
        const dir = `/${parts.slice(0, i).join('/')}`;
        this.#mkdirOne(dir, normalizeAbsolute(dir));
      }
      return;
    }
    // A plain path's directories are its prefixes ending before each '/' past the second (plain too).
    for (let i = path.indexOf('/', path.indexOf('/', 1) + 1); i > 0; i = path.indexOf('/', i + 1)) {
      const dir = path.slice(0, i);
      this.#mkdirOne(dir, dir);
    }
  }

  /** One step of mkdirParents: `dir` (`norm` normalized) is made unless it is a directory already. */
  #mkdirOne(dir: string, norm: string): void {
    const kind = this.#kindAt(norm);
    if (kind === undefined) this.#dirs.add(norm);
    else if (kind !== 'dir') throw kerr('ENOTDIR', `${dir}: Not a directory`);
  }

  /** rmdir_parents: drop the directories above `path` that became empty, up to /dev. */
  rmdirParents(path: string): void {
    let dir = withoutLast(path);
    // The walk stops at the first directory rmdir refuses (ENOENT, ENOTEMPTY), without an error object.
    while (dir !== '/dev' && dir.startsWith('/dev/')) {
      if (this.#rmdir(normalizeAbsolute(dir)) !== undefined) break;
      dir = withoutLast(dir);
    }
  }

  /** unlink(2) of a userspace symlink. */
  unlink(path: string): void {
    const norm = normalizeAbsolute(path);
    if (!this.#links.delete(norm)) throw kerr('ENOENT', path);
    this.#countLink(norm, -1);
  }

  /** Every symlink, path → target. */
  get links(): ReadonlyMap<string, string> {
    return this.#links;
  }

  /** Every device node currently present. */
  nodes(): DevNode[] {
    return this.#nodeEntries().map(([p]) => this.lookup(p)!);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#nodes, this.#byPath, this.#pathOf, this.#nodeDirs, this.#links, this.#linkDirs, this.#dirs];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

function parentOf(path: string): string {
  return withoutLast(path) || '/';
}

/** The path without its last '/' and what follows (`split('/').slice(0, -1).join('/')`, without the arrays). */
function withoutLast(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
