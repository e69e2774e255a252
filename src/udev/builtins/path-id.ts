/**
 * The `path_id` builtin (udev-builtin-path_id.c): compose ID_PATH/ID_PATH_TAG by walking from
 * the device to the root and prepending one element per bus that has a stable address (pci,
 * usb, platform, acpi, serio, spi, virtio, xen, ccw, …). Buses it does not know (auxiliary,
 * net, fwctl, …) are walked through silently, so an auxiliary device below 0000:03:00.0 gets
 * `pci-0000:03:00.0`. SCSI gives `scsi-H:B:T:L` (host rebased, and FireWire); its FC, SAS,
 * iSCSI, ATA and Hyper-V transports and NVMe are not modelled (no ID_PATH for them).
 */
import type { UdevDevice } from '../device.js';
import type { Builtin, BuiltinContext } from './builtin.js';

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
function handleScsi(parent: UdevDevice, prepend: PathBuilder, supported: { parent: boolean }): UdevDevice | undefined {
  if (parent.getDevtype() !== 'scsi_device') return parent;
  const id = parent.sysattr('ieee1394_id');
  if (id !== undefined) {
    prepend.add(`ieee1394-0x${id}`);
    supported.parent = true;
    return skipSubsystem(parent, 'scsi');
  }
  const name = parent.syspath;
  if (name.includes('/rport-') || name.includes('/end_device-') || name.includes('/session')) {
    supported.parent = true;
    return undefined;
  }
  if (name.includes('/ata') || name.includes('/vmbus_') || name.includes('/VMBUS')) return undefined;
  return handleScsiDefault(parent, prepend);
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

function run(ctx: BuiltinContext): 'ENOENT' | undefined {
  const dev = ctx.dev;
  const prepend = new PathBuilder();
  let supportedTransport = false;
  let supportedParent = false;
  for (let parent: UdevDevice | undefined = dev; parent;) {
    const subsys = parent.subsystem;
    if (subsys !== undefined) {
      const simple = simpleBuses[subsys];
      if (simple) {
        prepend.add(`${subsys}-${parent.sysname}`);
        parent = skipSubsystem(parent, subsys);
        supportedTransport ||= simple[0];
        supportedParent ||= simple[1];
      } else if (subsys === 'scsi') {
        const supported: { parent: boolean } = { parent: supportedParent };
        const next = handleScsi(parent, prepend, supported);
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
  return undefined;
}

export const pathIdBuiltin: Builtin = { name: 'path_id', runOnce: true, run };
