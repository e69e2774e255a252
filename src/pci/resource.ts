/**
 * PCI resource claims (drivers/pci/pci.c `__pci_request_region`, `pci_request_config_region_exclusive`,
 * and the PCI part of /proc/iomem): BAR regions as BUSY children in the resource tree (a second
 * claim fails with EBUSY), driver-exclusive config-space ranges, and what mmap of `resourceN`
 * may map. The policy for userspace config writes into exclusive ranges is access.ts's.
 */
import { kerr, type ILogService } from '../base/index.js';
import { devmAddAction, type Lockdown, type Resource, type ResourceTree } from '../bus/index.js';
import { type PciBus, type PciConfigClaim, type PciDevice, ioresource, pciResourceIndex } from './device.js';
import { pciResourceLen } from './pci-sysfs.js';

/** The root complex's memory window ("PCI Bus 0000:00" in /proc/iomem). */
export const PCI_HOST_MEM_WINDOW = { start: 0xe0000000, end: 0xfebfffff } as const;

/**
 * Segment 0's windows for hierarchies the kernel numbers and assigns (setup-bus.ts): a 32-bit
 * window below the legacy one and a 64-bit window from 1 TiB.
 */
export const PCI_HOST_KERNEL_WINDOWS = { mem: [0xc0000000, 0xdfffffff], mem64: [2 ** 40, 2 ** 41 - 1] } as const;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

export class PciResources {
  constructor(
    private readonly resources: ResourceTree,
    private readonly lockdown: Lockdown,
    private readonly log: ILogService,
  ) {}

  /**
   * pci_request_region: claim BAR `bar` for `name`. A BAR without a length is ignored.
   * @throws {DriverModelError} EBUSY when the range is claimed already.
   */
  requestRegion(pdev: PciDevice, bar: number, name: string, exclusive = false): void {
    const len = pciResourceLen(pdev, bar);
    if (len === 0) return;
    const r = pdev.resources[bar]!;
    try {
      pdev.regionClaims[bar] = this.resources.request(r.flags & ioresource.IO ? 'io' : 'mem', r.start, len, name, exclusive);
    } catch (e) {
      this.log.log('warning', 'kernel', `${name} ${pdev.name}: BAR ${bar}: can't reserve [mem 0x${hex(r.start, 8)}-0x${hex(r.end, 8)}]`);
      throw kerr('EBUSY', `${pdev.name}: BAR ${bar}: can't reserve`, { cause: e, device: pdev.name });
    }
  }

  releaseRegion(pdev: PciDevice, bar: number): void {
    const claim = pdev.regionClaims[bar];
    if (!claim) return;
    this.resources.release(claim);
    pdev.regionClaims[bar] = undefined;
  }

  /** pci_request_regions: every BAR or none. @throws {DriverModelError} EBUSY. */
  requestRegions(pdev: PciDevice, name: string, exclusive = false): void {
    const taken: number[] = [];
    try {
      for (let bar = 0; bar < 6; bar++) {
        this.requestRegion(pdev, bar, name, exclusive);
        if (pdev.regionClaims[bar]) taken.push(bar);
      }
    } catch (e) {
      for (const bar of taken) this.releaseRegion(pdev, bar);
      throw e;
    }
  }

  releaseRegions(pdev: PciDevice): void {
    for (let bar = 0; bar < 6; bar++) this.releaseRegion(pdev, bar);
  }

  /** pcim_request_all_regions: like requestRegions, released when the driver unbinds. Context: probe. */
  pcimRequestRegions(pdev: PciDevice, name: string): void {
    this.requestRegions(pdev, name);
    devmAddAction(pdev, 'pcim_request_all_regions', () => this.releaseRegions(pdev));
  }

  /**
   * pci_request_config_region_exclusive: mark [offset, offset+size) of config space as the
   * driver's.
   * @throws {DriverModelError} EBUSY when the range overlaps an existing claim.
   */
  requestConfigRegionExclusive(pdev: PciDevice, offset: number, size: number, name: string): PciConfigClaim {
    const clash = pdev.exclusiveConfig.find((c) => c.offset < offset + size && offset < c.offset + c.size);
    if (clash) throw kerr('EBUSY', `${pdev.name}: config [0x${hex(offset, 3)}-0x${hex(offset + size - 1, 3)}] held by ${clash.owner}`);
    const claim: PciConfigClaim = { offset, size, owner: name };
    pdev.exclusiveConfig.push(claim);
    return claim;
  }

