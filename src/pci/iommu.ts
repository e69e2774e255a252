/**
 * IOMMU groups of PCI functions (drivers/iommu/iommu.c, reference §8.8): every function joins a
 * group when it is added (the IOMMU core's bus notifier, before the `add` uevent), logged
 * "Adding to iommu group N"; the function gets an `iommu_group` link to
 * /sys/kernel/iommu_groups/N, and the group a `devices/<name>` link back; both go when the
 * function is removed, and an empty group is freed (its id reused, lowest free first).
 *
 * Grouping: this machine's root ports have ACS and no function is multi-function, so every
 * function — root ports, endpoints, each VF — is its own group (pci_device_group).
 *
 * DMA ownership (since v5.19): binding a driver without driver_managed_dma takes the group's
 * default domain (pci_dma_configure → iommu_device_use_default_domain): the probe fails EBUSY
 * while userspace owns the group. vfio claims the group (iommu_group_claim_dma_owner) only while
 * no such driver is bound: EPERM otherwise. A group is "viable" for vfio when no member is bound
 * to a DMA-API driver.
 */
import { inject, injectable } from 'inversify';
import { Event, IdAllocator, ILogService, kerr } from '../base/index.js';
import {
  BusNotifier,
  IBusNotifier,
  ISysfs,
  type Sysfs,
  SysfsDirBuilder,
  type SysfsDir,
  sysfsCreateLink,
  sysfsRemoveLink,
  attrRO,
} from '../bus/index.js';
import { PciDevice, isPciDevice } from './device.js';

export const IIommuCore = Symbol.for('IIommuCore');

/** struct iommu_group, as far as sysfs and DMA ownership go. */
export class IommuGroup {
  readonly devices: PciDevice[] = [];
  /** owner_cnt of the default domain: bound DMA-API drivers. */
  defaultDomainUsers = 0;
  /** The userspace owner (vfio) while claimed. */
  owner: unknown;
  constructor(readonly id: number) {}

  /** No member bound to a DMA-API driver: vfio may claim it. */
  get viable(): boolean {
    return this.defaultDomainUsers === 0;
  }
}

const groupAttrs = {
  reservedRegions: attrRO('reserved_regions', () => '0x00000000fee00000 0x00000000feefffff msi\n'),
  // Intel VT-d with the distribution default (lazy invalidation): DMA-FQ.
  type: attrRO('type', () => 'DMA-FQ\n', 0o644),
};

@injectable()
export class IommuCore {
  readonly #ida = new IdAllocator();
  readonly #groups = new Map<number, IommuGroup>();
  readonly #byDevice = new WeakMap<PciDevice, IommuGroup>();

  constructor(
    @inject(ISysfs) sysfs: Sysfs,
    @inject(IBusNotifier) notifier: BusNotifier,
    @inject(ILogService) private readonly log: ILogService,
  ) {
    // iommu_bus_notifier: the PCI bus's notifications only.
    Event.filter(notifier.onDidAddDevice, isPciDevice)((dev) => this.#probeDevice(dev));
    Event.filter(notifier.onDidRemoveDevice, isPciDevice)((dev) => this.#releaseDevice(dev));
    sysfs.registerKernelDir('iommu_groups', (path) => this.#groupsDir(sysfs, path));
  }

  get groups(): IommuGroup[] {
    return [...this.#groups.values()].sort((a, b) => a.id - b.id);
  }

  groupOf(pdev: PciDevice): IommuGroup | undefined {
    return this.#byDevice.get(pdev);
  }

  group(id: number): IommuGroup | undefined {
    return this.#groups.get(id);
  }

  /** iommu_probe_device: a new group (lowest free id), links, log line. */
  #probeDevice(pdev: PciDevice): void {
    const group = new IommuGroup(this.#ida.alloc());
    this.#groups.set(group.id, group);
    group.devices.push(pdev);
    this.#byDevice.set(pdev, group);
    sysfsCreateLink(pdev, 'iommu_group', () => `/sys/kernel/iommu_groups/${group.id}`);
    this.log.log('info', 'kernel', `pci ${pdev.name}: Adding to iommu group ${group.id}`);
  }

  /** iommu_release_device: links gone; the last member frees the group. */
  #releaseDevice(pdev: PciDevice): void {
    const group = this.#byDevice.get(pdev);
    if (!group) return;
    this.#byDevice.delete(pdev);
    sysfsRemoveLink(pdev, 'iommu_group');
    group.devices.splice(group.devices.indexOf(pdev), 1);
    if (group.devices.length === 0) {
      this.#groups.delete(group.id);
      this.#ida.free(group.id);
    }
  }

  /** pci_dma_configure: a DMA-API driver takes the default domain. @throws EBUSY while user-owned. */
  dmaConfigure(pdev: PciDevice, driverManagedDma: boolean): void {
    const group = this.#byDevice.get(pdev);
    if (!group || driverManagedDma) return;
    if (group.owner !== undefined) throw kerr('EBUSY', `${pdev.name}: iommu group ${group.id} is owned by userspace`);
    group.defaultDomainUsers++;
  }

  /** dma_cleanup: the DMA-API driver gave the default domain back. */
  dmaCleanup(pdev: PciDevice, driverManagedDma: boolean): void {
    const group = this.#byDevice.get(pdev);
    if (!group || driverManagedDma) return;
    if (group.defaultDomainUsers > 0) group.defaultDomainUsers--;
  }

  /** iommu_group_claim_dma_owner. @throws EPERM while a DMA-API driver is bound; EBUSY when claimed. */
  claimDmaOwner(group: IommuGroup, owner: unknown): void {
    if (group.owner !== undefined) throw kerr('EBUSY', `iommu group ${group.id} already claimed`);
    if (group.defaultDomainUsers > 0) throw kerr('EPERM', `iommu group ${group.id} has a kernel DMA user`);
    group.owner = owner;
  }

  releaseDmaOwner(group: IommuGroup, owner: unknown): void {
    if (group.owner === owner) group.owner = undefined;
  }

  #groupsDir(sysfs: Sysfs, path: string): SysfsDir {
    void sysfs;
    const b = new SysfsDirBuilder(path);
    for (const group of this.groups) {
      b.dir(String(group.id), (gp) => {
        const gb = new SysfsDirBuilder(gp);
        gb.dir('devices', (dp) => {
          const db = new SysfsDirBuilder(dp);
          for (const d of group.devices) db.link(d.name, `/sys${d.devpath}`);
          return db.build();
        });
        gb.file(groupAttrs.reservedRegions, group);
        gb.file(groupAttrs.type, group);
        return gb.build();
      });
    }
    return b.build();
  }
}
