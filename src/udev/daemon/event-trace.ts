/**
 * The rules trace udevd records while a worker processes an event: for every rules line, what
 * matched (each match token with the device and the value it compared), which token failed on
 * which device and value, what the pre-filter skipped and what a GOTO jumped over — recorded
 * as it happened, so `explain DEVICE` and `auxbus run --trace` show what udevd did even after
 * the rules or the device changed. udevd keeps the last event's trace per device, for at most
 * `maxDevices` devices: the least recently traced device is dropped first.
 *
 * Off unless asked for (`maxDevices` 0, the default): recording runs every line through the
 * interpreter's explain sink, without its pre-filter — on Debian's full rules set about a
 * hundred times the CPU of an event. The CLI's machines, `auxbus run --trace` and the
 * playground turn it on (`setMaxDevices`) before boot.
 *
 * (udev 252 has no such log; its debug log — "… Rule matched" lines with file:line — is the
 * nearest twin. The explanation entries are rules/explain.ts's.)
 */
import { Emitter, type ErrnoName, type Event } from '../../base/index.js';
import type { ExplainEntry } from '../rules/explain.js';

/** One processed event's rules trace. */
export interface EventTrace {
  readonly seqnum: number;
  readonly action: string;
  /** DEVPATH after processing (a netdev renamed by NAME= has its new path). */
  readonly devpath: string;
  /** `ok`, or why processing failed. */
  readonly result: 'ok' | ErrnoName;
  /** Every rules line of every file, in evaluation order. */
  readonly entries: readonly ExplainEntry[];
}

/** The bound a host that turns recording on usually asks for. */
export const DEFAULT_TRACE_DEVICES = 1024;

/** The last event's trace per devpath, bounded; insertion order is recency order. */
export class EventTraceLog {
  readonly #byDevpath = new Map<string, EventTrace>();
  #maxDevices: number;
  readonly #onDidRecord = new Emitter<EventTrace>();
  /** Fires with every trace recorded, in processing order (a listener may keep more than the last). */
  readonly onDidRecord: Event<EventTrace> = this.#onDidRecord.event;

  constructor(maxDevices = 0) {
    this.#maxDevices = maxDevices;
  }

  /** How many devices' traces are kept at most (0: none are recorded). */
  get maxDevices(): number {
    return this.#maxDevices;
  }

  /** Turn recording on (n > 0, keeping at most n devices) or off (0); events from now on. */
  setMaxDevices(n: number): void {
    this.#maxDevices = n;
    this.#evict();
  }

  get size(): number {
    return this.#byDevpath.size;
  }

  /** Keep `trace` as its device's last; drop the least recently traced device past the bound. */
  record(trace: EventTrace): void {
    if (this.#maxDevices <= 0) return;
    this.#byDevpath.delete(trace.devpath);
    this.#byDevpath.set(trace.devpath, trace);
    this.#evict();
    this.#onDidRecord.fire(trace);
  }

  #evict(): void {
    while (this.#byDevpath.size > this.#maxDevices) {
      const oldest = this.#byDevpath.keys().next().value as string;
      this.#byDevpath.delete(oldest);
    }
  }

  /** The trace of the last event udevd processed for `devpath`, if it still keeps one. */
  last(devpath: string): EventTrace | undefined {
    return this.#byDevpath.get(devpath);
  }

  /** Every kept trace, least recently traced first. */
  all(): readonly EventTrace[] {
    return [...this.#byDevpath.values()];
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#byDevpath, this.#maxDevices, this.#onDidRecord];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#maxDevices = v[1] as never;
  }
}
