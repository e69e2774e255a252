/**
 * The misc character device class (drivers/char/misc.c), built in: class `misc`, major 10
 * (MISC_MAJOR), misc_register/misc_deregister of devices with a fixed minor, a node name and a
 * mode. Class devices have no parent (`/sys/devices/virtual/misc/<name>`).
 */
import { inject, injectable } from 'inversify';
import { type IDisposable, kerr } from '../../base/index.js';
import {
  BusRegistry,
  CharDevRegistry,
  Device,
  DeviceClass,
  DeviceCore,
  type FileOperations,
  IBusRegistry,
  ICharDevRegistry,
  IDeviceCore,
} from '../../bus/index.js';

export const IMiscCore = Symbol.for('IMiscCore');
export const MISC_MAJOR = 10;

/** struct miscdevice. */
export interface MiscDevice {
  readonly name: string;
  readonly minor: number;
  /** Node name below /dev (default: the name). */
  readonly nodename?: string;
  readonly mode?: number;
  readonly fops: FileOperations;
  readonly module: string;
}

interface Registered {
  readonly device: Device;
  readonly cdev: IDisposable;
}

@injectable()
export class MiscCore {
  readonly miscClass = new DeviceClass({
    name: 'misc',
    devnode: (dev) => {
      const m = this.#byDevice.get(dev);
      return m ? { name: m.nodename ?? dev.name, ...(m.mode !== undefined ? { mode: m.mode } : {}) } : undefined;
    },
  });
  readonly #byDevice = new Map<Device, MiscDevice>();
  readonly #registered = new Map<MiscDevice, Registered>();
  #initialized = false;

  constructor(
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(ICharDevRegistry) private readonly cdevs: CharDevRegistry,
  ) {}

  /** misc_init: the class and major 10. */
  init(): void {
    if (this.#initialized) return;
    this.#initialized = true;
    this.buses.classRegister(this.miscClass);
    this.cdevs.reserveMajor(MISC_MAJOR, 'misc');
  }

  /** misc_register. @throws {DriverModelError} EBUSY for a taken minor or name. */
  register(misc: MiscDevice): void {
    for (const m of this.#registered.keys()) {
      if (m.minor === misc.minor || m.name === misc.name) throw kerr('EBUSY', `misc ${misc.name}: minor ${misc.minor} in use`);
    }
    const cdev = this.cdevs.add(misc.name, MISC_MAJOR, misc.minor, 1, misc.fops, misc.module);
    const device = new Device({ name: misc.name, class: this.miscClass, devt: { major: MISC_MAJOR, minor: misc.minor } });
    this.#byDevice.set(device, misc);
    try {
      this.core.add(device);
    } catch (e) {
      cdev.dispose();
      this.#byDevice.delete(device);
      throw e;
    }
    this.#registered.set(misc, { device, cdev });
  }

  /** misc_deregister. */
  deregister(misc: MiscDevice): void {
    const r = this.#registered.get(misc);
    if (!r) return;
    this.#registered.delete(misc);
    this.core.unregister(r.device);
    this.#byDevice.delete(r.device);
    r.cdev.dispose();
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#byDevice, this.#registered, this.#initialized];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#initialized = v[2] as never;
  }
}
