/**
 * The PCI device attributes (drivers/pci/pci-sysfs.c, reference §4.4): identity files, `resource`,
 * `irq`, `modalias`, `enable`, `remove`, `rescan`, `reset`/`reset_method`, the binary `config`
 * file and `resourceN` (`doe_features/` is doe-sysfs.ts). Modes and texts are the kernel's; the
 * actions behind the writable files are PciCore's (passed in as a PciSysfsHost).
 */
import { kerr } from '../base/index.js';
import {
  type AnyAttribute,
  type Attribute,
  type AttributeAccessor,
  type AttributeGroup,
  type BinAttribute,
  attrRO,
  sysfsStreq,
  type Device,
} from '../bus/index.js';
import { type PciBus, PciDevice, ioresource, pciResourceIndex } from './device.js';
import { pciModalias } from './pci-driver.js';
import { type PciResetMethod, isPciResetMethod } from './hw.js';
import { PCI_STD_NUM_BARS } from './regs.js';

/** What the writable attributes call into (PciCore implements it). */
export interface PciSysfsHost {
  userReadConfig(pdev: PciDevice, offset: number, length: number, reader: AttributeAccessor): Uint8Array;
  userWriteConfig(pdev: PciDevice, offset: number, data: Uint8Array, writer: AttributeAccessor): number;
  enableDevice(pdev: PciDevice): void;
  disableDevice(pdev: PciDevice): void;
  stopAndRemoveBusDevice(pdev: PciDevice): void;
  rescanBus(bus: PciBus): void;
  resetFunction(pdev: PciDevice): void;
  /** Reset methods the hardware would accept now (the PCI_RESET_PROBE pass). */
  probeResetMethod(pdev: PciDevice, method: PciResetMethod): boolean;
  defaultResetMethods(pdev: PciDevice): PciResetMethod[];
}

/**
 * kstrtoul(buf, 0): optional '+', then 0x-hex, 0-octal or decimal, then at most one newline.
 * @throws {DriverModelError} EINVAL for anything else; ERANGE above 2^64-1.
 */
export function kstrtoul(buf: string): number {
  let s = buf.endsWith('\n') ? buf.slice(0, -1) : buf;
  if (s.startsWith('+')) s = s.slice(1);
  let digits: string;
  let base: number;
  if (/^0[xX]/.test(s)) {
    digits = s.slice(2);
    base = 16;
  } else if (s.startsWith('0') && s.length > 1) {
    digits = s.slice(1);
    base = 8;
  } else {
    digits = s;
    base = 10;
  }
  const valid = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) throw kerr('EINVAL', `invalid number '${buf}'`);
  const value = BigInt(base === 16 ? `0x${digits}` : base === 8 ? `0o${digits}` : digits);
  if (value > 0xffffffffffffffffn) throw kerr('ERANGE', `number out of range '${buf}'`);
  return Number(value);
}

/**
 * The PCI stores' `if (kstrtoul(buf, 0, &val) < 0) return -EINVAL;`: any parse failure, ERANGE
 * included, is EINVAL ("PCI/sysfs: Return -EINVAL consistently from store functions", v5.16).
 */
export function pciStoreUlong(buf: string): number {
  try {
    return kstrtoul(buf);
  } catch {
    throw kerr('EINVAL', `invalid number '${buf}'`);
  }
}

function hex(n: number, width: number): string {
  return (n >>> 0).toString(16).padStart(width, '0');
}

const CAP_SYS_ADMIN = 'CAP_SYS_ADMIN';

/** A text-attribute store that also sees the writer; the VFS may omit it (then: privileged). */
type StoreWithWriter<O> = (obj: O, buf: string, writer?: AttributeAccessor) => number;

function pdevOf(dev: Device): PciDevice {
  if (!(dev instanceof PciDevice)) throw kerr('ENODEV', `${dev.name}: not a PCI function`);
  return dev;
}

/** Lines of the `resource` file: start, end, flags of each resource slot (17 on bridges, 13 otherwise). */
export function pciResourceText(pdev: PciDevice): string {
  const max = pdev.subordinate || pdev.isBridge ? pciResourceIndex.COUNT : pciResourceIndex.BRIDGE_START;
  let out = '';
  for (let i = 0; i < max; i++) {
    const r = pdev.resources[i]!;
    out += `0x${hex16(r.start)} 0x${hex16(r.end)} 0x${hex16(r.flags)}\n`;
  }
  return out;
}

function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}

/** Length of resource slot `i` (pci_resource_len). */
export function pciResourceLen(pdev: PciDevice, i: number): number {
  const r = pdev.resources[i]!;
  return r.flags === 0 && r.start === 0 && r.end === 0 ? 0 : r.end - r.start + 1;
}

