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

/** One key's events in insertion (SEQNUM) order; removed events leave lazily. */
interface KeyList<E> {
  readonly items: E[];
  /** items[head] is the earliest event still live (every earlier item is gone). */
  head: number;
  live: number;
}

/**
 * Events by one key, each list in insertion (SEQNUM) order. A removed event is skipped when it
 * reaches the head of its list and dropped when a list holds more removed events than live
 * ones, so `first` is O(1) amortised however many events share a key (every event below a
 * switch shares its ancestors; every NIC's `rx-0` queue shares the id `+queues:rx-0`) — a `Set`
 * kept the removed entries as holes its iteration walked past.
 */
class KeyIndex<E extends { readonly seqnum: number }> {
  readonly #lists = new Map<string, KeyList<E>>();

  /** `isLive(e)`: `e` is still in the queue (the index is told of a removal after the fact). */
  constructor(private readonly isLive: (e: E) => boolean) {}

  add(key: string | undefined, e: E): void {
    if (key === undefined) return;
    const list = this.#lists.get(key);
    if (!list) this.#lists.set(key, { items: [e], head: 0, live: 1 });
    else {
      list.items.push(e);
      list.live++;
    }
  }

  /** `e`, under `key`, has left the queue (isLive(e) is already false). */
  delete(key: string | undefined): void {
    if (key === undefined) return;
    const list = this.#lists.get(key);
    if (!list) return;
    if (--list.live === 0) {
      this.#lists.delete(key);
      return;
    }
    const items = list.items;
    while (!this.isLive(items[list.head]!)) list.head++;
    if (items.length - list.head > 2 * list.live + 8) {
      // More removed events than live ones behind the head: keep the live ones, in order.
      let w = 0;
      for (let r = list.head; r < items.length; r++) if (this.isLive(items[r]!)) items[w++] = items[r]!;
      items.length = w;
      list.head = 0;
    } else if (list.head > 64 && list.head * 2 > items.length) {
      items.splice(0, list.head);
      list.head = 0;
    }
  }

  /** The earliest event under `key`. */
  first(key: string | undefined): E | undefined {
    if (key === undefined) return undefined;
    const list = this.#lists.get(key);
    return list ? list.items[list.head] : undefined;
  }

  /** The latest event under `key` with a SEQNUM below `seqnum`. */
  lastBefore(key: string | undefined, seqnum: number): E | undefined {
    if (key === undefined) return undefined;
    const list = this.#lists.get(key);
    if (!list) return undefined;
    const items = list.items;
    let lo = list.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (items[mid]!.seqnum < seqnum) lo = mid + 1;
      else hi = mid;
    }
    // items[head] is live, so the walk back over removed events stops there at the latest.
    for (let i = lo - 1; i >= list.head; i--) if (this.isLive(items[i]!)) return items[i];
    return undefined;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#lists];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/** Which conflicting event a scan of the indexes picks. */
type Pick = 'earliest' | 'latest';

/** A binary min-heap of events by SEQNUM. */
class SeqnumHeap<E extends { readonly seqnum: number }> {
  readonly #a: E[] = [];

  get size(): number {
    return this.#a.length;
  }

  push(e: E): void {
    // Sift up with a hole: parents move down until e's place is found (no swaps).
    const a = this.#a;
    let i = a.length;
    a.push(e);
    while (i > 0) {
      const up = (i - 1) >> 1;
      const p = a[up]!;
      if (p.seqnum <= e.seqnum) break;
      a[i] = p;
      i = up;
    }
    a[i] = e;
  }

  pop(): E | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    const n = a.length;
    if (n > 0 && last) {
      // Sift the last element down from the root with a hole.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && a[r]!.seqnum < a[l]!.seqnum ? r : l;
        if (a[m]!.seqnum >= last.seqnum) break;
        a[i] = a[m]!;
        i = m;
      }
      a[i] = last;
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
  /** The proper ancestors of each event's devpath and DEVPATH_OLD, computed once at insert. */
  readonly #ancestors = new Map<number, { readonly path: readonly string[]; readonly old: readonly string[] | undefined }>();
  readonly #isLive = (e: QueuedEvent<T>): boolean => this.#events.get(e.seqnum) === e;
  readonly #byId = new KeyIndex<QueuedEvent<T>>(this.#isLive);
  readonly #byDevnode = new KeyIndex<QueuedEvent<T>>(this.#isLive);
  /** Events by their devpath. */
  readonly #byPath = new KeyIndex<QueuedEvent<T>>(this.#isLive);
  /** Events by their DEVPATH_OLD. */
  readonly #byOldPath = new KeyIndex<QueuedEvent<T>>(this.#isLive);
  /** Events by each proper ancestor of their devpath. */
  readonly #byAncestor = new KeyIndex<QueuedEvent<T>>(this.#isLive);
  /** Events by each proper ancestor of their DEVPATH_OLD. */
  readonly #byOldAncestor = new KeyIndex<QueuedEvent<T>>(this.#isLive);
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
    const anc = { path: ancestors(event.devpath), old: event.devpathOld === undefined ? undefined : ancestors(event.devpathOld) };
    this.#events.set(event.seqnum, event);
    this.#ancestors.set(event.seqnum, anc);
    this.#byId.add(event.id, event);
    this.#byDevnode.add(event.devnode, event);
    this.#byPath.add(event.devpath, event);
    this.#byOldPath.add(event.devpathOld, event);
    for (const a of anc.path) this.#byAncestor.add(a, event);
    if (anc.old) for (const a of anc.old) this.#byOldAncestor.add(a, event);
    this.#classify(event);
    return event;
  }

