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
import { inject, injectable } from 'inversify';
import { BugIndicatingError, DriverModelError, Errno, errnoName, ILogService, kerr } from '../base/index.js';
import type { Device } from './device.js';
import type { DeviceDriver } from './driver.js';
import { DeferredProbe, IDeferredProbe } from './deferred-probe.js';
import { DeviceLinks, IDeviceLinks } from './devlink.js';
import { devresReleaseAll } from './devres.js';
import { BusNotifier, IBusNotifier } from './notifier.js';
import { IKobjectUevent, type IKobjectUevent as KobjectUevent } from './uevent.js';

export const IDriverBinder = Symbol.for('IDriverBinder');

const EPROBE_DEFER = Errno.EPROBE_DEFER;

/** The errno a probe threw, as a positive number (non-errno exceptions are rethrown: bugs). */
function probeErrno(e: unknown): number {
  if (DriverModelError.is(e)) return e.code;
  throw e;
}

@injectable()
export class DriverBinder {
  /** Set by the machine for tests that want every probe to defer (defer_all_probes). */
  deferAllProbes = false;

  constructor(
    @inject(IKobjectUevent) private readonly uevent: KobjectUevent,
    @inject(IBusNotifier) private readonly notifier: BusNotifier,
    @inject(IDeferredProbe) private readonly deferred: DeferredProbe,
    @inject(IDeviceLinks) private readonly links: DeviceLinks,
    @inject(ILogService) private readonly log: ILogService,
  ) {
    deferred.setProber(this);
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
      this.log.log('debug', 'kernel', `${dev.displayName}: error -EPROBE_DEFER: ${dev.p.deferredReason ?? 'supplier not ready'}`);
      return -probeErrno(e);
    }
    if (dev.p.devres.length > 0) {
      // really_probe: dev_crit (a device left with devres by an earlier user, or devm on an unbound device).
      this.log.log('critical', 'kernel', `${dev.displayName}: Resources present before probing`);
      return -Errno.EBUSY;
    }
    dev.driver = drv;
    // driver_sysfs_add: BIND_DRIVER, then the links; the `driver` link exists while probe runs.
    this.notifier._onWillBindDriver.fire(dev);
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
      this.notifier._onDidFailToBindDriver.fire(dev);
      this.links.noDriver(dev);
      this.#unbindCleanup(dev);
      return ret;
    }
    dev.p.driverGroupsAdded = true;
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
    this.notifier._onDidBindDriver.fire(dev);
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
        throw new BugIndicatingError(`${dev.displayName}: unbind from inside the probe of its consumer ${probing.displayName} (wait_for_device_probe deadlock)`);
      }
      this.links.unbindConsumers(dev);
      if (dev.driver !== drv) return;
    }
    dev.p.driverLinked = false;
    this.notifier._onWillUnbindDriver.fire(dev);
    dev.p.driverGroupsAdded = false;
    if (dev.bus?.remove) dev.bus.remove(dev);
    else drv.remove?.(dev);
    this.#unbindCleanup(dev);
    this.links.driverCleanup(dev);
    dev.p.bound = false;
    const i = drv.p.devices.indexOf(dev);
    if (i >= 0) drv.p.devices.splice(i, 1);
    this.notifier._onDidUnbindDriver.fire(dev);
    this.uevent.sendDevice(dev, 'unbind');
  }

  /** device_driver_detach (sysfs `unbind`): the caller checked it is bound to that driver. */
  deviceDriverDetach(dev: Device): void {
    this.releaseDriver(dev);
  }

  /** driver_detach: unbind every device of `drv`, last-bound first. */
  driverDetach(drv: DeviceDriver): void {
    for (;;) {
      const dev = drv.p.devices.at(-1);
      if (!dev) return;
      this.releaseDriver(dev);
    }
  }
}
