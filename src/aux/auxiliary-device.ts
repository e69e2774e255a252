/**
 * struct auxiliary_device: a part of its parent's function, named `<modname>.<devname>.<id>`
 * once added. The registering driver owns it and must delete it before its own remove()
 * completes (DEVICE_LIFESPAN). Lifecycle calls (init/add/delete/uninit) are AuxiliaryBus's.
 */
import { Device } from '../bus/index.js';
import { auxiliaryMatchName } from './device-id.js';

export interface AuxiliaryDeviceInit {
  /** auxdev->name: the devname, e.g. `eth`, `doe`. Required by init. */
  readonly devname?: string;
  /** auxdev->id, printed with %d. */
  readonly id?: number;
  /** Required by init. */
  readonly parent?: Device;
  readonly platformData?: unknown;
  /** Runs when the last reference goes (after uninit). */
  readonly release?: (dev: Device) => void;
}

export class AuxiliaryDevice extends Device {
  devname: string | undefined;
  id: number;
  /** The module name given to add (KBUILD_MODNAME of the parent driver). */
  modname: string | undefined;

  constructor(init: AuxiliaryDeviceInit = {}) {
    super({ ...(init.parent ? { parent: init.parent } : {}), ...(init.release ? { release: init.release } : {}) });
    this.devname = init.devname;
    this.id = init.id ?? 0;
    this.modname = undefined;
    this.platformData = init.platformData;
  }

  /** `<modname>.<devname>`: what id tables and MODALIAS name. */
  get matchName(): string | undefined {
    return auxiliaryMatchName(this.name);
  }
}

export function isAuxiliaryDevice(dev: Device | undefined): dev is AuxiliaryDevice {
  return dev instanceof AuxiliaryDevice;
}
