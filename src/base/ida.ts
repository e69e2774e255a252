/**
 * IdAllocator: the lowest free non-negative integer, like the kernel's ida_alloc/ida_free
 * (auxiliary ids per match name, mlx5 adev_idx, fwctl minors, ethN names).
 */
import { BugIndicatingError } from './errors.js';
import { nextSnapshotStamp } from './snapshot.js';

export class IdAllocator {
  readonly #used = new Set<number>();
  /** Every id in [min, #hint) is used: the search for the lowest free id starts here. */
  #hint: number;
  /** Taken anew on every change of `#used` or `#hint` (Snapshottable.snapshotStamp). */
  #stamp = nextSnapshotStamp();

  constructor(readonly min = 0) {
    this.#hint = min;
  }

  /** Allocate the lowest free id ≥ `min`. */
  alloc(): number {
    let id = this.#hint;
    while (this.#used.has(id)) id++;
    this.#stamp = nextSnapshotStamp();
    this.#used.add(id);
    this.#hint = id + 1;
    return id;
  }

  /** Mark `id` used; false if it already was. */
  take(id: number): boolean {
    if (this.#used.has(id)) return false;
    this.#stamp = nextSnapshotStamp();
    this.#used.add(id);
    return true;
  }

  free(id: number): void {
    this.#stamp = nextSnapshotStamp();
    if (!this.#used.delete(id)) throw new BugIndicatingError(`ida: freeing unallocated id ${id}`);
    if (id >= this.min && id < this.#hint) this.#hint = id;
  }

  has(id: number): boolean {
    return this.#used.has(id);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#used, this.#hint, this.#stamp];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#hint = v[1] as never;
    this.#stamp = v[2] as never;
  }
  snapshotStamp(): number {
    return this.#stamp;
  }
}
