/**
 * drivers — simulated hardware and its kernel drivers: the preset PCI functions (root ports,
 * cxl-type3, mlx5-nic) with their config spaces and DOE register blocks, the PresetHost that
 * places them, the kernel modules cxl_pci, mlx5_core, pci_doe and doe_user, and the ownership
 * query of DESIGN.md §3.
 *
 * Usage: `driversModule` installs `builtinKernelModules` into every machine (none loaded)
 * and binds `PresetHost` as the machine's IPresetHost; `machine.modprobe('cxl_pci')` then binds
 * the cxl-type3 function, and `ownerOf(device)` says who holds a device.
 */
export { PresetHost, IPresetHost, presetTable, type PresetDefinition } from './preset-host.js';
export { driversModule } from './module.js';
export { builtinKernelModules } from './modules.js';
export { ownerOf, ownerName, doeMailboxOwner, isUserspaceHandle, type Owner, type OwnershipServices, type UserspaceHandle } from './ownership.js';
export { type DoeMailboxRef, doeMailboxOf } from './doe/mailbox.js';
export { CxlPciModule, cxlPciModuleInfo, cxlPciIdTable, CXL_PCI_MODNAME, type CxlFwctlRef } from './cxl/pci.js';
export { Mlx5CoreModule, mlx5CoreModuleInfo, mlx5CoreIdTable, mlx5AuxiliaryDevnames, MLX5_CORE_MODNAME, type Mlx5AdevRef } from './mlx5/main.js';
export { PciDoeModule, pciDoeModuleInfo, pciDoeIdTable, PCI_DOE_MODNAME } from './doe/pci-doe.js';
export { DoeUserModule, DoeUserDevice, doeUserModuleInfo, doeUserIdTable, DOE_USER_MODNAME, DOE_USER_MINORS } from './doe/doe-user.js';
export { ConfigSpace, SimulatedPciFunction, type RegisterBlock, type SimulatedPciFunctionOptions } from './hw/config-space.js';
export { doeRegistersOf } from './hw/doe-registers.js';
export { DoeMailboxRegisters, type DoeMailboxOptions, type DoeMailboxTiming, immediateDoeTiming, silentResponder } from './hw/doe-mailbox.js';
export {
  createCxlType3,
  cxlType3DoeLayout,
  cxlType3DoeTiming,
  CXL_TYPE3_IDS,
  CXL_TYPE3_VOLATILE_BYTES,
  CXL_DVSEC_VENDOR,
  type CxlType3Options,
} from './hw/cxl-type3.js';
export { createQemuCxlType3, qemuCxlType3Bars, QEMU_CXL_TYPE3_DOE_OFFSET, QEMU_CXL_TYPE3_PMEM_BYTES } from './hw/qemu-cxl-type3.js';
export { createMlx5Nic, MLX5_NIC_IDS } from './hw/mlx5-nic.js';
export { createRootPort, ROOT_PORT_IDS } from './hw/root-port.js';
