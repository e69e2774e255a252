/**
 * PciCore, the PCI core of one machine (drivers/pci/probe.c, bus.c): the `pci` bus and its host
 * bridges (one per PCI segment: `pci0000:00`, `pci0001:00` …, each with its root bus), enumeration
 * (every `add` of a scan first, then attach, §2.3) with bus numbers as pci_scan_bridge_extend
 * assigns them (firmware's kept, the others numbered depth first), removal (the walks are
 * remove.ts's) and rescan over one tree state, driver registration and enable; the facade over
 * resource.ts, setup-bus.ts, access.ts and reset.ts. Functions are found either at the bus
 * number firmware placed them on (`insertHardware`, the fixed-address presets) or through the
 * link of the bridge above them (`PciLink`, fleets), whatever number the bridge was given.
 * Not modelled: port I/O through `resourceN`, I/O windows, hot-plug bus and window reservation.
 */
import { pciAcsInit } from './acs.js';
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { BugIndicatingError, ILogService, IScheduler, kerr } from '../base/index.js';
import {
  type AttributeAccessor,
  BusRegistry,
  IBusRegistry,
  type BusType,
  DeviceCore,
  IDeviceCore,
  DriverBinder,
  IDriverBinder,
  Device,
  devmAddAction,
  DeviceDriver,
  ILockdown,
  Lockdown,
  IResourceTree,
  ResourceTree,
  ITaint,
  Taint,
  IKobjectUevent,
  KobjectUevent,
  IBusNotifier,
  type BusNotifier,
  type DevicePower,
  IDevicePower,
  type DeviceClass,
} from '../bus/index.js';
import { createPciBusType } from './bus-type.js';
import { type PciConfigClaim, PciBus, PciDevice, ioresource, pciDoeCapabilityOffsets, pciFindCapability, pciResourceIndex } from './device.js';
import { PciConfigWriter, type PciDoePolicy, pciUserReadConfig } from './access.js';
import type { PciDriver } from './pci-driver.js';
import { PciLink, pciLinkOf, type PciFunctionHw, type PciResetMethod } from './hw.js';
import { type HostWindows, WindowAllocator, assignRootBusResources } from './setup-bus.js';
import { PCI_CFG_SPACE_EXP_SIZE, PCI_CFG_SPACE_SIZE, pciBaseAddress, pciCapIds, pciCommand, pciExpRegs, pciHeaderType, pciRegs } from './regs.js';
import { pciStopAndRemoveBusDevice } from './remove.js';
import { pciPmInit } from './pm.js';
import { pciCommonGroups } from './pci-sysfs-common.js';
import { createPciBusClass, pciBusClassDevice } from './pci-bus-class.js';
import { PciMsi } from './msi.js';
import { pciDefaultResetMethods, pciProbeResetMethod, pciResetFunction } from './reset.js';
import { PCI_HOST_KERNEL_WINDOWS, PCI_HOST_MEM_WINDOW, PciResources } from './resource.js';
import { pciDeviceGroups, pciResourceGroup } from './pci-sysfs.js';
import { IIommuCore, IommuCore } from './iommu.js';
import { PciIov, pciDeviceCanProbe, pciSriov, pciSriovGroup, pciSriovInit } from './iov.js';
import { toPciDriver } from './pci-driver.js';

export const IPciCore: ServiceIdentifier<PciCore> = Symbol.for('IPciCore');

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

/** A host bridge's memory windows as firmware describes them (_CRS): inclusive ranges. */
export interface PciHostWindowSpec {
  /** The 32-bit non-prefetchable window. */
  readonly mem: readonly [number, number];
  /** The 64-bit window above 4 GiB, if any. */
  readonly mem64?: readonly [number, number];
}

/**
 * One host bridge (struct pci_host_bridge): the `pciDDDD:00` device, its root bus, the link of
 * its root bus (functions wired there) and, when firmware gave it windows for the kernel to
 * assign from, their allocators.
 */
