/**
 * PciCore, the PCI core of one machine (drivers/pci/probe.c, bus.c, remove.c, pci.c): registers
 * the `pci` bus and the host bridge `pci0000:00` at kernel init, enumerates functions from the
 * physically present hardware (every `add` of a scan first, then attach each, §2.3), removes
 * and rescans, registers PCI drivers, and offers drivers enable/disable, BAR region claims and
 * exclusive config ranges. What userspace may do through `config`, `reset` and `resourceN` is
 * decided here too. One cohesive engine: scan, remove and claims share the same tree state.
 * Not modelled: pcieport (root ports stay driverless), pci_bus class devices (no `pci_bus`
 * uevents), SR-IOV, and port I/O through `resourceN`.
 */
import { inject, injectable } from 'inversify';
import { BugIndicatingError, ILogService, IScheduler, kerr } from '../base/index.js';
import type { AttributeAccessor } from './attribute.js';
import { BusRegistry, IBusRegistry } from './bus.js';
import type { BusType } from './bus-type.js';
import { DeviceCore, IDeviceCore } from './core.js';
import { DriverBinder, IDriverBinder } from './dd.js';
import { Device } from './device.js';
import { devmAddAction } from './devres.js';
import { DeviceDriver } from './driver.js';
import { ILockdown, Lockdown } from './lockdown.js';
import { createPciBusType } from './pci-bus.js';
import {
  type PciConfigClaim,
  PciBus,
  PciDevice,
  ioresource,
  pciDoeCapabilityOffsets,
  pciFindCapability,
  pciResourceIndex,
} from './pci-device.js';
import { type PciDriver, toPciDriver } from './pci-driver.js';
import type { PciAccessWidth, PciFunctionHw, PciResetMethod } from './pci-hw.js';
import {
  PCI_CFG_SPACE_EXP_SIZE,
  PCI_CFG_SPACE_SIZE,
  PCI_DOE_CAP_SIZEOF,
  pciBaseAddress,
  pciCapIds,
  pciCommand,
  pciHeaderType,
  pciRegs,
} from './pci-regs.js';
import { pciDeviceGroups, pciDoeFeaturesGroup, pciResourceGroup, pciResourceLen } from './pci-sysfs.js';
import { IResourceTree, type Resource, ResourceTree } from './resource.js';
import { ITaint, Taint } from './taint.js';

export const IPciCore = Symbol.for('IPciCore');

/** Who owns DOE mailboxes (DESIGN.md §3): auxiliary devices, or the PCI core as mainline. */
export const pciDoePolicies = ['aux-exclusive', 'pci-core-shared'] as const;
export type PciDoePolicy = (typeof pciDoePolicies)[number];

/** The root complex's memory window ("PCI Bus 0000:00" in /proc/iomem). */
export const PCI_HOST_MEM_WINDOW = { start: 0xe0000000, end: 0xfebfffff } as const;
const BRIDGE_WINDOW_ALIGN = 0x100000;

function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

