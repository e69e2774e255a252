/**
 * SR-IOV (drivers/pci/iov.c, reference kernel-driver-model §8): the PF's capability read at
 * enumeration (`sriov_init`), the PF sysfs files (`sriov_pf_dev_attrs`), enabling and disabling
 * virtual functions (`sriov_enable`/`sriov_disable`, `pci_iov_add_virtfn`/`pci_iov_remove_virtfn`)
 * and the VF probe gate (`pci_device_can_probe`).
 *
 * Orders (§8.4, §8.7):
 * - enable N: per VF in ascending order — device_add (`add`, no DRIVER), the PF's `virtfn<i>` link,
 *   the VF's `physfn` link, `change` on the VF, then attach (`bind` when a driver takes it); after
 *   the last VF one `change` on the PF; only then num_VFs = N.
 * - disable: VF 0, 1, … ascending — `virtfn<i>` and `physfn` links removed, the VF stopped (its
 *   driver's remove(), `unbind`) and deleted (`remove`); no PF uevent; then num_VFs = 0.
 * VFs are siblings of the PF (same parent, same bus list), related only through the links.
 * Not modelled: VFs beyond the PF's bus (r ≥ 256 → virtual buses), dep_link, VF Migration,
 * `sriov_vf_msix_count`, the 100 ms / 1 s settle sleeps (no virtual time passes).
 */
import { type ILogService, kerr, sideTable } from '../base/index.js';
import {
  type Attribute,
  type AttributeGroup,
  type Device,
  type DeviceCore,
  type DriverBinder,
  type KobjectUevent,
  attrRO,
  attrRW,
  sysfsCreateLink,
  sysfsRemoveLink,
} from '../bus/index.js';
import { PciDevice, ioresource, pciFindNextExtCapability, pciResourceIndex } from './device.js';
import { pciExtCapIds, pciRegs } from './regs.js';
import type { PciFunctionHw } from './hw.js';

/** PCI_SRIOV_* register offsets within the capability (include/uapi/linux/pci_regs.h). */
export const pciSriovRegs = {
  CAP: 0x04, // SR-IOV Capabilities
  CTRL: 0x08, // SR-IOV Control (VFE 0x01, MSE 0x08, ARI 0x10)
  STATUS: 0x0a,
  INITIAL_VF: 0x0c,
  TOTAL_VF: 0x0e,
  NUM_VF: 0x10,
  FUNC_LINK: 0x12,
  VF_OFFSET: 0x14,
  VF_STRIDE: 0x16,
  VF_DID: 0x1a,
  SUP_PGSIZE: 0x1c,
  SYS_PGSIZE: 0x20,
  BAR: 0x24,
} as const;
export const PCI_SRIOV_CTRL_VFE = 0x01;
export const PCI_SRIOV_CTRL_MSE = 0x08;

/** struct pci_sriov. */
export class PciSriov {
  numVFs = 0;
  /** driver_max_VFs: TotalVFs unless the PF driver lowered it; reset when the PF driver unbinds. */
  driverMaxVFs: number;
  /** sriov_drivers_autoprobe: 1 after sriov_init. */
  driversAutoprobe = true;
  /** The VFs that exist, by index. */
  readonly vfs: (PciDevice | undefined)[] = [];

  constructor(
    readonly pos: number,
    readonly totalVFs: number,
    readonly initialVFs: number,
    public offset: number,
    public stride: number,
    readonly vfDevice: number,
  ) {
    this.driverMaxVFs = totalVFs;
  }
}

/** The state SR-IOV keeps on a pci_dev: the PF's capability, a VF's index. */
const sriovOf = sideTable(new WeakMap<PciDevice, PciSriov>());
const vfIndexOf = sideTable(new WeakMap<PciDevice, number>());

/** dev_is_pf. */
export function pciSriov(pdev: PciDevice): PciSriov | undefined {
  return sriovOf.get(pdev);
}

/** pci_iov_vf_id: a VF's 0-based index, or undefined for anything else. */
export function pciIovVfId(pdev: PciDevice): number | undefined {
  return vfIndexOf.get(pdev);
}

/** The simulated hardware of a PF that can create VFs. */
export interface SriovCapableHw extends PciFunctionHw {
  /** The function behind VF `index` (its config space: vendor/device read all ones, as on hardware). */
  virtfn(index: number): PciFunctionHw;
}

function isSriovCapable(hw: PciFunctionHw): hw is SriovCapableHw {
  return typeof (hw as Partial<SriovCapableHw>).virtfn === 'function';
}

/**
 * sriov_init at enumeration: a PF only if the capability has TotalVFs ≠ 0 and the offset/stride
 * are usable (offset 0, or stride 0 with more than one VF → the capability is ignored). The VF
 * BARs' space (the IOV resources) comes from `alloc`.
 */
