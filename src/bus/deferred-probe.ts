/**
 * Deferred probe (split out of dd.c): a device whose probe deferred waits on the pending list;
 * every successful bind anywhere triggers a retry, which moves all pending devices to the
 * active list and queues one work item that re-probes them in FIFO order. sysfs `bind` never
 * queues a deferral (it reports EAGAIN instead). A timer gives up after the timeout.
 */
import { inject, injectable } from 'inversify';
import { type IDisposable, IScheduler, ILogService } from '../base/index.js';
import type { Device } from './device.js';

export const IDeferredProbe = Symbol.for('IDeferredProbe');

/** What the retry work calls for each active device (bus_probe_device). */
export interface DeferredProber {
  busProbeDevice(dev: Device): void;
}

/** deferred_probe_timeout default with modules (seconds). */
export const DEFERRED_PROBE_TIMEOUT_MS = 10_000;

@injectable()
export class DeferredProbe {
  readonly #pending: Device[] = [];
  readonly #active: Device[] = [];
  #prober: DeferredProber | undefined;
  #triggerCount = 0;
  #work: IDisposable | undefined;
  #timeoutExpired = false;
  #timeoutWork: IDisposable | undefined;

  constructor(
    @inject(IScheduler) private readonly scheduler: IScheduler,
    @inject(ILogService) private readonly log: ILogService,
  ) {}

  /** dd.ts registers itself once; the retry work calls back into it. */
  setProber(prober: DeferredProber): void {
    this.#prober = prober;
  }

  /** deferred_trigger_count: lets driver_probe_device notice a trigger during a probe. */
  get triggerCount(): number {
    return this.#triggerCount;
  }

  /** driver_deferred_probe_add: append to pending once (only devices some driver matched). */
  add(dev: Device): void {
    if (!dev.p.canMatch) return;
    if (!this.#pending.includes(dev) && !this.#active.includes(dev)) this.#pending.push(dev);
  }

  /** driver_deferred_probe_del: the device bound or went away. */
  del(dev: Device): void {
    remove(this.#pending, dev);
    remove(this.#active, dev);
    dev.p.deferredReason = undefined;
  }

  /** Devices waiting, pending then active (devices_deferred). */
  get devices(): readonly Device[] {
    return [...this.#active, ...this.#pending];
  }

  /** driver_deferred_probe_trigger: all pending become active; one work item retries them. */
  trigger(): void {
    this.#triggerCount++;
    for (const dev of this.#pending.splice(0)) {
      if (!this.#active.includes(dev)) this.#active.push(dev);
    }
    if (this.#active.length === 0 || this.#work) return;
    this.#work = this.scheduler.queue('deferred_probe_work', () => this.#runWork(), { key: 'deferred-probe' });
  }

  #runWork(): void {
    this.#work = undefined;
    // deferred_probe_work_func: take devices from the head of the active list one at a time.
    while (this.#active.length > 0) {
      const dev = this.#active.shift()!;
      if (!dev.isRegistered) continue;
      this.#prober?.busProbeDevice(dev);
    }
  }

  /** Arm the deferred probe timeout (deferred_probe_initcall). */
  armTimeout(): void {
    this.#timeoutWork?.dispose();
    this.#timeoutWork = this.scheduler.queue(
      'deferred_probe_timeout_work',
      () => {
        this.#timeoutWork = undefined;
        // deferred_probe_timeout_work_func: trigger, flush_work (the retry runs now, inside
        // this work), and only then warn (dev_warn) about the devices that are still waiting.
        this.#timeoutExpired = true;
        this.trigger();
        const queued = this.#work;
        if (queued) {
          queued.dispose();
          this.#runWork();
        }
        for (const dev of this.devices) {
          this.log.log('warning', 'kernel', `${dev.displayName}: deferred probe pending: ${dev.p.deferredReason ?? '(reason unknown)'}`);
        }
      },
      { delay: DEFERRED_PROBE_TIMEOUT_MS },
    );
  }

  /**
   * deferred_probe_extend_timeout (driver_register calls it): a timeout still pending starts
   * over with the full delay; one not armed yet, or already expired, is left alone.
   */
  extendTimeout(): void {
    if (!this.#timeoutWork) return;
    this.armTimeout();
    this.log.log('debug', 'kernel', `Extended deferred probe timeout by ${DEFERRED_PROBE_TIMEOUT_MS / 1000} secs`);
  }

  get timeoutExpired(): boolean {
    return this.#timeoutExpired;
  }
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
