/**
 * struct pci_dev and struct pci_bus: a PCI function's identity as read from its configuration
 * space (ids, class, header type), its BARs as resources, its DOE mailboxes, and the capability
 * and extended-capability list walks (drivers/pci/pci.c `pci_find_capability`,
 * `pci_find_next_ext_capability`). Enumeration and removal are probe.ts's.
 */
import { Device, type Resource } from '../bus/index.js';
import type { PciAccessWidth, PciFunctionHw, PciResetMethod } from './hw.js';
import { PCI_CFG_SPACE_EXP_SIZE, PCI_CFG_SPACE_SIZE, pciExtCapIds, pciHeaderType, pciRegs, pciStatus } from './regs.js';

/** IORESOURCE_* flag bits as the `resource` file prints them (include/linux/ioport.h). */
export const ioresource = {
  IO: 0x100, // I/O port space
  MEM: 0x200, // memory space
  PREFETCH: 0x2000, // prefetchable memory
  READONLY: 0x4000, // read-only (expansion ROM)
  SIZEALIGN: 0x40000, // size is also the alignment (BARs)
  MEM_64: 0x100000, // 64-bit memory BAR
} as const;

/** Resource slots of a pci_dev (PCI_ROM_RESOURCE, PCI_IOV_RESOURCES, PCI_BRIDGE_RESOURCES). */
export const pciResourceIndex = {
  ROM: 6, // expansion ROM
  IOV_START: 7, // SR-IOV VF BARs 7..12 (CONFIG_PCI_IOV)
  BRIDGE_START: 13, // bridge windows 13..16
  COUNT: 17, // PCI_NUM_RESOURCES
} as const;

/** One struct resource of a pci_dev: inclusive range and flags; all zero when unused. */
export interface PciResource {
  start: number;
  end: number;
  flags: number;
}

/** One DOE capability of the function (pci_doe_init finds them; its features are the kernel's to discover). */
export interface PciDoeMailbox {
  readonly offset: number;
}

/** A config-space range a driver marked exclusive (pci_request_config_region_exclusive). */
export interface PciConfigClaim {
  readonly offset: number;
  readonly size: number;
  readonly owner: string;
}

/** What id matching and modalias strings need of a function. */
export interface PciIdentity {
  readonly vendor: number;
  readonly device: number;
  readonly subsystemVendor: number;
  readonly subsystemDevice: number;
  /** 24-bit class code: base class, sub class, programming interface (pdev->class). */
  readonly classCode: number;
}

/** struct pci_bus: a bus number, the bridge above it and the functions on it in scan order. */
export class PciBus {
  readonly devices: PciDevice[] = [];
  /** bus->dev, the `pci_bus` class device, once registered. */
  classDevice: Device | undefined;
  constructor(
    readonly domain: number,
    readonly number: number,
    /** The bridge function leading to this bus; undefined for a root bus. */
    readonly self: PciDevice | undefined,
    /** The device functions on this bus hang below (the host bridge for a root bus). */
    readonly bridgeDevice: Device,
    readonly parent: PciBus | undefined,
  ) {}

  /** `DDDD:BB`, the pci_bus name. */
  get name(): string {
    return `${hex(this.domain, 4)}:${hex(this.number, 2)}`;
  }

  findDevfn(devfn: number): PciDevice | undefined {
    return this.devices.find((d) => d.devfn === devfn);
  }
}

export class PciDevice extends Device implements PciIdentity {
  vendor = 0;
  device = 0;
  subsystemVendor = 0;
  subsystemDevice = 0;
  classCode = 0;
  revision = 0;
  hdrType = 0;
  cfgSize = PCI_CFG_SPACE_SIZE;
  irq = 0;
  /** The bus below this function when it is a bridge. */
  subordinate: PciBus | undefined;
  readonly resources: PciResource[] = Array.from({ length: pciResourceIndex.COUNT }, () => ({ start: 0, end: 0, flags: 0 }));
  /** enable_cnt: pci_enable_device calls not yet balanced by pci_disable_device. */
  enableCnt = 0;
  /** pci_dev_is_added: pci_bus_add_device ran and the function was not stopped since. */
  isAdded = false;
  /** pci_dev_is_disconnected: surprise-removed; config reads answer all ones. */
  disconnected = false;
  doeMailboxes: PciDoeMailbox[] = [];
  /** Enabled reset methods (reset_method); emptied by writing "" to reset_method. */
  resetMethods: PciResetMethod[] = [];
  /** `reset` and `reset_method` exist only if a method was supported when the files were made. */
  resetFilesVisible = false;
  /** d3cold_allowed: set by pci_pm_init for functions with a PM capability. */
  d3coldAllowed = false;
  /** dev->numa_node: NUMA_NO_NODE (-1) unless firmware or a numa_node write says otherwise. */
  numaNode = -1;
  /** driver_exclusive_resource: config ranges drivers marked exclusive. */
  readonly exclusiveConfig: PciConfigClaim[] = [];
  /** BAR regions claimed through pci_request_region, by BAR index. */
  readonly regionClaims: (Resource | undefined)[] = [];
  /** A virtual function's PF (pci_physfn); undefined for every other function (iov.ts). */
  physfn: PciDevice | undefined;