export function pciSriovInit(pdev: PciDevice, alloc: (size: number) => number | undefined): void {
  const pos = pciFindNextExtCapability(pdev, 0, pciExtCapIds.SRIOV);
  if (!pos || !isSriovCapable(pdev.hw)) return;
  const rd = (off: number, w: 2 | 4) => pdev.configRead(pos + off, w);
  const total = rd(pciSriovRegs.TOTAL_VF, 2);
  if (total === 0) return;
  const offset = rd(pciSriovRegs.VF_OFFSET, 2);
  const stride = rd(pciSriovRegs.VF_STRIDE, 2);
  if (offset === 0 || (stride === 0 && total > 1)) return;
  const iov = new PciSriov(pos, total, rd(pciSriovRegs.INITIAL_VF, 2), offset, stride, rd(pciSriovRegs.VF_DID, 2));
  sriovOf.set(pdev, iov);
  // The IOV BAR 0: TotalVFs copies of VF0's BAR 0.
  const vf0 = pdev.hw.virtfn(0).bars[0];
  if (vf0) {
    const start = alloc(vf0.size * total);
    if (start !== undefined) {
      pdev.resources[pciResourceIndex.IOV_START] = {
        start,
        end: start + vf0.size * total - 1,
        flags: ioresource.MEM | (vf0.prefetchable ? ioresource.PREFETCH : 0) | (vf0.is64 ? ioresource.MEM_64 : 0),
      };
    }
  }
}

/** What enabling and disabling need of the PCI core. */
export interface PciIovHost {
  readonly core: DeviceCore;
  readonly binder: DriverBinder;
  readonly uevent: KobjectUevent;
  readonly log: ILogService;
  /** pci_setup_device's common part for a VF: bus type, attribute groups, reset methods. */
  setupVirtfn(vf: PciDevice): void;
  /** pci_stop_and_remove_bus_device. */
  stopAndRemoveBusDevice(pdev: PciDevice): void;
}

/** pci_iov_virtfn_bus / pci_iov_virtfn_devfn: routing id r = devfn + offset + stride × i. */
export function pciIovVirtfnAddress(pf: PciDevice, iov: PciSriov, index: number): { bus: number; devfn: number } {
  const r = pf.devfn + iov.offset + iov.stride * index;
  return { bus: pf.busNumber + (r >> 8), devfn: r & 0xff };
}

export class PciIov {
  constructor(private readonly host: PciIovHost) {}

