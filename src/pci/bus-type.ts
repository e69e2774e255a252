/**
 * pci_bus_type (drivers/pci/pci-driver.c): match with driver_override first (reference §4.2),
 * probe and remove wrappers, the uevent variables of §2.2, the driver files `new_id`/`remove_id`
 * (§4.3) and the bus-level `rescan`. Device attributes come from pci-sysfs.ts; enumeration
 * from probe.ts.
 */
import { kerr } from '../base/index.js';
import {
  type Attribute,
  type AttributeGroup,
  attrWO,
  deviceMatchDriverOverride,
  BusType,
  type DriverBinder,
  type Device,
  type DeviceDriver,
  type UeventEnv,
} from '../bus/index.js';
import { type PciIdentity, PciDevice } from './device.js';
import { PCI_ANY_ID, type PciDeviceId, PciDriver, pciMatchDevice, pciModalias, toPciDriver } from './pci-driver.js';
import { pciStoreUlong } from './pci-sysfs.js';

/** What the bus callbacks need from the PCI core. */
export interface PciBusHost {
  readonly binder: DriverBinder;
  /**
   * pci_device_probe's checks before the driver runs: the VF gate (pci_device_can_probe, ENODEV)
   * and pci_dma_configure (the IOMMU group's DMA ownership, EBUSY). Undone by `afterRemove`.
   */
  beforeProbe?(pdev: PciDevice, pdrv: PciDriver): void;
  /** After the driver's remove() (pci_iov_remove, dma_cleanup), and after a failed probe. */
  afterRemove?(pdev: PciDevice, pdrv: PciDriver | undefined): void;
  /** /sys/bus/pci/rescan: rescan every root bus. */
  rescanAll(): void;
}

function hexUpper(n: number, width: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(width, '0');
}

/**
 * sscanf(buf, "%x %x …"): the hex fields that parse, in order, stopping at the first that does
 * not (each may carry a 0x prefix and a sign; values wrap to 32 bits except the last of 7,
 * driver_data, which is an unsigned long).
 */
export function scanHexFields(buf: string, max: number): number[] {
  const out: number[] = [];
  let i = 0;
  while (out.length < max) {
    while (i < buf.length && /\s/.test(buf[i]!)) i++;
    let neg = false;
    if (buf[i] === '+' || buf[i] === '-') {
      neg = buf[i] === '-';
      i++;
    }
    if (buf[i] === '0' && (buf[i + 1] === 'x' || buf[i + 1] === 'X') && /[0-9a-fA-F]/.test(buf[i + 2] ?? '')) i += 2;
    const start = i;
    while (i < buf.length && /[0-9a-fA-F]/.test(buf[i]!)) i++;
    if (i === start) break;
    let value = BigInt(`0x${buf.slice(start, i)}`);
    if (neg) value = -value;
    const wide = out.length === 6;
    out.push(Number(BigInt.asUintN(wide ? 64 : 32, value)));
  }
  return out;
}

/** new_id / remove_id parsing into an id (missing subsystem ids are ANY, class and mask 0). */
function idFromFields(f: readonly number[]): PciDeviceId {
  return {
    vendor: f[0]!,
    device: f[1]!,
    subvendor: f[2] ?? PCI_ANY_ID,
    subdevice: f[3] ?? PCI_ANY_ID,
    class: f[4] ?? 0,
    classMask: f[5] ?? 0,
    driverData: f[6] ?? 0,
    overrideOnly: false,
  };
}

function pciDriverOf(drv: DeviceDriver): PciDriver {
  const pdrv = toPciDriver(drv);
  if (!pdrv) throw kerr('EINVAL', `${drv.name}: not a PCI driver`);
  return pdrv;
}

/** The driver files of every PCI driver: `new_id` and `remove_id` (0200). */
export function pciDriverGroups(host: PciBusHost): AttributeGroup<DeviceDriver>[] {
  const newId: Attribute<DeviceDriver> = attrWO('new_id', (drv, buf) => {
    const pdrv = pciDriverOf(drv);
    const fields = scanHexFields(buf, 7);
    if (fields.length < 2) throw kerr('EINVAL', `${drv.name}: new_id needs at least vendor and device`);
    const id = idFromFields(fields);
    if (fields.length !== 7) {
      // A scratch function with these ids: if the driver already matches it, the id is redundant.
      const probe: PciIdentity = {
        vendor: id.vendor,
        device: id.device,
        subsystemVendor: id.subvendor,
        subsystemDevice: id.subdevice,
        classCode: id.class,
      };
      if (pciMatchDevice(pdrv, probe, -1)) throw kerr('EEXIST', `${drv.name}: already matches ${hexUpper(id.vendor, 4)}:${hexUpper(id.device, 4)}`);
    }
    // Only driver_data values of an existing static entry are accepted.
    if (pdrv.idTable.length > 0 && !pdrv.idTable.some((e) => e.driverData === id.driverData)) {
      throw kerr('EINVAL', `${drv.name}: driver_data ${id.driverData} matches no id_table entry`);
    }
    pdrv.dynamicIds.push(id);
    // pci_add_dynid ends in driver_attach: every unbound matching function binds now.
    host.binder.driverAttach(drv);
    return buf.length;
  });
  const removeId: Attribute<DeviceDriver> = attrWO('remove_id', (drv, buf) => {
    const pdrv = pciDriverOf(drv);
    const fields = scanHexFields(buf, 6);
    if (fields.length < 2) throw kerr('EINVAL', `${drv.name}: remove_id needs at least vendor and device`);
    const want = idFromFields(fields);
    const i = pdrv.dynamicIds.findIndex(
      (id) =>
        id.vendor === want.vendor &&
        id.device === want.device &&
        (want.subvendor === PCI_ANY_ID || id.subvendor === want.subvendor) &&
        (want.subdevice === PCI_ANY_ID || id.subdevice === want.subdevice) &&
        ((id.class ^ want.class) & want.classMask) >>> 0 === 0,
    );
    if (i < 0) throw kerr('ENODEV', `${drv.name}: no such dynamic id`);
    // Functions already bound through the id stay bound.
    pdrv.dynamicIds.splice(i, 1);
    return buf.length;
  });
  return [{ attrs: [newId, removeId] }];
}

