/**
 * struct pci_driver and struct pci_device_id (include/linux/pci.h, mod_devicetable.h): id tables
 * and their builders, matching one id against a function, the driver-side match order of
 * pci_match_device (driver_override, dynamic ids, static ids, override-only, dummy id), the
 * device modalias and the modules.alias patterns file2alias derives from an id table.
 * Registration itself is PciCore's (probe.ts: registerDriver/unregisterDriver); the bus callbacks are bus-type.ts's.
 */
import { type DeviceDriver } from '../bus/index.js';
import type { PciDevice, PciIdentity } from './device.js';

/** PCI_ANY_ID: matches any value of the field. */
export const PCI_ANY_ID = 0xffffffff;

/** struct pci_device_id. `overrideOnly` is PCI_ID_F_VFIO_DRIVER_OVERRIDE. */
export interface PciDeviceId {
  readonly vendor: number;
  readonly device: number;
  readonly subvendor: number;
  readonly subdevice: number;
  /** Class code compared under `classMask`. */
  readonly class: number;
  readonly classMask: number;
  readonly driverData: number;
  /** Counts only when the function's driver_override names the driver. */
  readonly overrideOnly: boolean;
}

type IdExtras = Partial<Pick<PciDeviceId, 'subvendor' | 'subdevice' | 'driverData' | 'overrideOnly'>>;

/** PCI_DEVICE(vendor, device): any subsystem, any class. */
export function pciDevice(vendor: number, device: number, extra: IdExtras = {}): PciDeviceId {
  return {
    vendor,
    device,
    subvendor: extra.subvendor ?? PCI_ANY_ID,
    subdevice: extra.subdevice ?? PCI_ANY_ID,
    class: 0,
    classMask: 0,
    driverData: extra.driverData ?? 0,
    overrideOnly: extra.overrideOnly ?? false,
  };
}

/** PCI_DEVICE_CLASS(class, mask): any vendor and device whose class matches under the mask. */
export function pciDeviceClass(cls: number, classMask: number, extra: Omit<IdExtras, 'subvendor' | 'subdevice'> = {}): PciDeviceId {
  return {
    vendor: PCI_ANY_ID,
    device: PCI_ANY_ID,
    subvendor: PCI_ANY_ID,
    subdevice: PCI_ANY_ID,
    class: cls,
    classMask,
    driverData: extra.driverData ?? 0,
    overrideOnly: extra.overrideOnly ?? false,
  };
}

/** pci_device_id_any: what pci_match_device hands probe when only driver_override matched. */
export const pciDeviceIdAny: PciDeviceId = pciDevice(PCI_ANY_ID, PCI_ANY_ID);

/** pci_match_one_device: every id field equals the function's or is ANY, and the class agrees under the mask. */
export function pciMatchOneDevice(id: PciDeviceId, dev: PciIdentity): boolean {
  return (
    (id.vendor === PCI_ANY_ID || id.vendor === dev.vendor) &&
    (id.device === PCI_ANY_ID || id.device === dev.device) &&
    (id.subvendor === PCI_ANY_ID || id.subvendor === dev.subsystemVendor) &&
    (id.subdevice === PCI_ANY_ID || id.subdevice === dev.subsystemDevice) &&
    ((id.class ^ dev.classCode) & id.classMask) >>> 0 === 0
  );
}

export interface PciDriverOptions {
  readonly name: string;
  readonly idTable?: readonly PciDeviceId[];
  /** Throws DriverModelError to fail; ENODEV/ENXIO are the quiet "not my device". A driver without probe binds doing nothing. */
  readonly probe?: (pdev: PciDevice, id: PciDeviceId) => void;
  readonly remove?: (pdev: PciDevice) => void;
  /** err_handler->reset_prepare / reset_done around a function reset. */
  readonly resetPrepare?: (pdev: PciDevice) => void;
  readonly resetDone?: (pdev: PciDevice) => void;
  /** The module providing the driver (KBUILD_MODNAME). */
  readonly module?: string;
  /** sriov_configure: enable N VFs (return how many) or disable with 0; throws DriverModelError. */
  readonly sriovConfigure?: (pdev: PciDevice, n: number) => number;
  /** driver_managed_dma: binding does not take the IOMMU group's default domain (vfio-pci, pci-stub). */
  readonly driverManagedDma?: boolean;
}