export class PciHostBridge {
  readonly link = new PciLink();
  windows: HostWindows | undefined;
  windowSpec: PciHostWindowSpec | undefined;
  scanned = false;
  constructor(
    readonly domain: number,
    readonly device: Device,
    readonly rootBus: PciBus,
  ) {}
}

/** only_one_child: below a Root Port or a Downstream Port only device 0 is scanned (a PCIe link has one device). */
function onlyOneChild(bus: PciBus): boolean {
  const bridge = bus.self;
  if (!bridge) return false;
  const exp = pciFindCapability(bridge, pciCapIds.EXP);
  if (!exp) return false;
  const type = (bridge.configRead(exp + pciExpRegs.FLAGS, 2) >> 4) & 0xf;
  // pcie_downstream_port: Root Port, Downstream Port, PCIe-to-PCI/PCI-X bridge.
  return type === 0x4 || type === 0x6 || type === 0x8;
}

@injectable()
export class PciCore {
  readonly bus: BusType;
  /** `pci0000:00`: no bus, no class, so it sends no uevent. */
  readonly hostBridge: Device;
  /** The `pci_bus` class (pcibus_class). */
  readonly pciBusClass: DeviceClass;
  readonly #msi = new PciMsi();
  /** INTx line → registered functions using it. */
  readonly #intx = new Map<number, number>();
  readonly rootBus: PciBus;
  /** SR-IOV (iov.ts): enabling and disabling virtual functions. */
  readonly iov: PciIov;

  doePolicy: PciDoePolicy = 'aux-exclusive';
  readonly #hardware = new Map<string, PciFunctionHw>();
  /** Host bridges by domain, domain 0 first (it is this.hostBridge / this.rootBus). */
  readonly #hosts: PciHostBridge[] = [];
  /** pci_find_bus: every bus by `domain:number`. */
  readonly #buses = new Map<string, PciBus>();
  #initialized = false;
  #mmioNext: number = PCI_HOST_MEM_WINDOW.start;
  readonly #claims: PciResources;
  readonly #configWriter: PciConfigWriter;

