/**
 * The `path_id` builtin (udev-builtin-path_id.c): compose ID_PATH/ID_PATH_TAG by walking from
 * the device to the root and prepending one element per bus that has a stable address (pci,
 * usb, platform, acpi, serio, spi, virtio, xen, ccw, …). Buses it does not know (auxiliary,
 * net, fwctl, …) are walked through silently, so an auxiliary device below 0000:03:00.0 gets
 * `pci-0000:03:00.0`. SCSI gives `scsi-H:B:T:L` (host rebased), FireWire, and ATA
 * (`ata-PORT.TARGET` plus ID_PATH_ATA_COMPAT); NVMe `nvme-NSID` including native multipath
 * (nvme-subsystem → the real controller); scsi_tape, cciss, bcma and ap; the SCSI transports
 * Fibre Channel, SAS (single phy, expander, wide port), iSCSI and Hyper-V with their LUN form.
 */
import type { UdevDevice } from '../device.js';
import type { Builtin, BuiltinContext } from './builtin.js';
import { deviceFromSubsystemSysname } from '../udev-util.js';

/** skip_subsystem(): the last of a run of ancestors in the same subsystem. */
function skipSubsystem(dev: UdevDevice, subsys: string): UdevDevice {
  let last = dev;
  for (let p: UdevDevice | undefined = dev; p; p = p.parent) {
    if (p.subsystem !== subsys) break;
    last = p;
  }
  return last;
}

/** The ID_PATH being built from the device outwards: each ancestor's part goes in front. */
class PathBuilder {
  path: string | undefined;

  add(part: string): void {
    this.path = this.path === undefined ? part : `${part}-${this.path}`;
  }
}

function handleUsb(parent: UdevDevice, prepend: PathBuilder): UdevDevice {
  const devtype = parent.getDevtype();
  if (devtype !== 'usb_interface' && devtype !== 'usb_device') return parent;
  const name = parent.sysname;
  const dash = name.indexOf('-');
  if (dash < 0) return parent;
  prepend.add(`usb-0:${name.slice(dash + 1)}`);
  return skipSubsystem(parent, 'usb');
}

/** sd_device_get_parent_with_subsystem_devtype(): the nearest ancestor of that kind. */
function ancestorOfType(dev: UdevDevice, subsystem: string, devtype: string): UdevDevice | undefined {
  for (let p = dev.parent; p; p = p.parent) if (p.subsystem === subsystem && p.getDevtype() === devtype) return p;
  return undefined;
}

/** handle_scsi_default(): "scsi-H:B:T:L" with the host number rebased to the lowest hostN sibling. */
function handleScsiDefault(parent: UdevDevice, prepend: PathBuilder): UdevDevice | undefined {
  const hostdev = ancestorOfType(parent, 'scsi', 'scsi_host');
  if (!hostdev) return undefined;
  const m = /^(-?\d+):(-?\d+):(-?\d+):(-?\d+)/.exec(parent.sysname);
  if (!m) return undefined;
  const base = hostdev.syspath.slice(0, hostdev.syspath.lastIndexOf('/'));
  let basenum = -1;
  for (const name of parent.fs.readdir(base) ?? []) {
    if (!name.startsWith('host') || !/^\d+$/.test(name.slice(4))) continue;
    const st = parent.fs.lstat(`${base}/${name}`);
    if (!st || (st.type !== 'dir' && st.type !== 'link')) continue;
    const n = Number(name.slice(4));
    if (basenum === -1 || n < basenum) basenum = n;
  }
  if (basenum === -1) return hostdev;
  prepend.add(`scsi-${Number(m[1]) - basenum}:${Number(m[2])}:${Number(m[3])}:${Number(m[4])}`);
  return hostdev;
}

