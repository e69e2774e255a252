/**
 * A small /proc: the files this model has facts for (cmdline, modules, iomem, and /proc/sys
 * entries such as kernel/tainted). Files are computed on read; writable /proc/sys entries keep
 * their value (udev's SYSCTL{} writes land here).
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { kerr } from '../base/index.js';
import {
  type BootParams,
  IBootParams,
  IModuleLoader,
  IResourceTree,
  ITaint,
  type ModuleLoader,
  type ResourceTree,
  type Taint,
} from '../bus/index.js';

export interface ProcFile {
  readonly path: string;
  readonly mode: number;
  read(): string;
  write?(value: string): void;
}

export const IProcfs: ServiceIdentifier<Procfs> = Symbol.for('IProcfs');

@injectable()
export class Procfs {
  /** Writable /proc/sys values, key `a/b/c` → value (no trailing newline). */
  readonly #sysctl = new Map<string, string>([
    ['kernel/hostname', 'auxbus'],
    ['kernel/printk', '4\t4\t1\t7'],
    ['net/ipv6/conf/default/use_tempaddr', '0'],
    ['net/ipv4/conf/default/rp_filter', '2'],
    ['net/core/somaxconn', '4096'],
  ]);

  constructor(
    @inject(IBootParams) private readonly boot: BootParams,
    @inject(ITaint) private readonly taint: Taint,
    @inject(IModuleLoader) private readonly modules: ModuleLoader,
    @inject(IResourceTree) private readonly resources: ResourceTree,
  ) {}

  #files(): Map<string, ProcFile> {
    const files = new Map<string, ProcFile>();
    const ro = (path: string, read: () => string) => files.set(path, { path, mode: 0o444, read });
    ro('/proc/cmdline', () => `${this.boot.cmdline}\n`);
    // Newest first (load_module adds at the head of the list); the count is module_refcount().
    ro('/proc/modules', () =>
      [...this.modules.loaded]
        .reverse()
        .map((m) => {
          const holders = this.modules.holders(m);
          return `${m} 16384 ${this.modules.refcount(m)} ${holders.length ? `${holders.join(',')},` : '-'} Live 0x0000000000000000\n`;
        })
        .join(''),
    );
    ro('/proc/iomem', () =>
      this.resources.claims
        .filter((r) => r.kind === 'mem')
        .map((r) => `${r.start.toString(16).padStart(8, '0')}-${r.end.toString(16).padStart(8, '0')} : ${r.owner}\n`)
        .join(''),
    );
    ro('/proc/sys/kernel/tainted', () => `${this.taint.mask}\n`);
    for (const [key, value] of this.#sysctl) {
      const path = `/proc/sys/${key}`;
      files.set(path, {
        path,
        mode: 0o644,
        read: () => `${value}\n`,
        write: (v) => {
          this.#sysctl.set(key, v.replace(/\n$/, ''));
        },
      });
    }
    return files;
  }

  lookup(path: string): ProcFile | undefined {
    return this.#files().get(path);
  }

  /** Entries of a /proc directory (for ls). */
  readdir(path: string): string[] {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const names = new Set<string>();
    for (const p of this.#files().keys()) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
    if (names.size === 0) throw kerr('ENOENT', `${path}: no such file or directory`);
    return [...names].sort();
  }

  isDir(path: string): boolean {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    for (const p of this.#files().keys()) if (p.startsWith(prefix)) return true;
    return false;
  }

  /** Define a /proc/sys entry (tests and presets). */
  setSysctl(key: string, value: string): void {
    this.#sysctl.set(key.replace(/\./g, '/'), value);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#sysctl];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