function hwKey(bus: number, devfn: number): string {
  return `${bus}:${devfn}`;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

@injectable()
export class PciCore {
  readonly bus: BusType;
  /** `pci0000:00`: no bus, no class, so it sends no uevent. */
  readonly hostBridge: Device;
  readonly rootBus: PciBus;
  doePolicy: PciDoePolicy = 'aux-exclusive';
  readonly #hardware = new Map<string, PciFunctionHw>();
  #rootScanned = false;
  #initialized = false;
  #mmioNext: number = PCI_HOST_MEM_WINDOW.start;
  /** pci_warn_once at the exclusive-config write site. */
  #warnedExclusiveWrite = false;

  constructor(
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(IDriverBinder) readonly binder: DriverBinder,
    @inject(ILockdown) private readonly lockdown: Lockdown,
    @inject(ITaint) private readonly taint: Taint,
    @inject(IResourceTree) private readonly resources: ResourceTree,
    @inject(ILogService) private readonly log: ILogService,
    @inject(IScheduler) private readonly scheduler: IScheduler,
  ) {
    this.bus = createPciBusType(this, pciDeviceGroups(this));
    this.hostBridge = new Device({ name: 'pci0000:00' });
    this.rootBus = new PciBus(0, 0, undefined, this.hostBridge, undefined);
  }

  /**
   * Kernel init (postcore/subsys initcalls): register the bus, add the host bridge, and queue the
   * root-bus scan so that every function present at boot is found by one scan, after the boot
   * hardware was plugged and before userspace runs.
   */
  init(doePolicy: PciDoePolicy = 'aux-exclusive'): void {
    if (this.#initialized) throw new BugIndicatingError('pci: init twice');
    this.#initialized = true;
    this.doePolicy = doePolicy;
    this.buses.busRegister(this.bus);
    this.core.add(this.hostBridge);
    this.scheduler.queue('pci_subsys_init', () => {
      if (!this.#rootScanned) this.rescanBus(this.rootBus);
    });
  }

  // --- the physical machine ---------------------------------------------------------------

  /** Put a function into a slot (firmware view: the bus number is the one its bridge decodes). */
  insertHardware(busNr: number, devfn: number, hw: PciFunctionHw): void {
    const key = hwKey(busNr, devfn);
    if (this.#hardware.has(key)) throw kerr('EEXIST', `pci: slot ${hex(busNr, 2)}:${hex(devfn >> 3, 2)}.${devfn & 7} occupied`);
    this.#hardware.set(key, hw);
  }

  /** Take a function out of its slot (the device object, if any, is the caller's to remove). */
  removeHardware(busNr: number, devfn: number): void {
    this.#hardware.delete(hwKey(busNr, devfn));
  }

  hardwareAt(busNr: number, devfn: number): PciFunctionHw | undefined {
    return this.#hardware.get(hwKey(busNr, devfn));
  }

  /** Every present function as [bus, devfn, hw]. */
  get presentHardware(): [number, number, PciFunctionHw][] {
    return [...this.#hardware.entries()].map(([k, hw]) => {
      const [bus, devfn] = k.split(':').map(Number) as [number, number];
      return [bus, devfn, hw];
    });
  }

  /** A hot-plug event (pciehp/ACPI): rescan once the boot scan has run; before it, the boot scan finds the new hardware. */
  hotplugRescan(): void {
    if (this.#rootScanned) this.rescanBus(this.rootBus);
  }

  // --- enumeration ------------------------------------------------------------------------

  /** Every PCI function in the device tree, depth first (a bridge, then what is below it). */
  get devices(): PciDevice[] {
    const out: PciDevice[] = [];
    const walk = (bus: PciBus) => {
      for (const d of bus.devices) {
        out.push(d);
        if (d.subordinate) walk(d.subordinate);
      }
    };
    walk(this.rootBus);
    return out;
  }

  /** The function named `DDDD:BB:DD.F`, if it is registered. */
  findDevice(name: string): PciDevice | undefined {
    const dev = this.bus.findDevice(name);
    return dev instanceof PciDevice ? dev : undefined;
  }

  /**
   * pci_rescan_bus: scan `bus` and the buses below it for functions not yet known (each gets its
   * `add` uevent without probing), assign their BARs, then attach every new function.
   */
  rescanBus(bus: PciBus): void {
    if (bus === this.rootBus) this.#rootScanned = true;
    this.#scanChildBus(bus);
    this.#assignBridgeWindows(this.rootBus);
    this.#busAddDevices(bus);
  }

  /** /sys/bus/pci/rescan: every root bus. */
  rescanAll(): void {
    this.rescanBus(this.rootBus);
  }

  /** pci_scan_child_bus: every slot of this bus first, then the buses behind its bridges. */
  #scanChildBus(bus: PciBus): void {
    for (let slot = 0; slot < 32; slot++) this.#scanSlot(bus, slot);
    for (const dev of [...bus.devices]) if (dev.isBridge) this.#scanBridge(bus, dev);
  }

  #scanSlot(bus: PciBus, slot: number): void {
    const fn0 = this.#scanSingleDevice(bus, slot << 3);
    if (!fn0 || !(fn0.hdrType & pciHeaderType.MULTI_FUNCTION)) return;
    for (let fn = 1; fn < 8; fn++) this.#scanSingleDevice(bus, (slot << 3) | fn);
  }

  #scanSingleDevice(bus: PciBus, devfn: number): PciDevice | undefined {
    const known = bus.findDevfn(devfn);
    if (known) return known;
    const hw = this.#hardware.get(hwKey(bus.number, devfn));
    if (!hw) return undefined;
    const pdev = this.#setupDevice(bus, devfn, hw);
    if (pdev) this.#deviceAdd(pdev);
    return pdev;
  }

  /** pci_setup_device: identity from config space, BARs, capabilities, DOE mailboxes, resets. */
  #setupDevice(bus: PciBus, devfn: number, hw: PciFunctionHw): PciDevice | undefined {
    const pdev = new PciDevice(bus.domain, bus.number, devfn, hw, bus);
    const id = pdev.configRead(pciRegs.VENDOR_ID, 4);
    if (id === 0xffffffff || id === 0 || (id & 0xffff) === 0xffff) return undefined;
    pdev.vendor = id & 0xffff;
    pdev.device = id >>> 16;
    const classRev = pdev.configRead(pciRegs.REVISION_ID, 4);
    pdev.revision = classRev & 0xff;
    pdev.classCode = classRev >>> 8;
    pdev.hdrType = pdev.configRead(pciRegs.HEADER_TYPE, 1);
    pdev.irq = hw.irq;
    pdev.bus = this.bus;
    // pci_cfg_space_size: PCIe functions have 4 KiB when the extended space answers.
    const isExpress = pciFindCapability(pdev, pciCapIds.EXP) !== 0;
    pdev.cfgSize = isExpress && hw.configSize >= PCI_CFG_SPACE_EXP_SIZE ? PCI_CFG_SPACE_EXP_SIZE : PCI_CFG_SPACE_SIZE;
    if (pdev.isBridge) {
      const ssvid = pciFindCapability(pdev, pciCapIds.SSVID);
      if (ssvid) {
        pdev.subsystemVendor = pdev.configRead(ssvid + 4, 2);
        pdev.subsystemDevice = pdev.configRead(ssvid + 6, 2);
      }
    } else {
      pdev.subsystemVendor = pdev.configRead(pciRegs.SUBSYSTEM_VENDOR_ID, 2);
      pdev.subsystemDevice = pdev.configRead(pciRegs.SUBSYSTEM_ID, 2);
    }
    this.#readBases(pdev, pdev.isBridge ? 2 : 6);
    pdev.doeMailboxes = pciDoeCapabilityOffsets(pdev).map((offset) => ({
      offset,
      features: hw.doeDiscovery?.(offset) ?? [{ vendor: 0x0001, type: 0x00 }],
    }));
    pdev.resetMethods = this.defaultResetMethods(pdev);
    pdev.resetFilesVisible = pdev.resetMethods.length > 0;
    pdev.groups.push(pciResourceGroup(pdev));
    const doe = pciDoeFeaturesGroup(pdev.doeMailboxes);
    if (doe) pdev.groups.push(doe);
    this.log.log(
      'info',
      'kernel',
      `pci ${pdev.name}: [${hex(pdev.vendor, 4)}:${hex(pdev.device, 4)}] type ${hex(pdev.hdrType & 0x7f, 2)} class 0x${hex(pdev.classCode, 6)}`,
    );
    return pdev;
  }

  /** __pci_read_base for each BAR; unassigned ones get space from the host window. */
  #readBases(pdev: PciDevice, count: number): void {
    for (let i = 0; i < count; i++) {
      const info = pdev.hw.bars[i];
      if (!info) continue;
      const reg = pciRegs.BASE_ADDRESS_0 + 4 * i;
      const low = pdev.configRead(reg, 4);
      const high = info.is64 ? pdev.configRead(reg + 4, 4) : 0;
      const mask = info.kind === 'io' ? pciBaseAddress.IO_MASK : pciBaseAddress.MEM_MASK;
      let start = high * 2 ** 32 + ((low & mask) >>> 0);
      if (start === 0) {
        const assigned = this.#allocMmio(info.size);
        if (assigned === undefined) {
          this.log.log('warning', 'kernel', `pci ${pdev.name}: BAR ${i}: no space for [size 0x${hex(info.size, 0)}]`);
        } else {
          start = assigned;
          pdev.configWrite(reg, 4, (start % 2 ** 32) | (low & ~mask));
          if (info.is64) pdev.configWrite(reg + 4, 4, Math.floor(start / 2 ** 32));
        }
      }
      let flags = ioresource.SIZEALIGN | (low & ~mask & 0xf);
      if (info.kind === 'io') flags |= ioresource.IO;
      else {
        flags |= ioresource.MEM;
        if (info.prefetchable) flags |= ioresource.PREFETCH;
        if (info.is64) flags |= ioresource.MEM_64;
      }
      pdev.resources[i] = { start, end: start === 0 ? info.size - 1 : start + info.size - 1, flags };
      if (info.is64) i++;
    }
  }

  #allocMmio(size: number): number | undefined {
    const start = alignUp(this.#mmioNext, Math.max(size, 0x1000));
    if (start + size - 1 > PCI_HOST_MEM_WINDOW.end) return undefined;
    this.#mmioNext = start + size;
    return start;
  }

  /** pci_device_add: on the bus list, then device_add with match_driver false (uevent `add`, no probe). */
  #deviceAdd(pdev: PciDevice): void {
    pdev.p.matchDriver = false;
    pdev.pciBus.devices.push(pdev);
    try {
      this.core.add(pdev);
    } catch (e) {
      pdev.pciBus.devices.splice(pdev.pciBus.devices.indexOf(pdev), 1);
      this.log.log('error', 'kernel', `pci ${pdev.name}: device_add failed: ${(e as Error).message}`);
    }
  }

  /** pci_scan_bridge for a bridge firmware configured: the bus behind it, scanned in turn. */
  #scanBridge(bus: PciBus, bridge: PciDevice): void {
    const secondary = bridge.configRead(pciRegs.SECONDARY_BUS, 1);
    if (secondary === 0) return;
    if (!bridge.subordinate) bridge.subordinate = new PciBus(bus.domain, secondary, bridge, bridge, bus);
    // Each bridge's children get a fresh 1 MiB-aligned stretch, so windows never interleave.
    this.#mmioNext = alignUp(this.#mmioNext, BRIDGE_WINDOW_ALIGN);
    this.#scanChildBus(bridge.subordinate);
  }

  /** Bridge memory windows: the 1 MiB-aligned span of everything below, written to the bridge. */
  #assignBridgeWindows(bus: PciBus): { start: number; end: number } | undefined {
    let span: { start: number; end: number } | undefined;
    const widen = (s: number, e: number) => {
      span = span ? { start: Math.min(span.start, s), end: Math.max(span.end, e) } : { start: s, end: e };
    };
    for (const dev of bus.devices) {
      for (let i = 0; i < 6; i++) {
        const r = dev.resources[i]!;
        if (r.flags & ioresource.MEM && r.start !== 0) widen(r.start, r.end);
      }
      if (!dev.subordinate) continue;
      const below = this.#assignBridgeWindows(dev.subordinate);
      const win = dev.resources[pciResourceIndex.BRIDGE_START + 1]!;
      if (below) {
        const start = Math.floor(below.start / BRIDGE_WINDOW_ALIGN) * BRIDGE_WINDOW_ALIGN;
        const end = alignUp(below.end + 1, BRIDGE_WINDOW_ALIGN) - 1;
        Object.assign(win, { start, end, flags: ioresource.MEM });
        dev.configWrite(pciRegs.MEMORY_BASE, 2, (start >>> 16) & 0xfff0);
        dev.configWrite(pciRegs.MEMORY_LIMIT, 2, (end >>> 16) & 0xfff0);
        widen(start, end);
      }
    }
    return span;
  }

  /** pci_bus_add_devices: attach each new function of this bus, then recurse below bridges. */
  #busAddDevices(bus: PciBus): void {
    for (const pdev of [...bus.devices]) {
      if (pdev.isAdded || !pdev.isRegistered) continue;
      // pci_bus_add_device: match_driver on, then device_attach (drivers_autoprobe is not consulted).
      pdev.p.matchDriver = true;
      const ret = this.binder.deviceAttach(pdev);
      if (ret < 0) this.log.log('warning', 'kernel', `pci ${pdev.name}: device attach failed (${ret})`);
      pdev.isAdded = true;
    }
    for (const pdev of [...bus.devices]) {
      if (pdev.isAdded && pdev.subordinate) this.#busAddDevices(pdev.subordinate);
    }
  }

  // --- removal ----------------------------------------------------------------------------

  /**
   * pci_stop_and_remove_bus_device: first every function of the subtree unbinds (children
   * before their bridge, last-scanned first), then each is deleted (children first) with its
   * `remove` uevent.
   */
  stopAndRemoveBusDevice(pdev: PciDevice): void {
    this.#stopBusDevice(pdev);
    this.#removeBusDevice(pdev);
  }

  #stopBusDevice(pdev: PciDevice): void {
    if (pdev.subordinate) for (const child of [...pdev.subordinate.devices].reverse()) this.#stopBusDevice(child);
    if (pdev.isAdded) {
      this.binder.releaseDriver(pdev);
      pdev.isAdded = false;
    }
  }

  #removeBusDevice(pdev: PciDevice): void {
    if (pdev.subordinate) {
      for (const child of [...pdev.subordinate.devices]) this.#removeBusDevice(child);
      pdev.subordinate = undefined;
    }
    if (pdev.isRegistered) this.core.del(pdev);
    const list = pdev.pciBus.devices;
    const i = list.indexOf(pdev);
    if (i >= 0) list.splice(i, 1);
    this.core.put(pdev);
  }

  /**
   * Surprise removal (pciehp): the function and everything below it are marked disconnected,
   * stopped and removed, and their hardware leaves the slots.
   */
  surpriseRemove(busNr: number, devfn: number): void {
    const bus = this.#findBus(busNr);
    const pdev = bus?.findDevfn(devfn);
    if (!pdev && !this.#hardware.has(hwKey(busNr, devfn))) {
      throw kerr('ENODEV', `pci: nothing at ${hex(busNr, 2)}:${hex(devfn >> 3, 2)}.${devfn & 7}`);
    }
    // Which slots empty is decided before anything is disconnected (a gone bridge reads all ones).
    const slots = this.#hardwareSubtree(busNr, devfn);
    if (pdev) {
      const subtree: PciDevice[] = [];
      const walk = (d: PciDevice) => {
        subtree.push(d);
        if (d.subordinate) for (const c of d.subordinate.devices) walk(c);
      };
      walk(pdev);
      for (const d of subtree) {
        d.disconnected = true;
        d.hw.disconnect?.();
      }
      this.stopAndRemoveBusDevice(pdev);
    }
    for (const key of slots) this.#hardware.delete(key);
  }

  /** The slot keys of a function and, for a bridge, of everything present behind it. */
  #hardwareSubtree(busNr: number, devfn: number): string[] {
    const hw = this.#hardware.get(hwKey(busNr, devfn));
    if (!hw) return [];
    const keys = [hwKey(busNr, devfn)];
    if ((hw.configRead(pciRegs.HEADER_TYPE, 1) & 0x7f) !== pciHeaderType.BRIDGE) return keys;
    const secondary = hw.configRead(pciRegs.SECONDARY_BUS, 1);
    if (secondary === 0) return keys;
    for (const [b, fn] of this.presentHardware) if (b === secondary) keys.push(...this.#hardwareSubtree(b, fn));
    return keys;
  }

  #findBus(busNr: number): PciBus | undefined {
    if (busNr === this.rootBus.number) return this.rootBus;
    return this.devices.find((d) => d.subordinate?.number === busNr)?.subordinate;
  }

  // --- drivers ----------------------------------------------------------------------------

  /**
   * pci_register_driver: existing matching functions bind now, then the driver's `add` uevent.
   * @throws {DriverModelError} EBUSY when a driver of that name is registered.
   */
  registerDriver(pdrv: PciDriver): void {
    if (pdrv.driver) throw new BugIndicatingError(`pci: ${pdrv.name} registered twice`);
    const drv = new DeviceDriver({ name: pdrv.name, bus: this.bus, ...(pdrv.module ? { module: pdrv.module } : {}) });
    drv.owner = pdrv;
    pdrv.driver = drv;
    try {
      this.buses.driverRegister(drv);
    } catch (e) {
      pdrv.driver = undefined;
      throw e;
    }
  }

  /** pci_unregister_driver: unbind everything (last bound first), then free the dynamic ids. */
  unregisterDriver(pdrv: PciDriver): void {
    const drv = pdrv.driver;
    if (!drv) return;
    this.buses.driverUnregister(drv);
    pdrv.driver = undefined;
    pdrv.dynamicIds.length = 0;
  }

  // --- enable, regions, exclusive config ranges -------------------------------------------

  /** pci_enable_device: counted; the first enable turns on decoding and the bridges above. */
  enableDevice(pdev: PciDevice): void {
    if (pdev.enableCnt++ > 0) return;
    const bridge = pdev.pciBus.self;
    if (bridge && !bridge.isEnabled) {
      this.enableDevice(bridge);
      bridge.configWrite(pciRegs.COMMAND, 2, bridge.configRead(pciRegs.COMMAND, 2) | pciCommand.MASTER);
    }
    let cmd = pdev.configRead(pciRegs.COMMAND, 2);
    for (let i = 0; i < 6; i++) {
      const flags = pdev.resources[i]!.flags;
      if (flags & ioresource.MEM) cmd |= pciCommand.MEMORY;
      if (flags & ioresource.IO) cmd |= pciCommand.IO;
    }
    pdev.configWrite(pciRegs.COMMAND, 2, cmd);
  }

  /** pci_disable_device: the last balancing call stops bus mastering. */
  disableDevice(pdev: PciDevice): void {
    if (pdev.enableCnt <= 0) {
      this.log.log('warning', 'kernel', `pci ${pdev.name}: disabling already-disabled device`);
      return;
    }
    if (--pdev.enableCnt > 0) return;
    pdev.configWrite(pciRegs.COMMAND, 2, pdev.configRead(pciRegs.COMMAND, 2) & ~pciCommand.MASTER);
  }

  /** pcim_enable_device: enabled now, disabled when the driver unbinds (devres). Context: probe. */
  pcimEnableDevice(pdev: PciDevice): void {
    this.enableDevice(pdev);
    devmAddAction(pdev, 'pcim_enable_device', () => this.disableDevice(pdev));
  }

  /**
   * pci_request_region: claim BAR `bar` for `name` (a BUSY child in /proc/iomem). A BAR without a
   * length is ignored.
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

  /** pcim_request_all_regions: like requestRegions, released when the driver unbinds. */
  pcimRequestRegions(pdev: PciDevice, name: string): void {
    this.requestRegions(pdev, name);
    devmAddAction(pdev, 'pcim_request_all_regions', () => this.releaseRegions(pdev));
  }

  /**
   * pci_request_config_region_exclusive: mark [offset, offset+size) of config space as the
   * driver's. What a userspace `config` write into it does depends on the DOE policy (see
   * userWriteConfig).
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

  /** True when [offset, offset+length) touches a DOE capability of the function. */
  touchesDoe(pdev: PciDevice, offset: number, length: number): boolean {
    return pdev.doeMailboxes.some((mb) => mb.offset < offset + length && offset < mb.offset + PCI_DOE_CAP_SIZEOF);
  }

  // --- userspace access through sysfs -----------------------------------------------------

  /**
   * pci_read_config (`config` read): 64 bytes (128 on CardBus) without CAP_SYS_ADMIN, silently
   * truncated; accesses are split into naturally aligned 1/2/4-byte reads as the kernel does.
   */
  userReadConfig(pdev: PciDevice, offset: number, length: number, reader: AttributeAccessor): Uint8Array {
    let size = reader.hasCapability('CAP_SYS_ADMIN')
      ? pdev.cfgSize
      : (pdev.hdrType & 0x7f) === pciHeaderType.CARDBUS
        ? 128
        : 64;
    if (offset > size) return new Uint8Array(0);
    size = offset + length > size ? size - offset : length;
    const out = new Uint8Array(size);
    forEachAlignedAccess(offset, size, (off, width) => {
      const v = pdev.configRead(off, width);
      for (let b = 0; b < width; b++) out[off - offset + b] = (v >>> (8 * b)) & 0xff;
    });
    return out;
  }

  /**
   * pci_write_config (`config` write). Lockdown PCI_ACCESS refuses with EPERM. Then the exclusive
   * ranges: under `aux-exclusive` a write into a range claimed over a DOE capability fails with
   * EPERM (DESIGN.md Departure 4); a write into any other claimed range goes through with one
   * warning per boot and taint U, as the kernel does. Under `pci-core-shared` a write into any
   * DOE capability taints U (Departure 5). Writes past the config size are truncated.
   */
  userWriteConfig(pdev: PciDevice, offset: number, data: Uint8Array, writer: AttributeAccessor): number {
    this.lockdown.check('PCI_ACCESS', writer.comm);
    const count0 = data.length;
    const hits = pdev.exclusiveConfig.filter((c) => c.offset < offset + count0 && offset < c.offset + c.size);
    if (this.doePolicy === 'aux-exclusive') {
      const doeClaim = hits.find((c) => this.touchesDoe(pdev, c.offset, c.size));
      if (doeClaim) {
        throw kerr('EPERM', `${writer.comm}: ${pdev.name}: config offset 0x${hex(offset, 3)} is a DOE mailbox held by ${doeClaim.owner}`, {
          device: pdev.name,
        });
      }
    }
    if (hits.length > 0) {
      if (!this.#warnedExclusiveWrite) {
        this.#warnedExclusiveWrite = true;
        this.log.log('warning', 'kernel', `pci ${pdev.name}: ${writer.comm}: Unexpected write to kernel-exclusive config offset ${hex(offset, 0)}`);
      }
      this.taint.add('USER');
    }
    if (this.doePolicy === 'pci-core-shared' && this.touchesDoe(pdev, offset, count0)) {
      this.log.log('warning', 'kernel', `pci ${pdev.name}: ${writer.comm}: write to DOE mailbox at config offset ${hex(offset, 0)} from userspace`);
      this.taint.add('USER');
    }
    if (offset > pdev.cfgSize) return 0;
    const count = offset + count0 > pdev.cfgSize ? pdev.cfgSize - offset : count0;
    forEachAlignedAccess(offset, count, (off, width) => {
      let v = 0;
      for (let b = 0; b < width; b++) v |= data[off - offset + b]! << (8 * b);
      pdev.configWrite(off, width, v >>> 0);
    });
    return count;
  }

  /**
   * What mmap of `resourceN` would say (pci_mmap_resource): lockdown → EPERM; a range
   * iomem_is_exclusive (claimed by a driver under strict devmem) → EINVAL; outside the BAR → EINVAL.
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

  // --- reset ------------------------------------------------------------------------------

  defaultResetMethods(pdev: PciDevice): PciResetMethod[] {
    return [...pdev.hw.resetMethods];
  }

  probeResetMethod(pdev: PciDevice, method: PciResetMethod): boolean {
    return pdev.hw.resetMethods.includes(method);
  }

  /**
   * pci_reset_function: the driver stays bound; its reset_prepare runs, the header is saved and
   * INTx disabled, the first enabled method that works resets the function, the header is
   * restored and reset_done runs.
   * @throws {DriverModelError} ENOTTY when no reset method is enabled.
   */
  resetFunction(pdev: PciDevice): void {
    if (pdev.resetMethods.length === 0) throw kerr('ENOTTY', `${pdev.name}: no reset method`);
    const pdrv = toPciDriver(pdev.driver);
    pdrv?.resetPrepare?.(pdev);
    const saved = Array.from({ length: 16 }, (_, i) => pdev.configRead(i * 4, 4));
    pdev.configWrite(pciRegs.COMMAND, 2, pciCommand.INTX_DISABLE);
    const method = pdev.resetMethods.find((m) => this.probeResetMethod(pdev, m));
    if (method) pdev.hw.reset(method);
    // pci_restore_config_space: dwords 4..15, then 0..3, only where the value changed.
    for (const i of [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3]) {
      if (pdev.configRead(i * 4, 4) !== saved[i]) pdev.configWrite(i * 4, 4, saved[i]!);
    }
    pdrv?.resetDone?.(pdev);
    if (!method) throw kerr('ENOTTY', `${pdev.name}: no usable reset method`);
    this.log.log('info', 'kernel', `pci ${pdev.name}: reset done (${method})`);
  }

  // --- /proc/iomem ------------------------------------------------------------------------

  /** /proc/iomem below the host window: bridge windows, BARs by function, driver claims by name. */
  iomem(): string {
    interface Node {
      start: number;
      end: number;
      name: string;
      children: Node[];
    }
    const root: Node = { ...PCI_HOST_MEM_WINDOW, name: 'PCI Bus 0000:00', children: [] };
    const claims = this.resources.claims.filter((r: Resource) => r.kind === 'mem');
    const addBus = (bus: PciBus, into: Node) => {
      for (const dev of bus.devices) {
        for (let i = 0; i < 6; i++) {
          const r = dev.resources[i]!;
          if (!(r.flags & ioresource.MEM) || r.start === 0) continue;
          const node: Node = { start: r.start, end: r.end, name: dev.name, children: [] };
          for (const c of claims) if (c.start >= r.start && c.end <= r.end) node.children.push({ start: c.start, end: c.end, name: c.owner, children: [] });
          into.children.push(node);
        }
        const win = dev.resources[pciResourceIndex.BRIDGE_START + 1]!;
        if (dev.subordinate && win.flags) {
          const node: Node = { start: win.start, end: win.end, name: `PCI Bus ${dev.subordinate.name}`, children: [] };
          into.children.push(node);
          addBus(dev.subordinate, node);
        }
      }
    };
    addBus(this.rootBus, root);
    let out = '';
    const print = (n: Node, depth: number) => {
      out += `${'  '.repeat(depth)}${hex(n.start, 8)}-${hex(n.end, 8)} : ${n.name}\n`;
      for (const c of [...n.children].sort((a, b) => a.start - b.start)) print(c, depth + 1);
    };
    print(root, 0);
    return out;
  }
}

/** The kernel's split of a config access: a byte to reach even, a word to reach dword, dwords, then a word and a byte. */
function forEachAlignedAccess(offset: number, size: number, access: (off: number, width: PciAccessWidth) => void): void {
  let off = offset;
  let left = size;
  if (off & 1 && left > 0) {
    access(off, 1);
    off += 1;
    left -= 1;
  }
  if (off & 3 && left > 2) {
    access(off, 2);
    off += 2;
    left -= 2;
  }
  while (left > 3) {
    access(off, 4);
    off += 4;
    left -= 4;
  }
  if (left >= 2) {
    access(off, 2);
    off += 2;
    left -= 2;
  }
  if (left > 0) access(off, 1);
}
