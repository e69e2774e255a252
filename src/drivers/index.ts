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
export { MiscCore, IMiscCore, MISC_MAJOR, type MiscDevice } from './char/misc.js';
export { VfioCore, IVfioCore, VfioDevice, VfioGroup, VFIO_MINOR, VFIO_REQUEST_WAIT_MS, VFIO_REQUEST_LIMIT } from './vfio/vfio-main.js';
export { VfioPciModule, VfioPciDevice, VFIO_PCI_DRIVER, VFIO_PCI_MODNAME } from './vfio/vfio-pci.js';
export { NetCore, INetCore, NetDevice, isNetDevice, formatMac } from './net/index.js';
export { Mlx5eDriver, mlx5eIdTable } from './mlx5/en-main.js';
export { Mlx5IbModule, mlx5IbModuleInfo, MLX5_IB_MODNAME } from './mlx5/ib-main.js';
export { IbCore, IbDevice, IIbCore, IB_CORE_MODNAME, formatGuid, formatGid } from './infiniband/device.js';
export { UverbsModule, IUverbs, IB_UVERBS_MODNAME, IB_UVERBS_MAJOR } from './infiniband/uverbs-main.js';
export { PresetHost, IPresetHost, presetTable, type PresetDefinition } from './preset-host.js';
export { driversModule } from './module.js';
export { builtinKernelModules } from './modules.js';
export { ownerOf, ownerName, doeMailboxOwner, isUserspaceHandle, type Owner, type OwnershipServices, type UserspaceHandle } from './ownership.js';
export { type DoeMailboxRef, doeMailboxOf } from './doe/mailbox.js';
export { CxlPciModule, cxlPciModuleInfo, cxlPciIdTable, CXL_PCI_MODNAME, type CxlFwctlRef } from './cxl/pci.js';
export { Mlx5CoreModule, mlx5CoreModuleInfo, mlx5CoreIdTable, mlx5AuxiliaryDevnames, MLX5_CORE_MODNAME, type Mlx5AdevRef } from './mlx5/main.js';
export { PciDoeModule, PciDoeBinding, pciDoeBindingOf, pciDoeModuleInfo, pciDoeIdTable, PCI_DOE_MODNAME } from './doe/pci-doe.js';
export { PciCoreDoe, IPciCoreDoe } from './doe/pci-core-doe.js';
export {
  PciDoeMb,
  type DoeResult,
  type DoeTaskSpec,
  type DoeTaskHandle,
  PCI_DOE_TIMEOUT_MS,
  PCI_DOE_POLL_INTERVAL_MS,
  PCI_DOE_MAX_LENGTH,
  errnoNumber,
} from './doe/doe.js';
export { IKernelCma, type KernelCma, type CmaResult, pciCmaResultOf } from './doe/cma.js';
export { SpdmKernelCma, LINUX_SPDM_REQUESTER } from './doe/cma-requester.js';
export { cxlCdatOf, readCdatData, type CdatReadResult } from './cxl/cdat.js';
export {
  DoeUserModule,
  DoeUserDevice,
  doeUserModuleInfo,
  doeUserIdTable,
  DOE_USER_MODNAME,
  DOE_USER_MINORS,
  DOE_IOC,
  DOE_USER_MAX_PAYLOAD,
  type DoeSubmitArg,
  type DoeResultArg,
} from './doe/doe-user.js';
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
export { type SpdmIdentity, cxlType3SpdmEngine, cxlType3SpdmResponders, fixtureSpdmIdentity } from './hw/cxl-spdm.js';
export { createQemuCxlType3, qemuCxlType3Bars, QEMU_CXL_TYPE3_DOE_OFFSET, QEMU_CXL_TYPE3_PMEM_BYTES } from './hw/qemu-cxl-type3.js';
export { createMlx5Nic, MLX5_NIC_IDS } from './hw/mlx5-nic.js';
export { createRootPort, ROOT_PORT_IDS } from './hw/root-port.js';
export { FwctlCore, IFwctlCore, FwctlDevice, fwctlModuleInfo, FWCTL_MODNAME, type FwctlOps, type FwctlUctx } from './fwctl/main.js';
export {
  Mlx5FwctlModule,
  mlx5FwctlModuleInfo,
  mlx5FwctlIdTable,
  mlx5ctlAllowList,
  mlx5ctlValidateRpc,
  mlx5Opcodes,
  MLX5_FWCTL_MODNAME,
} from './fwctl/mlx5.js';
export { CxlFwctlModule, cxlFwctlModuleInfo, cxlFwctlIdTable, cxlSetFeatureScope, isCxlFeatureExclusive, CXL_FWCTL_MODNAME } from './cxl/features.js';
export { cxlMemRawCommandAllowed, cxlValidateSendCommand, type CxlRawPolicy, type CxlSendCommand } from './cxl/mbox.js';
export { CxlMailboxDevice, CXL_TYPE3_FEATURE_UUIDS, cxlMailboxOf } from './hw/cxl-mailbox.js';
export { Mlx5Firmware, mlx5FirmwareOf } from './hw/mlx5-fw.js';
