/**
 * The kernel modules this machine has "on disk" (/lib/modules): installed into every machine's
 * module loader at init, none loaded. Modules of later work (vfio_pci, mlx5_ib, mlx5_fwctl,
 * cxl_fwctl, fwctl) are absent, so modprobe of them fails with ENOENT.
 */
import type { KernelModuleInfo } from '../bus/index.js';
import { cxlPciModuleInfo } from './cxl/pci.js';
import { doeUserModuleInfo } from './doe/doe-user.js';
import { pciDoeModuleInfo } from './doe/pci-doe.js';
import { mlx5CoreModuleInfo } from './mlx5/main.js';

/** In depmod's alphabetical order; none depends on another (DESIGN.md §4, "Modules"). */
export const builtinKernelModules: readonly KernelModuleInfo[] = [
  cxlPciModuleInfo, // cxl_pci: CXL type-3 functions, DOE and fwctl children
  doeUserModuleInfo, // doe_user: override-only userspace DOE driver
  mlx5CoreModuleInfo, // mlx5_core: ConnectX functions, eth/rdma/fwctl children
  pciDoeModuleInfo, // pci_doe: the kernel's DOE mailbox driver
];