/** handle_scsi(): only scsi_device nodes contribute; transports that need more sysfs stop the walk. */
function handleScsi(parent: UdevDevice, prepend: PathBuilder, compat: PathBuilder, supported: { parent: boolean }): UdevDevice | undefined {
  if (parent.getDevtype() !== 'scsi_device') return parent;
  const id = parent.sysattr('ieee1394_id');
  if (id !== undefined) {
    prepend.add(`ieee1394-0x${id}`);
    supported.parent = true;
    return skipSubsystem(parent, 'scsi');
  }
  const name = parent.syspath;
  if (name.includes('/rport-')) {
    supported.parent = true;
    return handleScsiFibreChannel(parent, prepend);
  }
  if (name.includes('/end_device-')) {
    supported.parent = true;
    return handleScsiSas(parent, prepend);
  }
  if (name.includes('/session')) {
    supported.parent = true;
    return handleScsiIscsi(parent, prepend);
  }
  if (name.includes('/ata')) return handleScsiAta(parent, prepend, compat);
  if (name.includes('/vmbus_')) return handleScsiHyperv(parent, prepend, 37);
  if (name.includes('/VMBUS')) return handleScsiHyperv(parent, prepend, 38);
  return handleScsiDefault(parent, prepend);
}

/** format_lun_number(): "lun-N" below 256, else the flat-space form "lun-0xLLLLHHHH00000000". */
function lunNumber(dev: UdevDevice): string {
  const sysnum = dev.sysnum;
  if (sysnum === undefined) return '(null)';
  const lun = Number(sysnum);
  if (lun < 256) return `lun-${lun}`;
  const h4 = (n: number): string => n.toString(16).padStart(4, '0');
  return `lun-0x${h4(lun & 0xffff)}${h4(Math.floor(lun / 0x10000) & 0xffff)}00000000`;
}

function lookup(dev: UdevDevice, subsystem: string, sysname: string): UdevDevice | undefined {
  return deviceFromSubsystemSysname(dev.fs, dev.db, subsystem, sysname);
}

/** handle_scsi_fibre_channel(): "fc-<port_name>-lun-N" from fc_transport/<target>. */
function handleScsiFibreChannel(parent: UdevDevice, prepend: PathBuilder): UdevDevice | undefined {
  const target = ancestorOfType(parent, 'scsi', 'scsi_target');
  if (!target) return undefined;
  const port = lookup(parent, 'fc_transport', target.sysname)?.sysattr('port_name');
  if (port === undefined) return undefined;
  prepend.add(`fc-${port}-${lunNumber(parent)}`);
  return parent;
}

/**
 * handle_scsi_sas(): a single-phy port gives "sas-[exp<expander address>-]phy<N>-lun-M"; a
 * wide port (num_phys ≠ 1) "sas-<device sas_address>-lun-M".
 */
function handleScsiSas(parent: UdevDevice, prepend: PathBuilder): UdevDevice | undefined {
  const target = ancestorOfType(parent, 'scsi', 'scsi_target');
  const targetParent = target?.parent;
  if (!targetParent) return undefined;
  const targetSas = lookup(parent, 'sas_device', targetParent.sysname);
  if (!targetSas) return undefined;
  const port = targetParent.parent;
  if (!port) return undefined;
  const portSas = lookup(parent, 'sas_port', port.sysname);
  const phys = portSas?.sysattr('num_phys');
  if (phys === undefined) return undefined;
  if (phys !== '1') {
    const addr = targetSas.sysattr('sas_address');
    if (addr === undefined) return undefined;
    prepend.add(`sas-${addr}-${lunNumber(parent)}`);
    return parent;
  }
  const phy = targetSas.sysattr('phy_identifier');
  if (phy === undefined) return undefined;
  const expander = port.parent;
  if (!expander) return undefined;
  const expanderSas = lookup(parent, 'sas_device', expander.sysname);
  let address: string | undefined;
  if (expanderSas) {
    address = expanderSas.sysattr('sas_address');
    if (address === undefined) return undefined;
  }
  prepend.add(address !== undefined ? `sas-exp${address}-phy${phy}-${lunNumber(parent)}` : `sas-phy${phy}-${lunNumber(parent)}`);
  return parent;
}

/** handle_scsi_iscsi(): "ip-<address>:<port>-iscsi-<target>-lun-N" from the session and its connection. */
function handleScsiIscsi(parent: UdevDevice, prepend: PathBuilder): UdevDevice | undefined {
  let transport: UdevDevice | undefined = parent;
  for (;;) {
    transport = transport.parent;
    if (!transport) return undefined;
    if (transport.sysname.startsWith('session')) break;
  }
  const targetName = lookup(parent, 'iscsi_session', transport.sysname)?.sysattr('targetname');
  if (targetName === undefined) return undefined;
  const sysnum = transport.sysnum;
  if (sysnum === undefined) return undefined;
  const conn = lookup(parent, 'iscsi_connection', `connection${sysnum}:0`);
  const addr = conn?.sysattr('persistent_address');
  const port = conn?.sysattr('persistent_port');
  if (addr === undefined || port === undefined) return undefined;
  prepend.add(`ip-${addr}:${port}-iscsi-${targetName}-${lunNumber(parent)}`);
  return parent;
}

