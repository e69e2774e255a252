/**
 * PCIe Access Control Services as the IOMMU grouping reads them (drivers/pci/pci.c):
 * `pci_acs_init` at enumeration (pci_init_capabilities, before device_add) finds the ACS
 * extended capability and — the IOMMU driver having called pci_request_acs() at boot, as
 * intel-iommu does — enables Source Validation, P2P Request/Completion Redirect and Upstream
 * Forwarding where the capability offers them (pci_std_enable_acs; Translation Blocking only
 * for untrusted ports, which this machine has none of). `pci_acs_enabled` and
 * `pci_acs_path_enabled` answer whether a function (a path of bridges) isolates peer-to-peer
 * DMA; iommu.ts's pci_device_group uses them with REQ_ACS_FLAGS.
 *
 * Not modelled: the device-specific quirks (pci_dev_specific_acs_enabled — Intel PCH root ports,
 * AMD, multifunction quirks), `pci=disable_acs_redir`/`config_acs`, egress control.
 */
import { pciFindCapability, pciFindExtCapability, type PciDevice } from './device.js';
import { pciCapIds, pciExpRegs, pciExpTypes, pciExtCapIds, pciHeaderType } from './regs.js';

/** ACS capability and control bits (PCI_ACS_*), in the 16-bit registers at +4 and +6. */
export const pciAcs = {
  CAP: 0x04,
  CTRL: 0x06,
  SV: 0x0001, // Source Validation
  TB: 0x0002, // Translation Blocking
  RR: 0x0004, // P2P Request Redirect
  CR: 0x0008, // P2P Completion Redirect
  UF: 0x0010, // Upstream Forwarding
  EC: 0x0020, // P2P Egress Control
  DT: 0x0040, // Direct Translated P2P
} as const;

/** REQ_ACS_FLAGS (drivers/iommu/iommu.c): what a group boundary needs. */
export const REQ_ACS_FLAGS = pciAcs.SV | pciAcs.RR | pciAcs.CR | pciAcs.UF;

/** The PCIe port type, or undefined for a conventional PCI function (pci_pcie_type). */
export function pciPcieType(pdev: PciDevice): number | undefined {
  const exp = pciFindCapability(pdev, pciCapIds.EXP);
  if (!exp) return undefined;
  return (pdev.configRead(exp + pciExpRegs.FLAGS, 2) >> 4) & 0xf;
}

/** dev->multifunction: header type bit 7; a VF never is one (pci_iov_add_virtfn clears it). */
export function pciIsMultifunction(pdev: PciDevice): boolean {
  return pdev.physfn === undefined && (pdev.hdrType & pciHeaderType.MULTI_FUNCTION) !== 0;
}

/** pci_acs_init → pci_enable_acs → pci_std_enable_acs: ctrl |= cap & (SV | RR | CR | UF). */
export function pciAcsInit(pdev: PciDevice): void {
  const pos = pciFindExtCapability(pdev, pciExtCapIds.ACS);
  if (!pos) return;
  const cap = pdev.configRead(pos + pciAcs.CAP, 2);
  const ctrl = pdev.configRead(pos + pciAcs.CTRL, 2);
  pdev.configWrite(pos + pciAcs.CTRL, 2, ctrl | (cap & REQ_ACS_FLAGS));
}

/**
 * pci_acs_flags_enabled: what the capability does not offer counts as hard-wired on (except
 * egress control); no capability → false.
 */
function pciAcsFlagsEnabled(pdev: PciDevice, flags: number): boolean {
  const pos = pciFindExtCapability(pdev, pciExtCapIds.ACS);
  if (!pos) return false;
  const cap = pdev.configRead(pos + pciAcs.CAP, 2);
  const wanted = flags & (cap | pciAcs.EC);
  return (pdev.configRead(pos + pciAcs.CTRL, 2) & wanted) === wanted;
}

/**
 * pci_acs_enabled: conventional PCI and PCIe-to-PCI bridges never isolate; root and downstream
 * ports only with the ACS bits on; endpoints and upstream ports need them only when part of a
 * multifunction device; any other single function (a VF too) is isolated by definition.
 */
export function pciAcsEnabled(pdev: PciDevice, flags: number = REQ_ACS_FLAGS): boolean {
  const type = pciPcieType(pdev);
  if (type === undefined) return false;
  switch (type) {
    case pciExpTypes.PCIE_BRIDGE:
    case pciExpTypes.PCI_BRIDGE:
    case pciExpTypes.RC_EC:
      return false;
    case pciExpTypes.DOWNSTREAM:
    case pciExpTypes.ROOT_PORT:
      return pciAcsFlagsEnabled(pdev, flags);
    case pciExpTypes.ENDPOINT:
    case pciExpTypes.UPSTREAM:
    case pciExpTypes.LEG_END:
    case pciExpTypes.RC_END:
      if (pciIsMultifunction(pdev)) return pciAcsFlagsEnabled(pdev, flags);
      return true;
    default:
      return true;
  }
}

/** pci_acs_path_enabled(start, NULL, flags): every function from `start` up to the root bus. */
export function pciAcsPathEnabled(start: PciDevice, flags: number = REQ_ACS_FLAGS): boolean {
  for (let pdev: PciDevice | undefined = start; pdev; pdev = pdev.pciBus.self) {
    if (!pciAcsEnabled(pdev, flags)) return false;
  }
  return true;
}
