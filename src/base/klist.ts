/**
 * An ordered list with constant-time append, removal and membership (the role of the kernel's
 * klist: a device on its bus, driver or class list). Iteration is in insertion order; removing
 * an item during iteration is safe (the iterator steps past it), as klist_next allows.
 */
import { nextSnapshotStamp } from './snapshot.js';

interface Node<T> {
  readonly item: T;
  prev: Node<T> | undefined;
  next: Node<T> | undefined;
  removed: boolean;
}

/** What readers of a KList see. */
export interface ReadonlyKList<T> extends Iterable<T> {
  readonly length: number;
  has(item: T): boolean;
  /** The last item (klist's tail), or undefined when empty. */
  last(): T | undefined;
  find(pred: (item: T) => boolean): T | undefined;
  some(pred: (item: T) => boolean): boolean;
  filter<S extends T>(pred: (item: T) => item is S): S[];
  filter(pred: (item: T) => boolean): T[];
  map<U>(fn: (item: T) => U): U[];
}

export class KList<T> implements ReadonlyKList<T> {
  readonly #nodes = new Map<T, Node<T>>();
  #head: Node<T> | undefined;
  #tail: Node<T> | undefined;
  /** Taken anew on every push and removal: the nodes and their links change only then (snapshotStamp). */
  #stamp = nextSnapshotStamp();

  get length(): number {
    return this.#nodes.size;
  }

  has(item: T): boolean {
    return this.#nodes.has(item);
  }

  /** Append `item` (klist_add_tail); an item already on the list stays where it is. */
  push(item: T): void {
    if (this.#nodes.has(item)) return;
    this.#stamp = nextSnapshotStamp();
    const node: Node<T> = { item, prev: this.#tail, next: undefined, removed: false };
    if (this.#tail) this.#tail.next = node;
    else this.#head = node;
    this.#tail = node;
    this.#nodes.set(item, node);
  }

  /** Take `item` off the list (klist_del); false when it was not on it. */
  remove(item: T): boolean {
    const node = this.#nodes.get(item);
    if (!node) return false;
    this.#stamp = nextSnapshotStamp();
    this.#nodes.delete(item);
    node.removed = true;
    if (node.prev) node.prev.next = node.next;
    else this.#head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.#tail = node.prev;
    return true;
  }

  last(): T | undefined {
    return this.#tail?.item;
  }

  *[Symbol.iterator](): Iterator<T> {
    let node = this.#head;
    while (node) {
      yield node.item;
      // A node removed while the caller held it keeps its `next`; skip nodes removed after it.
      let next = node.next;
      while (next?.removed) next = next.next;
      node = next;
    }
  }

  find(pred: (item: T) => boolean): T | undefined {
    for (const item of this) if (pred(item)) return item;
    return undefined;
  }

  some(pred: (item: T) => boolean): boolean {
    return this.find(pred) !== undefined;
  }

  filter<S extends T>(pred: (item: T) => item is S): S[];
  filter(pred: (item: T) => boolean): T[];
  filter(pred: (item: T) => boolean): T[] {
    const out: T[] = [];
    for (const item of this) if (pred(item)) out.push(item);
    return out;
  }

  map<U>(fn: (item: T) => U): U[] {
    const out: U[] = [];
    for (const item of this) out.push(fn(item));
    return out;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#nodes, this.#head, this.#tail, this.#stamp];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#head = v[1] as never;
    this.#tail = v[2] as never;
    this.#stamp = v[3] as never;
  }
  /** The nodes (the Map, each node) are this list's own, changed only by `push` and `remove`. */
  snapshotStamp(): number {
    return this.#stamp;
  }
}
