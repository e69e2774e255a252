/**
 * Typed events (VS Code event.ts) over eventemitter3 — the only file that imports it. An
 * `Emitter<T>` owns an `Event<T>` that listeners subscribe to; subscribing returns an
 * IDisposable. Delivery is synchronous and in subscription order; a listener that throws is
 * reported to the error handler and never stops delivery to the others.
 */
import { EventEmitter } from 'eventemitter3';
import type { IDisposable } from './lifecycle.js';
import { nextSnapshotStamp, ownableClassOf } from './snapshot.js';

/** Subscribe a listener; the returned disposable unsubscribes. */
export type Event<T> = (listener: (e: T) => void) => IDisposable;

let unexpectedErrorHandler: (e: unknown) => void = (e) => {
  queueMicrotask(() => {
    throw e;
  });
};

/** Where listener exceptions go (tests install a collector). Returns the previous handler. */
export function setUnexpectedErrorHandler(handler: (e: unknown) => void): (e: unknown) => void {
  const previous = unexpectedErrorHandler;
  unexpectedErrorHandler = handler;
  return previous;
}

const FIRE = 'fire';

// eventemitter3's emitter, its table of events and its listener records hold only listeners, and
// an Emitter alone changes them: it owns them (its snapshot stamp covers them).
{
  const probe = new EventEmitter();
  probe.on(FIRE, () => {});
  ownableClassOf(probe);
  const events = (probe as unknown as { _events: Record<string, object> })._events;
  ownableClassOf(events);
  ownableClassOf(events[FIRE]!);
}

export class Emitter<T> implements IDisposable {
  readonly #ee = new EventEmitter();
  #disposed = false;
  /** Taken anew on every change of the listeners or of `#disposed` (Snapshottable.snapshotStamp). */
  #stamp = nextSnapshotStamp();

  /** The event consumers subscribe to. */
  readonly event: Event<T> = (listener) => {
    if (this.#disposed) return { dispose() {} };
    const wrapped = (e: T) => {
      try {
        listener(e);
      } catch (err) {
        unexpectedErrorHandler(err);
      }
    };
    this.#stamp = nextSnapshotStamp();
    this.#ee.on(FIRE, wrapped);
    return {
      dispose: () => {
        this.#stamp = nextSnapshotStamp();
        this.#ee.off(FIRE, wrapped);
      },
    };
  };

  fire(e: T): void {
    if (!this.#disposed) this.#ee.emit(FIRE, e);
  }

  get hasListeners(): boolean {
    return this.#ee.listenerCount(FIRE) > 0;
  }

  dispose(): void {
    this.#stamp = nextSnapshotStamp();
    this.#disposed = true;
    this.#ee.removeAllListeners();
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#ee, this.#disposed, this.#stamp];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#disposed = v[1] as never;
    this.#stamp = v[2] as never;
  }
  /** The emitter (its listener records) is this class's own: `fire` changes none of it (listeners are added with `on`, never `once`). */
  snapshotStamp(): number {
    return this.#stamp;
  }
}

/** Event combinators. */
export const Event = {
  None: (() => ({ dispose() {} })) as Event<never>,
  /**
   * Only the events for which `predicate` holds; with a type guard, typed as the narrower event
   * (a notifier for one bus's devices out of the driver core's notifier for all of them).
   */
  filter: filterEvent,
};

function filterEvent<T, U extends T>(event: Event<T>, predicate: (e: T) => e is U): Event<U>;
function filterEvent<T>(event: Event<T>, predicate: (e: T) => boolean): Event<T>;
function filterEvent<T>(event: Event<T>, predicate: (e: T) => boolean): Event<T> {
  return (listener) =>
    event((e) => {
      if (predicate(e)) listener(e);
    });
}