/** The attributes every PCI function has (the bus's dev_groups). */
export function pciDeviceGroups(host: PciSysfsHost): AttributeGroup<Device>[] {
  const ro = (name: string, show: (p: PciDevice) => string): Attribute<Device> => attrRO(name, (d: Device) => show(pdevOf(d)));

  const enableStore: StoreWithWriter<Device> = (dev, buf, writer) => {
    const pdev = pdevOf(dev);
    // "this can crash the machine when done on the wrong device": CAP_SYS_ADMIN before anything.
    if (writer && !writer.hasCapability(CAP_SYS_ADMIN)) throw kerr('EPERM', `${dev.name}: enable needs CAP_SYS_ADMIN`);
    const val = pciStoreUlong(buf);
    if (pdev.driver) throw kerr('EBUSY', `${dev.name}: bound to ${pdev.driver.name}`);
    if (val) host.enableDevice(pdev);
    else if (pdev.isEnabled) host.disableDevice(pdev);
    else throw kerr('EIO', `${dev.name}: already disabled`);
    return buf.length;
  };

  const removeStore = (dev: Device, buf: string): number => {
    const pdev = pdevOf(dev);
    const val = pciStoreUlong(buf);
    // device_remove_file_self: only the first writer gets to remove; later ones just return.
    if (val && pdev.isRegistered) host.stopAndRemoveBusDevice(pdev);
    return buf.length;
  };

  const rescanStore = (dev: Device, buf: string): number => {
    const pdev = pdevOf(dev);
    if (pciStoreUlong(buf)) host.rescanBus(pdev.pciBus);
    return buf.length;
  };

  const resetStore = (dev: Device, buf: string): number => {
    const pdev = pdevOf(dev);
    if (pciStoreUlong(buf) !== 1) throw kerr('EINVAL', `${dev.name}: reset takes exactly 1`);
    host.resetFunction(pdev);
    return buf.length;
  };

  const resetMethodStore = (dev: Device, buf: string): number => {
    const pdev = pdevOf(dev);
    if (sysfsStreq(buf, '')) {
      pdev.resetMethods = [];
      return buf.length;
    }
    if (sysfsStreq(buf, 'default')) {
      pdev.resetMethods = host.defaultResetMethods(pdev);
      return buf.length;
    }
    // Invalid input leaves the previous methods unchanged.
    const chosen: PciResetMethod[] = [];
    for (const raw of buf.split(' ')) {
      const name = raw.trim();
      if (name === '') continue;
      if (!isPciResetMethod(name)) throw kerr('EINVAL', `${dev.name}: Invalid reset method '${name}'`);
      if (!host.probeResetMethod(pdev, name)) throw kerr('EINVAL', `${dev.name}: Unsupported reset method '${name}'`);
      chosen.push(name);
    }
    pdev.resetMethods = chosen;
    return buf.length;
  };

  const config: BinAttribute<Device> = {
    name: 'config',
    mode: 0o644,
    binary: true,
    size: (dev) => pdevOf(dev).cfgSize,
    read: (dev, offset, length, reader) => host.userReadConfig(pdevOf(dev), offset, length, reader),
    write: (dev, offset, data, writer) => host.userWriteConfig(pdevOf(dev), offset, data, writer),
  };

  const attrs: AnyAttribute<Device>[] = [
    ro('vendor', (p) => `0x${hex(p.vendor, 4)}\n`),
    ro('device', (p) => `0x${hex(p.device, 4)}\n`),
    ro('subsystem_vendor', (p) => `0x${hex(p.subsystemVendor, 4)}\n`),
    ro('subsystem_device', (p) => `0x${hex(p.subsystemDevice, 4)}\n`),
    ro('revision', (p) => `0x${hex(p.revision, 2)}\n`),
    ro('class', (p) => `0x${hex(p.classCode, 6)}\n`),
    ro('irq', (p) => `${p.irq}\n`),
    ro('modalias', (p) => `${pciModalias(p)}\n`),
    ro('resource', (p) => pciResourceText(p)),
    { name: 'enable', mode: 0o644, show: (d) => `${pdevOf(d).enableCnt}\n`, store: enableStore },
    { name: 'remove', mode: 0o220, store: removeStore },
    { name: 'rescan', mode: 0o200, store: rescanStore },
    { name: 'reset', mode: 0o200, store: resetStore },
    {
      name: 'reset_method',
      mode: 0o644,
      show: (d) => {
        const methods = pdevOf(d).resetMethods;
        return methods.length === 0 ? '' : `${methods.join(' ')}\n`;
      },
      store: resetMethodStore,
    },
    config,
  ];
  return [
    {
      attrs,
      // pci_dev_reset_attr_is_visible: the files exist only if a method existed when they were made.
      isVisible: (dev, attr) => {
        if ((attr.name === 'reset' || attr.name === 'reset_method') && !(dev instanceof PciDevice && dev.resetFilesVisible)) return 0;
        // pci_dev_hp_attrs_are_visible: a VF has neither `remove` nor `rescan`.
        if ((attr.name === 'remove' || attr.name === 'rescan') && dev instanceof PciDevice && dev.physfn) return 0;
        return attr.mode;
      },
    },
  ];
}

/** `resourceN` (0600) for each BAR with a length, and `resourceN_wc` for prefetchable memory BARs. */
export function pciResourceGroup(pdev: PciDevice): AttributeGroup<Device> {
  const attrs: BinAttribute<Device>[] = [];
  for (let i = 0; i < PCI_STD_NUM_BARS; i++) {
    const len = pciResourceLen(pdev, i);
    if (len === 0) continue;
    // Memory BARs are mmap-only: open works, read()/write() fail with EIO. I/O BAR port access
    // (pci_read_resource_io) is not modelled.
    attrs.push({ name: `resource${i}`, mode: 0o600, binary: true, size: () => len, mmap: true });
    const r = pdev.resources[i]!;
    if (r.flags & ioresource.MEM && r.flags & ioresource.PREFETCH) {
      attrs.push({ name: `resource${i}_wc`, mode: 0o600, binary: true, size: () => len, mmap: true });
    }
  }
  return { attrs };
}
