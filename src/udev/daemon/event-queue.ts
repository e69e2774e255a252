/**
 * udevd's event queue (the Event list of udevd.c, 252): every uevent udevd received, in the order
 * it arrived (SEQNUM order), queued or running, and event_is_blocked(): an event may not start
 * while an earlier event in the queue concerns the same device id, a devpath equal to, above or
 * below its own (DEVPATH_OLD of a move counts too), or the same device node.
 */

/** Where an event is (EVENT_QUEUED / EVENT_RUNNING); a finished event leaves the queue. */
export type QueuedEventState = 'queued' | 'running';

/** The facts event_is_blocked() compares, captured when the event is inserted. */
export interface QueuedEventKey {
  readonly seqnum: number;
  /** DEVPATH as the kernel sent it (`/devices/…`, `/module/…`, `/bus/pci/drivers/…`). */
  readonly devpath: string;
  /** DEVPATH_OLD of a `move` event. */
  readonly devpathOld: string | undefined;
  /** The device id (`c240:0`, `n3`, `+pci:0000:0d:00.0`), undefined when it has none. */
  readonly id: string | undefined;
  /** DEVNAME (absolute), if the device has a node. */
  readonly devnode: string | undefined;
}

export interface QueuedEvent<T> extends QueuedEventKey {
  state: QueuedEventState;
  /**
   * The last event found blocking this one; equal to `seqnum` once the queue was found to hold
   * no blocker (which stays true: later arrivals never block an earlier event).
   */
  blockerSeqnum: number;
  readonly payload: T;
}

/**
 * devpath_conflict(): the two paths are equal, or one is an ancestor of the other (the shorter
 * is a prefix ending at a `/` of the longer). Undefined never conflicts.
 */
export function devpathConflict(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  if (a.length === b.length) return true;
  return a.length > n ? a.charCodeAt(n) === 47 : b.charCodeAt(n) === 47;
}

/** Does `earlier` keep `event` from starting? (one iteration of event_is_blocked's scan) */
export function eventsConflict(event: QueuedEventKey, earlier: QueuedEventKey): boolean {
  if (event.id !== undefined && event.id === earlier.id) return true;
  if (
    devpathConflict(event.devpath, earlier.devpath) ||
    devpathConflict(event.devpath, earlier.devpathOld) ||
    devpathConflict(event.devpathOld, earlier.devpath)
  )
    return true;
  return event.devnode !== undefined && event.devnode === earlier.devnode;
}

/** Every proper ancestor of a devpath: its prefixes that end just before a `/`. */
function ancestors(devpath: string): string[] {
  const out: string[] = [];
  for (let i = devpath.indexOf('/', 1); i > 0; i = devpath.indexOf('/', i + 1)) out.push(devpath.slice(0, i));
  return out;
}

/** Events by one key, each set in insertion (SEQNUM) order. */
class KeyIndex<E> {
  readonly #sets = new Map<string, Set<E>>();

  add(key: string | undefined, e: E): void {
    if (key === undefined) return;
    let set = this.#sets.get(key);
    if (!set) this.#sets.set(key, (set = new Set()));
    set.add(e);
  }

  delete(key: string | undefined, e: E): void {
    if (key === undefined) return;
    const set = this.#sets.get(key);
    if (set?.delete(e) && set.size === 0) this.#sets.delete(key);
  }

