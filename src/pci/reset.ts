/**
 * Function reset (drivers/pci/pci.c `pci_reset_function`, `pci_init_reset_methods`): the enabled
 * methods in priority order, and the reset itself with the driver's reset_prepare/reset_done
 * hooks around a saved and restored header. The `reset`/`reset_method` files are pci-sysfs.ts's.
 */
import { type ILogService, kerr } from '../base/index.js';
import type { PciDevice } from './device.js';
import { toPciDriver } from './pci-driver.js';
import type { PciResetMethod } from './hw.js';
import { pciCommand, pciRegs } from './regs.js';

/** pci_init_reset_methods: every method the hardware supports, in priority order. */
export function pciDefaultResetMethods(pdev: PciDevice): PciResetMethod[] {
  return [...pdev.hw.resetMethods];
}

/** The PCI_RESET_PROBE pass of one method. */
export function pciProbeResetMethod(pdev: PciDevice, method: PciResetMethod): boolean {
  return pdev.hw.resetMethods.includes(method);
}

/** pci_restore_config_space order: dwords 4..15, then 0..3, each only where it changed. */
const RESTORE_ORDER = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3] as const;

/**
 * pci_reset_function: the driver stays bound; its reset_prepare runs, the header is saved and
 * INTx disabled, the first enabled method that works resets the function, the header is
 * restored and reset_done runs.
 * @throws {DriverModelError} ENOTTY when no reset method is enabled or none works.
 */
export function pciResetFunction(pdev: PciDevice, log: ILogService): void {
  if (pdev.resetMethods.length === 0) throw kerr('ENOTTY', `${pdev.name}: no reset method`);
  const pdrv = toPciDriver(pdev.driver);
  pdrv?.resetPrepare?.(pdev);
  const saved = Array.from({ length: 16 }, (_, i) => pdev.configRead(i * 4, 4));
  pdev.configWrite(pciRegs.COMMAND, 2, pciCommand.INTX_DISABLE);
  const method = pdev.resetMethods.find((m) => pciProbeResetMethod(pdev, m));
  if (method) pdev.hw.reset(method);
  for (const i of RESTORE_ORDER) {
    if (pdev.configRead(i * 4, 4) !== saved[i]) pdev.configWrite(i * 4, 4, saved[i]!);
  }
  pdrv?.resetDone?.(pdev);
  if (!method) throw kerr('ENOTTY', `${pdev.name}: no usable reset method`);
  log.log('info', 'kernel', `pci ${pdev.name}: reset done (${method})`);
}
