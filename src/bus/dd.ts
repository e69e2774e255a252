/**
 * Binding (drivers/base/dd.c): matching a device against drivers, really_probe with its exact
 * order and unwinding, driver_bound, and __device_release_driver. Device-side attach walks
 * the bus's drivers in registration order; driver-side attach walks the bus's devices in klist
 * order. One cohesive engine, like dd.c: the orders only make sense read together.
 *
 * Return conventions follow the kernel so the orders stay recognisable: driverProbeDevice
 * returns 0 (bound), a positive errno (probe failed, try the next driver) or a negative errno
 * (could not attempt, stop).
 */
import type { ServiceIdentifier } from 'inversify';
import { BugIndicatingError, DriverModelError, Errno, errnoName, type IDisposable, type ILogService, type IScheduler, kerr } from '../base/index.js';
import type { Device } from './device.js';
import type { DeviceDriver } from './driver.js';
import type { DeviceLinks } from './devlink.js';
import { devresReleaseAll } from './devres.js';
import type { BusNotifier } from './notifier.js';
import type { IKobjectUevent } from './uevent.js';

export const IDriverBinder: ServiceIdentifier<DriverBinder> = Symbol.for('IDriverBinder');
export const IDeferredProbe: ServiceIdentifier<DeferredProbe> = Symbol.for('IDeferredProbe');

/** deferred_probe_timeout default with modules (seconds). */
export const DEFERRED_PROBE_TIMEOUT_MS = 10_000;

const EPROBE_DEFER = Errno.EPROBE_DEFER;

/** The errno a probe threw, as a positive number (non-errno exceptions are rethrown: bugs). */
function probeErrno(e: unknown): number {
  if (DriverModelError.is(e)) return e.code;
  throw e;
}

/** Built by DeviceCore (core.ts), which owns the driver core's mutually calling parts. */
export class DriverBinder {
  /** Set by the machine for tests that want every probe to defer (defer_all_probes). */
  deferAllProbes = false;
  /** The deferred probe lists and their retry work; the retry calls back into this binder. */
  readonly deferred: DeferredProbe;

  constructor(
    private readonly uevent: IKobjectUevent,
    private readonly notifier: BusNotifier,
    private readonly links: DeviceLinks,
    scheduler: IScheduler,
    private readonly log: ILogService,
  ) {
    this.deferred = new DeferredProbe(scheduler, log, this);
  }

  /** driver_match_device: the bus's verdict, or a match when the bus has no match(). */
  matchDevice(drv: DeviceDriver, dev: Device): number {
    return drv.bus.match ? drv.bus.match(dev, drv) : 1;
  }

  /**
   * bus_probe_device: initial probe when the bus autoprobes. Also the deferred-probe retry.
   */
  busProbeDevice(dev: Device): void {
    if (!dev.bus || !dev.bus.p.autoprobe) return;
    this.deviceAttach(dev);
  }

  /**
   * __device_attach: 1 bound (or already bound), 0 nothing bound, negative errno to stop.
   * Iterates drivers in registration order; the first successful probe wins.
   */
  deviceAttach(dev: Device): number {
    if (dev.p.dead) return 0;
    if (dev.driver) return 1;
    if (!dev.bus) return 0;
    for (const drv of [...dev.bus.p.drivers]) {
      if (!drv.p.registered) continue;
      const ret = this.#attachDriver(drv, dev);
      if (ret !== 0) return ret;
    }
    return 0;
  }

