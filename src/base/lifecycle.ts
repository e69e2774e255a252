/**
 * Disposables (VS Code lifecycle.ts): everything that registers returns an IDisposable, and a
 * DisposableStore releases what it holds last-in-first-out, the order devres and probe unwinding
 * need.
 */
import { BugIndicatingError } from './errors.js';

export interface IDisposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): IDisposable {
  // `done` is a field, not a closure variable, so a machine snapshot restores it (docs/snapshot.md).
  const d = {
    done: false,
    dispose(): void {
      if (!d.done) {
        d.done = true;
        fn();
      }
    },
  };
  return d;
}

/** Holds disposables and disposes them in reverse order of addition. */
export class DisposableStore implements IDisposable {
  #items: IDisposable[] = [];
  #disposed = false;

  get isDisposed(): boolean {
    return this.#disposed;
  }

  get size(): number {
    return this.#items.length;
  }

  add<T extends IDisposable>(d: T): T {
    if (this.#disposed) {
      d.dispose();
      throw new BugIndicatingError('DisposableStore: add after dispose');
    }
    this.#items.push(d);
    return d;
  }

  /** Disposes every item, newest first, and leaves the store reusable. Errors are collected and
   * the first is rethrown after all items ran, so one failing release cannot leak the rest. */
  clear(): void {
    let first: unknown;
    while (this.#items.length > 0) {
      const d = this.#items.pop()!;
      try {
        d.dispose();
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== undefined) throw first;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.clear();
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#items, this.#disposed];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#items = v[0] as never;
    this.#disposed = v[1] as never;
  }
}

/** Base class for services: `_register()` children, disposed with the service. */
export abstract class Disposable implements IDisposable {
  protected readonly _store = new DisposableStore();

  protected _register<T extends IDisposable>(d: T): T {
    return this._store.add(d);
  }

  dispose(): void {
    this._store.dispose();
  }
}
