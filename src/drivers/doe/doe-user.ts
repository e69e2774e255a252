/**
 * doe_user: the override-only userspace driver for one DOE mailbox (DESIGN.md Departure 3).
 * Bound through driver_override, it creates the class device `doe/<auxdev>` below the auxiliary
 * device (node /dev/doe/<auxdev>, dynamic major). One process at a time may hold it open (a
 * second open gets EBUSY); when the device or the driver goes away, every operation on a file
 * still open fails with ENODEV, and close still works. The exchange itself (read/write/ioctl)
 * comes with the DOE exchange engine; until then a live file refuses them with EOPNOTSUPP.
 */
import { inject, injectable } from 'inversify';
import { IdAllocator, type IDisposable, kerr } from '../../base/index.js';
import {
  type AuxiliaryBus,
  type AuxiliaryDevice,
  type AuxiliaryDeviceId,
  AuxiliaryDriver,
  IAuxiliaryBus,
  auxiliaryModuleAliases,
} from '../../aux/index.js';
import {
  BusRegistry,
  type CharDevFile,
  CharDevRegistry,
  Device,
  DeviceClass,
  DeviceCore,
  type FileOperations,
  IBusRegistry,
  ICharDevRegistry,
  IDeviceCore,
  type ModuleEntry,
  defineModule,
} from '../../bus/index.js';
import { type UserspaceHandle, userspaceHandleBrand } from '../ownership.js';
import { type DoeMailboxRef, doeMailboxOf } from './mailbox.js';

export const DOE_USER_MODNAME = 'doe_user';

/** Matches DOE devices only through driver_override; yields no modules.alias line. */
export const doeUserIdTable: readonly AuxiliaryDeviceId[] = [{ name: 'cxl_pci.doe', overrideOnly: true }];

/** Minors per major (MINORMASK + 1 of a dynamic region this driver asks for). */
export const DOE_USER_MINORS = 256;

/** One bound mailbox: its class device, and the file that holds it, if any. */
export class DoeUserDevice implements UserspaceHandle {
  readonly [userspaceHandleBrand] = true as const;
  openFile: CharDevFile | undefined;
  /** Set when the driver unbinds: the handle outlived its driver. */
  revoked = false;

  constructor(
    readonly adev: AuxiliaryDevice,
    readonly mailbox: DoeMailboxRef,
    readonly classDevice: Device,
    readonly minor: number,
  ) {}

  get holder(): CharDevFile | undefined {
    return this.revoked ? undefined : this.openFile;
  }
}

/** The live device behind an open file. @throws {DriverModelError} ENODEV once revoked. */
function liveDevice(file: CharDevFile): DoeUserDevice {
  const state = file.privateData as DoeUserDevice | undefined;
  if (!state || state.revoked) throw kerr('ENODEV', 'doe_user: device is gone');
  return state;
}

@injectable()
export class DoeUserModule implements ModuleEntry {
  readonly driver: AuxiliaryDriver;
  /** class `doe`, nodes below /dev/doe/. */
  readonly doeClass = new DeviceClass({ name: 'doe', devnode: (dev) => ({ name: `doe/${dev.name}` }) });
  #major = 0;
  #cdev: IDisposable | undefined;
  readonly #minors = new IdAllocator();
  readonly #byMinor = new Map<number, DoeUserDevice>();

  constructor(
    @inject(IAuxiliaryBus) private readonly aux: AuxiliaryBus,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(ICharDevRegistry) private readonly cdevs: CharDevRegistry,
  ) {
    this.driver = new AuxiliaryDriver({
      name: 'doe',
      idTable: doeUserIdTable,
      probe: (adev) => this.#probe(adev),
      remove: (adev) => this.#remove(adev),
    });
  }

  get major(): number {
    return this.#major;
  }

  /** module_init: class, char region, then the driver (which may bind at once). */
  init(): void {
    this.buses.classRegister(this.doeClass);
    this.#major = this.cdevs.allocMajor('doe');
    this.#cdev = this.cdevs.add('doe', this.#major, 0, DOE_USER_MINORS, this.#fops, DOE_USER_MODNAME);
    try {
      this.aux.driverRegister(this.driver, DOE_USER_MODNAME);
    } catch (e) {
      this.#teardownRegion();
      throw e;
    }
  }

  /** module_exit: the driver first (every device unbinds and is revoked), then the region and class. */
  exit(): void {
    this.aux.driverUnregister(this.driver);
    this.#teardownRegion();
  }

  #teardownRegion(): void {
    this.#cdev?.dispose();
    this.#cdev = undefined;
    this.cdevs.unregisterMajor(this.#major);
    this.buses.classUnregister(this.doeClass);
  }

  /** @throws {DriverModelError} ENODEV for a device that is not a DOE mailbox. */
  #probe(adev: AuxiliaryDevice): void {
    const mailbox = doeMailboxOf(adev);
    if (!mailbox) throw kerr('ENODEV', `${adev.name}: not a DOE mailbox`);
    const minor = this.#minors.alloc();
    const classDevice = new Device({ name: adev.name, parent: adev, class: this.doeClass, devt: { major: this.#major, minor } });
    try {
      this.core.add(classDevice);
    } catch (e) {
      this.#minors.free(minor);
      throw e;
    }
    const state = new DoeUserDevice(adev, mailbox, classDevice, minor);
    this.#byMinor.set(minor, state);
    adev.driverData = state;
  }

  /** Revoke first, so nothing reaches the mailbox once the node is gone. */
  #remove(adev: AuxiliaryDevice): void {
    const state = adev.driverData as DoeUserDevice | undefined;
    if (!state) return;
    state.revoked = true;
    this.#byMinor.delete(state.minor);
    this.core.unregister(state.classDevice);
    this.#minors.free(state.minor);
  }

  readonly #fops: FileOperations = {
    open: (file) => {
      const state = this.#byMinor.get(file.devt.minor);
      if (!state || state.revoked) throw kerr('ENODEV', 'doe_user: no such mailbox');
      if (state.openFile) throw kerr('EBUSY', `doe_user: ${state.adev.name} is held by ${state.openFile.owner} (pid ${state.openFile.pid})`);
      state.openFile = file;
      file.privateData = state;
    },
    release: (file) => {
      // Closing frees the mailbox (and, with the exchange engine, aborts what is in flight).
      const state = file.privateData as DoeUserDevice | undefined;
      if (state?.openFile === file) state.openFile = undefined;
    },
    read: (file) => {
      liveDevice(file);
      throw kerr('EOPNOTSUPP', 'doe_user: DOE exchange not implemented yet');
    },
    write: (file) => {
      liveDevice(file);
      throw kerr('EOPNOTSUPP', 'doe_user: DOE exchange not implemented yet');
    },
    ioctl: (file, cmd) => {
      liveDevice(file);
      throw kerr('ENOTTY', `doe_user: unknown ioctl ${cmd}`);
    },
  };
}

export const doeUserModuleInfo = defineModule(
  {
    name: DOE_USER_MODNAME,
    aliases: auxiliaryModuleAliases(doeUserIdTable),
    description: 'Userspace access to one DOE mailbox (override-only)',
  },
  DoeUserModule,
);