  /** event_free(): the event finished (or was dropped); the events it blocked are checked again. */
  remove(event: QueuedEvent<T>): void {
    if (this.#events.get(event.seqnum) !== event) return;
    const anc = this.#ancestors.get(event.seqnum)!;
    // Out of #events first: the indexes skip the events isLive() denies.
    this.#events.delete(event.seqnum);
    this.#ancestors.delete(event.seqnum);
    this.#running.delete(event);
    this.#byId.delete(event.id);
    this.#byDevnode.delete(event.devnode);
    this.#byPath.delete(event.devpath);
    this.#byOldPath.delete(event.devpathOld);
    for (const a of anc.path) this.#byAncestor.delete(a);
    if (anc.old) for (const a of anc.old) this.#byOldAncestor.delete(a);
    const waiters = this.#waiting.get(event.seqnum);
    if (waiters) {
      this.#waiting.delete(event.seqnum);
      for (const w of waiters) if (this.#events.get(w.seqnum) === w && w.state === 'queued') this.#classify(w);
    }
  }

  /**
   * A queued event goes on the ready heap, or waits for the *latest* earlier event that blocks
   * it (not the earliest, which isBlocked reports): events finish roughly in SEQNUM order, so
   * the latest is usually the last of its blockers to leave, and a chain of events on one key
   * (every NIC's `rx-0` queue shares the id `+queues:rx-0`) is not checked again whenever its
   * head leaves — waiting on the earliest made that quadratic.
   */
  #classify(event: QueuedEvent<T>): void {
    if (this.isBlocked(event)) {
      const on = this.#conflicting(event, 'latest')!.seqnum;
      const list = this.#waiting.get(on);
      if (list) list.push(event);
      else this.#waiting.set(on, [event]);
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
    const blocker = this.#conflicting(event, 'earliest');
    if (blocker) {
      event.blockerSeqnum = blocker.seqnum;
      return true;
    }
    event.blockerSeqnum = event.seqnum;
    return false;
  }

  /**
   * The earliest, or the latest, earlier event in the queue that conflicts with `event`
   * (eventsConflict), found through the indexes.
   */
  #conflicting(event: QueuedEvent<T>, pick: Pick): QueuedEvent<T> | undefined {
    const anc = this.#ancestors.get(event.seqnum) ?? {
      path: ancestors(event.devpath),
      old: event.devpathOld === undefined ? undefined : ancestors(event.devpathOld),
    };
    const seqnum = event.seqnum;
    let found: QueuedEvent<T> | undefined;
    const look = (index: KeyIndex<QueuedEvent<T>>, key: string | undefined) => {
      const e = pick === 'earliest' ? index.first(key) : index.lastBefore(key, seqnum);
      if (!e || e.seqnum >= seqnum) return;
      if (!found || (pick === 'earliest' ? e.seqnum < found.seqnum : e.seqnum > found.seqnum)) found = e;
    };
    look(this.#byId, event.id);
    look(this.#byDevnode, event.devnode);
    // devpath_conflict(event.devpath, e.devpath): equal, e above it, or e below it.
    look(this.#byPath, event.devpath);
    for (const a of anc.path) look(this.#byPath, a);
    look(this.#byAncestor, event.devpath);
    // devpath_conflict(event.devpath, e.devpath_old)
    look(this.#byOldPath, event.devpath);
    for (const a of anc.path) look(this.#byOldPath, a);
    look(this.#byOldAncestor, event.devpath);
    // devpath_conflict(event.devpath_old, e.devpath)
    if (event.devpathOld !== undefined) {
      look(this.#byPath, event.devpathOld);
      for (const a of anc.old!) look(this.#byPath, a);
      look(this.#byAncestor, event.devpathOld);
    }
    return found;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [
      this.#events,
      this.#ancestors,
      this.#isLive,
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
