/**
 * Character devices (fs/char_dev.c): drivers register file operations for a range of device
 * numbers; opening a /dev node finds them by devt. Dynamic majors are handed out as
 * find_dynamic_major does (254 down to 234, then 511 down to 384). Each cdev remembers the
 * module that owns it, so rmmod can refuse while a file is open.
 */
import { injectable, type ServiceIdentifier } from 'inversify';
import { type IDisposable, kerr, toDisposable } from '../base/index.js';
import type { DevT } from './device.js';
import type { IoctlCaller } from './uaccess.js';

/** An open file of a character device, as the driver sees it (struct file). */
export interface CharDevFile {
  /** Opening process's name in the machine, for ownership queries. */
  readonly owner: string;
  readonly pid: number;
  readonly flags: { readonly read: boolean; readonly write: boolean };
  readonly devt: DevT;
  /** Driver-private state (file->private_data). */
  privateData: unknown;
  /** Capability check of the opener (capable() at ioctl time). */
  hasCapability(cap: string): boolean;
}

/** struct file_operations: each throws DriverModelError; absent ones fail as the VFS does. */
export interface FileOperations {
  open?(file: CharDevFile): void;
  release?(file: CharDevFile): void;
  read?(file: CharDevFile, length: number, offset: number): Uint8Array;
  write?(file: CharDevFile, data: Uint8Array, offset: number): number;
  /**
   * unlocked_ioctl: `cmd` is the ioctl number (older callers pass a name); `arg` the raw
   * argument, usually a user pointer into `caller.mem`. ENOIOCTLCMD reaches userspace as ENOTTY.
   */
  ioctl?(file: CharDevFile, cmd: number | string, arg: unknown, caller?: IoctlCaller): unknown;
}

export interface CharDev {
  readonly name: string;
  readonly major: number;
  readonly baseMinor: number;
  readonly count: number;
  readonly fops: FileOperations;
  readonly module: string | undefined;
  /** Files open on it right now. */
  readonly openFiles: Set<CharDevFile>;
}

const anonInodeBrand = Symbol.for('auxbus.AnonInodeFile');

/**
 * anon_inode_getfd: a file with no node (the vfio device fd "[vfio-device]"), returned by an
 * ioctl; the process installs it at its lowest free descriptor. It pins `cdev.module` while open.
 */
export interface AnonInodeFile {
  readonly [anonInodeBrand]: true;
  readonly name: string;
  readonly cdev: CharDev;
  readonly file: CharDevFile;
}

export function isAnonInodeFile(x: unknown): x is AnonInodeFile {
  return typeof x === 'object' && x !== null && (x as { [anonInodeBrand]?: unknown })[anonInodeBrand] === true;
}

export const ICharDevRegistry: ServiceIdentifier<CharDevRegistry> = Symbol.for('ICharDevRegistry');

@injectable()
export class CharDevRegistry {
  readonly #cdevs: CharDev[] = [];
  readonly #regions = new Map<number, string>();
  readonly #anon = new Set<CharDev>();

  /** alloc_chrdev_region: a free dynamic major. */
  allocMajor(name: string): number {
    const candidates = [...range(254, 234), ...range(511, 384)];
    for (const major of candidates) {
      if (!this.#regions.has(major)) {
        this.#regions.set(major, name);
        return major;
      }
    }
    throw kerr('EBUSY', `${name}: no free dynamic major`);
  }

  /** register_chrdev_region for a fixed major. */
  reserveMajor(major: number, name: string): void {
    if (this.#regions.has(major)) throw kerr('EBUSY', `${name}: major ${major} in use`);
    this.#regions.set(major, name);
  }

  unregisterMajor(major: number): void {
    this.#regions.delete(major);
  }

  /** cdev_add: minors [baseMinor, baseMinor+count) of `major` now open through `fops`. */
  add(name: string, major: number, baseMinor: number, count: number, fops: FileOperations, module?: string): IDisposable {
    const clash = this.#cdevs.find((c) => c.major === major && c.baseMinor < baseMinor + count && baseMinor < c.baseMinor + c.count);
    if (clash) throw kerr('EBUSY', `${name}: minors in use by ${clash.name}`);
    const cdev: CharDev = { name, major, baseMinor, count, fops, module, openFiles: new Set() };
    this.#cdevs.push(cdev);
    // cdev_del: idempotent, like the disposable it is.
    return toDisposable(() => {
      const i = this.#cdevs.indexOf(cdev);
      if (i >= 0) this.#cdevs.splice(i, 1);
    });
  }

  /**
   * anon_inode_getfile: a file for `fops`, opened by the same process as `parent`. Counted in
   * the module's references (moduleInUse) until released.
   */
  anonInodeFile(name: string, fops: FileOperations, module: string | undefined, parent: CharDevFile): AnonInodeFile {
    const cdev: CharDev = { name, major: 0, baseMinor: 0, count: 0, fops, module, openFiles: new Set() };
    this.#anon.add(cdev);
    const file: CharDevFile = {
      owner: parent.owner,
      pid: parent.pid,
      flags: { read: true, write: true },
      devt: { major: 0, minor: 0 },
      privateData: undefined,
      hasCapability: (cap) => parent.hasCapability(cap),
    };
    cdev.openFiles.add(file);
    const release = fops.release;
    cdev.fops.release = (f) => {
      release?.(f);
      this.#anon.delete(cdev);
    };
    return { [anonInodeBrand]: true, name, cdev, file };
  }

  lookup(devt: DevT): CharDev | undefined {
    return this.#cdevs.find((c) => c.major === devt.major && devt.minor >= c.baseMinor && devt.minor < c.baseMinor + c.count);
  }

  /** True while a file is open on a cdev owned by `module` (rmmod refuses: EBUSY). Module
   * names compare as modprobe compares them ('-' and '_' alike). */
  moduleInUse(module: string): boolean {
    const norm = (m: string) => m.replace(/-/g, '_');
    return [...this.#cdevs, ...this.#anon].some((c) => c.module !== undefined && norm(c.module) === norm(module) && c.openFiles.size > 0);
  }

  /** Files open on cdevs owned by `module`: each holds a module reference (fops_get). */
  moduleOpenCount(module: string): number {
    const norm = (m: string) => m.replace(/-/g, '_');
    let n = 0;
    for (const c of [...this.#cdevs, ...this.#anon]) if (c.module !== undefined && norm(c.module) === norm(module)) n += c.openFiles.size;
    return n;
  }

  get all(): readonly CharDev[] {
    return this.#cdevs;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#cdevs, this.#regions, this.#anon];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

function* range(from: number, downTo: number): Generator<number> {
  for (let i = from; i >= downTo; i--) yield i;
}
