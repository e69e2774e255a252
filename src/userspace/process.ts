/**
 * A simulated process: identity (uid, gid, groups, capabilities) and a file-descriptor table,
 * with the system calls a tool or a test would make. Every failure is a DriverModelError with
 * the errno a real process would see.
 */
import { kerr } from '../base/index.js';
import { isAnonInodeFile } from '../bus/index.js';
import type { IoctlCaller } from '../bus/index.js';
import { AddressSpace } from './address-space.js';
import type { Capability } from './capabilities.js';
import type { Credentials } from './cred.js';
import type { OpenFileDescription, OpenMode, Opener, StatResult, Vfs } from './vfs.js';

export interface ProcessSpec {
  readonly uid: number;
  readonly gid: number;
  readonly groups?: readonly number[];
  readonly caps: readonly Capability[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('latin1');

export class Process implements Opener {
  readonly cred: Credentials;
  readonly #fds = new Map<number, OpenFileDescription>();
  /** The process's user memory, where ioctl structures and buffers live. */
  readonly mm = new AddressSpace();

  constructor(
    readonly pid: number,
    readonly name: string,
    spec: ProcessSpec,
    private readonly vfs: Vfs,
  ) {
    this.cred = { uid: spec.uid, gid: spec.gid, groups: spec.groups ?? [], caps: new Set(spec.caps) };
  }

  hasCapability(cap: Capability): boolean {
    return this.cred.caps.has(cap);
  }

  /** open(2): the lowest free descriptor ≥ 3. */
  open(path: string, mode: OpenMode = 'r'): number {
    const description = this.vfs.open(path, mode, this);
    let fd = 3;
    while (this.#fds.has(fd)) fd++;
    this.#fds.set(fd, description);
    return fd;
  }

  #file(fd: number): OpenFileDescription {
    const f = this.#fds.get(fd);
    if (!f) throw kerr('EBADF', `fd ${fd}: Bad file descriptor`);
    return f;
  }

  /** The path an fd was opened with (for ownership queries and reports). */
  pathOf(fd: number): string {
    return this.#file(fd).path;
  }

  get openFiles(): ReadonlyMap<number, OpenFileDescription> {
    return this.#fds;
  }

  read(fd: number, length = 1 << 20): Uint8Array {
    return this.vfs.read(this.#file(fd), length, this);
  }

  pread(fd: number, length: number, offset: number): Uint8Array {
    const f = this.#file(fd);
    const saved = f.pos;
    f.pos = offset;
    try {
      return this.vfs.read(f, length, this);
    } finally {
      f.pos = saved;
    }
  }

  write(fd: number, data: string | Uint8Array): number {
    return this.vfs.write(this.#file(fd), typeof data === 'string' ? encoder.encode(data) : data, this);
  }

  pwrite(fd: number, data: Uint8Array, offset: number): number {
    const f = this.#file(fd);
    const saved = f.pos;
    f.pos = offset;
    try {
      return this.vfs.write(f, data, this);
    } finally {
      f.pos = saved;
    }
  }

  lseek(fd: number, offset: number): number {
    const f = this.#file(fd);
    if (offset < 0) throw kerr('EINVAL', 'lseek: negative offset');
    f.pos = offset;
    return offset;
  }

  /**
   * ioctl(2): `cmd` is the ioctl number; `arg` usually a pointer into `mm`. An argument
   * `{ fd: n, … }` names another descriptor of this process (fdget): the driver receives its
   * open file as `file` (EBADF for a closed one). A result that is a new anonymous file
   * (anon_inode_getfd) is installed at the lowest free descriptor, whose number is returned.
   */
  ioctl(fd: number, cmd: number | string, arg?: unknown): unknown {
    let a = arg;
    if (typeof arg === 'object' && arg !== null && typeof (arg as { fd?: unknown }).fd === 'number') {
      const other = this.#file((arg as { fd: number }).fd);
      a = { ...arg, file: other.kind === 'chr' ? other.file : undefined };
    }
    const result = this.vfs.ioctl(this.#file(fd), cmd, a, this.#caller);
    if (isAnonInodeFile(result)) {
      let n = 3;
      while (this.#fds.has(n)) n++;
      this.#fds.set(n, { kind: 'chr', path: `anon_inode:${result.name}`, cdev: result.cdev, file: result.file, pos: 0, mode: 'rw' });
      return n;
    }
    return result;
  }

  /** `current` as an ioctl handler sees it. */
  get #caller(): IoctlCaller {
    return { mem: this.mm, comm: this.name, pid: this.pid, capable: (cap) => this.cred.caps.has(cap as Capability) };
  }

  close(fd: number): void {
    const f = this.#file(fd);
    this.#fds.delete(fd);
    this.vfs.close(f);
  }

  /** Close every descriptor (process exit). */
  exit(): void {
    for (const fd of [...this.#fds.keys()]) this.close(fd);
  }

  readdir(path: string): string[] {
    return this.vfs.readdir(path, this);
  }

  readlink(path: string): string {
    return this.vfs.readlink(path);
  }

  stat(path: string): StatResult {
    return this.vfs.stat(path);
  }

  lstat(path: string): StatResult {
    return this.vfs.stat(path, true);
  }

  // --- conveniences: what `cat` and `echo … >` do --------------------------------------------

  /** `cat PATH`: open, read everything, close. */
  readFile(path: string): string {
    const fd = this.open(path, 'r');
    try {
      const chunks: Uint8Array[] = [];
      for (;;) {
        const chunk = this.read(fd, 65536);
        if (chunk.length === 0) break;
        chunks.push(chunk);
      }
      return decoder.decode(concat(chunks));
    } finally {
      this.close(fd);
    }
  }

  /** `echo -n VALUE > PATH` as one write(2); returns the count the kernel reported. */
  writeFile(path: string, value: string | Uint8Array): number {
    const fd = this.open(path, 'w');
    try {
      return this.write(fd, value);
    } finally {
      this.close(fd);
    }
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#fds];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
