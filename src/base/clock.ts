/**
 * The virtual clock. Time in auxbus is simulated milliseconds since boot; it moves only when
 * the scheduler advances it (scenario `advance:`, `Machine.advance()`), so runs are
 * deterministic. This is the only place that may know about real time, and it does not.
 */
import type { ServiceIdentifier } from 'inversify';

export const IClock: ServiceIdentifier<IClock> = Symbol.for('IClock');

export interface IClock {
  /** Milliseconds since boot. */
  now(): number;
  /** Microseconds since boot (udev's USEC_INITIALIZED). */
  nowUsec(): number;
}

export class SimulatedClock implements IClock {
  #now = 0;

  now(): number {
    return this.#now;
  }

  nowUsec(): number {
    return this.#now * 1000;
  }

  /** Move time forward to `ms`; time never goes back. */
  set(ms: number): void {
    if (ms > this.#now) this.#now = ms;
  }

  increment(ms: number): void {
    this.set(this.#now + Math.max(0, ms));
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#now];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#now = v[0] as never;
  }
}
