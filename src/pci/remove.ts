/**
 * Removing PCI functions (drivers/pci/remove.c): pci_stop_and_remove_bus_device stops the whole
 * subtree first — every function unbinds, children before their bridge, last-scanned first —
 * then deletes it, children first, each with its `remove` uevent. Surprise removal (which slots
 * empty) is PciCore's (probe.ts), which owns the hardware map.
 */
import type { DeviceCore } from '../bus/index.js';
import type { PciDevice } from './device.js';

/** pci_stop_and_remove_bus_device. */
export function pciStopAndRemoveBusDevice(core: DeviceCore, pdev: PciDevice): void {
  pciStopBusDevice(core, pdev);
  pciRemoveBusDevice(core, pdev);
}

/** pci_stop_bus_device: unbind the subtree, children first (last-scanned first). */
function pciStopBusDevice(core: DeviceCore, pdev: PciDevice): void {
  if (pdev.subordinate) for (const child of [...pdev.subordinate.devices].reverse()) pciStopBusDevice(core, child);
  if (pdev.isAdded) {
    core.releaseDriver(pdev);
    pdev.isAdded = false;
  }
}

/** pci_remove_bus_device: delete the subtree, children first, and drop the bus's reference. */
function pciRemoveBusDevice(core: DeviceCore, pdev: PciDevice): void {
  if (pdev.subordinate) {
    for (const child of [...pdev.subordinate.devices]) pciRemoveBusDevice(core, child);
    // pci_remove_bus: the bus's `pci_bus` class device goes after its functions, before the bridge.
    const busDev = pdev.subordinate.classDevice;
    if (busDev?.isRegistered) core.unregister(busDev);
    pdev.subordinate = undefined;
  }
  if (pdev.isRegistered) core.del(pdev);
  const list = pdev.pciBus.devices;
  const i = list.indexOf(pdev);
  if (i >= 0) list.splice(i, 1);
  core.put(pdev);
}