  /** __device_attach_driver. */
  #attachDriver(drv: DeviceDriver, dev: Device): number {
    const match = this.matchDevice(drv, dev);
    if (match === 0) return 0;
    if (match === -EPROBE_DEFER) {
      dev.p.canMatch = true;
      this.deferred.add(dev);
      return match; // can't decide yet: try no other driver
    }
    if (match < 0) return match;
    const ret = this.driverProbeDevice(drv, dev);
    if (ret < 0) return ret;
    return ret === 0 ? 1 : 0; // a failed probe lets the next driver try its luck
  }

  /**
   * driver_attach: for each device on the bus (klist order) that matches and is unbound, probe.
   * Errors are swallowed; deferrals of match() queue the device.
   */
  driverAttach(drv: DeviceDriver): void {
    for (const dev of [...drv.bus.p.devices]) {
      if (!drv.p.registered) return;
      const match = this.matchDevice(drv, dev);
      if (match === 0) continue;
      if (match === -EPROBE_DEFER) {
        dev.p.canMatch = true;
        this.deferred.add(dev);
        continue;
      }
      if (match < 0) continue;
      this.driverProbeDevice(drv, dev);
    }
  }

  /**
   * driver_probe_device: counts the probe and queues a deferral (only here); re-triggers when a
   * trigger happened while this probe was running.
   */
  driverProbeDevice(drv: DeviceDriver, dev: Device): number {
    const triggerCount = this.deferred.triggerCount;
    const ret = this.#driverProbeDeviceLocked(drv, dev);
    if (ret === EPROBE_DEFER || ret === -EPROBE_DEFER) {
      this.deferred.add(dev);
      if (triggerCount !== this.deferred.triggerCount && !this.deferAllProbes) this.deferred.trigger();
    }
    return ret;
  }

  /** __driver_probe_device. */
  #driverProbeDeviceLocked(drv: DeviceDriver, dev: Device): number {
    if (dev.p.dead || !dev.isRegistered) return -Errno.ENODEV;
    if (dev.driver) return -Errno.EBUSY;
    dev.p.canMatch = true;
    return this.#reallyProbe(dev, drv);
  }

  /**
   * device_driver_attach (sysfs `bind`): probe errors become negative errnos, a deferral is
   * reported as EAGAIN and is NOT queued for retry. Throws DriverModelError on failure.
   */
  deviceDriverAttach(drv: DeviceDriver, dev: Device): void {
    let ret = this.#driverProbeDeviceLocked(drv, dev);
    if (ret > 0) ret = -ret;
    if (ret === -EPROBE_DEFER) throw kerr('EAGAIN', `${dev.displayName}: probe deferred`);
    if (ret < 0) throw kerr(errnoName(ret) ?? 'EINVAL', `${drv.name}: bind of ${dev.name} failed`);
  }

  /** really_probe, in the order of reference §1.5; returns 0 or a positive/negative errno. */
  #reallyProbe(dev: Device, drv: DeviceDriver): number {
    if (this.deferAllProbes) return -EPROBE_DEFER;
    try {
      this.links.checkSuppliers(dev);
    } catch (e) {
      // dev_err_probe(-EPROBE_DEFER): a debug message, and the reason devices_deferred shows.
      this.log.log(
        'debug',
        'kernel',
        `${dev.displayName}: error -EPROBE_DEFER: ${(dev.p.deferredReason ?? 'supplier not ready').replace(/^[^:]*: /, '').trimEnd()}`,
      );
      return -probeErrno(e);
    }
    if (dev.p.devres.length > 0) {
      // really_probe: dev_crit (a device left with devres by an earlier user, or devm on an unbound device).
      this.log.log('critical', 'kernel', `${dev.displayName}: Resources present before probing`);
      return -Errno.EBUSY;
    }
    dev.driver = drv;
    // driver_sysfs_add: BIND_DRIVER, then the links; the `driver` link exists while probe runs.
    this.notifier.notify('BIND_DRIVER', dev);
    dev.p.driverLinked = true;
    dev.p.probing = true;
    let ret = 0;
    try {
      if (dev.bus?.probe) dev.bus.probe(dev);
      else drv.probe?.(dev);
    } catch (e) {
      ret = probeErrno(e);
    }
    dev.p.probing = false;
    if (ret !== 0) {
      this.#logProbeFailure(dev, drv, ret);
      // probe_failed: remove the links, DRIVER_NOT_BOUND, links no_driver, unbind cleanup.
      dev.p.driverLinked = false;
      this.notifier.notify('DRIVER_NOT_BOUND', dev);
      this.links.noDriver(dev);
      this.#unbindCleanup(dev);
      return ret;
    }
    dev.p.driverGroupsAdded = true;
    dev.p.driverGroupsCreated++;
    this.#driverBound(dev);
    this.log.log('debug', 'kernel', `bus: '${dev.bus?.name}': really_probe: bound device ${dev.name} to driver ${drv.name}`);
    return 0;
  }

  #logProbeFailure(dev: Device, drv: DeviceDriver, ret: number): void {
    if (ret === EPROBE_DEFER) {
      this.log.log('debug', 'kernel', `${dev.displayName}: Driver ${drv.name} requests probe deferral`);
    } else if (ret === Errno.ENODEV || ret === Errno.ENXIO) {
      this.log.log('debug', 'kernel', `${dev.displayName}: probe with driver ${drv.name} rejects match ${-ret}`);
    } else {
      // call_driver_probe: dev_err since 2024 (the older pr_warn read "X: probe of D failed with error -N").
      this.log.log('error', 'kernel', `${dev.displayName}: probe with driver ${drv.name} failed with error ${-ret}`);
    }
  }

  /** driver_bound: driver list, links, leave the deferred list, trigger retries, notify, uevent. */
  #driverBound(dev: Device): void {
    const drv = dev.driver!;
    if (dev.p.bound) {
      this.log.log('warning', 'kernel', `${drv.name}: device ${dev.name} already bound`);
      return;
    }
    dev.p.bound = true;
    drv.p.devices.push(dev);
    this.links.driverBound(dev);
    this.deferred.del(dev);
    this.deferred.trigger();
    this.notifier.notify('BOUND_DRIVER', dev);
    this.uevent.sendDevice(dev, 'bind');
  }

  /** device_unbind_cleanup: devres LIFO, then dev->driver = NULL and drvdata = NULL. */
  #unbindCleanup(dev: Device): void {
    devresReleaseAll(dev);
    dev.driver = undefined;
    dev.driverData = undefined;
    dev.p.driverGroupsAdded = false;
  }

  /**
   * __device_release_driver as of v6.7: consumers first, links gone before remove(), then
   * device_unbind_cleanup (devres LIFO) BEFORE device_links_driver_cleanup — reference §1.7 gives
   * the older order (links, then devres) — and the `unbind` uevent last (without DRIVER).
   */
  releaseDriver(dev: Device): void {
    const drv = dev.driver;
    if (!drv) return;
    while (this.links.busy(dev)) {
      // device_links_unbind_consumers would wait_for_device_probe() for a consumer still probing.
      // Probes here are synchronous, so such a consumer's probe is on this very call stack (it
      // unbinds or deletes its own supplier): the kernel would wait forever on itself.
      const probing = this.links.probingConsumer(dev);
      if (probing) {
        throw new BugIndicatingError(
          `${dev.displayName}: unbind from inside the probe of its consumer ${probing.displayName} (wait_for_device_probe deadlock)`,
        );
      }
      this.links.unbindConsumers(dev);
      if (dev.driver !== drv) return;
    }
    dev.p.driverLinked = false;
    this.notifier.notify('UNBIND_DRIVER', dev);
    dev.p.driverGroupsAdded = false;
    if (dev.bus?.remove) dev.bus.remove(dev);
    else drv.remove?.(dev);
    this.#unbindCleanup(dev);
    this.links.driverCleanup(dev);
    dev.p.bound = false;
    drv.p.devices.remove(dev);
    this.notifier.notify('UNBOUND_DRIVER', dev);
    this.uevent.sendDevice(dev, 'unbind');
  }

  /** device_driver_detach (sysfs `unbind`): the caller checked it is bound to that driver. */
  deviceDriverDetach(dev: Device): void {
    this.releaseDriver(dev);
  }

  /** driver_detach: unbind every device of `drv`, last-bound first. */
  driverDetach(drv: DeviceDriver): void {
    for (;;) {
      const dev = drv.p.devices.last();
      if (!dev) return;
      this.releaseDriver(dev);
    }
  }
}

