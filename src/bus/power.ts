/**
 * The `power/` directory of every device and the runtime-PM state behind it
 * (drivers/base/power/sysfs.c dpm_sysfs_add, runtime.c; reference §1.16). The configuration
 * modelled is Debian's (CONFIG_PM_ADVANCED_DEBUG=y): besides `control`, `runtime_status`,
 * `runtime_active_time`, `runtime_suspended_time` and `autosuspend_delay_ms`, every device shows
 * `async`, `runtime_usage`, `runtime_active_kids` and `runtime_enabled`; wakeup-capable devices
 * add `wakeup` and its counters.
 *
 * Defaults are pm_runtime_init's: control `auto`, runtime PM disabled (`unsupported`), no time
 * accounted. A subsystem changes them as the kernel's would (pci_pm_init: forbidden, active,
 * enabled). While runtime PM is enabled, `control` = `auto` lets an idle device suspend
 * (asynchronously, on the scheduler); `on` resumes it and keeps it active.
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { IClock, type IDisposable, IScheduler, kerr, sideTable } from '../base/index.js';
import { type AnyAttribute, type AttributeGroup, attrRO, sysfsStreq } from './attribute.js';
import type { Device } from './device.js';
import { BusNotifier, IBusNotifier } from './notifier.js';

export type RpmStatus = 'active' | 'resuming' | 'suspended' | 'suspending';

/** struct dev_pm_info, the parts sysfs shows. */
export interface DevicePmInfo {
  /** power.runtime_auto: `control` reads `auto`. */
  runtimeAuto: boolean;
  /** power.disable_depth: runtime PM is enabled at 0. */
  disableDepth: number;
  runtimeStatus: RpmStatus;
  usageCount: number;
  asyncSuspend: boolean;
  /** power.can_wakeup. */
  canWakeup: boolean;
  /** A wakeup source exists (wakeup "enabled"). */
  wakeupEnabled: boolean;
  /** power.use_autosuspend and power.autosuspend_delay. */
  useAutosuspend: boolean;
  autosuspendDelay: number;
  /** pm_runtime_no_callbacks: no pm_runtime_attr_group. */
  noCallbacks: boolean;
  /** device_pm_not_required: no power/ directory at all. */
  notRequired: boolean;
  /** An idle device may suspend (its bus's runtime_idle/suspend succeed), e.g. an unbound PCI function. */
  idleSuspends?: (dev: Device) => boolean;
  /** The bus's probe holds a usage count for the driver's lifetime (local_pci_probe's pm_runtime_get_sync). */
  probeHoldsUsage: boolean;
  /** update_pm_runtime_accounting: ms in each state and when they were last brought up to date. */
  activeTime: number;
  suspendedTime: number;
  accountingTimestamp: number;
}

const pmInfo = sideTable(new WeakMap<Device, DevicePmInfo>());

/** dev->power, created with pm_runtime_init's defaults on first use. */
export function devicePm(dev: Device): DevicePmInfo {
  let pm = pmInfo.get(dev);
  if (!pm) {
    pm = {
      runtimeAuto: true,
      disableDepth: 1,
      runtimeStatus: 'suspended',
      usageCount: 0,
      asyncSuspend: false,
      canWakeup: false,
      wakeupEnabled: false,
      useAutosuspend: false,
      autosuspendDelay: 0,
      noCallbacks: false,
      notRequired: false,
      probeHoldsUsage: false,
      activeTime: 0,
      suspendedTime: 0,
      accountingTimestamp: 0,
    };
    pmInfo.set(dev, pm);
  }
  return pm;
}

/** device_set_pm_not_required: the device gets no power/ directory (devlink devices, wakeup sources). */
export function devicePmNotRequired(dev: Device): void {
  devicePm(dev).notRequired = true;
}

/** device_enable_async_suspend. */
export function deviceEnableAsyncSuspend(dev: Device): void {
  devicePm(dev).asyncSuspend = true;
}

/** device_set_wakeup_capable before device_add (no `change` uevent then). */
export function deviceSetWakeupCapable(dev: Device, capable: boolean): void {
  devicePm(dev).canWakeup = capable;
}

/** pm_runtime_no_callbacks. */
export function pmRuntimeNoCallbacks(dev: Device): void {
  devicePm(dev).noCallbacks = true;
}

/** pm_runtime_use_autosuspend + pm_runtime_set_autosuspend_delay. */
export function pmRuntimeUseAutosuspend(dev: Device, delayMs: number): void {
  const pm = devicePm(dev);
  pm.useAutosuspend = true;
  pm.autosuspendDelay = delayMs;
}

export const IDevicePower: ServiceIdentifier<DevicePower> = Symbol.for('IDevicePower');

/** Runtime-PM transitions with time accounting, and the power/ attribute group. */
@injectable()
export class DevicePower {
  readonly #pending = new WeakMap<Device, IDisposable>();
  readonly #groups: AttributeGroup<Device>[];