  constructor(
    readonly domain: number,
    readonly busNumber: number,
    readonly devfn: number,
    readonly hw: PciFunctionHw,
    public pciBus: PciBus,
  ) {
    super({ name: pciName(domain, busNumber, devfn), parent: pciBus.bridgeDevice });
  }

  get slot(): number {
    return this.devfn >> 3;
  }

  get func(): number {
    return this.devfn & 7;
  }

  get isBridge(): boolean {
    return (this.hdrType & 0x7f) === pciHeaderType.BRIDGE;
  }

  get isEnabled(): boolean {
    return this.enableCnt > 0;
  }

  /** pci_read_config_*: a disconnected function answers all ones. */
  configRead(offset: number, width: PciAccessWidth): number {
    if (this.disconnected) return width === 4 ? 0xffffffff : width === 2 ? 0xffff : 0xff;
    return this.hw.configRead(offset, width) >>> 0;
  }

  /** pci_write_config_*: writes to a disconnected function are dropped. */
  configWrite(offset: number, width: PciAccessWidth, value: number): void {
    if (this.disconnected) return;
    this.hw.configWrite(offset, width, value >>> 0);
  }
}

/** `DDDD:BB:DD.F` (probe.c pci_setup_device). */
export function pciName(domain: number, bus: number, devfn: number): string {
  return `${hex(domain, 4)}:${hex(bus, 2)}:${hex(devfn >> 3, 2)}.${devfn & 7}`;
}

/** Parse `DDDD:BB:DD.F` (or `BB:DD.F` in domain 0); undefined when malformed. */
export function parsePciName(name: string): { domain: number; bus: number; devfn: number } | undefined {
  const m = /^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(name);
  if (!m) return undefined;
  const slot = parseInt(m[3]!, 16);
  if (slot > 31) return undefined;
  return { domain: parseInt(m[1] ?? '0', 16), bus: parseInt(m[2]!, 16), devfn: (slot << 3) | parseInt(m[4]!, 10) };
}

export function isPciDevice(dev: Device | undefined): dev is PciDevice {
  return dev instanceof PciDevice;
}

/**
 * pci_find_capability: walk the standard list from CAPABILITY_LIST (with the kernel's 48-entry
 * guard against loops). Returns the capability's offset, or 0.
 */
export function pciFindCapability(pdev: PciDevice, capId: number): number {
  if (!(pdev.configRead(pciRegs.STATUS, 2) & pciStatus.CAP_LIST)) return 0;
  let pos = pdev.configRead(pciRegs.CAPABILITY_LIST, 1);
  for (let ttl = 48; ttl > 0; ttl--) {
    if (pos < 0x40) break;
    pos &= ~3;
    const ent = pdev.configRead(pos, 2);
    const id = ent & 0xff;
    if (id === 0xff) break;
    if (id === capId) return pos;
    pos = ent >> 8;
  }
  return 0;
}

/**
 * pci_find_next_ext_capability: the next extended capability `capId` after `start` (0 = from
 * the beginning at 0x100), or 0. Bounded by the number of headers that fit, as the kernel is.
 */
export function pciFindNextExtCapability(pdev: PciDevice, start: number, capId: number): number {
  if (pdev.cfgSize <= PCI_CFG_SPACE_SIZE) return 0;
  let pos = start !== 0 ? start : PCI_CFG_SPACE_SIZE;
  let header = pdev.configRead(pos, 4);
  if (header === 0 || header === 0xffffffff) return 0;
  for (let ttl = (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 8; ttl > 0; ttl--) {
    if ((header & 0xffff) === capId && pos !== start) return pos;
    pos = (header >>> 20) & 0xffc;
    if (pos < PCI_CFG_SPACE_SIZE) break;
    header = pdev.configRead(pos, 4);
    if (header === 0xffffffff) break;
  }
  return 0;
}

/** pci_find_ext_capability. */
export function pciFindExtCapability(pdev: PciDevice, capId: number): number {
  return pciFindNextExtCapability(pdev, 0, capId);
}

/**
 * pci_find_dvsec_capability: the Designated Vendor-Specific extended capability of `vendor`
 * with DVSEC ID `dvsec` (header 1 bits 15:0, header 2 bits 15:0), or 0.
 */
export function pciFindDvsecCapability(pdev: PciDevice, vendor: number, dvsec: number): number {
  for (let pos = pciFindNextExtCapability(pdev, 0, pciExtCapIds.DVSEC); pos !== 0; pos = pciFindNextExtCapability(pdev, pos, pciExtCapIds.DVSEC)) {
    if (pdev.configRead(pos + 4, 2) === vendor && pdev.configRead(pos + 8, 2) === dvsec) return pos;
  }
  return 0;
}

/** Offsets of every DOE capability, in configuration-space (list) order. */
export function pciDoeCapabilityOffsets(pdev: PciDevice): number[] {
  const out: number[] = [];
  let pos = 0;
  for (;;) {
    pos = pciFindNextExtCapability(pdev, pos, pciExtCapIds.DOE);
    if (pos === 0) return out;
    out.push(pos);
  }
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
