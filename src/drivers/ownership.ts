/**
 * Who owns a resource (DESIGN.md §3, "Who is the owner"), derived from the driver model alone:
 * the kernel while a kernel driver is bound (pci_doe.doe, cxl_pci, mlx5_*…); the process holding
 * the open file of a userspace driver (doe_user's /dev/doe/*) or of a fwctl device (the oldest
 * file still attached) while one does; nobody otherwise — unbound, or bound to a userspace
 * driver whose file nobody holds. A fwctl device nobody holds belongs to its kernel driver.
 */
import type { AuxiliaryBus } from '../aux/index.js';
import type { CharDevFile, Device } from '../bus/index.js';
import type { PciCore, PciDevice } from '../pci/index.js';
import { doeMailboxOf } from './doe/mailbox.js';

export type Owner = 'kernel' | 'none' | { readonly pid: number; readonly process: string };

const userspaceHandleBrand = Symbol.for('auxbus.UserspaceHandle');

/**
 * Implemented by the driver data of a userspace driver (doe_user; later vfio-pci): the open file
 * that currently holds the device, if any. Revoked handles report none.
 */
export interface UserspaceHandle {
  readonly [userspaceHandleBrand]: true;
  readonly holder: CharDevFile | undefined;
  /**
   * Who owns it while nobody holds it: `none` for a userspace driver (doe_user), `kernel` for a
   * kernel driver that serves userspace files (a fwctl device). Default `none`.
   */
  readonly idleOwner?: 'kernel' | 'none';
}

export function isUserspaceHandle(x: unknown): x is UserspaceHandle {
  return typeof x === 'object' && x !== null && (x as { [userspaceHandleBrand]?: unknown })[userspaceHandleBrand] === true;
}

export { userspaceHandleBrand };

/** The owner of a device: a DOE auxiliary device, a whole PCI function, any bound device. */
export function ownerOf(dev: Device): Owner {
  // A class device (fwctl0) is never bound; its handle, if any, is its driver data.
  if (!dev.driver && !(dev.class && dev.isRegistered)) return 'none';
  if (isUserspaceHandle(dev.driverData)) {
    const file = dev.driverData.holder;
    return file ? { pid: file.pid, process: file.owner } : (dev.driverData.idleOwner ?? 'none');
  }
  // A class device without a userspace handle (eth0, mlx5_0, uverbs0) exists only while the
  // kernel driver that registered it is bound: the kernel owns it.
  return dev.driver || dev.class ? 'kernel' : 'none';
}

/** DESIGN.md §3 "Who is the owner", as the scenario format writes it: kernel, none or a process name. */
export function ownerName(dev: Device): string {
  const owner = ownerOf(dev);
  return typeof owner === 'string' ? owner : owner.process;
}

/** The services a mailbox query needs. */
export interface OwnershipServices {
  readonly pci: PciCore;
  readonly auxiliary: AuxiliaryBus;
}

/**
 * The owner of DOE mailbox `index` (config-space order) of `pdev`. Under `pci-core-shared` the
 * PCI core owns every mailbox; under `aux-exclusive` it is the owner of the mailbox's auxiliary
 * device, or none while no such device exists (its parent driver is not bound).
 */
export function doeMailboxOwner(services: OwnershipServices, pdev: PciDevice, index: number): Owner {
  if (index < 0 || index >= pdev.doeMailboxes.length) return 'none';
  if (services.pci.doePolicy === 'pci-core-shared') return 'kernel';
  const adev = services.auxiliary.bus.devices.find((d) => {
    const mb = doeMailboxOf(d);
    return mb?.pdev === pdev && mb.index === index;
  });
  return adev ? ownerOf(adev) : 'none';
}
