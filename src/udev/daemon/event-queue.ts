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
  if (a.length === b.length) return a === b;
  return a.length > b.length ? a.charCodeAt(b.length) === 47 && a.startsWith(b) : b.charCodeAt(a.length) === 47 && b.startsWith(a);
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

/** Queues at most this long answer by scanning (see UdevEventQueue). */
export const DEFAULT_INDEX_ABOVE = 32;

/**
 * The indexed form of a long queue: every conflict event_is_blocked() looks for is found through
 * an index (device id, device node, devpath and each of its ancestors, DEVPATH_OLD) instead of a
 * scan of the earlier events, and an event blocked by another waits on that blocker's list until
 * it leaves: the work per event does not grow with the length of the queue. It holds exactly the
 * queue's events; `isLive` tells it which of those it met are still there.
 */
class QueueIndexes<T> {
  /** The proper ancestors of each event's devpath and DEVPATH_OLD, computed once at add. */
  readonly #ancestors = new Map<number, { readonly path: readonly string[]; readonly old: readonly string[] | undefined }>();
  readonly #byId: KeyIndex<QueuedEvent<T>>;
  readonly #byDevnode: KeyIndex<QueuedEvent<T>>;
  /** Events by their devpath. */
  readonly #byPath: KeyIndex<QueuedEvent<T>>;
  /** Events by their DEVPATH_OLD. */
  readonly #byOldPath: KeyIndex<QueuedEvent<T>>;
  /** Events by each proper ancestor of their devpath. */
  readonly #byAncestor: KeyIndex<QueuedEvent<T>>;
  /** Events by each proper ancestor of their DEVPATH_OLD. */
  readonly #byOldAncestor: KeyIndex<QueuedEvent<T>>;
  /** Queued events not blocked when last checked, to start in SEQNUM order. */
  readonly ready = new SeqnumHeap<QueuedEvent<T>>();
  /** Queued events waiting for the blocker (by its SEQNUM) to leave the queue. */
  readonly #waiting = new Map<number, QueuedEvent<T>[]>();

  constructor(isLive: (e: QueuedEvent<T>) => boolean) {
    this.#byId = new KeyIndex(isLive);
    this.#byDevnode = new KeyIndex(isLive);
    this.#byPath = new KeyIndex(isLive);
    this.#byOldPath = new KeyIndex(isLive);
    this.#byAncestor = new KeyIndex(isLive);
    this.#byOldAncestor = new KeyIndex(isLive);
  }

  /** A new event (the latest by SEQNUM) joins the indexes; it is not classified here. */
  add(event: QueuedEvent<T>): void {
    const anc = { path: ancestors(event.devpath), old: event.devpathOld === undefined ? undefined : ancestors(event.devpathOld) };
    this.#ancestors.set(event.seqnum, anc);
    this.#byId.add(event.id, event);
    this.#byDevnode.add(event.devnode, event);
    this.#byPath.add(event.devpath, event);
    this.#byOldPath.add(event.devpathOld, event);
    for (const a of anc.path) this.#byAncestor.add(a, event);
    if (anc.old) for (const a of anc.old) this.#byOldAncestor.add(a, event);
  }

  /**
   * `event` has left the queue (isLive(event) is already false): out of the indexes, and the
   * events waiting on it are handed to `reclassify`.
   */
  delete(event: QueuedEvent<T>, reclassify: (w: QueuedEvent<T>) => void): void {
    const anc = this.#ancestors.get(event.seqnum)!;
    this.#ancestors.delete(event.seqnum);
    this.#byId.delete(event.id);
    this.#byDevnode.delete(event.devnode);
    this.#byPath.delete(event.devpath);
    this.#byOldPath.delete(event.devpathOld);
    for (const a of anc.path) this.#byAncestor.delete(a);
    if (anc.old) for (const a of anc.old) this.#byOldAncestor.delete(a);
    const waiters = this.#waiting.get(event.seqnum);
    if (waiters) {
      this.#waiting.delete(event.seqnum);
      for (const w of waiters) reclassify(w);
    }
  }

