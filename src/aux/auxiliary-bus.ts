/**
 * The auxiliary bus of one machine (drivers/base/auxiliary.c): the `auxiliary` bus type (match
 * by name up to the last dot after driver_override, MODALIAS uevent), the device lifecycle
 * init → add … delete → uninit with the create/destroy and devm helpers, driver registration,
 * and one IDA per match name for drivers that number their devices.
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { BugIndicatingError, IdAllocator, ILogService, kerr } from '../base/index.js';
import {
  BusRegistry,
  BusType,
  type Device,
  DeviceCore,
  DeviceDriver,
  IBusRegistry,
  IDeviceCore,
  type UeventEnv,
  deviceMatchDriverOverride,
  devmAddActionOrReset,
} from '../bus/index.js';
import { AuxiliaryDevice } from './auxiliary-device.js';
import { type AuxiliaryDriver, auxiliaryDriverName, toAuxiliaryDriver } from './auxiliary-driver.js';
import { AUXILIARY_MODULE_PREFIX, auxiliaryMatchId, auxiliaryMatchName } from './device-id.js';

export const IAuxiliaryBus: ServiceIdentifier<AuxiliaryBus> = Symbol.for('IAuxiliaryBus');

@injectable()
export class AuxiliaryBus {
  readonly bus: BusType;
  readonly #idas = new Map<string, IdAllocator>();

  constructor(
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(ILogService) private readonly log: ILogService,
  ) {
    this.bus = new BusType({
      name: 'auxiliary',
      match: (dev, drv) => this.#match(dev, drv),
      probe: (dev) => this.#probe(dev),
      remove: (dev) => this.#remove(dev),
      shutdown: (dev) => this.#shutdown(dev),
      uevent: (dev, env) => auxiliaryUevent(dev, env),
      // DESIGN.md Departure 2: the generic driver_override is enabled for this bus.
      driverOverride: true,
    });
  }

  /** auxiliary_bus_init. */
  init(): void {
    this.buses.busRegister(this.bus);
  }

  /**
   * Match: a driver_override naming another driver refuses; otherwise the id table decides
   * (override-only ids need the override); an override naming this driver matches regardless.
   */
  #match(dev: Device, drv: DeviceDriver): number {
    const adrv = toAuxiliaryDriver(drv);
    if (!(dev instanceof AuxiliaryDevice) || !adrv) return 0;
    const override = deviceMatchDriverOverride(dev, drv);
    if (override === 0) return 0;
    if (auxiliaryMatchId(adrv.idTable ?? [], dev.name, override > 0)) return 1;
    return override > 0 ? 1 : 0;
  }

  /** auxiliary_bus_probe: the driver's probe with the matched id (undefined under a bare override). */
  #probe(dev: Device): void {
    const drv = dev.driver;
    const adrv = toAuxiliaryDriver(drv);
    if (!(dev instanceof AuxiliaryDevice) || !drv || !adrv?.probe) throw kerr('ENODEV', `${dev.name}: not an auxiliary device`);
    const override = deviceMatchDriverOverride(dev, drv);
    adrv.probe(dev, auxiliaryMatchId(adrv.idTable ?? [], dev.name, override > 0));
  }

  #remove(dev: Device): void {
    const adrv = toAuxiliaryDriver(dev.driver);
    if (dev instanceof AuxiliaryDevice) adrv?.remove?.(dev);
  }

  #shutdown(dev: Device): void {
    const adrv = toAuxiliaryDriver(dev.driver);
    if (dev instanceof AuxiliaryDevice) adrv?.shutdown?.(dev);
  }

  // --- devices ----------------------------------------------------------------------------

  /**
   * auxiliary_device_init. Second of three registration steps (after filling devname, id and
   * parent). On failure the caller just drops the object; after success every error path must
   * call deviceUninit.
   * @throws {DriverModelError} EINVAL without a parent or without a devname.
   */
  deviceInit(adev: AuxiliaryDevice): void {
    if (!adev.parent) throw kerr('EINVAL', 'auxiliary_device has a NULL dev->parent');
    if (adev.devname === undefined) throw kerr('EINVAL', 'auxiliary_device has a NULL name');
    adev.bus = this.bus;
  }

  /**
   * __auxiliary_device_add: name the device `<modname>.<devname>.<id>` and device_add it (uevent
   * `add`, then an immediate probe). Third step; on failure call deviceUninit.
   * @throws {DriverModelError} EINVAL without a modname; EEXIST when the name is taken on the
   *   bus (the driver core sends a `remove` uevent when the holder has another parent).
   */
  deviceAdd(adev: AuxiliaryDevice, modname: string | undefined): void {
    if (adev.bus !== this.bus) throw new BugIndicatingError('auxiliary_device_add before auxiliary_device_init');
    if (!modname) throw kerr('EINVAL', 'auxiliary device modname is NULL');
    adev.modname = modname;
    adev.name = `${modname}.${adev.devname}.${adev.id}`;
    try {
      this.core.add(adev);
    } catch (e) {
      this.log.log('error', 'kernel', `${adev.name}: adding auxiliary device failed!: ${(e as Error).message}`);
      throw e;
    }
  }

  /** auxiliary_device_delete: device_del (unbind with its uevent, then `remove`). First of two teardown steps. */
  deviceDelete(adev: AuxiliaryDevice): void {
    this.core.del(adev);
  }

  /** auxiliary_device_uninit: drop the reference; release runs when it was the last. */
  deviceUninit(adev: AuxiliaryDevice): void {
    this.core.put(adev);
  }

  /**
   * auxiliary_device_create: allocate, init and add in one step. Returns undefined on any failure,
   * as the kernel returns NULL (the failure is in the kernel log).
   */
  deviceCreate(parent: Device, modname: string, devname: string, platformData: unknown, id: number): AuxiliaryDevice | undefined {
    const adev = new AuxiliaryDevice({ parent, devname, id, platformData });
    try {
      this.deviceInit(adev);
    } catch {
      return undefined;
    }
    try {
      this.deviceAdd(adev, modname);
    } catch {
      this.deviceUninit(adev);
      return undefined;
    }
    return adev;
  }

  /** auxiliary_device_destroy: delete, then uninit. */
  deviceDestroy(adev: AuxiliaryDevice): void {
    this.deviceDelete(adev);
    this.deviceUninit(adev);
  }

  /**
   * __devm_auxiliary_device_create: deviceCreate plus a devm action on the parent that destroys
   * the child when the parent's driver unbinds — after the parent's remove() returned and before
   * its `unbind` uevent, newest child first. The kernel macro passes id 0; drivers numbering
   * their children pass the id. Context: the parent's probe.
   */
  devmDeviceCreate(parent: Device, modname: string, devname: string, platformData: unknown, id = 0): AuxiliaryDevice | undefined {
    const adev = this.deviceCreate(parent, modname, devname, platformData, id);
    if (!adev) return undefined;
    devmAddActionOrReset(parent, `auxiliary_device_destroy ${adev.name}`, () => this.deviceDestroy(adev));
    return adev;
  }

  /** The registered device called `name`. */
  findDevice(name: string): AuxiliaryDevice | undefined {
    const dev = this.bus.findDevice(name);
    return dev instanceof AuxiliaryDevice ? dev : undefined;
  }

  /** Registered devices whose match name is `matchName`, in add order. */
  devicesNamed(matchName: string): AuxiliaryDevice[] {
    return this.bus.devices.filter((d): d is AuxiliaryDevice => d instanceof AuxiliaryDevice && d.matchName === matchName);
  }

  // --- per-name ids -----------------------------------------------------------------------

  /** ida_alloc on the IDA of `matchName`: the lowest id not in use. */
  idaAlloc(matchName: string): number {
    let ida = this.#idas.get(matchName);
    if (!ida) this.#idas.set(matchName, (ida = new IdAllocator()));
    return ida.alloc();
  }

  /** ida_free. */
  idaFree(matchName: string, id: number): void {
    const ida = this.#idas.get(matchName);
    if (!ida) throw new BugIndicatingError(`auxiliary: no IDA for ${matchName}`);
    ida.free(id);
  }

  // --- drivers ----------------------------------------------------------------------------

  /**
   * __auxiliary_driver_register: name `<modname>.<name>` (or `<modname>`), then driver_register
   * (existing matching devices bind now).
   * @throws {DriverModelError} EINVAL without probe or id table; EBUSY for a duplicate name.
   */
  driverRegister(adrv: AuxiliaryDriver, modname: string): void {
    if (!adrv.probe || !adrv.idTable) throw kerr('EINVAL', `auxiliary driver ${modname}: probe and id_table are required`);
    if (adrv.driver) throw new BugIndicatingError(`auxiliary driver ${adrv.driver.name} registered twice`);
    const drv = new DeviceDriver({ name: auxiliaryDriverName(modname, adrv.name), bus: this.bus, module: modname });
    drv.owner = adrv;
    adrv.driver = drv;
    try {
      this.buses.driverRegister(drv);
    } catch (e) {
      adrv.driver = undefined;
      throw e;
    }
  }

  /** auxiliary_driver_unregister: every bound device unbinds, last bound first. */
  driverUnregister(adrv: AuxiliaryDriver): void {
    const drv = adrv.driver;
    if (!drv) return;
    this.buses.driverUnregister(drv);
    adrv.driver = undefined;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#idas];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/** auxiliary_uevent: only MODALIAS=auxiliary:<match name>. */
export function auxiliaryUevent(dev: Device, env: UeventEnv): void {
  env.add('MODALIAS', `${AUXILIARY_MODULE_PREFIX}${auxiliaryMatchName(dev.name) ?? dev.name}`);
}