  /** pci_release_config_region. */
  releaseConfigRegion(pdev: PciDevice, offset: number, size: number): void {
    const i = pdev.exclusiveConfig.findIndex((c) => c.offset === offset && c.size === size);
    if (i >= 0) pdev.exclusiveConfig.splice(i, 1);
  }

  /**
   * What mmap of `resourceN` would say (pci_mmap_resource): lockdown → EPERM; outside the BAR →
   * EINVAL; a range iomem_is_exclusive (claimed by a driver under strict devmem) → EINVAL.
   */
  checkResourceMmap(pdev: PciDevice, bar: number, offset: number, length: number, comm: string): void {
    this.lockdown.check('PCI_ACCESS', comm);
    const len = pciResourceLen(pdev, bar);
    if (offset + length > len) throw kerr('EINVAL', `${pdev.name}: mmap beyond BAR ${bar}`);
    const r = pdev.resources[bar]!;
    if (r.flags & ioresource.MEM && this.resources.iomemIsExclusive(r.start + offset, length)) {
      throw kerr('EINVAL', `${comm}: ${pdev.name}: BAR ${bar} is claimed by a driver`);
    }
  }

  /**
   * /proc/iomem for the PCI part: each host bridge window ("PCI Bus DDDD:00") with the bridge
   * windows, BARs (by function) and driver claims (by name) inside it, nested by containment and
   * sorted by address. Only windows something lies in are listed, the legacy window always.
   */
  iomem(roots: readonly { readonly bus: PciBus; readonly windows: readonly (readonly [number, number])[] }[]): string {
    interface Node {
      start: number;
      end: number;
      name: string;
      children: Node[];
    }
    const claims = this.resources.claims.filter((r: Resource) => r.kind === 'mem');
    const nodes: Node[] = [];
    const addBus = (bus: PciBus) => {
      for (const dev of bus.devices) {
        // SR-IOV BARs where setup-bus.ts placed them inside the windows (firmware-numbered buses place them apart).
        const last = bus.kernelNumbered || bus.domain !== 0 ? pciResourceIndex.BRIDGE_START : pciResourceIndex.ROM;
        for (let i = 0; i < last; i++) {
          const r = dev.resources[i]!;
          if (!(r.flags & ioresource.MEM) || r.start === 0) continue;
          nodes.push({ start: r.start, end: r.end, name: dev.name, children: [] });
        }
        for (const w of [pciResourceIndex.BRIDGE_START + 1, pciResourceIndex.BRIDGE_START + 2]) {
          const win = dev.resources[w]!;
          if (dev.subordinate && win.flags) nodes.push({ start: win.start, end: win.end, name: `PCI Bus ${dev.subordinate.name}`, children: [] });
        }
        if (dev.subordinate) addBus(dev.subordinate);
      }
    };
    const tops: Node[] = [];
    for (const root of roots) {
      addBus(root.bus);
      root.windows.forEach(([start, end], i) => {
        const used = i === 0 || nodes.some((n) => n.start >= start && n.end <= end);
        if (used) tops.push({ start, end, name: `PCI Bus ${root.bus.name}`, children: [] });
      });
    }
    // Driver claims after the BARs, so that a claim of a whole BAR nests in it.
    for (const c of claims) nodes.push({ start: c.start, end: c.end, name: c.owner, children: [] });
    const unique = nodes;
    // Outer first: by start, then the larger range; a claim nests in its BAR (same range, listed after it).
    unique.sort((a, b) => a.start - b.start || b.end - a.end);
    const insert = (into: Node, n: Node): boolean => {
      if (n.start < into.start || n.end > into.end) return false;
      for (const c of into.children) if (insert(c, n)) return true;
      into.children.push(n);
      return true;
    };
    for (const n of unique) for (const t of tops) if (insert(t, n)) break;
    let out = '';
    const print = (n: Node, depth: number) => {
      out += `${'  '.repeat(depth)}${hex(n.start, 8)}-${hex(n.end, 8)} : ${n.name}\n`;
      for (const c of n.children) print(c, depth + 1);
    };
    for (const t of tops.sort((a, b) => a.start - b.start)) print(t, 0);
    return out;
  }
}
