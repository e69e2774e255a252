/**
 * aux — the auxiliary bus (drivers/base/auxiliary.c, include/linux/auxiliary_bus.h).
 *
 * Purpose: a PCI function too rich for one driver splits into auxiliary devices — DOE mailboxes,
 * fwctl, netdev, RDMA — each named `<modname>.<devname>.<id>` and bound by its own driver, whose
 * id table names `<modname>.<devname>`. The parent's driver creates them in its probe and must
 * delete them before its remove completes, so unbinding the parent takes every child with it.
 * This bus also has `driver_override` (DESIGN.md Departure 2), so one device can be handed to
 * an override-only userspace driver such as `doe_user.doe`.
 *
 * Usage: resolve `AuxiliaryBus` (`IAuxiliaryBus`) from the machine. In a parent's probe, either
 * `deviceInit` → `deviceAdd(adev, modname)` (and `deviceDelete` → `deviceUninit` in remove), or
 * `devmDeviceCreate(parent, modname, devname, data, id)`, which deletes the child automatically
 * after the parent's remove() and before its `unbind` uevent. Drivers register with
 * `driverRegister(new AuxiliaryDriver({ name, idTable, probe, remove }), modname)`; both probe
 * and idTable are required (EINVAL). Numbering per match name: `idaAlloc('cxl_pci.doe')`.
 *
 * Example:
 * ```ts
 * const aux = machine.get<AuxiliaryBus>(IAuxiliaryBus);
 * const eth = new AuxiliaryDevice({ devname: 'eth', id: 0, parent: pdev });
 * aux.deviceInit(eth);              // EINVAL without parent or devname
 * aux.deviceAdd(eth, 'mlx5_core');  // `add auxiliary mlx5_core.eth.0`, MODALIAS=auxiliary:mlx5_core.eth
 * aux.driverRegister(new AuxiliaryDriver({ name: 'eth', idTable: [{ name: 'mlx5_core.eth' }], probe }), 'mlx5_core');
 * // → driver `mlx5_core.eth` binds mlx5_core.eth.0 at once
 * ```
 */
export { AuxiliaryBus, IAuxiliaryBus, auxiliaryUevent } from './auxiliary-bus.js';
export { AuxiliaryDevice, type AuxiliaryDeviceInit, isAuxiliaryDevice } from './auxiliary-device.js';
export { AuxiliaryDriver, type AuxiliaryDriverOptions, toAuxiliaryDriver, auxiliaryDriverName } from './auxiliary-driver.js';
export { AuxiliaryDriverModule } from './auxiliary-driver-module.js';
export {
  type AuxiliaryDeviceId,
  AUXILIARY_NAME_SIZE,
  AUXILIARY_MODULE_PREFIX,
  auxiliaryMatchName,
  auxiliaryMatchId,
  auxiliaryIdAlias,
  auxiliaryModuleAliases,
} from './device-id.js';
export { auxiliaryModule } from './module.js';
