/**
 * PciCore, the PCI core of one machine (drivers/pci/probe.c, bus.c): the `pci` bus and host
 * bridge at init, enumeration (every `add` of a scan first, then attach, §2.3), removal (the
 * walks are remove.ts's) and rescan over one tree state, driver registration and enable; the facade over resource.ts,
 * access.ts and reset.ts. Not modelled: pcieport (root ports stay driverless), pci_bus
 * class devices (no `pci_bus` uevents), SR-IOV, port I/O through `resourceN`.
 */
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
  type DevicePower,
  IDevicePower,
  type DeviceClass,
} from '../bus/index.js';
import { createPciBusType } from './bus-type.js';
import { type PciConfigClaim, PciBus, PciDevice, ioresource, pciDoeCapabilityOffsets, pciFindCapability, pciResourceIndex } from './device.js';
import { PciConfigWriter, type PciDoePolicy, pciUserReadConfig } from './access.js';
import type { PciDriver } from './pci-driver.js';
import type { PciFunctionHw, PciResetMethod } from './hw.js';
import { PCI_CFG_SPACE_EXP_SIZE, PCI_CFG_SPACE_SIZE, pciBaseAddress, pciCapIds, pciCommand, pciHeaderType, pciRegs } from './regs.js';
import { pciStopAndRemoveBusDevice } from './remove.js';
import { pciPmInit } from './pm.js';
import { pciCommonGroups } from './pci-sysfs-common.js';
import { createPciBusClass, pciBusClassDevice } from './pci-bus-class.js';
import { PciMsi } from './msi.js';
import { pciDefaultResetMethods, pciProbeResetMethod, pciResetFunction } from './reset.js';
import { PCI_HOST_MEM_WINDOW, PciResources } from './resource.js';
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

@injectable()
export class PciCore {
  readonly bus: BusType;
  /** `pci0000:00`: no bus, no class, so it sends no uevent. */
  readonly hostBridge: Device;
  /** The `pci_bus` class (pcibus_class). */
  readonly pciBusClass: DeviceClass;
  readonly #msi = new PciMsi();
  readonly rootBus: PciBus;
  /** SR-IOV (iov.ts): enabling and disabling virtual functions. */
  readonly iov: PciIov;

  doePolicy: PciDoePolicy = 'aux-exclusive';
  readonly #hardware = new Map<string, PciFunctionHw>();
  #rootScanned = false;
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
  ) {
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
    // pci_register_host_bridge: the root bus's class device comes before anything on it.
    if (bus === this.rootBus) this.#registerBusDevice(bus);
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
    if (!pdev.isBridge) pciSriovInit(pdev, (size) => this.#allocMmio(size));
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
    pciPmInit(this.power, pdev); // pci_init_capabilities, before device_add
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

  /** pci_scan_bridge for a bridge firmware configured: the bus behind it, scanned in turn. */
  #scanBridge(bus: PciBus, bridge: PciDevice): void {
    const secondary = bridge.configRead(pciRegs.SECONDARY_BUS, 1);
    if (secondary === 0) return;
    if (!bridge.subordinate) {
      // pci_add_new_bus → pci_alloc_child_bus → device_register: `add` of pci_bus/DDDD:BB.
      bridge.subordinate = new PciBus(bus.domain, secondary, bridge, bridge, bus);
      this.#registerBusDevice(bridge.subordinate);
    }
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

  /** pci_stop_and_remove_bus_device (remove.ts): unbind the subtree, then delete it. */
  stopAndRemoveBusDevice(pdev: PciDevice): void {
    pciStopAndRemoveBusDevice(this.core, pdev);
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
      // The PF's VFs share its slot: they go first, last first (iov.ts).
      for (const d of [...subtree].reverse()) this.iov.removeAllForUnplug(d);
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
    return this.#msi.allocIrqVectors(pdev, min, max, flags, new Set(this.devices.map((d) => d.irq)));
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
    return this.#claims.iomem(this.rootBus);
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
}
