/**
 * Device links (the device_link part of core.c): a consumer depends on a supplier. Managed
 * links gate the consumer's probe (it defers until the supplier is bound), force-unbind active
 * consumers before the supplier unbinds, and follow the state machine of the `status` file.
 * Each link is a class device of class `devlink` with its own add/remove uevents.
 */
import type { ServiceIdentifier } from 'inversify';
import { kerr } from '../base/index.js';
import { attrRO } from './attribute.js';
import { DeviceClass } from './class.js';
import { Device } from './device.js';
import { devicePmNotRequired } from './power.js';

/** DL_FLAG_* (include/linux/device.h). */
export const DL_FLAG = {
  STATELESS: 1 << 0, // no state tracking; the caller manages the link
  AUTOREMOVE_CONSUMER: 1 << 1, // delete when the consumer unbinds
  PM_RUNTIME: 1 << 2, // runtime PM follows the link
  RPM_ACTIVE: 1 << 3, // resume the supplier on creation
  AUTOREMOVE_SUPPLIER: 1 << 4, // delete when the supplier unbinds
  AUTOPROBE_CONSUMER: 1 << 5, // probe the consumer when the supplier binds
  MANAGED: 1 << 6, // internal: every non-stateless link
  SYNC_STATE_ONLY: 1 << 7, // only affects sync_state
  INFERRED: 1 << 8, // inferred from firmware
} as const;

const ACCEPTED_FLAGS =
  DL_FLAG.STATELESS |
  DL_FLAG.AUTOREMOVE_CONSUMER |
  DL_FLAG.PM_RUNTIME |
  DL_FLAG.RPM_ACTIVE |
  DL_FLAG.AUTOREMOVE_SUPPLIER |
  DL_FLAG.AUTOPROBE_CONSUMER |
  DL_FLAG.SYNC_STATE_ONLY |
  DL_FLAG.INFERRED;

/** Link states as the `status` file prints them. */
export const linkStates = {
  NONE: 'not tracked', // stateless link
  DORMANT: 'dormant', // neither end is bound (or the supplier is not)
  AVAILABLE: 'available', // supplier bound, consumer not
  CONSUMER_PROBE: 'consumer probing', // consumer's probe is running
  ACTIVE: 'active', // both ends bound
  SUPPLIER_UNBIND: 'supplier unbinding', // supplier's unbind is running
} as const;
export type LinkState = (typeof linkStates)[keyof typeof linkStates];

export class DeviceLink {
  status: LinkState;
  readonly device: Device;

  constructor(
    readonly supplier: Device,
    readonly consumer: Device,
    public flags: number,
    status: LinkState,
    cls: DeviceClass,
  ) {
    this.status = status;
    this.device = new Device({ name: linkName(supplier, consumer), class: cls });
    // device_link_add: device_set_pm_not_required(&link->link_dev) — no power/ directory.
    devicePmNotRequired(this.device);
    this.device.driverData = this;
  }

  get managed(): boolean {
    return (this.flags & DL_FLAG.MANAGED) !== 0;
  }
}

function linkName(supplier: Device, consumer: Device): string {
  const tag = (d: Device) => `${d.bus?.name ?? d.class?.name ?? 'none'}:${d.name}`;
  return `${tag(supplier)}--${tag(consumer)}`;
}

const linkOf = (dev: Device) => dev.driverData as DeviceLink;

/**
 * The `devlink` class: /sys/class/devlink/<sup>--<con>/ with status and flags files. One per
 * machine (a class keeps its device list), registered by BusRegistry at kernel init.
 */
export function createDevlinkClass(): DeviceClass {
  return new DeviceClass({
    name: 'devlink',
    devGroups: [
      {
        attrs: [
          attrRO('status', (d: Device) => `${linkOf(d).status}\n`),
          attrRO('auto_remove_on', (d: Device) => {
            const f = linkOf(d).flags;
            if (f & DL_FLAG.AUTOREMOVE_SUPPLIER) return 'supplier unbind\n';
            if (f & DL_FLAG.AUTOREMOVE_CONSUMER) return 'consumer unbind\n';
            return 'never\n';
          }),
          attrRO('runtime_pm', (d: Device) => `${linkOf(d).flags & DL_FLAG.PM_RUNTIME ? 1 : 0}\n`),
          attrRO('sync_state_only', (d: Device) => `${linkOf(d).flags & DL_FLAG.SYNC_STATE_ONLY ? 1 : 0}\n`),
        ],
      },
    ],
  });
}

/**
 * What device links call in the rest of the driver core (core.c and dd.c in the kernel, where
 * the links live in core.c): DeviceCore implements it and passes itself when it builds the links.
 */
export interface LinkCore {
  /** device_register of a link's class device. */
  addDevice(dev: Device): void;
  /** device_unregister of a link's class device. */
  delDevice(dev: Device): void;
  /** device_release_driver_internal on a consumer. */
  releaseDriver(dev: Device): void;
  /** driver_deferred_probe_add on a consumer. */
  deferredProbeAdd(dev: Device): void;
}

