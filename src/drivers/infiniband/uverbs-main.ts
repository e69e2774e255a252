/**
 * ib_uverbs (drivers/infiniband/core/uverbs_main.c): module `ib_uverbs` (needs ib_core), class
 * `infiniband_verbs`, one `uverbsN` per RDMA device as an ib_core client, node
 * /dev/infiniband/uverbsN (uverbs_devnode: mode 0666), char major 231 (IB_UVERBS_MAJOR) minors
 * from 192 (IB_UVERBS_BASE_MINOR), N lowest free.
 *
 * - The class device's parent is the RDMA device's parent (the PCI function): DEVPATH
 *   `.../0000:03:00.0/infiniband_verbs/uverbs0`; attributes `ibdev` and `abi_version` (the
 *   driver's uverbs ABI version).
 * - Open files pin the ib_uverbs module (the cdev's owner), not the hardware driver's module,
 *   when the driver can disassociate (mlx5 can): `rmmod ib_uverbs` is EBUSY while a file is open.
 * - remove_one (`ib_uverbs_remove_one` → `ib_uverbs_free_hw_resources`): with disassociate, every
 *   open file is disassociated at once and the device goes without waiting; further commands on
 *   such a file fail EIO, close still works. (Without disassociate the kernel would wait for the
 *   last close; no modelled driver lacks it.)
 */
import { inject, injectable } from 'inversify';
import { IdAllocator, type IDisposable, kerr } from '../../base/index.js';
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
  attrRO,
  defineModule,
} from '../../bus/index.js';
import { IB_CORE_MODNAME, type IbClient, IbCore, type IbDevice, IIbCore, formatGuid } from './device.js';

export const IB_UVERBS_MODNAME = 'ib_uverbs';
export const IB_UVERBS_MAJOR = 231;
export const IB_UVERBS_BASE_MINOR = 192;
export const IB_UVERBS_NUM_FIXED_MINOR = 32;
/** The class attribute /sys/class/infiniband_verbs/abi_version (IB_USER_VERBS_ABI_VERSION). */
export const IB_USER_VERBS_ABI_VERSION = 6;

/** struct ib_uverbs_device: one per RDMA device. */
export class UverbsDevice {
  /** Files open on it; each is disassociated when the RDMA device goes. */
  readonly files = new Set<CharDevFile>();
  disassociated = false;
  constructor(
    readonly ib: IbDevice,
    readonly classDevice: Device,
    readonly index: number,
  ) {}
}

/** What a file's private data holds. */
interface UverbsFile {
  readonly dev: UverbsDevice;
}

@injectable()
export class UverbsModule implements ModuleEntry, IbClient {
  readonly name = 'uverbs';
  readonly uverbsClass = new DeviceClass({
    name: 'infiniband_verbs',
    devnode: (dev) => ({ name: `infiniband/${dev.name}`, mode: 0o666 }),
  });
  readonly #ida = new IdAllocator();
  readonly #byIb = new Map<IbDevice, UverbsDevice>();
  readonly #byMinor = new Map<number, UverbsDevice>();
  #cdev: IDisposable | undefined;

  constructor(
    @inject(IIbCore) private readonly ib: IbCore,
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(ICharDevRegistry) private readonly cdevs: CharDevRegistry,
  ) {}

  /** ib_uverbs_init: char region, class, then the ib_core client (add() for existing devices). */
  init(): void {
    this.cdevs.reserveMajor(IB_UVERBS_MAJOR, 'infiniband_verbs');
    this.#cdev = this.cdevs.add('infiniband_verbs', IB_UVERBS_MAJOR, IB_UVERBS_BASE_MINOR, IB_UVERBS_NUM_FIXED_MINOR, this.#fops, IB_UVERBS_MODNAME);
    this.buses.classRegister(this.uverbsClass);
    this.ib.registerClient(this);
  }

  exit(): void {
    this.ib.unregisterClient(this);
    this.buses.classUnregister(this.uverbsClass);
    this.#cdev?.dispose();
    this.cdevs.unregisterMajor(IB_UVERBS_MAJOR);
  }

  uverbsOf(ib: IbDevice): UverbsDevice | undefined {
    return this.#byIb.get(ib);
  }

  /** ib_uverbs_add_one. */
  add(ib: IbDevice): void {
    const index = this.#ida.alloc();
    if (index >= IB_UVERBS_NUM_FIXED_MINOR) {
      this.#ida.free(index);
      throw kerr('ENOMEM', 'uverbs: dynamic minors are not modelled');
    }
    const classDevice = new Device({
      name: `uverbs${index}`,
      parent: ib.setup.parent,
      class: this.uverbsClass,
      devt: { major: IB_UVERBS_MAJOR, minor: IB_UVERBS_BASE_MINOR + index },
    });
    classDevice.groups.push({
      attrs: [attrRO('ibdev', () => `${ib.name}\n`), attrRO('abi_version', () => `${ib.setup.uverbsAbiVer}\n`)],
    });
    const udev = new UverbsDevice(ib, classDevice, index);
    this.core.add(classDevice);
    this.#byIb.set(ib, udev);
    this.#byMinor.set(index, udev);
  }

  /** ib_uverbs_remove_one: node and class device first, then every open file disassociated. */
  remove(ib: IbDevice): void {
    const udev = this.#byIb.get(ib);
    if (!udev) return;
    this.#byIb.delete(ib);
    this.#byMinor.delete(udev.index);
    this.core.unregister(udev.classDevice);
    udev.disassociated = true;
    this.#ida.free(udev.index);
  }

  readonly #fops: FileOperations = {
    open: (file) => {
      const udev = this.#byMinor.get(file.devt.minor - IB_UVERBS_BASE_MINOR);
      // ib_uverbs_open: no device behind the minor any more → EIO (srcu-protected ib_dev NULL).
      if (!udev || udev.disassociated) throw kerr('ENXIO', 'uverbs: no such device');
      udev.files.add(file);
      file.privateData = { dev: udev } satisfies UverbsFile;
    },
    release: (file) => {
      (file.privateData as UverbsFile | undefined)?.dev.files.delete(file);
    },
    ioctl: (file, cmd) => {
      const { dev } = file.privateData as UverbsFile;
      if (dev.disassociated) throw kerr('EIO', 'uverbs: device disassociated');
      if (cmd === 'IB_USER_VERBS_CMD_QUERY_DEVICE') {
        return { nodeGuid: formatGuid(dev.ib.setup.nodeGuid), fwVer: dev.ib.setup.fwVer, ibdev: dev.ib.name };
      }
      throw kerr('EOPNOTSUPP', `uverbs: command ${cmd} not modelled`);
    },
  };

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#ida, this.#byIb, this.#byMinor, this.#cdev, this.#fops];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#cdev = v[3] as never;
  }
}

export const ibUverbsModuleInfo = defineModule(
  { name: IB_UVERBS_MODNAME, depends: [IB_CORE_MODNAME], description: 'InfiniBand userspace verbs access' },
  UverbsModule,
);
export const IUverbs = ibUverbsModuleInfo.entry;