  constructor(
    @inject(IClock) private readonly clock: IClock,
    @inject(IScheduler) private readonly scheduler: IScheduler,
    @inject(IBusNotifier) private readonly notifier: BusNotifier,
  ) {
    this.#groups = this.#makeGroups();
  }

  /** Kernel init: follow binding for buses whose probe holds a usage count (PCI). */
  init(): void {
    this.notifier.onWillBindDriver((dev) => {
      const pm = devicePm(dev);
      if (!pm.probeHoldsUsage) return;
      // local_pci_probe: pm_runtime_get_sync — the function is resumed for its driver.
      pm.usageCount++;
      this.resume(dev);
    });
    const put = (dev: Device) => {
      const pm = devicePm(dev);
      if (!pm.probeHoldsUsage) return;
      // pci_device_remove / a failed local_pci_probe: pm_runtime_put_sync.
      pm.usageCount--;
      this.#idle(dev, false);
    };
    this.notifier.onDidUnbindDriver(put);
    this.notifier.onDidFailToBindDriver(put);
  }

  /** pm_runtime_set_active on a device whose runtime PM is disabled. */
  setActive(dev: Device): void {
    this.#setStatus(dev, 'active');
  }

  /** pm_runtime_enable: one less disable_depth; accounting starts at 0. */
  enable(dev: Device): void {
    const pm = devicePm(dev);
    this.#account(dev);
    if (pm.disableDepth > 0) pm.disableDepth--;
  }

  /** pm_runtime_forbid: takes a usage count and resumes (control = on). */
  forbid(dev: Device): void {
    const pm = devicePm(dev);
    if (!pm.runtimeAuto) return;
    pm.runtimeAuto = false;
    pm.usageCount++;
    this.resume(dev);
  }

  /** pm_runtime_allow: drops the count forbid took; the device may go idle (asynchronously). */
  allow(dev: Device): void {
    const pm = devicePm(dev);
    if (pm.runtimeAuto) return;
    pm.runtimeAuto = true;
    pm.usageCount--;
    this.#idle(dev, true);
  }

  /** rpm_resume: an enabled device becomes active. */
  resume(dev: Device): void {
    this.#pending.get(dev)?.dispose();
    this.#pending.delete(dev);
    const pm = devicePm(dev);
    if (pm.disableDepth > 0) return;
    this.#setStatus(dev, 'active');
  }

  /**
   * rpm_idle → rpm_suspend: only an enabled, active device whose usage count is 0, with no
   * active children, and whose bus lets it suspend; `async` queues it (RPM_ASYNC).
   */
  #idle(dev: Device, async: boolean): void {
    const pm = devicePm(dev);
    if (pm.disableDepth > 0 || pm.usageCount > 0 || pm.runtimeStatus !== 'active') return;
    if (this.activeKids(dev) > 0 || !pm.idleSuspends?.(dev)) return;
    const suspend = () => {
      this.#pending.delete(dev);
      if (pm.usageCount > 0 || !pm.runtimeAuto || pm.disableDepth > 0 || pm.runtimeStatus !== 'active') return;
      this.#setStatus(dev, 'suspended');
      // rpm_suspend: a suspended child lets its parent go idle in turn (RPM_ASYNC).
      if (dev.parent) this.#idle(dev.parent, true);
    };
    if (!async) return suspend();
    if (!this.#pending.has(dev)) this.#pending.set(dev, this.scheduler.queue('rpm_idle', suspend, { key: dev.devpath }));
  }

  /** power.child_count: children whose runtime PM is enabled and active. */
  activeKids(dev: Device): number {
    return dev.children.filter((c) => {
      const pm = pmInfo.get(c);
      return pm !== undefined && pm.disableDepth === 0 && pm.runtimeStatus === 'active';
    }).length;
  }

