/**
 * `udevadm settle` (udevadm-settle.c, 252) as a library call: ping udevd (without a running
 * udevd there is nothing to wait for: success), then wait until the event queue is empty or
 * --exit-if-exists=FILE exists, at most --timeout seconds (default 120) of virtual time.
 */
import type { UdevadmResult } from './udevadm-info.js';

export interface SettleHost {
  /** udevd is running (the control socket answers a ping). */
  readonly running: boolean;
  /** The queue is empty and nothing is unread or running. */
  readonly idle: boolean;
  /** Run every task that is ready now. */
  settle(): void;
  /** Move virtual time forward by `ms`, running what falls due. */
  advance(ms: number): void;
  /** access(F_OK) for --exit-if-exists. */
  exists?(path: string): boolean;
}

export interface UdevadmSettleOptions {
  /** -t SECONDS; 0 checks once. Default 120. */
  readonly timeoutSec?: number;
  /** -E FILE. */
  readonly exitIfExists?: string;
}

/** Virtual time between two looks at the queue while waiting. */
const POLL_MS = 100;

export function udevadmSettle(host: SettleHost, o: UdevadmSettleOptions = {}): UdevadmResult {
  if (!host.running) return { out: '', err: '', status: 0 };
  const check = (): boolean => (o.exitIfExists !== undefined && host.exists?.(o.exitIfExists) === true) || host.idle;
  // The ping: udevd has read every message sent so far and started what it can.
  host.settle();
  if (check()) return { out: '', err: '', status: 0 };
  const deadline = Math.max(0, (o.timeoutSec ?? 120) * 1000);
  for (let waited = 0; waited < deadline; waited += POLL_MS) {
    host.advance(Math.min(POLL_MS, deadline - waited));
    if (check()) return { out: '', err: '', status: 0 };
  }
  return { out: '', err: 'Timed out for waiting the udev queue being empty.\n', status: 1 };
}