/** handle_scsi_hyperv(): "vmbus-<device_id without braces and dashes>-lun-N". */
function handleScsiHyperv(parent: UdevDevice, prepend: PathBuilder, guidLen: number): UdevDevice | undefined {
  const host = ancestorOfType(parent, 'scsi', 'scsi_host');
  const guid = host?.parent?.sysattr('device_id');
  if (guid === undefined) return undefined;
  if (guid.length < guidLen || guid[0] !== '{' || guid[guidLen - 1] !== '}') return undefined;
  prepend.add(`vmbus-${guid.slice(1, guidLen - 1).replaceAll('-', '')}-${lunNumber(parent)}`);
  return parent;
}

/**
 * handle_scsi_ata(): "ata-PORT.TARGET" (or "ata-PORT.BUS.0" behind a port multiplier) from the
 * ata_port device named like the SCSI host's parent (ata3 → /sys/class/ata_port/ata3/port_no),
 * and the old "ata-PORT" form for ID_PATH_ATA_COMPAT.
 */
function handleScsiAta(parent: UdevDevice, prepend: PathBuilder, compat: PathBuilder): UdevDevice | undefined {
  const m = /^\s*\+?(\d+):\s*\+?(\d+):\s*\+?(\d+):\s*\+?(\d+)/.exec(parent.sysname);
  if (!m) return undefined;
  const hostdev = ancestorOfType(parent, 'scsi', 'scsi_host');
  const targetParent = hostdev?.parent;
  if (!targetParent) return undefined;
  const atadev = deviceFromSubsystemSysname(parent.fs, parent.db, 'ata_port', targetParent.sysname);
  const portNo = atadev?.sysattr('port_no');
  if (portNo === undefined) return undefined;
  const bus = Number(m[2]);
  prepend.add(bus !== 0 ? `ata-${portNo}.${bus}.0` : `ata-${portNo}.${Number(m[3])}`);
  compat.add(`ata-${portNo}`);
  return parent;
}

/** handle_scsi_tape(): st/nst mode suffix, only as the last element of the path. */
function handleScsiTape(dev: UdevDevice, prepend: PathBuilder): void {
  if (prepend.path !== undefined) return;
  const name = dev.sysname;
  if (name.startsWith('nst') && name.length > 3 && 'lma'.includes(name[3]!)) prepend.add(`nst${name[3]}`);
  else if (name.startsWith('st') && name.length > 2 && 'lma'.includes(name[2]!)) prepend.add(`st${name[2]}`);
}

/**
 * find_real_nvme_parent(): for a namespace head below nvme-subsystem (native multipath), the
 * controller `nvme<N>` in the nvme class named by the block device's sysname prefix; a
 * controller that is itself virtual (NVMe-oF) has no stable path (ENXIO).
 */
function findRealNvmeParent(dev: UdevDevice): UdevDevice | 'ENXIO' | 'ENODEV' {
  const m = /^nvme\d*/.exec(dev.sysname);
  if (!m) return 'ENXIO';
  const nvme = deviceFromSubsystemSysname(dev.fs, dev.db, 'nvme', m[0]);
  if (!nvme) return 'ENODEV';
  if (nvme.devpath.startsWith('/devices/virtual/')) return 'ENXIO';
  return nvme;
}

/** Buses that contribute "<bus>-<sysname>" and are then skipped: [supportedTransport, supportedParent]. */
const simpleBuses: Readonly<Record<string, readonly [transport: boolean, parent: boolean]>> = {
  pci: [false, true], // pci-0000:03:00.0
  platform: [true, true], // platform-serial8250
  acpi: [false, true], // acpi-PNP0A08:00
  xen: [false, true], // xen-vbd-51712
  scm: [true, true], // scm-…
  ccw: [true, true], // ccw-0.0.0001
  ccwgroup: [true, true], // ccwgroup-…
  iucv: [true, true], // iucv-…
};

