/**
 * Bus notifier events (enum bus_notifier_event) as typed will/did Event pairs (P5). Fired by
 * core.ts and dd.ts at the points §1.15 of the reference names; listeners cannot veto.
 */
import { injectable } from 'inversify';
import { Emitter } from '../base/index.js';
import type { Device } from './device.js';

export const IBusNotifier = Symbol.for('IBusNotifier');

@injectable()
export class BusNotifier {
  /** BUS_NOTIFY_ADD_DEVICE: before the `add` uevent. */
  readonly _onDidAddDevice = new Emitter<Device>();
  readonly onDidAddDevice = this._onDidAddDevice.event;
  /** BUS_NOTIFY_BIND_DRIVER: before probe(). */
  readonly _onWillBindDriver = new Emitter<Device>();
  readonly onWillBindDriver = this._onWillBindDriver.event;
  /** BUS_NOTIFY_BOUND_DRIVER: after probe() succeeded, before the `bind` uevent. */
  readonly _onDidBindDriver = new Emitter<Device>();
  readonly onDidBindDriver = this._onDidBindDriver.event;
  /** BUS_NOTIFY_DRIVER_NOT_BOUND: probe() failed. */
  readonly _onDidFailToBindDriver = new Emitter<Device>();
  readonly onDidFailToBindDriver = this._onDidFailToBindDriver.event;
  /** BUS_NOTIFY_UNBIND_DRIVER: before remove(). */
  readonly _onWillUnbindDriver = new Emitter<Device>();
  readonly onWillUnbindDriver = this._onWillUnbindDriver.event;
  /** BUS_NOTIFY_UNBOUND_DRIVER: after devres release, before the `unbind` uevent. */
  readonly _onDidUnbindDriver = new Emitter<Device>();
  readonly onDidUnbindDriver = this._onDidUnbindDriver.event;
  /** BUS_NOTIFY_DEL_DEVICE: start of device_del. */
  readonly _onWillRemoveDevice = new Emitter<Device>();
  readonly onWillRemoveDevice = this._onWillRemoveDevice.event;
  /** BUS_NOTIFY_REMOVED_DEVICE: before the `remove` uevent. */
  readonly _onDidRemoveDevice = new Emitter<Device>();
  readonly onDidRemoveDevice = this._onDidRemoveDevice.event;
}