  constructor(
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(IDriverBinder) readonly binder: DriverBinder,
    @inject(ILockdown) lockdown: Lockdown,
    @inject(ITaint) taint: Taint,
    @inject(IResourceTree) resources: ResourceTree,
    @inject(ILogService) private readonly log: ILogService,
    @inject(IScheduler) private readonly scheduler: IScheduler,
    @inject(IKobjectUevent) uevent: KobjectUevent,
    @inject(IIommuCore) readonly iommu: IommuCore,
    @inject(IDevicePower) private readonly power: DevicePower,
    @inject(IBusNotifier) notifier: BusNotifier,
  ) {
    // The INTx lines functions use, counted as functions come and go (MSI allocation skips them).
    notifier.onDidAddDevice((d) => {
      if (d instanceof PciDevice && d.irq) this.#intx.set(d.irq, (this.#intx.get(d.irq) ?? 0) + 1);
    });
    notifier.onDidRemoveDevice((d) => {
      if (!(d instanceof PciDevice) || !d.irq) return;
      const n = (this.#intx.get(d.irq) ?? 0) - 1;
      if (n > 0) this.#intx.set(d.irq, n);
      else this.#intx.delete(d.irq);
    });
    this.bus = createPciBusType(this, [
      ...pciDeviceGroups(this),
      pciSriovGroup({ log, sriovConfigure: (pf) => this.#sriovConfigure(pf) }),
      ...pciCommonGroups({
        firmwareWorkaround: (pdev, message) => {
          taint.add('FIRMWARE_WORKAROUND');
          log.log('alert', 'kernel', `pci ${pdev.name}: ${message}`);
        },
      }),
    ]);
    this.pciBusClass = createPciBusClass(this);
    this.iov = new PciIov({
      core,
      binder,
      uevent,
      log,
      setupVirtfn: (vf) => {
        vf.bus = this.bus;
        vf.resetMethods = this.defaultResetMethods(vf);
        vf.resetFilesVisible = vf.resetMethods.length > 0;
        vf.groups.push(pciResourceGroup(vf));
      },
      stopAndRemoveBusDevice: (pdev) => this.stopAndRemoveBusDevice(pdev),
    });
    this.hostBridge = new Device({ name: 'pci0000:00' });
    this.rootBus = new PciBus(0, 0, undefined, this.hostBridge, undefined);
    const host0 = new PciHostBridge(0, this.hostBridge, this.rootBus);
    host0.windowSpec = PCI_HOST_KERNEL_WINDOWS;
    host0.windows = {
      mem: new WindowAllocator(...PCI_HOST_KERNEL_WINDOWS.mem),
      mem64: new WindowAllocator(...PCI_HOST_KERNEL_WINDOWS.mem64),
    };
    this.#hosts.push(host0);
    this.#buses.set('0:0', this.rootBus);
    this.#claims = new PciResources(resources, lockdown, log);
    this.#configWriter = new PciConfigWriter(lockdown, taint, log);
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
    // pcibus_class_init (probe.o links before pci-driver.o), then pci_driver_init.
    this.buses.classRegister(this.pciBusClass);
    this.buses.busRegister(this.bus);
    this.core.add(this.hostBridge);
    // Host bridges in firmware order (acpi_pci_root_add per PNP0A08): each registers, scans,
    // assigns and adds its devices before the next.
    this.scheduler.queue('pci_subsys_init', () => {
      for (const host of this.#hosts) if (!host.scanned) this.#probeHost(host);
    });
  }

  /**
   * Add a host bridge for PCI segment `domain` (`pciDDDD:00`, its root bus DDDD:00) with the
   * windows firmware gives it; returns the link its root-bus functions are wired to. Domain 0
   * exists from the start: for it only the windows are set (kernel-assigned hierarchies below
   * it allocate from them). After the boot scan a new host bridge is scanned at once (hot-add).
   * @throws {DriverModelError} EEXIST when the domain has its host bridge already (for domain ≠ 0).
   */
  addHostBridge(domain: number, windows: PciHostWindowSpec): PciLink {
    let host = this.#hosts.find((h) => h.domain === domain);
    if (host && domain !== 0) throw kerr('EEXIST', `pci: domain ${hex(domain, 4)} exists`);
    if (!host) {
      const device = new Device({ name: `pci${hex(domain, 4)}:00` });
      const rootBus = new PciBus(domain, 0, undefined, device, undefined);
      host = new PciHostBridge(domain, device, rootBus);
      this.#hosts.push(host);
      this.#hosts.sort((a, b) => a.domain - b.domain);
      this.#buses.set(`${domain}:0`, rootBus);
    }
    host.windowSpec = windows;
    host.windows = {
      mem: new WindowAllocator(windows.mem[0], windows.mem[1]),
      mem64: windows.mem64 ? new WindowAllocator(windows.mem64[0], windows.mem64[1]) : undefined,
    };
    if (this.#hosts[0]!.scanned && !host.scanned) this.#probeHost(host);
    return host.link;
  }

  /** The host bridges, by domain. */
  get hostBridges(): readonly PciHostBridge[] {
    return this.#hosts;
  }

  /** pci_find_bus. */
  findBus(domain: number, busNr: number): PciBus | undefined {
    const key = `${domain}:${busNr}`;
    const bus = this.#buses.get(key);
    // A bus whose bridge was removed (pci_remove_bus) is gone.
    if (bus?.self && bus.self.subordinate !== bus) {
      this.#buses.delete(key);
      return undefined;
    }
    return bus;
  }

  /** acpi_pci_root_add: register the host bridge (domain ≠ 0; domain 0 registered at init), scan, add. */
  #probeHost(host: PciHostBridge): void {
    if (host.domain !== 0 && !host.device.isRegistered) this.core.add(host.device);
    this.rescanBus(host.rootBus);
  }

  #hostOf(bus: PciBus): PciHostBridge {
    return this.#hosts.find((h) => h.domain === bus.domain)!;
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

  /** The function firmware placed at (bus, devfn) of domain 0, or wired to bus 0's link. */
  hardwareAt(busNr: number, devfn: number): PciFunctionHw | undefined {
    return this.#hardware.get(hwKey(busNr, devfn)) ?? (busNr === 0 ? this.#hosts[0]!.link.get(devfn) : undefined);
  }

  /** Every function firmware placed in domain 0 as [bus, devfn, hw] (bus 0's link included). */
  get presentHardware(): [number, number, PciFunctionHw][] {
    const out = [...this.#hardware.entries()].map(([k, hw]): [number, number, PciFunctionHw] => {
      const [bus, devfn] = k.split(':').map(Number) as [number, number];
      return [bus, devfn, hw];
    });
    for (const [devfn, hw] of this.#hosts[0]!.link.entries()) out.push([0, devfn, hw]);
    return out;
  }

  /** The hardware answering at `devfn` of `bus`: the bridge's (or host's) link, else firmware's absolute placement. */
  #hwAt(bus: PciBus, devfn: number): PciFunctionHw | undefined {
    const link = bus.self ? pciLinkOf(bus.self.hw) : bus.parent === undefined ? this.#hostOf(bus).link : undefined;
    return link?.get(devfn) ?? (bus.domain === 0 ? this.#hardware.get(hwKey(bus.number, devfn)) : undefined);
  }

  /** A hot-plug event (pciehp/ACPI): rescan once the boot scan has run; before it, the boot scan finds the new hardware. */
  hotplugRescan(): void {
    for (const host of this.#hosts) if (host.scanned) this.rescanBus(host.rootBus);
  }

  // --- enumeration ------------------------------------------------------------------------

  /** Every PCI function in the device tree, domain by domain, depth first (a bridge, then what is below it). */
  get devices(): PciDevice[] {
    const out: PciDevice[] = [];
    const walk = (bus: PciBus) => {
      for (const d of bus.devices) {
        out.push(d);
        if (d.subordinate) walk(d.subordinate);
      }
    };
    for (const host of this.#hosts) walk(host.rootBus);
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
    const host = this.#hostOf(bus);
    if (bus === host.rootBus) {
      host.scanned = true;
      // pci_register_host_bridge: the root bus's class device comes before anything on it.
      this.#registerBusDevice(bus);
    }
    this.#scanChildBus(bus);
    if (host.domain === 0) this.#assignBridgeWindows(this.rootBus);
    this.#assignKernelResources(host);
    this.#busAddDevices(bus);
  }

  /** /sys/bus/pci/rescan: every root bus. */
  rescanAll(): void {
    for (const host of this.#hosts) this.rescanBus(host.rootBus);
  }

  /**
   * pci_scan_child_bus_extend: every slot of this bus (device 0 only below a downstream port),
   * then the bridges firmware configured (pass 0), then the others, which get bus numbers from
   * max + 1 depth first (pass 1). Returns the highest bus number found below.
   */
  #scanChildBus(bus: PciBus): number {
    const oneChild = onlyOneChild(bus);
    for (let slot = 0; slot < 32; slot++) {
      if (oneChild && slot > 0) break;
      this.#scanSlot(bus, slot);
    }
    let max = bus.number;
    const bridges = bus.devices.filter((d) => d.isBridge);
    for (const dev of bridges) max = this.#scanBridge(bus, dev, max, 0);
    for (const dev of bridges) max = this.#scanBridge(bus, dev, max, 1);
    return max;
  }

  #scanSlot(bus: PciBus, slot: number): void {
    const fn0 = this.#scanSingleDevice(bus, slot << 3);
    if (!fn0 || !(fn0.hdrType & pciHeaderType.MULTI_FUNCTION)) return;
    for (let fn = 1; fn < 8; fn++) this.#scanSingleDevice(bus, (slot << 3) | fn);
  }

  #scanSingleDevice(bus: PciBus, devfn: number): PciDevice | undefined {
    const known = bus.findDevfn(devfn);
    if (known) return known;
    const hw = this.#hwAt(bus, devfn);
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
    // Below a bus the kernel numbered, BARs stay unassigned until setup-bus.ts sizes and places them.
    const kernelAssigned = bus.kernelNumbered || bus.domain !== 0;
    this.#readBases(pdev, pdev.isBridge ? 2 : 6, !kernelAssigned);
    if (!pdev.isBridge) pciSriovInit(pdev, (size) => (kernelAssigned ? 0 : this.#allocMmio(size)));
    // The DOE capabilities only: what each mailbox speaks is the kernel's to discover (its
    // Discovery, in virtual time), and doe_features/ shows that cache (doe-sysfs.ts).
    pdev.doeMailboxes = pciDoeCapabilityOffsets(pdev).map((offset) => ({ offset }));
    pdev.resetMethods = this.defaultResetMethods(pdev);
    pdev.resetFilesVisible = pdev.resetMethods.length > 0;
    pdev.groups.push(pciResourceGroup(pdev));
    this.log.log(
      'info',
      'kernel',
      `pci ${pdev.name}: [${hex(pdev.vendor, 4)}:${hex(pdev.device, 4)}] type ${hex(pdev.hdrType & 0x7f, 2)} class 0x${hex(pdev.classCode, 6)}`,
    );
    return pdev;
  }

  /** __pci_read_base for each BAR; unassigned ones get space from the host window. */
  #readBases(pdev: PciDevice, count: number, assign: boolean): void {
    for (let i = 0; i < count; i++) {
      const info = pdev.hw.bars[i];
      if (!info) continue;
      const reg = pciRegs.BASE_ADDRESS_0 + 4 * i;
      const low = pdev.configRead(reg, 4);
      const high = info.is64 ? pdev.configRead(reg + 4, 4) : 0;
      const mask = info.kind === 'io' ? pciBaseAddress.IO_MASK : pciBaseAddress.MEM_MASK;
      let start = high * 2 ** 32 + ((low & mask) >>> 0);
      if (start === 0 && assign) {
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
    pciPmInit(this.power, pdev); // pci_init_capabilities, before device_add
    pciAcsInit(pdev);
    pdev.pciBus.devices.push(pdev);
    try {
      this.core.add(pdev);
    } catch (e) {
      pdev.pciBus.devices.splice(pdev.pciBus.devices.indexOf(pdev), 1);
      this.log.log('error', 'kernel', `pci ${pdev.name}: device_add failed: ${(e as Error).message}`);
    }
  }

  /** device_register of a bus's `pci_bus` class device (once). */
  #registerBusDevice(bus: PciBus): void {
    if (bus.classDevice) return;
    bus.classDevice = pciBusClassDevice(bus, this.pciBusClass);
    this.core.add(bus.classDevice);
  }

  /**
   * pci_scan_bridge_extend. Pass 0 takes a bridge firmware configured (sensible primary,
   * secondary and subordinate numbers): its bus is added if new and scanned, and max becomes its
   * subordinate number. A bridge whose numbers make no sense is reported and its numbers
   * cleared. Pass 1 numbers the others: secondary = max + 1, subordinate first the parent's end
   * (all three written as one dword), then the bus behind is scanned depth first and the
   * subordinate number written again with the highest bus found. Returns the new max.
   */
  #scanBridge(bus: PciBus, bridge: PciDevice, max: number, pass: 0 | 1): number {
    const buses = bridge.configRead(pciRegs.PRIMARY_BUS, 4);
    const primary = buses & 0xff;
    const secondary = (buses >>> 8) & 0xff;
    const subordinate = (buses >>> 16) & 0xff;
    const configured = bridge.subordinate !== undefined && bridge.subordinate.number === secondary;
    let broken = false;
    if (!pass && !configured && (primary !== bus.number || secondary <= bus.number || secondary > subordinate)) {
      this.log.log(
        'info',
        'kernel',
        `pci ${bridge.name}: bridge configuration invalid ([bus ${hex(secondary, 2)}-${hex(subordinate, 2)}]), reconfiguring`,
      );
      broken = true;
    }
    if ((secondary || subordinate) && !broken) {
      // Bus already configured (by firmware, or by this kernel in an earlier scan).
      if (pass) return max;
      let child = this.findBus(bus.domain, secondary);
      if (!child) {
        // pci_add_new_bus → pci_alloc_child_bus → device_register: `add` of pci_bus/DDDD:BB.
        child = new PciBus(bus.domain, secondary, bridge, bridge, bus);
        child.busnEnd = subordinate;
        this.#buses.set(`${bus.domain}:${secondary}`, child);
        bridge.subordinate = child;
        this.#registerBusDevice(child);
      }
      // Legacy placement: each firmware-numbered bridge's children get a fresh 1 MiB-aligned stretch.
      if (!child.kernelNumbered) this.#mmioNext = alignUp(this.#mmioNext, BRIDGE_WINDOW_ALIGN);
      const cmax = this.#scanChildBus(child);
      if (cmax > subordinate)
        this.log.log('warning', 'kernel', `pci ${bridge.name}: bridge has subordinate ${hex(subordinate, 2)} but max busn ${hex(cmax, 2)}`);
      return Math.max(max, subordinate);
    }
    if (!pass) {
      // Forwarding off until pass 1 renumbers it (pcibios_assign_all_busses() || broken).
      bridge.configWrite(pciRegs.PRIMARY_BUS, 4, buses & ~0xffffff);
      return max;
    }
    if (max >= bus.busnEnd) {
      this.log.log(
        'warning',
        'kernel',
        `pci ${bridge.name}: can't allocate child bus ${hex(max + 1, 2)} from [bus ${hex(bus.number, 2)}-${hex(bus.busnEnd, 2)}]`,
      );
      return max;
    }
    let child = this.findBus(bus.domain, max + 1);
    if (!child) {
      child = new PciBus(bus.domain, max + 1, bridge, bridge, bus);
      child.kernelNumbered = true;
      child.busnEnd = bus.busnEnd; // pci_bus_insert_busn_res(child, max + 1, bus->busn_res.end)
      this.#buses.set(`${bus.domain}:${child.number}`, child);
      bridge.subordinate = child;
      this.#registerBusDevice(child);
    }
    max++;
    bridge.configWrite(pciRegs.PRIMARY_BUS, 4, ((buses & 0xff000000) | bus.number | (child.number << 8) | (child.busnEnd << 16)) >>> 0);
    max = this.#scanChildBus(child);
    // pci_bus_update_busn_res_end, then the real subordinate number.
    child.busnEnd = max;
    bridge.configWrite(pciRegs.SUBORDINATE_BUS, 1, max);
    return max;
  }

  /**
   * pci_assign_unassigned_root_bus_resources for the hierarchies the kernel numbered (every root
   * bus of a host bridge firmware left to the kernel, and kernel-numbered bridges on domain 0's
   * root bus): sizes and places their windows and BARs (setup-bus.ts).
   */
  #assignKernelResources(host: PciHostBridge): void {
    const devices = host.rootBus.devices.filter((d) => host.domain !== 0 || d.subordinate?.kernelNumbered);
    if (devices.length === 0) return;
    const windows = host.windows ?? { mem: new WindowAllocator(1, 0), mem64: undefined };
    assignRootBusResources(devices, windows, {
      noSpace: (dev, index, size) => {
        const what = index >= pciResourceIndex.BRIDGE_START ? 'bridge window' : `BAR ${index}`;
        this.log.log('warning', 'kernel', `pci ${dev.name}: ${what} [mem size 0x${hex(size, 8)}]: can't assign; no space`);
      },
    });
  }

  /** Bridge memory windows: the 1 MiB-aligned span of everything below, written to the bridge. */
  #assignBridgeWindows(bus: PciBus): { start: number; end: number } | undefined {
    let span: { start: number; end: number } | undefined;
    const widen = (s: number, e: number) => {
      span = span ? { start: Math.min(span.start, s), end: Math.max(span.end, e) } : { start: s, end: e };
    };
    for (const dev of bus.devices) {
      if (dev.subordinate?.kernelNumbered) continue; // setup-bus.ts's
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

  /** pci_stop_and_remove_bus_device (remove.ts): unbind the subtree, then delete it. */
  stopAndRemoveBusDevice(pdev: PciDevice): void {
    pciStopAndRemoveBusDevice(this.core, pdev);
  }

  /**
   * Surprise removal (pciehp): the function and everything below it are marked disconnected,
   * stopped and removed, and their hardware leaves the slots.
   */
  surpriseRemove(busNr: number, devfn: number, domain = 0): void {
    const bus = this.findBus(domain, busNr);
    const pdev = bus?.findDevfn(devfn);
    const absolute = domain === 0 ? this.#hardware.get(hwKey(busNr, devfn)) : undefined;
    // A function wired to a link leaves it; one firmware placed by number leaves its slot (and, for a bridge, what is behind it).
    const link = bus && !absolute ? (bus.self ? pciLinkOf(bus.self.hw) : bus.parent === undefined ? this.#hostOf(bus).link : undefined) : undefined;
    if (!pdev && !absolute && !link?.get(devfn)) {
      throw kerr('ENODEV', `pci: nothing at ${hex(domain, 4)}:${hex(busNr, 2)}:${hex(devfn >> 3, 2)}.${devfn & 7}`);
    }
    // Which slots empty is decided before anything is disconnected (a gone bridge reads all ones).
    const slots = absolute ? this.#hardwareSubtree(busNr, devfn) : [];
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
      // The PF's VFs share its slot: they go first, last first (iov.ts).
      for (const d of [...subtree].reverse()) this.iov.removeAllForUnplug(d);
      this.stopAndRemoveBusDevice(pdev);
    }
    for (const key of slots) this.#hardware.delete(key);
    link?.remove(devfn);
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

  // --- drivers ----------------------------------------------------------------------------

  /** pci_device_probe's gates: the VF autoprobe gate (ENODEV), then pci_dma_configure (EBUSY). */
  beforeProbe(pdev: PciDevice, pdrv: PciDriver): void {
    if (!pciDeviceCanProbe(pdev)) throw kerr('ENODEV', `${pdev.name}: VF probing disabled by its PF's sriov_drivers_autoprobe`);
    this.iommu.dmaConfigure(pdev, pdrv.driverManagedDma);
  }

  /**
   * After remove() (or a failed probe): pci_iov_remove ("driver left SR-IOV enabled after
   * remove", driver_max_VFs back to TotalVFs), then dma_cleanup.
   */
  afterRemove(pdev: PciDevice, pdrv: PciDriver | undefined): void {
    const iov = pciSriov(pdev);
    if (iov) {
      if (iov.numVFs > 0) this.log.log('warning', 'kernel', `pci ${pdev.name}: driver left SR-IOV enabled after remove`);
      iov.driverMaxVFs = iov.totalVFs;
    }
    this.iommu.dmaCleanup(pdev, pdrv?.driverManagedDma ?? false);
  }

  /** The PF's bound driver's sriov_configure (for the sriov_numvfs store). */
  #sriovConfigure(pf: PciDevice): ((pdev: PciDevice, n: number) => number) | 'no-driver' | undefined {
    if (!pf.driver) return 'no-driver';
    return toPciDriver(pf.driver)?.sriovConfigure;
  }

  /** pci_enable_sriov. @throws {DriverModelError} see PciIov.enable. */
  enableSriov(pf: PciDevice, n: number): void {
    this.iov.enable(pf, n);
  }

  /** pci_disable_sriov. */
  disableSriov(pf: PciDevice): void {
    this.iov.disable(pf);
  }

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
  /** pci_alloc_irq_vectors (MSI-X only; see msi.ts). */
  allocIrqVectors(pdev: PciDevice, min: number, max: number, flags: number): number {
    return this.#msi.allocIrqVectors(pdev, min, max, flags, this.#intx);
  }

  pcimEnableDevice(pdev: PciDevice): void {
    this.enableDevice(pdev);
    devmAddAction(pdev, 'pcim_enable_device', () => this.disableDevice(pdev));
  }

  // --- claims, config access, reset (resource.ts, access.ts, reset.ts) ---------

  /** pci_request_region. @throws {DriverModelError} EBUSY when the range is claimed already. */
  requestRegion(pdev: PciDevice, bar: number, name: string, exclusive = false): void {
    this.#claims.requestRegion(pdev, bar, name, exclusive);
  }

  releaseRegion(pdev: PciDevice, bar: number): void {
    this.#claims.releaseRegion(pdev, bar);
  }

  /** pci_request_regions: every BAR or none. @throws {DriverModelError} EBUSY. */
  requestRegions(pdev: PciDevice, name: string, exclusive = false): void {
    this.#claims.requestRegions(pdev, name, exclusive);
  }

  releaseRegions(pdev: PciDevice): void {
    this.#claims.releaseRegions(pdev);
  }

  /** pcim_request_all_regions: released when the driver unbinds. Context: probe. */
  pcimRequestRegions(pdev: PciDevice, name: string): void {
    this.#claims.pcimRequestRegions(pdev, name);
  }

  /** pci_request_config_region_exclusive. @throws {DriverModelError} EBUSY on overlap. */
  requestConfigRegionExclusive(pdev: PciDevice, offset: number, size: number, name: string): PciConfigClaim {
    return this.#claims.requestConfigRegionExclusive(pdev, offset, size, name);
  }

  /** pci_release_config_region. */
  releaseConfigRegion(pdev: PciDevice, offset: number, size: number): void {
    this.#claims.releaseConfigRegion(pdev, offset, size);
  }

  /** mmap of `resourceN`: EPERM under lockdown, EINVAL outside the BAR or on a claimed range. */
  checkResourceMmap(pdev: PciDevice, bar: number, offset: number, length: number, comm: string): void {
    this.#claims.checkResourceMmap(pdev, bar, offset, length, comm);
  }

  /** /proc/iomem below the host bridge window. */
  iomem(): string {
    return this.#claims.iomem(
      this.#hosts.map((h) => {
        const spec = h.windowSpec;
        const windows: (readonly [number, number])[] = h.domain === 0 ? [[PCI_HOST_MEM_WINDOW.start, PCI_HOST_MEM_WINDOW.end]] : [];
        if (spec) windows.push(spec.mem, ...(spec.mem64 ? [spec.mem64] : []));
        return { bus: h.rootBus, windows };
      }),
    );
  }

  /** `config` read (pci_read_config). */
  userReadConfig(pdev: PciDevice, offset: number, length: number, reader: AttributeAccessor): Uint8Array {
    return pciUserReadConfig(pdev, offset, length, reader);
  }

  /** `config` write (pci_write_config) under this machine's DOE policy. @throws {DriverModelError} EPERM. */
  userWriteConfig(pdev: PciDevice, offset: number, data: Uint8Array, writer: AttributeAccessor): number {
    return this.#configWriter.write(this.doePolicy, pdev, offset, data, writer);
  }

  defaultResetMethods(pdev: PciDevice): PciResetMethod[] {
    return pciDefaultResetMethods(pdev);
  }

  probeResetMethod(pdev: PciDevice, method: PciResetMethod): boolean {
    return pciProbeResetMethod(pdev, method);
  }

  /** pci_reset_function. @throws {DriverModelError} ENOTTY without a usable method. */
  resetFunction(pdev: PciDevice): void {
    pciResetFunction(pdev, this.log);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#msi, this.#intx, this.#hardware, this.#hosts, this.#buses, this.#initialized, this.#mmioNext, this.#claims, this.#configWriter];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#initialized = v[5] as never;
    this.#mmioNext = v[6] as never;
  }
}
