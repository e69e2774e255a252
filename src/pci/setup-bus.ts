/**
 * Bridge window sizing and resource assignment (drivers/pci/setup-bus.c) for hierarchies the
 * kernel numbers and assigns itself — the buses `pci_scan_bridge_extend` numbered in its second
 * pass (probe.ts), as on a host bridge firmware left unconfigured: every bridge window is sized
 * bottom-up from what is below it (`__pci_bus_size_bridges` → `pbus_size_mem`), then windows and
 * BARs are placed top-down, largest alignment first, first fit in the parent window
 * (`__pci_bus_assign_resources` → `__assign_resources_sorted` → `allocate_resource`), and the
 * bridges' base/limit registers are written (`pci_setup_bridge`).
 *
 * Which window a resource goes to (`__pci_bus_size_bridges`): with a 64-bit prefetchable window,
 * 64-bit prefetchable resources go there and everything else (32-bit prefetchable, 64-bit
 * non-prefetchable, plain memory) to the non-prefetchable window, which is 32-bit only; without
 * any prefetchable window all memory goes to the non-prefetchable one. Windows are at least
 * 1 MiB-aligned (`window_alignment`, PCI_P2P_DEFAULT_MEM_ALIGN) and their size is rounded up to
 * the head alignment `calculate_mem_align` finds (kernels up to 6.18; 6.19's
 * `calculate_head_align` rounds the tail to 1 MiB instead — equal for the trees built here,
 * whose sizes are multiples of their alignment). SR-IOV BARs are sized in (the kernel's
 * optional "realloc" sizes, which it keeps when the space suffices). I/O windows are not
 * modelled: no simulated function has an I/O BAR.
 */
import { type PciBus, type PciDevice, ioresource, pciResourceIndex } from './device.js';
import { pciRegs } from './regs.js';

export const SZ_1M = 0x100000;

/** Bridge base/limit registers of the prefetchable window (pci_regs.h). */
export const pciPrefRegs = {
  PREF_MEMORY_BASE: 0x24, // 16 bits: address bits 31:20 in 15:4, 64-bit capability in 3:0
  PREF_MEMORY_LIMIT: 0x26, // 16 bits
  PREF_BASE_UPPER32: 0x28, // 32 bits
  PREF_LIMIT_UPPER32: 0x2c, // 32 bits
  PREF_RANGE_TYPE_64: 0x1, // PCI_PREF_RANGE_TYPE_64
} as const;

/** A resource to place: its size, alignment and the window kind it belongs in. */
export interface SizedResource {
  readonly size: number;
  readonly align: number;
  /** 'pref' only when the parent has a 64-bit prefetchable window and the resource is 64-bit prefetchable. */
  readonly flags: number;
}

/** A sized window: size 0 means disabled. */
export interface WindowSize {
  readonly size: number;
  readonly align: number;
}

/** What sizing needs of a function: its memory resources, and for a bridge the bus below. */
export interface SizingNode {
  /** Memory resources (BARs, SR-IOV BARs): size, IORESOURCE_* flags; each aligned to its size. */
  readonly resources: readonly { readonly size: number; readonly flags: number }[];
  /** The functions on the secondary bus of a bridge (undefined for an endpoint). */
  readonly below?: readonly SizingNode[];
  /** The bridge implements a 64-bit prefetchable window (pci_bridge_check_ranges). */
  readonly pref64?: boolean;
}

export interface BridgeWindows {
  readonly mem: WindowSize;
  readonly pref: WindowSize;
}

const MEM_PREF_64 = ioresource.MEM | ioresource.PREFETCH | ioresource.MEM_64;

function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

function log2(n: number): number {
  return Math.round(Math.log2(n));
}

/**
 * calculate_mem_align: the head alignment of a window holding `aligns[order]` bytes of
 * resources aligned to 1 MiB << order, for order 0..maxOrder.
 */
export function calculateMemAlign(aligns: readonly number[], maxOrder: number): number {
  let align = 0;
  let minAlign = 0;
  for (let order = 0; order <= maxOrder; order++) {
    const align1 = 2 ** (order + 20);
    if (!align) minAlign = align1;
    else if (alignUp(align + minAlign, minAlign) < align1) minAlign = align1 / 2;
    align += aligns[order] ?? 0;
  }
  return minAlign;
}