function composeTag(path: string): string {
  let tag = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45;
    if (ok) {
      tag += path[i];
      continue;
    }
    // Skip leading '_' and avoid a second '_' in a row.
    if (tag.length === 0 || tag.endsWith('_')) continue;
    tag += '_';
  }
  while (tag.endsWith('_')) tag = tag.slice(0, -1);
  return tag;
}

function run(ctx: BuiltinContext): 'ENOENT' | 'ENXIO' | 'ENODEV' | undefined {
  const dev = ctx.dev;
  const prepend = new PathBuilder();
  // ID_PATH_ATA_COMPAT: started by an ATA element, then extended like ID_PATH.
  const compat = new PathBuilder();
  const addBoth = (part: string): void => {
    prepend.add(part);
    if (compat.path !== undefined) compat.add(part);
  };
  let supportedTransport = false;
  let supportedParent = false;
  for (let parent: UdevDevice | undefined = dev; parent;) {
    const subsys = parent.subsystem;
    if (subsys !== undefined) {
      const simple = simpleBuses[subsys];
      if (simple) {
        addBoth(`${subsys}-${parent.sysname}`);
        parent = skipSubsystem(parent, subsys);
        supportedTransport ||= simple[0];
        supportedParent ||= simple[1];
      } else if (subsys === 'scsi') {
        const supported: { parent: boolean } = { parent: supportedParent };
        const next = handleScsi(parent, prepend, compat, supported);
        supportedParent = supported.parent;
        supportedTransport = true;
        if (!next) break;
        parent = next;
      } else if (subsys === 'usb') {
        parent = handleUsb(parent, prepend);
        supportedTransport = true;
      } else if (subsys === 'virtio') {
        parent = skipSubsystem(parent, 'virtio');
        supportedTransport = true;
      } else if (subsys === 'scsi_tape') {
        handleScsiTape(parent, prepend);
      } else if (subsys === 'cciss') {
        const m = /^c(\d+)d(\d+)/.exec(parent.sysname);
        supportedTransport = true;
        if (!m) break;
        prepend.add(`cciss-disk${Number(m[2])}`);
        parent = skipSubsystem(parent, 'cciss');
      } else if (subsys === 'bcma') {
        const m = /^bcma\d+:(\d+)/.exec(parent.sysname);
        supportedTransport = true;
        if (!m) break;
        prepend.add(`bcma-${Number(m[1])}`);
      } else if (subsys === 'ap') {
        const type = parent.sysattr('type');
        const func = parent.sysattr('ap_functions');
        prepend.add(type !== undefined && func !== undefined ? `ap-${type}-${func}` : `ap-${parent.sysname}`);
        parent = skipSubsystem(parent, 'ap');
        supportedTransport = true;
        supportedParent = true;
      } else if (subsys === 'nvme' || subsys === 'nvme-subsystem') {
        // The namespace id is the event device's own attribute (partitions have none).
        const nsid = dev.sysattr('nsid');
        if (nsid !== undefined) {
          addBoth(`nvme-${nsid}`);
          if (subsys === 'nvme-subsystem') {
            const real = findRealNvmeParent(dev);
            if (typeof real === 'string') return real;
            parent = real;
          }
          parent = skipSubsystem(parent, 'nvme');
          supportedParent = true;
          supportedTransport = true;
        }
      } else if (subsys === 'serio' || subsys === 'spi') {
        const sysnum = parent.sysnum;
        if (sysnum !== undefined) {
          prepend.add(`${subsys === 'serio' ? 'serio' : 'cs'}-${sysnum}`);
          parent = skipSubsystem(parent, subsys);
        }
      }
    }
    parent = parent.parent;
  }
  const path = prepend.path;
  if (path === undefined || !supportedParent) return 'ENOENT';
  if (dev.subsystem === 'block' && !supportedTransport) return 'ENOENT';
  dev.addProperty('ID_PATH', path);
  dev.addProperty('ID_PATH_TAG', composeTag(path));
  if (compat.path !== undefined) dev.addProperty('ID_PATH_ATA_COMPAT', compat.path);
  return undefined;
}

export const pathIdBuiltin: Builtin = { name: 'path_id', runOnce: true, run };
