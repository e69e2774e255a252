/**
 * IOMMU groups of PCI functions (drivers/iommu/iommu.c, reference §8.8): every function joins a
 * group when it is added (the IOMMU core's bus notifier, before the `add` uevent), logged
 * "Adding to iommu group N"; the function gets an `iommu_group` link to
 * /sys/kernel/iommu_groups/N, and the group a `devices/<name>` link back; both go when the
 * function is removed, and an empty group is freed (its id reused, lowest free first).
 *
 * Grouping (pci_device_group): from the function, up through every bridge whose path to the
 * root does not isolate peer-to-peer DMA with ACS — the function shares that bridge's group —
 * then the other functions of the same slot when it is a multifunction device without ACS, and
 * a new group otherwise. So with ACS on the root ports (as this machine's have) every
 * single-function device and every VF is alone; the functions of a multifunction device without
 * ACS (`mlx5-nic-dual`) share one group; whatever sits below a downstream port without ACS (the
 * QEMU CXL switch's) shares the port's group. DMA aliases (PCIe-to-PCI bridges, quirks) are not
 * modelled: no function of this machine has one.
 *
 * DMA ownership (since v5.19): binding a driver without driver_managed_dma takes the group's
 * default domain (pci_dma_configure → iommu_device_use_default_domain): the probe fails EBUSY
 * while userspace owns the group. vfio claims the group (iommu_group_claim_dma_owner) only while
 * its owner_cnt is 0 — no such driver bound and no other owner: EPERM otherwise. A group is
 * "viable" for vfio (VFIO_GROUP_FLAGS_VIABLE) when no member is bound to a DMA-API driver:
 * every member unbound or bound to a driver_managed_dma driver (vfio-pci, pci-stub, pcieport).
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
import { pciAcsEnabled, pciAcsPathEnabled, pciIsMultifunction } from './acs.js';
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

  /** iommu_probe_device: the group pci_device_group picks (or a new one, lowest free id), links, log line. */
  #probeDevice(pdev: PciDevice): void {
    let group = this.#deviceGroup(pdev);
    if (!group) {
      group = new IommuGroup(this.#ida.alloc());
      this.#groups.set(group.id, group);
    }
    group.devices.push(pdev);
    this.#byDevice.set(pdev, group);
    const id = group.id;
    sysfsCreateLink(pdev, 'iommu_group', () => `/sys/kernel/iommu_groups/${id}`);
    this.log.log('info', 'kernel', `pci ${pdev.name}: Adding to iommu group ${group.id}`);
  }

  /**
   * pci_device_group without DMA aliases: climb while the bridge above does not have ACS on its
   * whole path to the root (the function then shares that bridge's group); then a function of
   * the same slot without ACS that already has a group (get_pci_function_alias_group); else none
   * (the caller allocates).
   */
  #deviceGroup(start: PciDevice): IommuGroup | undefined {
    let pdev = start;
    for (let bus = pdev.pciBus; bus.parent; bus = bus.parent) {
      if (!bus.self) continue;
      if (pciAcsPathEnabled(bus.self)) break;
      pdev = bus.self;
      const group = this.#byDevice.get(pdev);
      if (group) return group;
    }
    if (!pciIsMultifunction(pdev) || pciAcsEnabled(pdev)) return undefined;
    for (const other of pdev.pciBus.devices) {
      if (other === pdev || other.slot !== pdev.slot || pciAcsEnabled(other)) continue;
      const group = this.#byDevice.get(other);
      if (group) return group;
    }
    return undefined;
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

  /** iommu_group_claim_dma_owner. @throws EPERM while owner_cnt ≠ 0: a DMA-API driver is bound, or another owner holds it. */
  claimDmaOwner(group: IommuGroup, owner: unknown): void {
    if (group.owner !== undefined) throw kerr('EPERM', `iommu group ${group.id} already claimed`);
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

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#ida, this.#groups, this.#byDevice];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
