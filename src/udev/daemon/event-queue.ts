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
function conflicts(event: QueuedEventKey, earlier: QueuedEventKey): boolean {
  if (event.id !== undefined && event.id === earlier.id) return true;
  if (
    devpathConflict(event.devpath, earlier.devpath) ||
    devpathConflict(event.devpath, earlier.devpathOld) ||
    devpathConflict(event.devpathOld, earlier.devpath)
  )
    return true;
  return event.devnode !== undefined && event.devnode === earlier.devnode;
}

/**
 * The queue. Events stay in arrival order; `insert` appends, `remove` drops a finished event.
 * Contract: events are inserted in increasing SEQNUM order (the kernel's netlink order).
 */
export class UdevEventQueue<T> {
  readonly #events: QueuedEvent<T>[] = [];

  get events(): readonly QueuedEvent<T>[] {
    return this.#events;
  }

  get length(): number {
    return this.#events.length;
  }

  get isEmpty(): boolean {
    return this.#events.length === 0;
  }

  /** Number of events a worker is processing. */
  get running(): number {
    let n = 0;
    for (const e of this.#events) if (e.state === 'running') n++;
    return n;
  }

  /** event_queue_insert(): append a queued event. */
  insert(key: QueuedEventKey, payload: T): QueuedEvent<T> {
    const event: QueuedEvent<T> = { ...key, state: 'queued', blockerSeqnum: 0, payload };
    this.#events.push(event);
    return event;
  }

  /** event_free(): the event finished (or was dropped). */
  remove(event: QueuedEvent<T>): void {
    const i = this.#events.indexOf(event);
    if (i >= 0) this.#events.splice(i, 1);
  }

  /**
   * event_is_blocked(): true while an earlier event (queued or running) conflicts with `event`.
   * The blocker found is remembered, so a still-present blocker answers at once and events
   * before it are not compared again.
   */
  isBlocked(event: QueuedEvent<T>): boolean {
    if (event.blockerSeqnum === event.seqnum) return false;
    let start = -1;
    for (let i = 0; i < this.#events.length; i++) {
      const e = this.#events[i]!;
      if (e.seqnum < event.blockerSeqnum) continue;
      if (e.seqnum === event.blockerSeqnum) return true;
      if (e.seqnum >= event.seqnum) {
        event.blockerSeqnum = event.seqnum;
        return false;
      }
      start = i;
      break;
    }
    if (start < 0) {
      event.blockerSeqnum = event.seqnum;
      return false;
    }
    for (let i = start; i < this.#events.length; i++) {
      const e = this.#events[i]!;
      if (e.seqnum >= event.seqnum) break;
      if (conflicts(event, e)) {
        event.blockerSeqnum = e.seqnum;
        return true;
      }
    }
    event.blockerSeqnum = event.seqnum;
    return false;
  }
}
