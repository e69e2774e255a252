/**
 * An in-memory /dev implementing DevFs: device nodes (as devtmpfs creates them), symlinks
 * and the directories between them. Directories exist only while something is below them
 * (removing the last symlink removes its now-empty parents, as udev's rmdir_parents does).
 */
import { kerr } from '../../base/index.js';
import type { DevEntry, DevFs, DevNodeEntry, SysfsSource } from './sysfs-source.js';

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

/**
 * Create the device nodes devtmpfs would have for a sysfs tree (the oracle's `-s DIR` mode):
 * every /sys/devices/…/uevent with MAJOR, MINOR and DEVNAME gets a node, mode 0600, root:root,
 * block for subsystem `block`, else char.
 */
export function populateDevFsFromSysfs(devfs: MemoryDevFs, sysfs: SysfsSource): void {
  const walk = (dir: string): void => {
    for (const name of sysfs.readdir(dir) ?? []) {
      const p = `${dir}/${name}`;
      const st = sysfs.lstat(p);
      if (!st) continue;
      if (st.type === 'dir') walk(p);
      else if (st.type === 'file' && name === 'uevent') {
        let text: string;
        try {
          text = new TextDecoder().decode(sysfs.readFile(p));
        } catch {
          continue;
        }
        const env = new Map<string, string>();
        for (const line of text.split('\n')) {
          const eq = line.indexOf('=');
          if (eq > 0) env.set(line.slice(0, eq), line.slice(eq + 1));
        }
        const major = env.get('MAJOR');
        const minor = env.get('MINOR');
        const devname = env.get('DEVNAME');
        if (!major || !minor || !devname) continue;
        const node = devname.startsWith('/') ? devname : `/dev/${devname}`;
        if (devfs.lstat(node)) continue;
        const sub = sysfs.readlink(`${dir}/subsystem`);
        const isBlock = sub !== undefined && sub.slice(sub.lastIndexOf('/') + 1) === 'block';
        devfs.mknod(node, { type: isBlock ? 'block' : 'char', major: Number(major), minor: Number(minor), mode: 0o600, uid: 0, gid: 0 });
      }
    }
  };
  walk('/sys/devices');
}