export const IDeviceLinks: ServiceIdentifier<DeviceLinks> = Symbol.for('IDeviceLinks');

/** Built by DeviceCore (core.ts), which passes itself as the LinkCore. */
export class DeviceLinks {
  /** This machine's `devlink` class. */
  readonly devlinkClass = createDevlinkClass();

  constructor(private readonly core: LinkCore) {}

  /**
   * device_link_add: returns the link, or undefined where the kernel returns NULL (bad flags,
   * identical or unregistered endpoints, a reverse dependency).
   */
  add(consumer: Device, supplier: Device, flags: number): DeviceLink | undefined {
    if (consumer === supplier) return undefined;
    if (flags & ~ACCEPTED_FLAGS) return undefined;
    if (flags & DL_FLAG.STATELESS && flags & ~(DL_FLAG.STATELESS | DL_FLAG.PM_RUNTIME | DL_FLAG.RPM_ACTIVE)) return undefined;
    if (flags & DL_FLAG.AUTOPROBE_CONSUMER && flags & (DL_FLAG.AUTOREMOVE_CONSUMER | DL_FLAG.AUTOREMOVE_SUPPLIER)) return undefined;
    if (!supplier.isRegistered) return undefined;
    // device_is_dependent(consumer, supplier): refuse when the supplier already depends on the
    // consumer (is the consumer itself, its descendant, or its transitive consumer).
    if (!(flags & DL_FLAG.SYNC_STATE_ONLY) && this.#dependsOn(consumer, supplier)) return undefined;
    if (flags & DL_FLAG.AUTOREMOVE_SUPPLIER) flags &= ~DL_FLAG.AUTOREMOVE_CONSUMER;
    if (!(flags & DL_FLAG.STATELESS)) flags |= DL_FLAG.MANAGED;

    const existing = consumer.p.suppliers.find((l) => l.supplier === supplier);
    if (existing) {
      existing.flags |= flags;
      return existing;
    }
    const link = new DeviceLink(supplier, consumer, flags, this.#initialState(supplier, consumer, flags), this.devlinkClass);
    supplier.p.consumers.push(link);
    consumer.p.suppliers.push(link);
    this.core.addDevice(link.device);
    return link;
  }

  #initialState(supplier: Device, consumer: Device, flags: number): LinkState {
    if (!(flags & DL_FLAG.MANAGED)) return linkStates.NONE;
    // device_link_init_status: a supplier between device_links_busy and the end of its unbind
    // (DL_DEV_UNBINDING) gives every new link "supplier unbinding", whatever the consumer does.
    if (supplier.p.linksUnbinding) return linkStates.SUPPLIER_UNBIND;
    // device_link_init_status: a probing consumer of a probing or bound supplier is "consumer
    // probing" (e.g. a child adding a link to its parent from its probe, inside the parent's).
    if (supplier.p.probing) return consumer.p.probing ? linkStates.CONSUMER_PROBE : linkStates.DORMANT;
    if (supplier.p.bound) {
      if (consumer.p.probing) return linkStates.CONSUMER_PROBE;
      if (consumer.p.bound) return linkStates.ACTIVE;
      return linkStates.AVAILABLE;
    }
    return linkStates.DORMANT;
  }

  /**
   * device_is_dependent(dev, target): true if `target` is `dev`, a descendant of `dev` (by its
   * parent chain, as children join the list only after probing), or a transitive consumer of it.
   */
  #dependsOn(dev: Device, target: Device): boolean {
    if (dev === target) return true;
    for (let p = target.parent; p; p = p.parent) if (p === dev) return true;
    for (const child of dev.p.children) if (this.#dependsOn(child, target)) return true;
    for (const link of dev.p.consumers) {
      if ((link.flags & ~DL_FLAG.INFERRED) === (DL_FLAG.SYNC_STATE_ONLY | DL_FLAG.MANAGED)) continue;
      if (this.#dependsOn(link.consumer, target)) return true;
    }
    return false;
  }

  /** device_link_del / device_link_drop_managed. */
  del(link: DeviceLink): void {
    removeItem(link.supplier.p.consumers, link);
    removeItem(link.consumer.p.suppliers, link);
    if (link.device.isRegistered) this.core.delDevice(link.device);
  }

  /** device_links_check_suppliers: every managed supplier must be available, else defer. */
  checkSuppliers(dev: Device): void {
    dev.p.linksUnbinding = false;
    const moved: DeviceLink[] = [];
    for (const link of dev.p.suppliers) {
      if (!link.managed) continue;
      if (link.status !== linkStates.AVAILABLE && !(link.flags & DL_FLAG.SYNC_STATE_ONLY)) {
        for (const l of moved) l.status = linkStates.AVAILABLE;
        // dev_err_probe(dev, -EPROBE_DEFER, "supplier %s not ready\n"): the reason is prefixed with
        // dev_driver_string(), the bus name here since dev->driver is not set yet.
        dev.p.deferredReason = `${dev.bus?.name ?? dev.class?.name ?? ''}: supplier ${link.supplier.name} not ready\n`;
        throw kerr('EPROBE_DEFER', `${dev.displayName}: supplier ${link.supplier.name} not ready`);
      }
      link.status = linkStates.CONSUMER_PROBE;
      moved.push(link);
    }
  }

  /** device_links_driver_bound: consumers may now probe; our supplier links become active. */
  driverBound(dev: Device): void {
    for (const link of dev.p.consumers) {
      if (!link.managed) continue;
      if (link.status === linkStates.CONSUMER_PROBE || link.status === linkStates.ACTIVE) continue;
      link.status = linkStates.AVAILABLE;
      // driver_deferred_probe_add: only a consumer some driver matched (can_match) is queued.
      if (link.flags & DL_FLAG.AUTOPROBE_CONSUMER) this.core.deferredProbeAdd(link.consumer);
    }
    for (const link of [...dev.p.suppliers]) {
      if (!link.managed) continue;
      if (link.flags & DL_FLAG.SYNC_STATE_ONLY) this.del(link);
      else link.status = linkStates.ACTIVE;
    }
  }

  /**
   * device_links_no_driver (probe failed): consumer links a probing consumer added while this
   * device was still probing ("consumer probing" or "active") fall back to "dormant"; then
   * __device_links_no_driver for its own supplier links.
   */
  noDriver(dev: Device): void {
    for (const link of dev.p.consumers) {
      if (!link.managed) continue;
      if (link.status === linkStates.CONSUMER_PROBE || link.status === linkStates.ACTIVE) link.status = linkStates.DORMANT;
    }
    this.#noDriverSuppliers(dev);
  }

  /** __device_links_no_driver: the consumer's probe failed or it unbound. */
  #noDriverSuppliers(dev: Device): void {
    for (const link of [...dev.p.suppliers].reverse()) {
      if (!link.managed) continue;
      if (link.flags & DL_FLAG.AUTOREMOVE_CONSUMER) {
        this.del(link);
        continue;
      }
      if (link.status !== linkStates.CONSUMER_PROBE && link.status !== linkStates.ACTIVE) continue;
      link.status = link.supplier.p.bound ? linkStates.AVAILABLE : linkStates.DORMANT;
    }
  }

  /**
   * device_links_busy: true at the first managed consumer link that is probing or active (the
   * walk stops there); the idle links before it go to "supplier unbinding". The device's link
   * status becomes DL_DEV_UNBINDING either way.
   */
  busy(dev: Device): boolean {
    let busy = false;
    for (const link of dev.p.consumers) {
      if (!link.managed) continue;
      if (link.status === linkStates.CONSUMER_PROBE || link.status === linkStates.ACTIVE) {
        busy = true;
        break;
      }
      link.status = linkStates.SUPPLIER_UNBIND;
    }
    dev.p.linksUnbinding = true;
    return busy;
  }

  /** A consumer whose probe is running behind a managed link (device_links_unbind_consumers would wait for it). */
  probingConsumer(dev: Device): Device | undefined {
    const link = dev.p.consumers.find((l) => l.managed && !(l.flags & DL_FLAG.SYNC_STATE_ONLY) && l.status === linkStates.CONSUMER_PROBE);
    return link?.consumer;
  }

  /**
   * device_links_unbind_consumers: every managed consumer link (sync-state-only ones aside) goes
   * to "supplier unbinding"; an active one's consumer is force-unbound, and the walk restarts.
   */
  unbindConsumers(dev: Device): void {
    for (;;) {
      let active: DeviceLink | undefined;
      for (const l of dev.p.consumers) {
        if (!l.managed || l.flags & DL_FLAG.SYNC_STATE_ONLY || l.status === linkStates.CONSUMER_PROBE) continue;
        const was = l.status;
        l.status = linkStates.SUPPLIER_UNBIND;
        if (was === linkStates.ACTIVE) {
          active = l;
          break;
        }
      }
      if (!active) return;
      this.core.releaseDriver(active.consumer);
    }
  }

  /** device_links_driver_cleanup: after the supplier's remove(). */
  driverCleanup(dev: Device): void {
    for (const link of [...dev.p.consumers]) {
      if (!link.managed) continue;
      if (link.status === linkStates.SUPPLIER_UNBIND && link.flags & DL_FLAG.AUTOREMOVE_SUPPLIER) {
        this.del(link);
        continue;
      }
      link.status = linkStates.DORMANT;
    }
    this.#noDriverSuppliers(dev);
    dev.p.linksUnbinding = false;
  }

  /**
   * device_links_purge: the device is going away; every link to it is deleted, supplier links
   * then consumer links, each list walked backwards (list_for_each_entry_safe_reverse), so the
   * newest link's `remove` uevent comes first. A devlink device has no links of its own.
   */
  purge(dev: Device): void {
    if (dev.class === this.devlinkClass) return;
    for (const link of [...dev.p.suppliers].reverse()) this.del(link);
    for (const link of [...dev.p.consumers].reverse()) this.del(link);
  }
}

function removeItem<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