  /**
   * sriov_enable (pci_enable_sriov).
   * @throws {DriverModelError} ENODEV for a non-PF; EINVAL when enabled already or N > TotalVFs;
   *   ENOMEM when a VF would sit on another bus (not modelled).
   */
  enable(pf: PciDevice, n: number): void {
    const iov = pciSriov(pf);
    if (!iov) throw kerr('ENODEV', `${pf.name}: not an SR-IOV PF`);
    if (iov.numVFs > 0) throw kerr('EINVAL', `${pf.name}: SR-IOV already enabled`);
    if (n > iov.totalVFs || n < 1) throw kerr('EINVAL', `${pf.name}: ${n} VFs out of range`);
    const last = pciIovVirtfnAddress(pf, iov, n - 1);
    if (last.bus !== pf.busNumber) {
      throw kerr('ENOMEM', `pci ${pf.name}: can't enable ${n} VFs (bus ${last.bus.toString(16).padStart(2, '0')} out of range)`);
    }
    // NumVFs, then VF Enable and VF MSE.
    pf.configWrite(iov.pos + pciSriovRegs.NUM_VF, 2, n);
    const ctrl = pf.configRead(iov.pos + pciSriovRegs.CTRL, 2);
    pf.configWrite(iov.pos + pciSriovRegs.CTRL, 2, ctrl | PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
    const added: number[] = [];
    try {
      for (let i = 0; i < Math.min(n, iov.initialVFs || n); i++) {
        this.#addVirtfn(pf, iov, i);
        added.push(i);
      }
    } catch (e) {
      for (const i of added.reverse()) this.#removeVirtfn(pf, iov, i);
      pf.configWrite(iov.pos + pciSriovRegs.CTRL, 2, ctrl);
      throw e;
    }
    this.host.uevent.sendDevice(pf, 'change');
    iov.numVFs = n;
  }

  /** sriov_disable (pci_disable_sriov): VFs removed in ascending order; no PF uevent. */
  disable(pf: PciDevice): void {
    const iov = pciSriov(pf);
    if (!iov || iov.numVFs === 0) return;
    for (let i = 0; i < iov.vfs.length; i++) if (iov.vfs[i]) this.#removeVirtfn(pf, iov, i);
    const ctrl = pf.configRead(iov.pos + pciSriovRegs.CTRL, 2);
    pf.configWrite(iov.pos + pciSriovRegs.CTRL, 2, ctrl & ~(PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE));
    pf.configWrite(iov.pos + pciSriovRegs.NUM_VF, 2, 0);
    iov.numVFs = 0;
  }

  /**
   * Hot-unplug of the slot: pciehp removes the functions of the bus last first, so the VFs go
   * (each stopped and removed) before the PF; the PF driver's later sriov_disable finds none.
   */
  removeAllForUnplug(pf: PciDevice): void {
    const iov = pciSriov(pf);
    if (!iov) return;
    for (let i = iov.vfs.length - 1; i >= 0; i--) {
      const vf = iov.vfs[i];
      if (!vf) continue;
      vf.disconnected = true;
      this.#removeVirtfn(pf, iov, i);
    }
    iov.numVFs = 0;
  }

  /** pci_iov_add_virtfn. */
  #addVirtfn(pf: PciDevice, iov: PciSriov, index: number): void {
    const { bus, devfn } = pciIovVirtfnAddress(pf, iov, index);
    const hw = (pf.hw as SriovCapableHw).virtfn(index);
    const vf = new PciDevice(pf.domain, bus, devfn, hw, pf.pciBus);
    vf.physfn = pf;
    vfIndexOf.set(vf, index);
    // Identity: vendor from the PF, device from VF Device ID; class, revision and subsystem ids
    // from VF0's config space for every VF (pci_read_vf_config_common).
    const vf0 = index === 0 ? hw : (pf.hw as SriovCapableHw).virtfn(0);
    const classRev = vf0.configRead(pciRegs.REVISION_ID, 4) >>> 0;
    vf.vendor = pf.vendor;
    vf.device = iov.vfDevice;
    vf.revision = classRev & 0xff;
    vf.classCode = classRev >>> 8;
    vf.hdrType = 0;
    vf.subsystemVendor = vf0.configRead(pciRegs.SUBSYSTEM_VENDOR_ID, 2);
    vf.subsystemDevice = vf0.configRead(pciRegs.SUBSYSTEM_ID, 2);
    vf.irq = 0;
    vf.cfgSize = pf.cfgSize;
    const iovRes = pf.resources[pciResourceIndex.IOV_START]!;
    const bar0 = hw.bars[0];
    if (bar0 && iovRes.flags) {
      const start = iovRes.start + bar0.size * index;
      vf.resources[0] = { start, end: start + bar0.size - 1, flags: iovRes.flags | ioresource.SIZEALIGN };
    }
    this.host.setupVirtfn(vf);
    // pci_device_add: on the bus list, device_add with match_driver false (`add`, no probe).
    vf.p.matchDriver = false;
    pf.pciBus.devices.push(vf);
    this.host.core.add(vf);
    iov.vfs[index] = vf;
    // pci_iov_sysfs_link: virtfn<i> in the PF, physfn in the VF, then `change` on the VF.
    sysfsCreateLink(pf, `virtfn${index}`, vf);
    sysfsCreateLink(vf, 'physfn', pf);
    this.host.uevent.sendDevice(vf, 'change');
    // pci_bus_add_device: attach, gated by sriov_drivers_autoprobe in the bus probe.
    vf.p.matchDriver = true;
    const ret = this.host.binder.deviceAttach(vf);
    if (ret < 0) this.host.log.log('warning', 'kernel', `pci ${vf.name}: device attach failed (${ret})`);
    vf.isAdded = true;
  }

  /** pci_iov_remove_virtfn: links first, then stop (unbind) and remove. */
  #removeVirtfn(pf: PciDevice, iov: PciSriov, index: number): void {
    const vf = iov.vfs[index];
    if (!vf) return;
    sysfsRemoveLink(pf, `virtfn${index}`);
    sysfsRemoveLink(vf, 'physfn');
    if (vf.isRegistered) this.host.stopAndRemoveBusDevice(vf);
    iov.vfs[index] = undefined;
  }
}

/**
 * pci_device_can_probe: a VF probes only while its PF's sriov_drivers_autoprobe is 1 or it has a
 * driver_override (commit 2d2f4273cbe9); any other function always may.
 */
export function pciDeviceCanProbe(pdev: PciDevice): boolean {
  const pf = pdev.physfn;
  if (!pf) return true;
  return (pciSriov(pf)?.driversAutoprobe ?? true) || pdev.p.driverOverride !== undefined;
}

/** What the sriov_numvfs store calls: the bound driver's sriov_configure, if any. */
export interface PciSriovConfigurer {
  /** The PF's bound PCI driver's sriov_configure, or undefined (no driver / no callback). */
  sriovConfigure(pf: PciDevice): ((pdev: PciDevice, n: number) => number) | 'no-driver' | undefined;
}

