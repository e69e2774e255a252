/**
 * The scheduler's pending timers: a binary min-heap by (deadline, queue order), so a timer is
 * added and the earliest taken in O(log n) — a sorted array walked from its end to insert made
 * every short timer queued behind many long ones (a DOE abort behind every mailbox's timeout)
 * cost the whole list. Cancelled timers leave when they reach the top, or all at once when they
 * are more than half the heap.
 */

/** What the queue orders: a deadline, a queue order (`id`), and whether it was cancelled. */
export interface TimerEntry {
  readonly id: number;
  readonly due: number;
  readonly cancelled: boolean;
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.due < b.due || (a.due === b.due && a.id < b.id);
}

export class TimerQueue<T extends TimerEntry> {
  #a: T[] = [];
  #cancelled = 0;

  /** Add a timer. */
  push(t: T): void {
    const a = this.#a;
    a.push(t);
    this.#up(a.length - 1);
  }

  /** The earliest timer not cancelled, left in place; undefined when none is left. */
  peek(): T | undefined {
    const a = this.#a;
    while (a.length > 0 && a[0]!.cancelled) {
      this.#popTop();
      if (this.#cancelled > 0) this.#cancelled--;
    }
    return a[0];
  }

  /** Take the earliest timer not cancelled. */
  shift(): T | undefined {
    const t = this.peek();
    if (t) this.#popTop();
    return t;
  }

  /** A timer in the queue was cancelled: past half the heap, the cancelled ones are dropped. */
  noteCancelled(): void {
    if (++this.#cancelled * 2 <= this.#a.length || this.#a.length < 64) return;
    this.#a = this.#a.filter((t) => !t.cancelled);
    for (let i = (this.#a.length >> 1) - 1; i >= 0; i--) this.#down(i);
    this.#cancelled = 0;
  }

  /** The timers not cancelled, earliest first (a sorted copy). */
  live(): T[] {
    return this.#a.filter((t) => !t.cancelled).sort((x, y) => (before(x, y) ? -1 : 1));
  }

  #popTop(): void {
    const a = this.#a;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      this.#down(0);
    }
  }

  #up(i: number): void {
    const a = this.#a;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(a[i]!, a[up]!)) break;
      const t = a[i]!;
      a[i] = a[up]!;
      a[up] = t;
      i = up;
    }
  }

  #down(i: number): void {
    const a = this.#a;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && before(a[l]!, a[m]!)) m = l;
      if (r < a.length && before(a[r]!, a[m]!)) m = r;
      if (m === i) return;
      const t = a[i]!;
      a[i] = a[m]!;
      a[m] = t;
      i = m;
    }
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#a, this.#cancelled];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#a = v[0] as never;
    this.#cancelled = v[1] as never;
  }
}
