/**
 * The udev engine's two filesystem views (SysfsSource, DevFs) over the simulated kernel: /sys
 * and /proc/sys as root sees them through the system-call layer, and /dev through devtmpfs.
 * udevd and `udevadm` on a machine use these; nothing here keeps state of its own.
 */
import { kerr } from '../base/index.js';
import type { Devtmpfs } from '../bus/index.js';
import type { DevEntry, DevFs, SysfsSource, SysfsStat } from '../udev/index.js';
import type { Machine } from './machine.js';

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** latin1Bytes() as a byte string. */
function latin1String(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(s.charCodeAt(i) & 0xff);
  return out;
}

export class MachineSysfs implements SysfsSource {
  constructor(private readonly machine: Machine) {}

  lstat(path: string): SysfsStat | undefined {
    const st = this.machine.vfs.tryStat(path, true);
    if (!st) return undefined;
    return { type: st.type === 'chr' ? 'file' : st.type, mode: st.mode & 0o7777 };
  }

  readlink(path: string): string | undefined {
    return this.machine.vfs.tryReadlink(path);
  }

  readdir(path: string): readonly string[] | undefined {
    try {
      return this.machine.vfs.readdir(path, this.machine.processes.root);
    } catch {
      return undefined;
    }
  }

  readFile(path: string): Uint8Array {
    return latin1Bytes(this.machine.processes.root.readFile(path));
  }

  /** readFile() as a byte string; a sysfs text attribute is read without a file description. */
  readFileBytes(path: string): string {
    const root = this.machine.processes.root;
    const text = this.machine.vfs.readSysfsText(path, root) ?? root.readFile(path);
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return latin1String(text);
    return text;
  }

  writeFile(path: string, data: Uint8Array): void {
    const root = this.machine.processes.root;
    const fd = root.open(path, 'w');
    try {
      root.write(fd, data);
    } finally {
      root.close(fd);
    }
  }
}

export class MachineDevFs implements DevFs {
  constructor(private readonly devtmpfs: Devtmpfs) {}

  lstat(path: string): DevEntry | undefined {
    return this.devtmpfs.stat(path);
  }

  symlink(target: string, path: string): void {
    const existing = this.devtmpfs.stat(path);
    if (existing && existing.type !== 'link') throw kerr('EEXIST', `${path}: File exists`);
    this.devtmpfs.mkdirParents(path);
    if (existing) this.devtmpfs.unlink(path);
    this.devtmpfs.symlink(target, path);
  }

  unlink(path: string): void {
    if (this.devtmpfs.stat(path)?.type !== 'link') return;
    this.devtmpfs.unlink(path);
    this.devtmpfs.rmdirParents(path);
  }

  chmodChown(path: string, mode: number | undefined, uid: number | undefined, gid: number | undefined): void {
    this.devtmpfs.setNodeAttrs(path, mode, uid, gid);
  }

  list(): ReadonlyArray<readonly [string, DevEntry]> {
    const out: [string, DevEntry][] = [];
    for (const node of this.devtmpfs.nodes()) out.push([node.path, this.lstat(node.path)!]);
    for (const [path, target] of this.devtmpfs.links) out.push([path, { type: 'link', target }]);
    return out;
  }
}