/** /sys/bus/pci/rescan (0200). */
export function pciBusGroups(host: PciBusHost): AttributeGroup<BusType>[] {
  return [
    {
      attrs: [
        attrWO('rescan', (_bus, buf) => {
          if (pciStoreUlong(buf)) host.rescanAll();
          return buf.length;
        }),
      ],
    },
  ];
}

/** pci_bus_match: nothing matches until pci_bus_add_device set match_driver. */
export function pciBusMatch(dev: Device, drv: DeviceDriver): number {
  if (!(dev instanceof PciDevice) || !dev.p.matchDriver) return 0;
  const pdrv = toPciDriver(drv);
  if (!pdrv) return 0;
  return pciMatchDevice(pdrv, dev, deviceMatchDriverOverride(dev, drv)) ? 1 : 0;
}

/**
 * pci_device_probe: the id is matched again (a dynamic id removed since match means ENODEV),
 * then the driver's probe runs with it. A probe cannot return a positive value here.
 */
function pciDeviceProbe(host: PciBusHost, dev: Device): void {
  const drv = dev.driver;
  const pdrv = toPciDriver(drv);
  if (!(dev instanceof PciDevice) || !drv || !pdrv) throw kerr('ENODEV', `${dev.name}: not a PCI function`);
  host.beforeProbe?.(dev, pdrv);
  try {
    if (!pdrv.probe) return;
    const id = pciMatchDevice(pdrv, dev, deviceMatchDriverOverride(dev, drv));
    if (!id) throw kerr('ENODEV', `${dev.name}: no id of ${drv.name} matches any more`);
    pdrv.probe(dev, id);
  } catch (e) {
    host.afterRemove?.(dev, pdrv);
    throw e;
  }
}

/** pci_device_remove: the driver's remove (it cannot refuse), then pci_iov_remove and DMA cleanup. */
function pciDeviceRemove(host: PciBusHost, dev: Device): void {
  const pdrv = toPciDriver(dev.driver);
  if (!(dev instanceof PciDevice)) return;
  pdrv?.remove?.(dev);
  host.afterRemove?.(dev, pdrv);
}

/** The texts pci_uevent prints for a function, with the ids they were printed from. */
interface PciUeventTexts {
  readonly vendor: number;
  readonly device: number;
  readonly subsystemVendor: number;
  readonly subsystemDevice: number;
  readonly classCode: number;
  readonly pciClass: string;
  readonly pciId: string;
  readonly subsysId: string;
  readonly modalias: string;
}

/**
 * The texts last printed for each function. The five ids are their only input and are compared
 * on every use, so an entry is never stale (a snapshot restore or a changed id prints again):
 * not machine state, never walked by snapshots.
 */
const ueventTexts = new WeakMap<PciDevice, PciUeventTexts>();

function pciUeventTexts(dev: PciDevice): PciUeventTexts {
  const known = ueventTexts.get(dev);
  if (
    known !== undefined &&
    known.vendor === dev.vendor &&
    known.device === dev.device &&
    known.subsystemVendor === dev.subsystemVendor &&
    known.subsystemDevice === dev.subsystemDevice &&
    known.classCode === dev.classCode
  )
    return known;
  const texts: PciUeventTexts = {
    vendor: dev.vendor,
    device: dev.device,
    subsystemVendor: dev.subsystemVendor,
    subsystemDevice: dev.subsystemDevice,
    classCode: dev.classCode,
    pciClass: hexUpper(dev.classCode, 4),
    pciId: `${hexUpper(dev.vendor, 4)}:${hexUpper(dev.device, 4)}`,
    subsysId: `${hexUpper(dev.subsystemVendor, 4)}:${hexUpper(dev.subsystemDevice, 4)}`,
    modalias: pciModalias(dev),
  };
  ueventTexts.set(dev, texts);
  return texts;
}

/** pci_uevent: PCI_CLASS, PCI_ID, PCI_SUBSYS_ID, PCI_SLOT_NAME, MODALIAS, in that order. */
export function pciUevent(dev: Device, env: UeventEnv): void {
  if (!(dev instanceof PciDevice)) return;
  const t = pciUeventTexts(dev);
  env.add('PCI_CLASS', t.pciClass);
  env.add('PCI_ID', t.pciId);
  env.add('PCI_SUBSYS_ID', t.subsysId);
  env.add('PCI_SLOT_NAME', dev.name);
  env.add('MODALIAS', t.modalias);
}

/** The `pci` bus type of one machine (the generic driver_override flag set, as the 2026 series does). */
export function createPciBusType(host: PciBusHost, devGroups: readonly AttributeGroup<Device>[]): BusType {
  return new BusType({
    name: 'pci',
    match: pciBusMatch,
    probe: (dev) => pciDeviceProbe(host, dev),
    remove: (dev) => pciDeviceRemove(host, dev),
    uevent: pciUevent,
    devGroups,
    drvGroups: pciDriverGroups(host),
    // pci_slot_init (subsys_initcall): /sys/bus/pci/slots is a kset, present and empty while no
    // hotplug driver or firmware creates a slot (the port models advertise no Hot-Plug slot).
    busGroups: [...pciBusGroups(host), { name: 'slots', attrs: [] }],
    driverOverride: true,
  });
}

export { PciDriver };