  /** `event` waits for the event `on` (by SEQNUM) to leave. */
  wait(event: QueuedEvent<T>, on: number): void {
    const list = this.#waiting.get(on);
    if (list) list.push(event);
    else this.#waiting.set(on, [event]);
  }

  /**
   * The earliest, or the latest, earlier event in the queue that conflicts with `event`
   * (eventsConflict), found through the indexes.
   */
  conflicting(event: QueuedEvent<T>, pick: Pick): QueuedEvent<T> | undefined {
    const anc = this.#ancestors.get(event.seqnum) ?? {
      path: ancestors(event.devpath),
      old: event.devpathOld === undefined ? undefined : ancestors(event.devpathOld),
    };
    const seqnum = event.seqnum;
    const earliest = pick === 'earliest';
    let found: QueuedEvent<T> | undefined;
    found = better(found, look(this.#byId, event.id, seqnum, earliest), earliest);
    found = better(found, look(this.#byDevnode, event.devnode, seqnum, earliest), earliest);
    // devpath_conflict(event.devpath, e.devpath): equal, e above it, or e below it.
    found = better(found, look(this.#byPath, event.devpath, seqnum, earliest), earliest);
    for (const a of anc.path) found = better(found, look(this.#byPath, a, seqnum, earliest), earliest);
    found = better(found, look(this.#byAncestor, event.devpath, seqnum, earliest), earliest);
    // devpath_conflict(event.devpath, e.devpath_old)
    found = better(found, look(this.#byOldPath, event.devpath, seqnum, earliest), earliest);
    for (const a of anc.path) found = better(found, look(this.#byOldPath, a, seqnum, earliest), earliest);
    found = better(found, look(this.#byOldAncestor, event.devpath, seqnum, earliest), earliest);
    // devpath_conflict(event.devpath_old, e.devpath)
    if (event.devpathOld !== undefined) {
      found = better(found, look(this.#byPath, event.devpathOld, seqnum, earliest), earliest);
      for (const a of anc.old!) found = better(found, look(this.#byPath, a, seqnum, earliest), earliest);
      found = better(found, look(this.#byAncestor, event.devpathOld, seqnum, earliest), earliest);
    }
    return found;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#ancestors, this.#byId, this.#byDevnode, this.#byPath, this.#byOldPath, this.#byAncestor, this.#byOldAncestor, this.#waiting];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/** The earliest (or latest) event under `key` in `index` with a SEQNUM below `seqnum`. */
function look<E extends { readonly seqnum: number }>(index: KeyIndex<E>, key: string | undefined, seqnum: number, earliest: boolean): E | undefined {
  const e = earliest ? index.first(key) : index.lastBefore(key, seqnum);
  return e && e.seqnum < seqnum ? e : undefined;
}

/** Of two candidates, the earlier (or the later). */
function better<E extends { readonly seqnum: number }>(found: E | undefined, e: E | undefined, earliest: boolean): E | undefined {
  if (!e) return found;
  if (!found) return e;
  return (earliest ? e.seqnum < found.seqnum : e.seqnum > found.seqnum) ? e : found;
}

/**
 * The queue. Events stay in arrival order; `insert` appends, `remove` drops a finished event.
 * Contract: events are inserted in increasing SEQNUM order (the kernel's netlink order).
 *
 * A queue of at most `indexAbove` events answers as event_is_blocked() does, by scanning the
 * earlier events (a machine's own hotplug keeps a handful queued: the indexes would cost more
 * than the scan). Once it grows past that it builds QueueIndexes over every event it holds and
 * keeps them until it is empty again, so the work per event stays bounded however long the
 * queue gets (coldplug of thousands of functions). Both forms give the same answers.
 */
export class UdevEventQueue<T> {
  /**
   * While long (indexed): every event by SEQNUM, in arrival order; undefined while short, when
   * #order holds them. A queue fills and empties with every hotplug: its events live in an array
   * that keeps its storage, not in a long-lived Map, whose dropped hash tables (V8 replaces a
   * table when it grows, shrinks or is cleared) keep every entry they held alive until the next
   * full GC.
   */
  #long: Map<number, QueuedEvent<T>> | undefined;
  /** Called by the indexes only, which exist exactly while #long does. */
  readonly #isLive = (e: QueuedEvent<T>): boolean => this.#long!.get(e.seqnum) === e;
  /** The events a worker is processing, in no particular order. */
  readonly #running: QueuedEvent<T>[] = [];
  readonly #indexAbove: number;
  /** Present while the queue is long (from growing past indexAbove until it empties). */
  #indexes: QueueIndexes<T> | undefined;
  /** While short: the events in SEQNUM order (empty while indexed). */
  readonly #order: QueuedEvent<T>[] = [];
  /**
   * While short: every queued event in #order before this position is blocked. Starting an
   * event or inserting one unblocks nothing; removing one can unblock only later events.
   */
  #cursor = 0;

  /** `indexAbove`: the longest queue answered by a scan (DEFAULT_INDEX_ABOVE). */
  constructor(options: { readonly indexAbove?: number } = {}) {
    this.#indexAbove = options.indexAbove ?? DEFAULT_INDEX_ABOVE;
  }

  /** The queue, oldest first (a copy). */
  get events(): readonly QueuedEvent<T>[] {
    return this.#long ? [...this.#long.values()] : this.#order.slice();
  }

  get length(): number {
    return this.#long ? this.#long.size : this.#order.length;
  }

  get isEmpty(): boolean {
    return this.length === 0;
  }

  /** Number of events a worker is processing. */
  get running(): number {
    return this.#running.length;
  }

  /** True while the queue answers through its indexes (it grew past indexAbove and is not yet empty). */
  get indexed(): boolean {
    return this.#indexes !== undefined;
  }

  /** event_queue_insert(): append a queued event. */
  insert(key: QueuedEventKey, payload: T): QueuedEvent<T> {
    const event: QueuedEvent<T> = {
      seqnum: key.seqnum,
      devpath: key.devpath,
      devpathOld: key.devpathOld,
      id: key.id,
      devnode: key.devnode,
      state: 'queued',
      blockerSeqnum: 0,
      payload,
    };
    const indexes = this.#indexes;
    const order = this.#order;
    if (indexes) {
      this.#long!.set(event.seqnum, event);
      indexes.add(event);
      this.#classify(indexes, event);
    } else if (order.length + 1 > this.#indexAbove) {
      // Every event joins the indexes in SEQNUM order, then every queued one is classified.
      const long = new Map<number, QueuedEvent<T>>();
      for (const e of order) long.set(e.seqnum, e);
      long.set(event.seqnum, event);
      const built = new QueueIndexes<T>(this.#isLive);
      this.#long = long;
      this.#indexes = built;
      order.length = 0;
      this.#cursor = 0;
      for (const e of long.values()) built.add(e);
      for (const e of long.values()) if (e.state === 'queued') this.#classify(built, e);
    } else order.push(event);
    return event;
  }

  /** event_free(): the event finished (or was dropped); the events it blocked are checked again. */
  remove(event: QueuedEvent<T>): void {
    const long = this.#long;
    if (!long) {
      const order = this.#order;
      const i = order.indexOf(event);
      if (i < 0) return;
      order.splice(i, 1);
      this.#dropRunning(event);
      if (i < this.#cursor) this.#cursor = i;
      return;
    }
    if (long.get(event.seqnum) !== event) return;
    // Out of the queue first: the indexes skip the events isLive() denies.
    long.delete(event.seqnum);
    this.#dropRunning(event);
    const indexes = this.#indexes!;
    if (long.size === 0) {
      // Nothing is left to index or wait: the next queue starts short again.
      this.#indexes = undefined;
      this.#long = undefined;
      return;
    }
    indexes.delete(event, (w) => {
      if (long.get(w.seqnum) === w && w.state === 'queued') this.#classify(indexes, w);
    });
  }

  #dropRunning(event: QueuedEvent<T>): void {
    const running = this.#running;
    const j = running.indexOf(event);
    if (j < 0) return;
    // Order does not matter: the last one takes its place.
    const last = running.pop()!;
    if (j < running.length) running[j] = last;
  }

  /**
   * A queued event goes on the ready heap, or waits for the *latest* earlier event that blocks
   * it (not the earliest, which isBlocked reports): events finish roughly in SEQNUM order, so
   * the latest is usually the last of its blockers to leave, and a chain of events on one key
   * (every NIC's `rx-0` queue shares the id `+queues:rx-0`) is not checked again whenever its
   * head leaves — waiting on the earliest made that quadratic.
   */
  #classify(indexes: QueueIndexes<T>, event: QueuedEvent<T>): void {
    if (this.isBlocked(event)) indexes.wait(event, indexes.conflicting(event, 'latest')!.seqnum);
    else indexes.ready.push(event);
  }

  /**
   * event_queue_start()'s choice: the earliest queued event no earlier event blocks, now marked
   * running; undefined when there is none.
   */
  startNext(): QueuedEvent<T> | undefined {
    const indexes = this.#indexes;
    if (indexes) {
      for (;;) {
        const e = indexes.ready.pop();
        if (!e) return undefined;
        if (this.#long!.get(e.seqnum) !== e || e.state !== 'queued') continue;
        return this.#start(e);
      }
    }
    const order = this.#order;
    for (let i = this.#cursor; i < order.length; i++) {
      const e = order[i]!;
      if (e.state === 'queued' && !this.isBlocked(e)) {
        this.#cursor = i + 1;
        return this.#start(e);
      }
    }
    this.#cursor = order.length;
    return undefined;
  }

  #start(e: QueuedEvent<T>): QueuedEvent<T> {
    e.state = 'running';
    this.#running.push(e);
    return e;
  }

  /**
   * event_is_blocked(): true while an earlier event (queued or running) conflicts with `event`.
   * The blocker (the earliest conflicting event) is remembered in `blockerSeqnum`, or `seqnum`
   * once none is left (which stays true: later arrivals never block an earlier event).
   */
  isBlocked(event: QueuedEvent<T>): boolean {
    if (event.blockerSeqnum === event.seqnum) return false;
    if (this.#holds(event.blockerSeqnum)) return true;
    const blocker = this.#indexes ? this.#indexes.conflicting(event, 'earliest') : this.#scanEarliest(event);
    if (blocker) {
      event.blockerSeqnum = blocker.seqnum;
      return true;
    }
    event.blockerSeqnum = event.seqnum;
    return false;
  }

  /** Is the event with this SEQNUM in the queue? */
  #holds(seqnum: number): boolean {
    if (this.#long) return this.#long.has(seqnum);
    // #order is in SEQNUM order.
    const order = this.#order;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order[mid]!.seqnum < seqnum) lo = mid + 1;
      else hi = mid;
    }
    return lo < order.length && order[lo]!.seqnum === seqnum;
  }

  /**
   * event_is_blocked()'s scan: the earliest earlier event that conflicts with `event`. It starts
   * after the blocker last found (blockerSeqnum): that one was the earliest, the events before
   * it did not conflict and none can join before it, so a new blocker can only come later.
   */
  #scanEarliest(event: QueuedEvent<T>): QueuedEvent<T> | undefined {
    const seqnum = event.seqnum;
    const after = event.blockerSeqnum;
    const order = this.#order;
    let i = 0;
    while (i < order.length && order[i]!.seqnum <= after) i++;
    for (; i < order.length; i++) {
      const e = order[i]!;
      if (e.seqnum >= seqnum) return undefined;
      if (eventsConflict(event, e)) return e;
    }
    return undefined;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#long, this.#isLive, this.#running, this.#indexAbove, this.#indexes, this.#order, this.#cursor];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#long = v[0] as never;
    this.#indexes = v[4] as never;
    this.#cursor = v[6] as never;
  }
}
