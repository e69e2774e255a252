/**
 * The vfio core (drivers/vfio/vfio_main.c, group.c, container.c; reference §8.9–§8.10): module
 * `vfio`, the container node /dev/vfio/vfio (misc 10:196, mode 0666, every open a new container)
 * and one group node /dev/vfio/<N> per IOMMU group that has a registered vfio device (class
 * `vfio`, no parent: /sys/devices/virtual/vfio/N, node vfio/N, default mode 0600).
 *
 * Group file (group.c `vfio_group_fops_open`): no vfio device left → ENODEV; already open → EBUSY
 * (one open file per group). Its ioctls: GET_STATUS ({ viable, containerSet }; viable while no
 * member is bound to a DMA-API driver, or once a container is set), SET_CONTAINER (already set
 * → EINVAL; not a container → EBADFD; claim fails EPERM while a member is bound to a DMA-API
 * driver), GET_DEVICE_FD (no container → EINVAL; no device of that name → ENODEV), anything else
 * ENOTTY; after the group's last device went, GET_STATUS and GET_DEVICE_FD → ENODEV.
 *
 * Device file ("[vfio-device]"): holds a registration reference on the vfio device and a
 * reference on the driver's module. Unregistering a device (vfio_unregister_group_dev) waits
 * until every device file is closed, asking the user through the driver's request() every
 * 10 s (virtual time); an open group file never blocks it. When the group's last device is gone
 * the group device and its node are removed even while the group file is open.
 */
import { inject, injectable } from 'inversify';
import { IdAllocator, ILogService, IScheduler, type IDisposable, kerr } from '../../base/index.js';
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
import { IIommuCore, type IommuCore, type IommuGroup, IPciCore, type PciCore, type PciDevice } from '../../pci/index.js';
import { IMiscCore, type MiscCore, type MiscDevice } from '../char/misc.js';
import { OpenFiles } from '../char/open-file.js';

export const VFIO_MODNAME = 'vfio';
export const IVfioCore = Symbol.for(`module:${VFIO_MODNAME}`);
/** VFIO_MINOR (include/linux/miscdevice.h). */
export const VFIO_MINOR = 196;
/** The wait per request in vfio_unregister_group_dev (HZ * 10). */
export const VFIO_REQUEST_WAIT_MS = 10_000;
/**
 * The model's bound on that wait: after this many requests (one hour of virtual time) the
 * holder's device files are revoked so the unbind can finish. The kernel waits forever (a
 * deliberate departure, docs/coverage.md §8.10).
 */
export const VFIO_REQUEST_LIMIT = 360;

/** What a vfio bus driver (vfio-pci) supplies for each device (struct vfio_device_ops). */
export interface VfioDeviceOps {
  readonly module: string;
  /** ops->request: ask the user to release the device (count = 0, 1, 2, …). */
  request(vdev: VfioDevice, count: number): void;
  /** VFIO_DEVICE_* ioctls on an open device file. */
  ioctl(vdev: VfioDevice, cmd: string, arg: unknown): unknown;
}

/** struct vfio_device. */
export class VfioDevice {
  /** Open device files (each a registration reference). */
  readonly files = new Set<CharDevFile>();
  /** The user's request eventfd (VFIO_DEVICE_SET_IRQS, VFIO_PCI_REQ_IRQ_INDEX), if registered. */
  requestTrigger: ((count: number) => void) | undefined;
  group: VfioGroup | undefined;
  constructor(
    readonly pdev: PciDevice,
    readonly ops: VfioDeviceOps,
  ) {}
}

/** struct vfio_group: one per IOMMU group with registered devices. */
export class VfioGroup {
  readonly devices: VfioDevice[] = [];
  /** The one open group file (exclusive); revoked when the group's last device is gone. */
  readonly files = new OpenFiles({ exclusive: true, label: () => `vfio: group ${this.iommuGroup.id}` });
  container: VfioContainer | undefined;
  constructor(
    readonly iommuGroup: IommuGroup,
    readonly classDevice: Device,
    readonly minor: number,
  ) {}

  /** The group device and node exist. */
  get alive(): boolean {
    return !this.files.revoked;
  }

  get openFile(): CharDevFile | undefined {
    return this.files.files[0];
  }
}

/** struct vfio_container: one per open of /dev/vfio/vfio. */
export class VfioContainer {
  readonly groups = new Set<VfioGroup>();
  iommuType: number | undefined;
}

const containerBrand = Symbol('vfio-container');

