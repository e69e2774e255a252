/**
 * pci_pm_init (drivers/pci/pci.c), the runtime-PM part: every PCI function starts with runtime
 * PM forbidden (`power/control` = `on`), active and enabled (`runtime_status` = `active`), with
 * async suspend on; a PM capability advertising PME makes it wakeup-capable (before device_add,
 * so without a `change` uevent) and allows D3cold. The PCI bus's probe holds a usage count for
 * the driver's lifetime (local_pci_probe's pm_runtime_get_sync), and an unbound function whose
 * control is `auto` suspends (pci_pm_runtime_idle/suspend with no driver).
 */
import { type DevicePower, devicePm, deviceEnableAsyncSuspend, deviceSetWakeupCapable } from '../bus/index.js';
import { type PciDevice, pciFindCapability } from './device.js';
import { pciCapIds } from './regs.js';

/** PCI_PM_PMC bits 15:11: the states PME# can be signalled from. */
const PCI_PM_CAP_PME_MASK = 0xf800;

export function pciPmInit(power: DevicePower, pdev: PciDevice): void {
  const pm = devicePm(pdev);
  pm.probeHoldsUsage = true;
  pm.idleSuspends = (dev) => dev.driver === undefined;
  power.forbid(pdev);
  power.setActive(pdev);
  power.enable(pdev);
  deviceEnableAsyncSuspend(pdev);
  const cap = pciFindCapability(pdev, pciCapIds.PM);
  if (!cap) return;
  pdev.d3coldAllowed = true;
  const pmc = pdev.configRead(cap + 2, 2);
  if (pmc & PCI_PM_CAP_PME_MASK) deviceSetWakeupCapable(pdev, true);
}
