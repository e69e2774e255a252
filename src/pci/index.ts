/**
 * pci — the PCI bus (drivers/pci): the `pci` bus type and its match/uevent, enumeration and
 * removal, PCI drivers and their id tables, the functions' identity, BARs and capability walks,
 * userspace config access, PCI sysfs, function reset and BAR resource claims.
 *
 * Purpose: what the kernel's PCI core does between a simulated function (src/drivers/hw, seen
 * through `PciFunctionHw`) and the driver core (src/bus), with the kernel's orders and errno.
 *
 * Usage: resolve `PciCore` (`IPciCore`) from a machine; register a `PciDriver` with
 * `core.registerDriver(drv)`; add functions with `core.insertHardware(bus, devfn, hw)` and a rescan.
 */
export { PciCore, IPciCore } from './probe.js';
export { IommuCore, IIommuCore, IommuGroup } from './iommu.js';
export { PciIov, PciSriov, pciSriov, pciIovVfId, pciSriovRegs, kstrtobool } from './iov.js';
export { PciMsi, pciIrqFlags } from './msi.js';
export { PciePortDriver, IPciePortDriver, pciePortServices } from './pcie-portdrv.js';
export {
  pciDoePolicies,
  type PciDoePolicy,
  type PciOptions,
  IPciOptions,
  PciConfigWriter,
  pciUserReadConfig,
  pciTouchesDoe,
  forEachAlignedAccess,
} from './access.js';
export { PciResources, PCI_HOST_MEM_WINDOW } from './resource.js';
export { pciResetFunction, pciDefaultResetMethods, pciProbeResetMethod } from './reset.js';
export { pciModule } from './module.js';
export {
  PciDevice,
  PciBus,
  type PciResource,
  type PciDoeMailbox,
  type PciConfigClaim,
  type PciIdentity,
  ioresource,
  pciResourceIndex,
  pciName,
  parsePciName,
  isPciDevice,
  pciFindCapability,
  pciFindExtCapability,
  pciFindDvsecCapability,
  pciFindNextExtCapability,
  pciDoeCapabilityOffsets,
} from './device.js';
export {
  PciDriver,
  type PciDriverOptions,
  type PciDeviceId,
  PCI_ANY_ID,
  pciDevice,
  pciDeviceClass,
  pciDeviceIdAny,
  pciMatchOneDevice,
  pciMatchDevice,
  pciModalias,
  pciIdAlias,
  pciModuleAliases,
  toPciDriver,
} from './pci-driver.js';
export { pciBusMatch, pciUevent, scanHexFields } from './bus-type.js';
export { kstrtoul, pciResourceText, pciResourceLen } from './pci-sysfs.js';
export { doeFeatureName, pciDoeSysfs, PciDoeSysfs } from './doe-sysfs.js';
export {
  type PciFunctionHw,
  type PciBarInfo,
  type PciAccessWidth,
  type PciResetMethod,
  type PciDoeProtocol,
  pciResetMethods,
  isPciResetMethod,
} from './hw.js';
export {
  pciRegs,
  pciCommand,
  pciStatus,
  pciHeaderType,
  pciBaseAddress,
  pciCapIds,
  pciExtCapIds,
  pciExpRegs,
  pciExpTypes,
  PCI_EXP_DEVCAP_FLR,
  pciDoeRegs,
  pciDoeCtrl,
  pciDoeStatus,
  PCI_DOE_CAP_SIZEOF,
  PCI_CFG_SPACE_SIZE,
  PCI_CFG_SPACE_EXP_SIZE,
  PCI_STD_NUM_BARS,
} from './regs.js';
