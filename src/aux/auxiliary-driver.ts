/**
 * struct auxiliary_driver: probe (required) gets the matched id, remove cannot refuse, and the
 * id table (required) names the devices served. Registered with AuxiliaryBus.driverRegister,
 * which names it `<modname>.<name>`, or just `<modname>` without a name.
 */
import type { DeviceDriver } from '../bus/index.js';
import type { AuxiliaryDevice } from './auxiliary-device.js';
import type { AuxiliaryDeviceId } from './device-id.js';

export interface AuxiliaryDriverOptions {
  /** The part after the module name (`doe` → driver `pci_doe.doe`); omitted: the module name alone. */
  readonly name?: string;
  readonly idTable?: readonly AuxiliaryDeviceId[];
  /**
   * Throws DriverModelError to fail (ENODEV/ENXIO quietly). `id` is the matched entry, or
   * undefined when only driver_override matched.
   */
  readonly probe?: (adev: AuxiliaryDevice, id: AuxiliaryDeviceId | undefined) => void;
  readonly remove?: (adev: AuxiliaryDevice) => void;
  readonly shutdown?: (adev: AuxiliaryDevice) => void;
}

export class AuxiliaryDriver {
  readonly name: string | undefined;
  readonly idTable: readonly AuxiliaryDeviceId[] | undefined;
  readonly probe: AuxiliaryDriverOptions['probe'];
  readonly remove: AuxiliaryDriverOptions['remove'];
  readonly shutdown: AuxiliaryDriverOptions['shutdown'];
  /** The driver-core object while registered. */
  driver: DeviceDriver | undefined;

  constructor(options: AuxiliaryDriverOptions) {
    this.name = options.name;
    this.idTable = options.idTable;
    this.probe = options.probe;
    this.remove = options.remove;
    this.shutdown = options.shutdown;
  }
}

/** The AuxiliaryDriver behind a driver-core object, if it is one. */
export function toAuxiliaryDriver(drv: DeviceDriver | undefined): AuxiliaryDriver | undefined {
  return drv?.owner instanceof AuxiliaryDriver ? drv.owner : undefined;
}

/** Driver name as __auxiliary_driver_register composes it. */
export function auxiliaryDriverName(modname: string, name: string | undefined): string {
  return name ? `${modname}.${name}` : modname;
}