  #setStatus(dev: Device, status: RpmStatus): void {
    this.#account(dev);
    devicePm(dev).runtimeStatus = status;
  }

  /** update_pm_runtime_accounting: nothing is accounted while runtime PM is disabled. */
  #account(dev: Device): void {
    const pm = devicePm(dev);
    const now = this.clock.now();
    if (pm.disableDepth === 0) {
      const delta = now - pm.accountingTimestamp;
      if (pm.runtimeStatus === 'suspended') pm.suspendedTime += delta;
      else pm.activeTime += delta;
    }
    pm.accountingTimestamp = now;
  }

  /** The `power` group(s) dpm_sysfs_add creates for `dev`: none when PM is not required. */
  groups(dev: Device): readonly AttributeGroup<Device>[] {
    return devicePm(dev).notRequired ? [] : this.#groups;
  }

  #makeGroups(): AttributeGroup<Device>[] {
    const pmOf = devicePm;
    const rw = (name: string, show: (d: Device) => string, store: (d: Device, buf: string) => void): AnyAttribute<Device> => ({
      name,
      mode: 0o644,
      show,
      store: (d, buf) => {
        store(d, buf);
        return buf.length;
      },
    });
    const enabledDisabled = (buf: string): boolean => {
      if (sysfsStreq(buf, 'enabled')) return true;
      if (sysfsStreq(buf, 'disabled')) return false;
      throw kerr('EINVAL', `expected enabled or disabled`);
    };
    const times = (d: Device) => {
      this.#account(d);
      return pmOf(d);
    };
    // pm_attr_group (ADVANCED_DEBUG): always there.
    const base: AnyAttribute<Device>[] = [
      rw(
        'async',
        (d) => (pmOf(d).asyncSuspend ? 'enabled\n' : 'disabled\n'),
        (d, buf) => (pmOf(d).asyncSuspend = enabledDisabled(buf)),
      ),
      // rtpm_status_show: "unsupported" while runtime PM is disabled.
      attrRO('runtime_status', (d: Device) => (pmOf(d).disableDepth > 0 ? 'unsupported\n' : `${pmOf(d).runtimeStatus}\n`)),
      attrRO('runtime_usage', (d: Device) => `${pmOf(d).usageCount}\n`),
      attrRO('runtime_active_kids', (d: Device) => `${this.activeKids(d)}\n`),
      attrRO('runtime_enabled', (d: Device) => {
        const pm = pmOf(d);
        if (pm.disableDepth > 0 && !pm.runtimeAuto) return 'disabled & forbidden\n';
        if (pm.disableDepth > 0) return 'disabled\n';
        return pm.runtimeAuto ? 'enabled\n' : 'forbidden\n';
      }),
    ];
    // pm_runtime_attr_group: gone with pm_runtime_no_callbacks.
    const runtime: AnyAttribute<Device>[] = [
      // control_store: "auto" → pm_runtime_allow, "on" → pm_runtime_forbid, else EINVAL.
      rw(
        'control',
        (d) => (pmOf(d).runtimeAuto ? 'auto\n' : 'on\n'),
        (d, buf) => {
          if (sysfsStreq(buf, 'auto')) this.allow(d);
          else if (sysfsStreq(buf, 'on')) this.forbid(d);
          else throw kerr('EINVAL', `power/control: '${buf}'`);
        },
      ),
      attrRO('runtime_active_time', (d: Device) => `${Math.floor(times(d).activeTime)}\n`),
      attrRO('runtime_suspended_time', (d: Device) => `${Math.floor(times(d).suspendedTime)}\n`),
      // autosuspend_delay_ms_show/store: EIO unless the driver uses autosuspend; kstrtol, int range.
      {
        name: 'autosuspend_delay_ms',
        mode: 0o644,
        show: (d) => {
          if (!pmOf(d).useAutosuspend) throw kerr('EIO', 'autosuspend not in use');
          return `${pmOf(d).autosuspendDelay}\n`;
        },
        store: (d, buf) => {
          if (!pmOf(d).useAutosuspend) throw kerr('EIO', 'autosuspend not in use');
          const t = buf.endsWith('\n') ? buf.slice(0, -1) : buf;
          if (!/^[+-]?\d+$/.test(t)) throw kerr('EINVAL', `autosuspend_delay_ms: '${buf}'`);
          const v = Number(t);
          if (v > 2 ** 31 - 1 || v < -(2 ** 31)) throw kerr('EINVAL', `autosuspend_delay_ms: '${buf}'`);
          pmOf(d).autosuspendDelay = v;
          return buf.length;
        },
      },
    ];
    // pm_wakeup_attr_group: wakeup-capable devices; the counters read an empty line while no
    // wakeup source exists (wakeup disabled).
    const counter = (name: string) => attrRO(name, (d: Device) => (pmOf(d).wakeupEnabled ? '0\n' : '\n'));
    const wakeup: AnyAttribute<Device>[] = [
      rw(
        'wakeup',
        (d) => (pmOf(d).canWakeup ? (pmOf(d).wakeupEnabled ? 'enabled\n' : 'disabled\n') : '\n'),
        (d, buf) => {
          if (!pmOf(d).canWakeup) throw kerr('EINVAL', 'not wakeup capable');
          pmOf(d).wakeupEnabled = enabledDisabled(buf);
        },
      ),
      ...[
        'wakeup_count',
        'wakeup_active_count',
        'wakeup_abort_count',
        'wakeup_expire_count',
        'wakeup_active',
        'wakeup_total_time_ms',
        'wakeup_max_time_ms',
        'wakeup_last_time_ms',
      ].map(counter),
    ];
    return [
      { name: 'power', attrs: base },
      { name: 'power', attrs: runtime, isVisible: (d, a) => (pmOf(d).noCallbacks ? 0 : a.mode) },
      { name: 'power', attrs: wakeup, isVisible: (d, a) => (pmOf(d).canWakeup ? a.mode : 0) },
    ];
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#pending, this.#groups];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