@injectable()
export class VfioCore implements ModuleEntry {
  readonly vfioClass = new DeviceClass({ name: 'vfio', devnode: (dev) => ({ name: `vfio/${dev.name}` }) });
  readonly #groups = new Map<IommuGroup, VfioGroup>();
  readonly #byMinor = new Map<number, VfioGroup>();
  readonly #minors = new IdAllocator();
  #major = 0;
  #cdev: IDisposable | undefined;
  readonly #misc: MiscDevice;

  constructor(
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(ICharDevRegistry) private readonly cdevs: CharDevRegistry,
    @inject(IMiscCore) private readonly misc: MiscCore,
    @inject(IIommuCore) private readonly iommu: IommuCore,
    @inject(IPciCore) private readonly pci: PciCore,
    @inject(IScheduler) private readonly scheduler: IScheduler,
    @inject(ILogService) private readonly log: ILogService,
  ) {
    this.#misc = { name: 'vfio', minor: VFIO_MINOR, nodename: 'vfio/vfio', mode: 0o666, fops: this.#containerFops, module: VFIO_MODNAME };
  }

  /** vfio_init: class, group char region, then the container misc device. */
  init(): void {
    this.buses.classRegister(this.vfioClass);
    this.#major = this.cdevs.allocMajor('vfio');
    this.#cdev = this.cdevs.add('vfio', this.#major, 0, 1 << 20, this.#groupFops, VFIO_MODNAME);
    this.misc.register(this.#misc);
  }

  exit(): void {
    this.misc.deregister(this.#misc);
    this.#cdev?.dispose();
    this.cdevs.unregisterMajor(this.#major);
    this.buses.classUnregister(this.vfioClass);
  }

  get groups(): VfioGroup[] {
    return [...this.#groups.values()];
  }

  groupOf(pdev: PciDevice): VfioGroup | undefined {
    const ig = this.iommu.groupOf(pdev);
    return ig ? this.#groups.get(ig) : undefined;
  }

  /**
   * vfio_register_group_dev: the group (and its `add` uevent) when this is its first device.
   * @throws {DriverModelError} EINVAL without an IOMMU group.
   */
  registerGroupDev(vdev: VfioDevice): void {
    const ig = this.iommu.groupOf(vdev.pdev);
    if (!ig) throw kerr('EINVAL', `vfio-pci ${vdev.pdev.name}: no iommu_group`);
    let group = this.#groups.get(ig);
    if (!group) {
      const minor = this.#minors.alloc();
      const classDevice = new Device({ name: String(ig.id), class: this.vfioClass, devt: { major: this.#major, minor } });
      this.core.add(classDevice);
      group = new VfioGroup(ig, classDevice, minor);
      this.#groups.set(ig, group);
      this.#byMinor.set(minor, group);
    }
    group.devices.push(vdev);
    vdev.group = group;
  }

  /**
   * vfio_unregister_group_dev: the device leaves the group's list (GET_DEVICE_FD → ENODEV), then
   * the wait for its open device files with a request to the user every 10 s, then — for the
   * group's last device — the group device and node (`remove`), even while the group file is open.
   */
  unregisterGroupDev(vdev: VfioDevice): void {
    const group = vdev.group;
    if (!group) return;
    group.devices.splice(group.devices.indexOf(vdev), 1);
    for (let i = 0; vdev.files.size > 0; i++) {
      if (i >= VFIO_REQUEST_LIMIT) {
        this.log.log('warning', 'kernel', `vfio-pci ${vdev.pdev.name}: simulation: device still held after ${i} requests; revoking its files`);
        vdev.files.clear();
        break;
      }
      vdev.ops.request(vdev, i);
      if (this.scheduler.advanceUntil(VFIO_REQUEST_WAIT_MS, () => vdev.files.size === 0)) break;
    }
    vdev.group = undefined;
    if (group.devices.length === 0) {
      // vfio_device_remove_group: the group's users are revoked — its container detached (the
      // DMA ownership claim ends) — and the group device and node go, open file or not.
      this.#detach(group);
      group.files.revoke();
      this.#groups.delete(group.iommuGroup);
      this.#byMinor.delete(group.minor);
      this.core.unregister(group.classDevice);
      this.#minors.free(group.minor);
    }
  }

  // --- files ------------------------------------------------------------------------------

  readonly #containerFops: FileOperations = {
    open: (file) => {
      file.privateData = { [containerBrand]: true, container: new VfioContainer() };
    },
    release: (file) => {
      const c = containerOf(file);
      for (const g of c?.groups ?? []) this.#detach(g);
    },
    ioctl: (file, cmd, arg) => {
      const c = containerOf(file)!;
      switch (cmd) {
        case 'VFIO_GET_API_VERSION':
          return 0;
        case 'VFIO_CHECK_EXTENSION':
          return arg === 1 || arg === 3 ? 1 : 0; // VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU
        case 'VFIO_SET_IOMMU':
          if (c.groups.size === 0) throw kerr('EINVAL', 'vfio: no group in the container');
          if (arg !== 1 && arg !== 3) throw kerr('ENODEV', 'vfio: unsupported IOMMU type');
          c.iommuType = arg;
          return 0;
        default:
          throw kerr('ENOTTY', `vfio: unknown container ioctl ${String(cmd)}`);
      }
    },
  };

  readonly #groupFops: FileOperations = {
    open: (file) => {
      const group = this.#byMinor.get(file.devt.minor);
      if (!group || group.devices.length === 0) throw kerr('ENODEV', 'vfio: group has no device');
      group.files.attach(file);
      file.privateData = group;
    },
    release: (file) => {
      const group = file.privateData as VfioGroup | undefined;
      if (!group) return;
      this.#detach(group);
      group.files.detach(file);
    },
    ioctl: (file, cmd, arg) => {
      const group = file.privateData as VfioGroup;
      switch (cmd) {
        case 'VFIO_GROUP_GET_STATUS':
          group.files.checkLive();
          return { viable: group.container !== undefined || group.iommuGroup.viable, containerSet: group.container !== undefined };
        case 'VFIO_GROUP_SET_CONTAINER': {
          group.files.checkLive();
          if (group.container) throw kerr('EINVAL', 'vfio: group already has a container');
          const other = (arg as { file?: CharDevFile } | undefined)?.file;
          const c = other ? containerOf(other) : undefined;
          if (!c) throw kerr('EBADFD', 'vfio: not a container');
          this.iommu.claimDmaOwner(group.iommuGroup, group);
          group.container = c;
          c.groups.add(group);
          return 0;
        }
        case 'VFIO_GROUP_UNSET_CONTAINER':
          if (!group.container) throw kerr('EINVAL', 'vfio: no container');
          this.#detach(group);
          return 0;
        case 'VFIO_GROUP_GET_DEVICE_FD': {
          group.files.checkLive();
          if (!group.container) throw kerr('EINVAL', 'vfio: group has no container');
          const name = String(arg).split(' ')[0];
          const vdev = group.devices.find((d) => d.pdev.name === name);
          if (!vdev) throw kerr('ENODEV', `vfio: no device ${name} in group ${group.iommuGroup.id}`);
          return this.#openDevice(vdev, file);
        }
        default:
          throw kerr('ENOTTY', `vfio: unknown group ioctl ${String(cmd)}`);
      }
    },
  };

  /** vfio_group_detach_container: the DMA ownership claim ends with it. */
  #detach(group: VfioGroup): void {
    const c = group.container;
    if (!c) return;
    c.groups.delete(group);
    group.container = undefined;
    this.iommu.releaseDmaOwner(group.iommuGroup, group);
  }

  /** vfio_device_open_file: an anonymous "[vfio-device]" file pinning the driver's module. */
  #openDevice(vdev: VfioDevice, groupFile: CharDevFile): unknown {
    const fops: FileOperations = {
      release: (f) => {
        vdev.files.delete(f);
        if (vdev.files.size === 0) vdev.requestTrigger = undefined;
      },
      ioctl: (f, cmd, arg) => {
        if (cmd === 'VFIO_DEVICE_SET_IRQS' && (arg as { index?: string } | undefined)?.index === 'REQ') {
          const trigger = (arg as { trigger?: (count: number) => void }).trigger;
          vdev.requestTrigger = trigger;
          return 0;
        }
        void f;
        return vdev.ops.ioctl(vdev, String(cmd), arg);
      },
    };
    const anon = this.cdevs.anonInodeFile('[vfio-device]', fops, vdev.ops.module, groupFile);
    vdev.files.add(anon.file);
    anon.file.privateData = vdev;
    return anon;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#groups, this.#byMinor, this.#minors, this.#major, this.#cdev, this.#misc, this.#containerFops, this.#groupFops];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#major = v[3] as never;
    this.#cdev = v[4] as never;
  }
}

function containerOf(file: CharDevFile): VfioContainer | undefined {
  const p = file.privateData as { [containerBrand]?: true; container?: VfioContainer } | undefined;
  return p?.[containerBrand] ? p.container : undefined;
}

export const vfioModuleInfo = defineModule(
  { name: VFIO_MODNAME, aliases: ['char-major-10-196', 'devname:vfio/vfio'], description: 'VFIO - User Level meta-driver' },
  VfioCore,
);