/** pbus_size_mem over the resources routed to one window: its size and head alignment. */
export function pbusSizeMem(resources: readonly SizedResource[]): WindowSize {
  const aligns: number[] = [];
  let maxOrder = 0;
  let size = 0;
  for (const r of resources) {
    // aligns[0] is for 1 MiB: smaller resources count as order 0.
    const order = Math.max(0, log2(r.align) - 20);
    size += Math.max(r.size, r.align);
    // Ranges larger than their alignment do not count towards the head alignment.
    if (r.size <= r.align) aligns[order] = (aligns[order] ?? 0) + r.align;
    if (order > maxOrder) maxOrder = order;
  }
  if (size === 0) return { size: 0, align: 0 };
  const minAlign = Math.max(calculateMemAlign(aligns, maxOrder), SZ_1M);
  return { size: alignUp(size, minAlign), align: minAlign };
}

/** Whether a resource with `flags` goes to the 64-bit prefetchable window of a bridge that has one. */
export function goesToPref64(flags: number): boolean {
  return (flags & MEM_PREF_64) === MEM_PREF_64;
}

/**
 * __pci_bus_size_bridges for one bridge: its two memory windows from the functions below it
 * (their own windows sized first, depth first).
 */
export function sizeBridge(node: SizingNode): BridgeWindows {
  const toPref: SizedResource[] = [];
  const toMem: SizedResource[] = [];
  const route = (r: SizedResource) => (node.pref64 && goesToPref64(r.flags) ? toPref : toMem).push(r);
  for (const fn of node.below ?? []) {
    for (const r of fn.resources) if (r.size > 0 && r.flags & ioresource.MEM) route({ size: r.size, align: r.size, flags: r.flags });
    if (!fn.below) continue;
    const w = sizeBridge(fn);
    if (w.mem.size) route({ size: w.mem.size, align: w.mem.align, flags: ioresource.MEM });
    if (w.pref.size) route({ size: w.pref.size, align: w.pref.align, flags: fn.pref64 ? MEM_PREF_64 : ioresource.MEM | ioresource.PREFETCH });
  }
  return { mem: pbusSizeMem(toMem), pref: pbusSizeMem(toPref) };
}

/**
 * A window being filled: allocate_resource's first fit from the bottom, honouring alignment.
 * Allocations are kept sorted by start.
 */
export class WindowAllocator {
  readonly #used: { start: number; end: number }[] = [];

  constructor(
    readonly start: number,
    readonly end: number,
  ) {}

  /** The lowest `align`-aligned start where `size` bytes are free, taken; undefined if none. */
  alloc(size: number, align: number): number | undefined {
    let candidate = alignUp(this.start, align);
    let i = 0;
    for (; i < this.#used.length; i++) {
      const u = this.#used[i]!;
      if (candidate + size - 1 < u.start) break;
      if (u.end >= candidate) candidate = alignUp(u.end + 1, align);
    }
    if (candidate + size - 1 > this.end) return undefined;
    this.#used.splice(i, 0, { start: candidate, end: candidate + size - 1 });
    return candidate;
  }