/** What the retry work calls for each active device (bus_probe_device). */
export interface DeferredProber {
  busProbeDevice(dev: Device): void;
}

/**
 * The deferred probe lists (dd.c deferred_probe_pending_list/active_list) and their work items.
 * Built by the DriverBinder, which is its prober.
 */
export class DeferredProbe {
  readonly #pending: Device[] = [];
  readonly #active: Device[] = [];
  #triggerCount = 0;
  #work: IDisposable | undefined;
  #timeoutExpired = false;
  #timeoutWork: IDisposable | undefined;

  constructor(
    private readonly scheduler: IScheduler,
    private readonly log: ILogService,
    private readonly prober: DeferredProber,
  ) {}

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
    removeItem(this.#pending, dev);
    removeItem(this.#active, dev);
    dev.p.deferredReason = undefined;
  }

  /** deferred_probe_pending_list, in order (what devices_deferred shows). */
  get pending(): readonly Device[] {
    return this.#pending;
  }

  /** Devices waiting, pending then active. */
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
      this.prober.busProbeDevice(dev);
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
          this.log.log('warning', 'kernel', `${dev.displayName}: deferred probe pending: ${(dev.p.deferredReason ?? '(reason unknown)').trimEnd()}`);
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

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#pending, this.#active, this.#triggerCount, this.#work, this.#timeoutExpired, this.#timeoutWork];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#triggerCount = v[2] as never;
    this.#work = v[3] as never;
    this.#timeoutExpired = v[4] as never;
    this.#timeoutWork = v[5] as never;
  }
}

function removeItem<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
