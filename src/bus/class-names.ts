/**
 * The lowest free number of a `%d` name pattern in a class, as __dev_alloc_name (net/core/dev.c)
 * and the RDMA core's alloc_name (drivers/infiniband/core/device.c) find it — they walk every
 * device of the class marking the numbers in use; the result is the lowest number no device's
 * name takes. Here each pattern keeps a hint: every number below it is in use. A search starts
 * at the hint and tests names by the class's name index; a name that leaves the class (device_del,
 * device_rename) lowers the hints it falls below. Naming the n-th device of a class is then O(1)
 * amortised instead of O(n), with the same answer.
 */

/** Names tested by `lowestFree` (a work counter for the scaling tests). */
export const classNameWork = { probes: 0 };

/** A number as %d prints it: 0, or a digit string without leading zeros. */
const CANONICAL = /^(0|[1-9][0-9]*)$/;

export class ClassNameNumbers {
  /** `${prefix}\0${suffix}` → every number below it is in use by that pattern. */
  readonly #hints = new Map<string, number>();

  /**
   * The lowest n in [0, limit) for which `taken(prefix + n + suffix)` is false, or undefined when
   * every one is taken. `taken` must stay true for a name until `freed` is told of it.
   */
  lowestFree(prefix: string, suffix: string, limit: number, taken: (name: string) => boolean): number | undefined {
    const key = `${prefix}\0${suffix}`;
    for (let i = this.#hints.get(key) ?? 0; i < limit; i++) {
      classNameWork.probes++;
      if (taken(`${prefix}${i}${suffix}`)) continue;
      this.#hints.set(key, i);
      return i;
    }
    this.#hints.set(key, limit);
    return undefined;
  }

  /** A device of the class gave up `name` (removed or renamed): its number is free again. */
  freed(name: string): void {
    for (const [key, hint] of this.#hints) {
      const cut = key.indexOf('\0');
      const prefix = key.slice(0, cut);
      const suffix = key.slice(cut + 1);
      if (name.length <= prefix.length + suffix.length || !name.startsWith(prefix) || !name.endsWith(suffix)) continue;
      const mid = name.slice(prefix.length, name.length - suffix.length);
      if (!CANONICAL.test(mid)) continue;
      const n = Number(mid);
      if (n < hint) this.#hints.set(key, n);
    }
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#hints];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
