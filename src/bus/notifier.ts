/**
 * Bus notifier events (enum bus_notifier_event) as typed will/did Event pairs (P5). The emitters
 * are private: core.ts and dd.ts announce an event with `notify()` (bus_notify) at the points
 * §1.15 of the reference names; listeners subscribe to the `onWill*`/`onDid*` events and cannot veto.
 */
import { injectable, type ServiceIdentifier } from 'inversify';
import { Emitter, type Event } from '../base/index.js';
import type { Device } from './device.js';

/** enum bus_notifier_event, in the kernel's order. */
export const busNotifierEvents = [
  'ADD_DEVICE', // before the `add` uevent
  'DEL_DEVICE', // start of device_del
  'REMOVED_DEVICE', // before the `remove` uevent
  'BIND_DRIVER', // before probe()
  'BOUND_DRIVER', // after probe() succeeded, before the `bind` uevent
  'UNBIND_DRIVER', // before remove()
  'UNBOUND_DRIVER', // after devres release, before the `unbind` uevent
  'DRIVER_NOT_BOUND', // probe() failed
] as const;
export type BusNotifierEvent = (typeof busNotifierEvents)[number];

export const IBusNotifier: ServiceIdentifier<BusNotifier> = Symbol.for('IBusNotifier');

@injectable()
export class BusNotifier {
  readonly #emitters: Record<BusNotifierEvent, Emitter<Device>> = {
    ADD_DEVICE: new Emitter<Device>(),
    DEL_DEVICE: new Emitter<Device>(),
    REMOVED_DEVICE: new Emitter<Device>(),
    BIND_DRIVER: new Emitter<Device>(),
    BOUND_DRIVER: new Emitter<Device>(),
    UNBIND_DRIVER: new Emitter<Device>(),
    UNBOUND_DRIVER: new Emitter<Device>(),
    DRIVER_NOT_BOUND: new Emitter<Device>(),
  };

  /** BUS_NOTIFY_ADD_DEVICE: before the `add` uevent. */
  readonly onDidAddDevice: Event<Device> = this.#emitters.ADD_DEVICE.event;
  /** BUS_NOTIFY_BIND_DRIVER: before probe(). */
  readonly onWillBindDriver: Event<Device> = this.#emitters.BIND_DRIVER.event;
  /** BUS_NOTIFY_BOUND_DRIVER: after probe() succeeded, before the `bind` uevent. */
  readonly onDidBindDriver: Event<Device> = this.#emitters.BOUND_DRIVER.event;
  /** BUS_NOTIFY_DRIVER_NOT_BOUND: probe() failed. */
  readonly onDidFailToBindDriver: Event<Device> = this.#emitters.DRIVER_NOT_BOUND.event;
  /** BUS_NOTIFY_UNBIND_DRIVER: before remove(). */
  readonly onWillUnbindDriver: Event<Device> = this.#emitters.UNBIND_DRIVER.event;
  /** BUS_NOTIFY_UNBOUND_DRIVER: after devres release, before the `unbind` uevent. */
  readonly onDidUnbindDriver: Event<Device> = this.#emitters.UNBOUND_DRIVER.event;
  /** BUS_NOTIFY_DEL_DEVICE: start of device_del. */
  readonly onWillRemoveDevice: Event<Device> = this.#emitters.DEL_DEVICE.event;
  /** BUS_NOTIFY_REMOVED_DEVICE: before the `remove` uevent. */
  readonly onDidRemoveDevice: Event<Device> = this.#emitters.REMOVED_DEVICE.event;

  /** bus_notify: only the driver core (core.ts, dd.ts) calls this. */
  notify(event: BusNotifierEvent, dev: Device): void {
    this.#emitters[event].fire(dev);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#emitters];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
