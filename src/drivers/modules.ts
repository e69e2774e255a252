/**
 * The kernel modules this machine has "on disk" (/lib/modules): installed into every machine's
 * module loader at init, none loaded. Modules not listed here (vfio_pci, mlx5_ib…) are absent,
 * so modprobe of them fails with ENOENT.
 */
import { BugIndicatingError } from '../base/index.js';
import type { KernelModuleInfo } from '../bus/index.js';
import { cxlFwctlModuleInfo } from './cxl/features.js';
import { cxlCoreModuleInfo } from './cxl/memdev.js';
import { cxlPciModuleInfo } from './cxl/pci.js';
import { doeUserModuleInfo } from './doe/doe-user.js';
import { pciDoeModuleInfo } from './doe/pci-doe.js';
import { fwctlModuleInfo } from './fwctl/main.js';
import { mlx5FwctlModuleInfo } from './fwctl/mlx5.js';
import { ibCoreModuleInfo } from './infiniband/device.js';
import { ibUverbsModuleInfo } from './infiniband/uverbs-main.js';
import { mlx5IbModuleInfo } from './mlx5/ib-main.js';
import { mlx5CoreModuleInfo } from './mlx5/main.js';
import { vfioModuleInfo } from './vfio/vfio-main.js';
import { vfioPciCoreModuleInfo, vfioPciModuleInfo } from './vfio/vfio-pci.js';
import { type ModuleName, moduleNames } from './names.js';

/**
 * Each module's info under its name. Keyed by exactly the names of `moduleNames` (names.ts: the
 * one list of them, in depmod's alphabetical order), which `satisfies` checks; dependencies as
 * DESIGN.md §4 "Modules" gives them.
 */
const moduleInfos = {
  cxl_core: cxlCoreModuleInfo, // bus cxl, memdevs /dev/cxl/memN and their mailbox ioctls
  cxl_fwctl: cxlFwctlModuleInfo, // fwctl device of type CXL (Features) on cxl_pci.fwctl.N
  cxl_pci: cxlPciModuleInfo, // CXL type-3 functions, DOE and fwctl children
  doe_user: doeUserModuleInfo, // override-only userspace DOE driver
  fwctl: fwctlModuleInfo, // the fwctl subsystem (class, /dev/fwctl/*, ioctls)
  ib_core: ibCoreModuleInfo, // class infiniband, RDMA device registry
  ib_uverbs: ibUverbsModuleInfo, // /dev/infiniband/uverbsN
  mlx5_core: mlx5CoreModuleInfo, // ConnectX functions, eth/rdma/fwctl children
  mlx5_fwctl: mlx5FwctlModuleInfo, // fwctl device of type MLX5 on mlx5_core.fwctl.N
  mlx5_ib: mlx5IbModuleInfo, // RDMA device mlx5_N on mlx5_core.rdma.N
  pci_doe: pciDoeModuleInfo, // the kernel's DOE mailbox driver
  vfio: vfioModuleInfo, // containers, groups (/dev/vfio/*)
  vfio_pci: vfioPciModuleInfo, // driver vfio-pci (override-only)
  vfio_pci_core: vfioPciCoreModuleInfo, // the vfio-pci library
} satisfies Readonly<Record<ModuleName, KernelModuleInfo>>;

/** In `moduleNames`' order; each module's own name is the key it is listed under. */
export const builtinKernelModules: readonly KernelModuleInfo[] = moduleNames.map((name) => {
  const info = moduleInfos[name];
  if (info.name !== name) throw new BugIndicatingError(`module ${info.name} is listed as ${name}`);
  return info;
});