/** kstrtou16(buf, 0): 0x-hex, 0-octal or decimal, one trailing newline. @throws EINVAL. */
function kstrtou16(buf: string): number {
  const s = buf.endsWith('\n') ? buf.slice(0, -1) : buf;
  const t = s.startsWith('+') ? s.slice(1) : s;
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^0[0-7]*$/.test(t)) v = parseInt(t, 8);
  else if (/^[1-9][0-9]*$/.test(t)) v = Number(t);
  else throw kerr('EINVAL', `sriov_numvfs: invalid number '${buf}'`);
  if (!Number.isSafeInteger(v) || v > 0xffff) throw kerr('EINVAL', `sriov_numvfs: '${buf}' out of range`);
  return v;
}

/** kstrtobool: y/Y/t/T/1 true, n/N/f/F/0 false, "on"/"off"; anything else EINVAL. */
export function kstrtobool(buf: string): boolean {
  const c = buf[0] ?? '';
  if ('yYtT1'.includes(c) && c !== '') return true;
  if ('nNfF0'.includes(c) && c !== '') return false;
  if (c === 'o' || c === 'O') {
    const d = buf[1] ?? '';
    if (d === 'n' || d === 'N') return true;
    if (d === 'f' || d === 'F') return false;
  }
  throw kerr('EINVAL', `'${buf}' is not a boolean`);
}

function pf(dev: Device): { pdev: PciDevice; iov: PciSriov } {
  const iov = dev instanceof PciDevice ? pciSriov(dev) : undefined;
  if (!iov) throw kerr('ENODEV', `${dev.name}: not an SR-IOV PF`);
  return { pdev: dev as PciDevice, iov };
}

/**
 * The PF's files (iov.c `sriov_pf_dev_attrs`), visible only on a PF. `sriov_numvfs` store
 * follows sriov_numvfs_store's order: parse (EINVAL) → above sriov_totalvfs (ERANGE) → same
 * count (nothing) → no driver (ENOENT) → driver without sriov_configure (ENOENT) → 0 disables
 * → non-zero while enabled (EBUSY) → sriov_configure(N).
 */
export function pciSriovGroup(host: PciSriovConfigurer & { log: PciIovHost['log'] }): AttributeGroup<Device> {
  const numvfs: Attribute<Device> = attrRW(
    'sriov_numvfs',
    (d) => `${pf(d).iov.numVFs}\n`,
    (d, buf) => {
      const { pdev, iov } = pf(d);
      const n = kstrtou16(buf);
      if (n > iov.driverMaxVFs) throw kerr('ERANGE', `${pdev.name}: ${n} VFs above sriov_totalvfs ${iov.driverMaxVFs}`);
      if (n === iov.numVFs) return buf.length;
      const configure = host.sriovConfigure(pdev);
      if (configure === 'no-driver') {
        host.log.log('info', 'kernel', `pci ${pdev.name}: no driver bound to device; cannot configure SR-IOV`);
        throw kerr('ENOENT', `${pdev.name}: no driver bound`);
      }
      if (!configure) {
        host.log.log('info', 'kernel', `pci ${pdev.name}: driver does not support SR-IOV configuration via sysfs`);
        throw kerr('ENOENT', `${pdev.name}: driver has no sriov_configure`);
      }
      if (n === 0) {
        configure(pdev, 0);
        return buf.length;
      }
      if (iov.numVFs !== 0) {
        host.log.log('warning', 'kernel', `pci ${pdev.name}: ${iov.numVFs} VFs already enabled. Disable before enabling ${n} VFs`);
        throw kerr('EBUSY', `${pdev.name}: VFs already enabled`);
      }
      const got = configure(pdev, n);
      if (got !== n) host.log.log('warning', 'kernel', `pci ${pdev.name}: ${n} VFs requested; only ${got} enabled`);
      return buf.length;
    },
  );
  const autoprobe: Attribute<Device> = attrRW(
    'sriov_drivers_autoprobe',
    (d) => `${pf(d).iov.driversAutoprobe ? 1 : 0}\n`,
    (d, buf) => {
      const v = kstrtobool(buf);
      pf(d).iov.driversAutoprobe = v;
      return buf.length;
    },
  );
  return {
    attrs: [
      attrRO('sriov_totalvfs', (d) => `${pf(d).iov.driverMaxVFs}\n`),
      numvfs,
      attrRO('sriov_offset', (d) => `${pf(d).iov.offset}\n`),
      attrRO('sriov_stride', (d) => `${pf(d).iov.stride}\n`),
      attrRO('sriov_vf_device', (d) => `${pf(d).iov.vfDevice.toString(16)}\n`),
      autoprobe,
      attrRO('sriov_vf_total_msix', () => '0\n'),
    ],
    isVisible: (d, attr) => (d instanceof PciDevice && pciSriov(d) ? attr.mode : 0),
  };
}
