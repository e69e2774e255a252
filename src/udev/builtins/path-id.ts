/**
 * The `path_id` builtin (udev-builtin-path_id.c): compose ID_PATH/ID_PATH_TAG by walking from
 * the device to the root and prepending one element per bus that has a stable address (pci,
 * usb, platform, acpi, serio, spi, virtio, xen, ccw, …). Buses it does not know (auxiliary,
 * net, fwctl, …) are walked through silently, so an auxiliary device below 0000:03:00.0 gets
 * `pci-0000:03:00.0`. SCSI/ATA/NVMe transports are not modelled (no ID_PATH for them).
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

function handleUsb(parent: UdevDevice, prepend: (s: string) => void): UdevDevice {
  const devtype = parent.getDevtype();
  if (devtype !== 'usb_interface' && devtype !== 'usb_device') return parent;
  const name = parent.sysname;
  const dash = name.indexOf('-');
  if (dash < 0) return parent;
  prepend(`usb-0:${name.slice(dash + 1)}`);
  return skipSubsystem(parent, 'usb');
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
  let path: string | undefined;
  let supportedTransport = false;
  let supportedParent = false;
  const prepend = (s: string): void => {
    path = path === undefined ? s : `${s}-${path}`;
  };
  for (let parent: UdevDevice | undefined = dev; parent; ) {
    const subsys = parent.subsystem;
    if (subsys !== undefined) {
      const simple = simpleBuses[subsys];
      if (simple) {
        prepend(`${subsys}-${parent.sysname}`);
        parent = skipSubsystem(parent, subsys);
        supportedTransport ||= simple[0];
        supportedParent ||= simple[1];
      } else if (subsys === 'usb') {
        parent = handleUsb(parent, prepend);
        supportedTransport = true;
      } else if (subsys === 'virtio') {
        parent = skipSubsystem(parent, 'virtio');
        supportedTransport = true;
      } else if (subsys === 'serio' || subsys === 'spi') {
        const sysnum = parent.sysnum;
        if (sysnum !== undefined) {
          prepend(`${subsys === 'serio' ? 'serio' : 'cs'}-${sysnum}`);
          parent = skipSubsystem(parent, subsys);
        }
      }
    }
    parent = parent.parent;
  }
  if (path === undefined || !supportedParent) return 'ENOENT';
  if (dev.subsystem === 'block' && !supportedTransport) return 'ENOENT';
  dev.addProperty('ID_PATH', path);
  dev.addProperty('ID_PATH_TAG', composeTag(path));
  return undefined;
}

export const pathIdBuiltin: Builtin = { name: 'path_id', runOnce: true, run };
