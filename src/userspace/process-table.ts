/**
 * The machine's processes: `root` (pid 1, uid 0, every capability) always exists; others are
 * spawned by name. Also answers "who holds this file open", the userspace half of ownership.
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { kerr } from '../base/index.js';
import { allCapabilities } from './capabilities.js';
import { Process, type ProcessSpec } from './process.js';
import { IVfs, type Vfs } from './vfs.js';

export const IProcessTable: ServiceIdentifier<ProcessTable> = Symbol.for('IProcessTable');

@injectable()
export class ProcessTable {
  readonly #byName = new Map<string, Process>();
  #nextPid = 1;

  constructor(@inject(IVfs) private readonly vfs: Vfs) {
    this.spawn('root', { uid: 0, gid: 0, caps: allCapabilities });
  }

  /** Start a process. EEXIST if the name is taken. */
  spawn(name: string, spec: ProcessSpec): Process {
    if (this.#byName.has(name)) throw kerr('EEXIST', `process '${name}' exists`);
    const proc = new Process(this.#nextPid++, name, spec, this.vfs);
    this.#byName.set(name, proc);
    return proc;
  }

  get root(): Process {
    return this.#byName.get('root')!;
  }

  get(name: string): Process {
    const p = this.#byName.get(name);
    if (!p) throw kerr('ESRCH', `no process '${name}'`);
    return p;
  }

  find(name: string): Process | undefined {
    return this.#byName.get(name);
  }

  get all(): readonly Process[] {
    return [...this.#byName.values()];
  }

  /** The processes in spawn order, without copying them (the explorer's checks walk them after every task). */
  values(): IterableIterator<Process> {
    return this.#byName.values();
  }

  /** Processes with a file open at `path` (as opened), like `lsof PATH`. */
  holders(path: string): { process: Process; fd: number }[] {
    const out: { process: Process; fd: number }[] = [];
    for (const p of this.#byName.values()) {
      for (const [fd, f] of p.openFiles) if (f.path === path) out.push({ process: p, fd });
    }
    return out;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#byName, this.#nextPid];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#nextPid = v[1] as never;
  }
}