  /** Mark [start, end] taken (a resource already assigned). */
  reserve(start: number, end: number): void {
    const i = this.#used.findIndex((u) => u.start > start);
    this.#used.splice(i < 0 ? this.#used.length : i, 0, { start, end });
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#used];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/** The sizing view of a function found by the scan (its BARs, SR-IOV BARs and the bus below). */
export function sizingNodeOf(pdev: PciDevice): SizingNode {
  const resources: { size: number; flags: number }[] = [];
  for (let i = 0; i < pciResourceIndex.BRIDGE_START; i++) {
    const r = pdev.resources[i]!;
    if (r.flags & ioresource.MEM) resources.push({ size: r.end - r.start + 1, flags: r.flags });
  }
  if (!pdev.subordinate) return { resources };
  return { resources, below: pdev.subordinate.devices.map(sizingNodeOf), pref64: bridgeHasPref64(pdev) };
}

/**
 * pci_bridge_check_ranges: a bridge has a prefetchable window when PREF_MEMORY_BASE reads
 * non-zero (or keeps 0xfff0 written to it), 64-bit when its type bits say so.
 */
export function bridgeHasPref64(pdev: PciDevice): boolean {
  let pmem = pdev.configRead(pciPrefRegs.PREF_MEMORY_BASE, 2);
  if (!pmem) {
    pdev.configWrite(pciPrefRegs.PREF_MEMORY_BASE, 2, 0xfff0);
    pmem = pdev.configRead(pciPrefRegs.PREF_MEMORY_BASE, 2);
    pdev.configWrite(pciPrefRegs.PREF_MEMORY_BASE, 2, 0);
  }
  return pmem !== 0 && (pmem & 0xf) === pciPrefRegs.PREF_RANGE_TYPE_64;
}

/** The host bridge's windows a root bus allocates from. */
export interface HostWindows {
  /** The 32-bit non-prefetchable window. */
  readonly mem: WindowAllocator;
  /** The 64-bit window above 4 GiB (64-bit prefetchable resources go here when it exists). */
  readonly mem64: WindowAllocator | undefined;
}

interface Placement {
  readonly dev: PciDevice;
  readonly index: number;
  readonly size: number;
  readonly align: number;
  readonly flags: number;
}

/** What assignment reports: resources that found no space (the kernel's "can't assign; no space"). */
export interface AssignLog {
  noSpace(dev: PciDevice, index: number, size: number): void;
}

/**
 * Size (bottom-up) and assign (top-down) every unassigned resource of the functions in `devices`
 * on a root bus, the root bus allocating from `host` (pci_assign_unassigned_root_bus_resources
 * at boot; pci_assign_unassigned_bus_resources on a rescan, where windows already assigned keep
 * their place and size and new functions get space inside them). Each bridge's windows are
 * written to its registers.
 */
export function assignRootBusResources(devices: readonly PciDevice[], host: HostWindows, log: AssignLog): void {
  const windows = new Map<PciDevice, BridgeWindows>();
  const size = (pdev: PciDevice): void => {
    if (!pdev.subordinate) return;
    for (const d of pdev.subordinate.devices) size(d);
    windows.set(pdev, sizeBridge(sizingNodeOf(pdev)));
  };
  for (const d of devices) size(d);
  assignBus(devices, (flags) => (goesToPref64(flags) && host.mem64 ? host.mem64 : host.mem), windows, log);
}

/** An allocator over a bridge's assigned window with what is assigned inside it already reserved. */
function windowAllocator(win: { start: number; end: number; flags: number }, devices: readonly PciDevice[]): WindowAllocator | undefined {
  if (!(win.flags & ioresource.MEM)) return undefined;
  const a = new WindowAllocator(win.start, win.end);
  for (const d of devices) {
    for (const r of d.resources) {
      if (r.flags & ioresource.MEM && r.start !== 0 && r.start >= win.start && r.end <= win.end) a.reserve(r.start, r.end);
    }
  }
  return a;
}

/** __assign_resources_sorted on one bus, then the buses below (pci_setup_bridge after each). */
function assignBus(
  devices: readonly PciDevice[],
  windowFor: (flags: number) => WindowAllocator | undefined,
  windows: ReadonlyMap<PciDevice, BridgeWindows>,
  log: AssignLog,
): void {
  const list: Placement[] = [];
  for (const dev of devices) {
    for (let i = 0; i < pciResourceIndex.BRIDGE_START; i++) {
      const r = dev.resources[i]!;
      if (!(r.flags & ioresource.MEM) || r.start !== 0) continue;
      const sz = r.end - r.start + 1;
      list.push({ dev, index: i, size: sz, align: sz, flags: r.flags });
    }
    const w = windows.get(dev);
    if (!w) continue;
    const pref64 = bridgeHasPref64(dev);
    const memWin = dev.resources[pciResourceIndex.BRIDGE_START + 1]!;
    const prefWin = dev.resources[pciResourceIndex.BRIDGE_START + 2]!;
    if (w.mem.size && !memWin.flags)
      list.push({ dev, index: pciResourceIndex.BRIDGE_START + 1, size: w.mem.size, align: w.mem.align, flags: ioresource.MEM });
    if (w.pref.size && !prefWin.flags) {
      const flags = ioresource.MEM | ioresource.PREFETCH | (pref64 ? ioresource.MEM_64 : 0);
      list.push({ dev, index: pciResourceIndex.BRIDGE_START + 2, size: w.pref.size, align: w.pref.align, flags });
    }
  }
  // pdev_sort_resources: largest alignment first, ties in the order found.
  const sorted = list.map((p, i) => [p, i] as const).sort((a, b) => b[0].align - a[0].align || a[1] - b[1]);
  for (const [p] of sorted) {
    const start = windowFor(p.flags)?.alloc(p.size, p.align);
    const r = p.dev.resources[p.index]!;
    if (start === undefined) {
      log.noSpace(p.dev, p.index, p.size);
      continue;
    }
    Object.assign(r, { start, end: start + p.size - 1, flags: p.flags });
    if (p.index < pciResourceIndex.IOV_START) writeBar(p.dev, p.index, start);
  }
  for (const dev of devices) {
    if (!dev.subordinate || !windows.has(dev)) continue;
    const below = dev.subordinate.devices;
    const memAlloc = windowAllocator(dev.resources[pciResourceIndex.BRIDGE_START + 1]!, below);
    const pref = dev.resources[pciResourceIndex.BRIDGE_START + 2]!;
    const prefAlloc = windowAllocator(pref, below);
    const pref64 = pref.flags & ioresource.MEM_64;
    assignBus(below, (flags) => (pref64 && goesToPref64(flags) ? prefAlloc : memAlloc), windows, log);
    setupBridge(dev);
  }
}

/** Write an assigned BAR (pci_update_resource). */
function writeBar(pdev: PciDevice, index: number, start: number): void {
  const reg = pciRegs.BASE_ADDRESS_0 + 4 * index;
  const low = pdev.configRead(reg, 4);
  pdev.configWrite(reg, 4, ((start % 2 ** 32) | (low & 0xf)) >>> 0);
  if (pdev.resources[index]!.flags & ioresource.MEM_64) pdev.configWrite(reg + 4, 4, Math.floor(start / 2 ** 32));
}

/** pci_setup_bridge_mmio and pci_setup_bridge_mmio_pref: base/limit registers, 0xfff0/0 when disabled. */
export function setupBridge(bridge: PciDevice): void {
  const mem = bridge.resources[pciResourceIndex.BRIDGE_START + 1]!;
  if (mem.flags & ioresource.MEM) {
    bridge.configWrite(pciRegs.MEMORY_BASE, 2, (mem.start >>> 16) & 0xfff0);
    bridge.configWrite(pciRegs.MEMORY_LIMIT, 2, (mem.end >>> 16) & 0xfff0);
  } else {
    bridge.configWrite(pciRegs.MEMORY_BASE, 2, 0xfff0);
    bridge.configWrite(pciRegs.MEMORY_LIMIT, 2, 0);
  }
  const pref = bridge.resources[pciResourceIndex.BRIDGE_START + 2]!;
  if (pref.flags & ioresource.MEM) {
    bridge.configWrite(pciPrefRegs.PREF_MEMORY_BASE, 2, Math.floor(pref.start / 2 ** 16) & 0xfff0);
    bridge.configWrite(pciPrefRegs.PREF_MEMORY_LIMIT, 2, Math.floor(pref.end / 2 ** 16) & 0xfff0);
    bridge.configWrite(pciPrefRegs.PREF_BASE_UPPER32, 4, Math.floor(pref.start / 2 ** 32));
    bridge.configWrite(pciPrefRegs.PREF_LIMIT_UPPER32, 4, Math.floor(pref.end / 2 ** 32));
  } else {
    bridge.configWrite(pciPrefRegs.PREF_MEMORY_BASE, 2, 0xfff0);
    bridge.configWrite(pciPrefRegs.PREF_MEMORY_LIMIT, 2, 0);
    bridge.configWrite(pciPrefRegs.PREF_BASE_UPPER32, 4, 0);
    bridge.configWrite(pciPrefRegs.PREF_LIMIT_UPPER32, 4, 0);
  }
}

/** For tests and docs: the windows of every bridge below `bus`, by bridge name. */
export function bridgeWindowsBelow(bus: PciBus): Map<string, { mem?: [number, number]; pref?: [number, number] }> {
  const out = new Map<string, { mem?: [number, number]; pref?: [number, number] }>();
  const walk = (b: PciBus) => {
    for (const d of b.devices) {
      if (!d.subordinate) continue;
      const mem = d.resources[pciResourceIndex.BRIDGE_START + 1]!;
      const pref = d.resources[pciResourceIndex.BRIDGE_START + 2]!;
      out.set(d.name, {
        ...(mem.flags ? { mem: [mem.start, mem.end] as [number, number] } : {}),
        ...(pref.flags ? { pref: [pref.start, pref.end] as [number, number] } : {}),
      });
      walk(d.subordinate);
    }
  };
  walk(bus);
  return out;
}