/** struct pci_driver. Register it with PciCore.registerDriver (pci_register_driver). */
export class PciDriver {
  readonly name: string;
  readonly idTable: readonly PciDeviceId[];
  readonly probe: PciDriverOptions['probe'];
  readonly remove: PciDriverOptions['remove'];
  readonly resetPrepare: PciDriverOptions['resetPrepare'];
  readonly resetDone: PciDriverOptions['resetDone'];
  readonly module: string | undefined;
  readonly sriovConfigure: PciDriverOptions['sriovConfigure'];
  readonly driverManagedDma: boolean;
  /** new_id entries in insertion order; freed when the driver unregisters. */
  readonly dynamicIds: PciDeviceId[] = [];
  /** The driver-core object while registered. */
  driver: DeviceDriver | undefined;

  constructor(options: PciDriverOptions) {
    this.name = options.name;
    // A driver's ID table is a declaration (MODULE_DEVICE_TABLE), shared by every machine:
    // frozen, so a snapshot neither records nor compares it (docs/snapshot.md).
    const idTable = options.idTable ?? [];
    for (const id of idTable) Object.freeze(id);
    this.idTable = Object.freeze(idTable);
    this.probe = options.probe;
    this.remove = options.remove;
    this.resetPrepare = options.resetPrepare;
    this.resetDone = options.resetDone;
    this.module = options.module;
    this.sriovConfigure = options.sriovConfigure;
    this.driverManagedDma = options.driverManagedDma ?? false;
  }
}

/** The PciDriver behind a driver-core object, if it is one. */
export function toPciDriver(drv: DeviceDriver | undefined): PciDriver | undefined {
  return drv?.owner instanceof PciDriver ? drv.owner : undefined;
}

/**
 * pci_match_device. `override` is device_match_driver_override's verdict for this driver: > 0
 * the function's driver_override names it, 0 it names another driver, < 0 none is set.
 * Order: a foreign override refuses; dynamic ids first (insertion order); then the static table,
 * where override-only entries count only with an override; finally, an override naming this
 * driver matches with the all-ANY dummy id.
 */
export function pciMatchDevice(drv: PciDriver, dev: PciIdentity, override: number): PciDeviceId | undefined {
  if (override === 0) return undefined;
  const dynamic = drv.dynamicIds.find((id) => pciMatchOneDevice(id, dev));
  if (dynamic) return dynamic;
  for (const id of drv.idTable) {
    if (!pciMatchOneDevice(id, dev)) continue;
    if (!id.overrideOnly || override > 0) return id;
  }
  return override > 0 ? pciDeviceIdAny : undefined;
}

function hexUpper(n: number, width: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(width, '0');
}

/** The function's MODALIAS (pci_uevent, `modalias` attribute), upper-case hex. */
export function pciModalias(dev: PciIdentity): string {
  const c = dev.classCode;
  return (
    `pci:v${hexUpper(dev.vendor, 8)}d${hexUpper(dev.device, 8)}sv${hexUpper(dev.subsystemVendor, 8)}` +
    `sd${hexUpper(dev.subsystemDevice, 8)}bc${hexUpper((c >> 16) & 0xff, 2)}sc${hexUpper((c >> 8) & 0xff, 2)}i${hexUpper(c & 0xff, 2)}`
  );
}

/**
 * file2alias do_pci_entry: the modules.alias pattern of one id, or undefined when modpost would
 * skip it (a class mask byte other than 00 or FF). ANY fields and unmasked class bytes become
 * `*`; a trailing `*` is added. Override-only ids get the `vfio_pci:` prefix, never `pci:`, so
 * no MODALIAS of a device ever loads them.
 */
export function pciIdAlias(id: PciDeviceId): string | undefined {
  let alias = id.overrideOnly ? 'vfio_pci:' : 'pci:';
  const field = (sep: string, any: boolean, value: number, width: number) => {
    alias += sep + (any ? '*' : hexUpper(value, width));
  };
  field('v', id.vendor === PCI_ANY_ID, id.vendor, 8);
  field('d', id.device === PCI_ANY_ID, id.device, 8);
  field('sv', id.subvendor === PCI_ANY_ID, id.subvendor, 8);
  field('sd', id.subdevice === PCI_ANY_ID, id.subdevice, 8);
  const masks = [(id.classMask >> 16) & 0xff, (id.classMask >> 8) & 0xff, id.classMask & 0xff];
  if (masks.some((m) => m !== 0 && m !== 0xff)) return undefined;
  field('bc', masks[0] !== 0xff, (id.class >> 16) & 0xff, 2);
  field('sc', masks[1] !== 0xff, (id.class >> 8) & 0xff, 2);
  field('i', masks[2] !== 0xff, id.class & 0xff, 2);
  if (!alias.endsWith('*')) alias += '*';
  return alias;
}

/** MODULE_DEVICE_TABLE(pci, ids): the module's alias lines, in table order. */
export function pciModuleAliases(ids: readonly PciDeviceId[]): string[] {
  return ids.map(pciIdAlias).filter((a): a is string => a !== undefined);
}
