/**
 * module_auxiliary_driver() (include/linux/auxiliary_bus.h): a kernel module whose init registers
 * one auxiliary driver under the module's name and whose exit unregisters it. A driver module
 * extends this class, gives its module name and the driver's `name`/`idTable`, and implements
 * `probe` (and `remove` when it has one: without it the bus calls nothing on unbind). A module
 * that needs more at init (a class, a char region) overrides `init`/`exit` and calls `super`.
 */
import type { ModuleEntry } from '../bus/index.js';
import type { AuxiliaryBus } from './auxiliary-bus.js';
import type { AuxiliaryDevice } from './auxiliary-device.js';
import { AuxiliaryDriver, type AuxiliaryDriverOptions } from './auxiliary-driver.js';
import type { AuxiliaryDeviceId } from './device-id.js';

export abstract class AuxiliaryDriverModule implements ModuleEntry {
  readonly driver: AuxiliaryDriver;

  constructor(
    protected readonly aux: AuxiliaryBus,
    readonly modname: string,
    options: Pick<AuxiliaryDriverOptions, 'name' | 'idTable'>,
  ) {
    const remove = this.remove;
    this.driver = new AuxiliaryDriver({
      ...options,
      probe: (adev, id) => this.probe(adev, id),
      ...(remove !== undefined && { remove: (adev: AuxiliaryDevice) => remove.call(this, adev) }),
    });
  }

  /** The driver's probe: throws DriverModelError to fail (ENODEV/ENXIO quietly). */
  protected abstract probe(adev: AuxiliaryDevice, id: AuxiliaryDeviceId | undefined): void;

  /** The driver's remove, when it has one. */
  protected remove?(adev: AuxiliaryDevice): void;

  /** module_init: auxiliary_driver_register (existing devices may bind at once). */
  init(): void {
    this.aux.driverRegister(this.driver, this.modname);
  }

  /** module_exit: auxiliary_driver_unregister (every bound device unbinds first). */
  exit(): void {
    this.aux.driverUnregister(this.driver);
  }
}
