/**
 * The kernel modules this machine has "on disk" (/lib/modules): installed into every machine's
 * module loader at init, none loaded. Modules not listed here (vfio_pci, mlx5_ib…) are absent,
 * so modprobe of them fails with ENOENT.
 */
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

/** In depmod's alphabetical order; dependencies as DESIGN.md §4 "Modules" gives them. */
export const builtinKernelModules: readonly KernelModuleInfo[] = [
  cxlCoreModuleInfo, // cxl_core: bus cxl, memdevs /dev/cxl/memN and their mailbox ioctls
  cxlFwctlModuleInfo, // cxl_fwctl: fwctl device of type CXL (Features) on cxl_pci.fwctl.N
  cxlPciModuleInfo, // cxl_pci: CXL type-3 functions, DOE and fwctl children
  doeUserModuleInfo, // doe_user: override-only userspace DOE driver
  fwctlModuleInfo, // fwctl: the fwctl subsystem (class, /dev/fwctl/*, ioctls)
  ibCoreModuleInfo, // ib_core: class infiniband, RDMA device registry
  ibUverbsModuleInfo, // ib_uverbs: /dev/infiniband/uverbsN
  mlx5CoreModuleInfo, // mlx5_core: ConnectX functions, eth/rdma/fwctl children
  mlx5FwctlModuleInfo, // mlx5_fwctl: fwctl device of type MLX5 on mlx5_core.fwctl.N
  mlx5IbModuleInfo, // mlx5_ib: RDMA device mlx5_N on mlx5_core.rdma.N
  pciDoeModuleInfo, // pci_doe: the kernel's DOE mailbox driver
  vfioModuleInfo, // vfio: containers, groups (/dev/vfio/*)
  vfioPciModuleInfo, // vfio_pci: driver vfio-pci (override-only)
  vfioPciCoreModuleInfo, // vfio_pci_core: the vfio-pci library
];