  /** The earliest event under `key`. */
  first(key: string | undefined): E | undefined {
    if (key === undefined) return undefined;
    const set = this.#sets.get(key);
    if (!set) return undefined;
    for (const e of set) return e;
    return undefined;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#sets];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/** A binary min-heap of events by SEQNUM. */
class SeqnumHeap<E extends { readonly seqnum: number }> {
  readonly #a: E[] = [];

  get size(): number {
    return this.#a.length;
  }

  push(e: E): void {
    const a = this.#a;
    a.push(e);
    for (let i = a.length - 1; i > 0;) {
      const up = (i - 1) >> 1;
      if (a[up]!.seqnum <= a[i]!.seqnum) break;
      [a[up], a[i]] = [a[i]!, a[up]!];
      i = up;
    }
  }

  pop(): E | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.seqnum < a[m]!.seqnum) m = l;
        if (r < a.length && a[r]!.seqnum < a[m]!.seqnum) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#a];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/**
 * The queue. Events stay in arrival order; `insert` appends, `remove` drops a finished event.
 * Contract: events are inserted in increasing SEQNUM order (the kernel's netlink order).
 *
 * Every conflict event_is_blocked() looks for is found through an index (device id, device
 * node, devpath and each of its ancestors, DEVPATH_OLD) instead of a scan of the earlier events,
 * and an event blocked by another waits on that blocker's list until it leaves: the work per
 * event does not grow with the length of the queue. The answers are those of the scan.
 */
export class UdevEventQueue<T> {
  /** Every event by SEQNUM, in arrival order. */
  readonly #events = new Map<number, QueuedEvent<T>>();
  readonly #byId = new KeyIndex<QueuedEvent<T>>();
  readonly #byDevnode = new KeyIndex<QueuedEvent<T>>();
  /** Events by their devpath. */
  readonly #byPath = new KeyIndex<QueuedEvent<T>>();
  /** Events by their DEVPATH_OLD. */
  readonly #byOldPath = new KeyIndex<QueuedEvent<T>>();
  /** Events by each proper ancestor of their devpath. */
  readonly #byAncestor = new KeyIndex<QueuedEvent<T>>();
  /** Events by each proper ancestor of their DEVPATH_OLD. */
  readonly #byOldAncestor = new KeyIndex<QueuedEvent<T>>();
  /** Queued events not blocked when last checked, to start in SEQNUM order. */
  readonly #ready = new SeqnumHeap<QueuedEvent<T>>();
  /** Queued events waiting for the blocker (by its SEQNUM) to leave the queue. */
  readonly #waiting = new Map<number, QueuedEvent<T>[]>();
  readonly #running = new Set<QueuedEvent<T>>();

  /** The queue, oldest first (a copy). */
  get events(): readonly QueuedEvent<T>[] {
    return [...this.#events.values()];
  }

  get length(): number {
    return this.#events.size;
  }

  get isEmpty(): boolean {
    return this.#events.size === 0;
  }

  /** Number of events a worker is processing. */
  get running(): number {
    return this.#running.size;
  }

  /** event_queue_insert(): append a queued event. */
  insert(key: QueuedEventKey, payload: T): QueuedEvent<T> {
    const event: QueuedEvent<T> = { ...key, state: 'queued', blockerSeqnum: 0, payload };
    this.#events.set(event.seqnum, event);
    this.#byId.add(event.id, event);
    this.#byDevnode.add(event.devnode, event);
    this.#byPath.add(event.devpath, event);
    this.#byOldPath.add(event.devpathOld, event);
    for (const a of ancestors(event.devpath)) this.#byAncestor.add(a, event);
    if (event.devpathOld !== undefined) for (const a of ancestors(event.devpathOld)) this.#byOldAncestor.add(a, event);
    this.#classify(event);
    return event;
  }

  /** event_free(): the event finished (or was dropped); the events it blocked are checked again. */
  remove(event: QueuedEvent<T>): void {
    if (this.#events.get(event.seqnum) !== event) return;
    this.#events.delete(event.seqnum);
    this.#running.delete(event);
    this.#byId.delete(event.id, event);
    this.#byDevnode.delete(event.devnode, event);
    this.#byPath.delete(event.devpath, event);
    this.#byOldPath.delete(event.devpathOld, event);
    for (const a of ancestors(event.devpath)) this.#byAncestor.delete(a, event);
    if (event.devpathOld !== undefined) for (const a of ancestors(event.devpathOld)) this.#byOldAncestor.delete(a, event);
    const waiters = this.#waiting.get(event.seqnum);
    if (waiters) {
      this.#waiting.delete(event.seqnum);
      for (const w of waiters) if (this.#events.get(w.seqnum) === w && w.state === 'queued') this.#classify(w);
    }
  }

  /** A queued event goes on the ready heap, or waits for its blocker. */
  #classify(event: QueuedEvent<T>): void {
    if (this.isBlocked(event)) {
      const list = this.#waiting.get(event.blockerSeqnum);
      if (list) list.push(event);
      else this.#waiting.set(event.blockerSeqnum, [event]);
    } else this.#ready.push(event);
  }

  /**
   * event_queue_start()'s choice: the earliest queued event no earlier event blocks, now marked
   * running; undefined when there is none.
   */
  startNext(): QueuedEvent<T> | undefined {
    for (;;) {
      const e = this.#ready.pop();
      if (!e) return undefined;
      if (this.#events.get(e.seqnum) !== e || e.state !== 'queued') continue;
      e.state = 'running';
      this.#running.add(e);
      return e;
    }
  }

  /**
   * event_is_blocked(): true while an earlier event (queued or running) conflicts with `event`.
   * The blocker (the earliest conflicting event) is remembered in `blockerSeqnum`, or `seqnum`
   * once none is left (which stays true: later arrivals never block an earlier event).
   */
  isBlocked(event: QueuedEvent<T>): boolean {
    if (event.blockerSeqnum === event.seqnum) return false;
    const known = this.#events.get(event.blockerSeqnum);
    if (known) return true;
    let blocker: QueuedEvent<T> | undefined;
    const consider = (e: QueuedEvent<T> | undefined) => {
      if (e && e.seqnum < event.seqnum && (!blocker || e.seqnum < blocker.seqnum)) blocker = e;
    };
    consider(this.#byId.first(event.id));
    consider(this.#byDevnode.first(event.devnode));
    // devpath_conflict(event.devpath, e.devpath): equal, e above it, or e below it.
    consider(this.#byPath.first(event.devpath));
    for (const a of ancestors(event.devpath)) consider(this.#byPath.first(a));
    consider(this.#byAncestor.first(event.devpath));
    // devpath_conflict(event.devpath, e.devpath_old)
    consider(this.#byOldPath.first(event.devpath));
    for (const a of ancestors(event.devpath)) consider(this.#byOldPath.first(a));
    consider(this.#byOldAncestor.first(event.devpath));
    // devpath_conflict(event.devpath_old, e.devpath)
    if (event.devpathOld !== undefined) {
      consider(this.#byPath.first(event.devpathOld));
      for (const a of ancestors(event.devpathOld)) consider(this.#byPath.first(a));
      consider(this.#byAncestor.first(event.devpathOld));
    }
    if (blocker) {
      event.blockerSeqnum = blocker.seqnum;
      return true;
    }
    event.blockerSeqnum = event.seqnum;
    return false;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [
      this.#events,
      this.#byId,
      this.#byDevnode,
      this.#byPath,
      this.#byOldPath,
      this.#byAncestor,
      this.#byOldAncestor,
      this.#ready,
      this.#waiting,
      this.#running,
    ];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
