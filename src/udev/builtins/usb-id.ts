/**
 * The `usb_id` builtin (udev-builtin-usb_id.c, 252): identify the USB device above the event
 * device. Reads the `usb_interface` ancestor (bInterfaceNumber, driver, bInterfaceClass,
 * bInterfaceSubClass), the `usb_device` above it (idVendor, idProduct, manufacturer, product,
 * bcdDevice, serial, the binary `descriptors`) and, for SCSI/ATAPI mass storage, the
 * `scsi_device` ancestor (vendor, model, type, rev, its H:B:T:L name).
 *
 * Properties: ID_BUS=usb, ID_MODEL, ID_MODEL_ENC, ID_MODEL_ID, ID_SERIAL, ID_SERIAL_SHORT,
 * ID_VENDOR, ID_VENDOR_ENC, ID_VENDOR_ID, ID_REVISION, ID_TYPE, ID_INSTANCE (all skipped when
 * ID_BUS is already set), the same again prefixed ID_USB_, then ID_USB_INTERFACES,
 * ID_USB_INTERFACE_NUM and ID_USB_DRIVER. Fails with ENOENT when the device has no usb_interface
 * ancestor (and is no usb_device), or its attributes are missing.
 */
import type { UdevDevice } from '../device.js';
import { replaceWhitespace } from '../rules/format.js';
import { replaceChars } from '../udev-util.js';
import type { Builtin, BuiltinContext } from './builtin.js';
import { encodeDevnodeName, parentWithSubsystemDevtype } from './device-util.js';

/** set_usb_iftype(): the interface class as a type word. */
const IFTYPES: Readonly<Record<number, string>> = { 1: 'audio', 3: 'hid', 6: 'media', 7: 'printer', 8: 'storage', 9: 'hub', 0x0e: 'video' };

/** set_usb_mass_storage_ifsubtype(). */
const STORAGE_SUBTYPES: Readonly<Record<number, string>> = { 1: 'rbc', 2: 'atapi', 3: 'tape', 4: 'floppy', 6: 'scsi' };

/** set_scsi_type(). */
const SCSI_TYPES: Readonly<Record<number, string>> = { 0: 'disk', 0xe: 'disk', 1: 'tape', 4: 'optical', 7: 'optical', 0xf: 'optical', 5: 'cd' };

/** udev_replace_whitespace() then udev_replace_chars(…, NULL) into a char[64] buffer. */
function clean(s: string, size = 64): string {
  return replaceChars(replaceWhitespace(s, size - 1), undefined).value;
}

/** safe_atoi()/safe_atou(): a whole decimal number. */
function atoi(s: string): number | undefined {
  return /^\s*[-+]?\d+$/.test(s) ? Number(s) : undefined;
}

/**
 * dev_if_packed_info(): ":CCSSPP" for every distinct interface descriptor in `descriptors`,
 * joined and closed with ':'; empty when the file is missing, short or corrupt.
 */
export function packedInterfaces(dev: UdevDevice, log: (m: string) => void): string {
  const data = dev.fs.readFile(dev.syspath + '/descriptors');
  if (typeof data !== 'string') return '';
  const size = data.length;
  if (size < 18) {
    log(`Short read from "${dev.syspath}/descriptors"`);
    return '';
  }
  let out = '';
  let pos = 0;
  const max = 512 - 2; // UDEV_NAME_SIZE - 2
  while (pos + 9 < size && out.length + 7 < max) {
    const bLength = data.charCodeAt(pos);
    if (bLength < 3) break;
    if (bLength > size - 9) return '';
    const type = data.charCodeAt(pos + 1);
    const cls = data.charCodeAt(pos + 5);
    const sub = data.charCodeAt(pos + 6);
    const proto = data.charCodeAt(pos + 7);
    pos += bLength;
    if (type !== 4) continue;
    const hex = (n: number): string => n.toString(16).padStart(2, '0');
    const s = `:${hex(cls)}${hex(sub)}${hex(proto)}`;
    if (out.includes(s)) continue;
    out += s;
  }
  return out.length > 0 ? out + ':' : '';
}

function run(ctx: BuiltinContext): 'ENOENT' | 'EINVAL' | undefined {
  const { dev, host } = ctx;
  let vendor = '';
  let vendorEnc = '';
  let model = '';
  let modelEnc = '';
  let serial = '';
  let revision = '';
  let type = '';
  let instance = '';
  let ifnum: string | undefined;
  let driver: string | undefined;
  let packed: string;
  let usb: UdevDevice;
  const debug = (m: string): void => host.log('debug', m);

  if (dev.getDevtype() === 'usb_device') {
    packed = packedInterfaces(dev, (m) => host.log('warning', m));
    usb = dev;
  } else {
    const intf = parentWithSubsystemDevtype(dev, 'usb', 'usb_interface');
    if (!intf) {
      debug('Failed to access usb_interface: No such file or directory');
      return 'ENOENT';
    }
    ifnum = intf.sysattr('bInterfaceNumber');
    driver = intf.sysattr('driver');
    const ifClass = intf.sysattr('bInterfaceClass');
    if (ifClass === undefined) {
      debug('Failed to get bInterfaceClass attribute: No such file or directory');
      return 'ENOENT';
    }
    if (!/^\s*[0-9a-fA-F]+$/.test(ifClass)) {
      debug('Failed to parse if_class: Invalid argument');
      return 'EINVAL';
    }
    const classNum = Number.parseInt(ifClass, 16);
    let protocol = 0;
    if (classNum === 8) {
      const sub = intf.sysattr('bInterfaceSubClass');
      if (sub !== undefined) {
        const n = atoi(sub);
        protocol = n ?? 0;
        type = (n !== undefined ? STORAGE_SUBTYPES[n] : undefined) ?? 'generic';
      }
    } else type = IFTYPES[classNum] ?? 'generic';
    const u = parentWithSubsystemDevtype(intf, 'usb', 'usb_device');
    if (!u) {
      debug("Failed to find parent 'usb' device");
      return 'ENOENT';
    }
    usb = u;
    packed = packedInterfaces(usb, (m) => host.log('warning', m));
    if (protocol === 6 || protocol === 2) {
      scsi: {
        const scsi = parentWithSubsystemDevtype(dev, 'scsi', 'scsi_device');
        if (!scsi) break scsi;
        const m = /^\s*([-+]?\d+):\s*([-+]?\d+):\s*([-+]?\d+):\s*([-+]?\d+)/.exec(scsi.sysname);
        if (!m) break scsi;
        const sv = scsi.sysattr('vendor');
        if (sv === undefined) break scsi;
        vendorEnc = encodeDevnodeName(sv);
        vendor = clean(sv);
        const sm = scsi.sysattr('model');
        if (sm === undefined) break scsi;
        modelEnc = encodeDevnodeName(sm);
        model = clean(sm);
        const st = scsi.sysattr('type');
        if (st === undefined) break scsi;
        const tn = /^\s*\d+$/.test(st) ? Number(st) : undefined;
        type = (tn !== undefined ? SCSI_TYPES[tn] : undefined) ?? 'generic';
        const sr = scsi.sysattr('rev');
        if (sr === undefined) break scsi;
        revision = clean(sr);
        instance = `${Number(m[3])}:${Number(m[4])}`;
      }
    }
  }

  const vendorId = usb.sysattr('idVendor');
  if (vendorId === undefined) {
    debug('Failed to get idVendor attribute: No such file or directory');
    return 'ENOENT';
  }
  const productId = usb.sysattr('idProduct');
  if (productId === undefined) {
    debug('Failed to get idProduct attribute: No such file or directory');
    return 'ENOENT';
  }
  if (vendor.length === 0) {
    const v = usb.sysattr('manufacturer') ?? vendorId;
    vendorEnc = encodeDevnodeName(v);
    vendor = clean(v);
  }
  if (model.length === 0) {
    const m = usb.sysattr('product') ?? productId;
    modelEnc = encodeDevnodeName(m);
    model = clean(m);
  }
  if (revision.length === 0) {
    const r = usb.sysattr('bcdDevice');
    if (r !== undefined) revision = clean(r);
  }
  if (serial.length === 0) {
    const s = usb.sysattr('serial');
    // Serial numbers with control, non-ASCII bytes or ',' are not unique identifiers.
    if (s !== undefined && ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0x7f || c === ',')) serial = clean(s, 512);
  }
  let id = `${vendor}_${model}`;
  if (serial.length > 0) id += `_${serial}`;
  if (instance.length > 0) id += `-${instance}`;

  const add = (k: string, v: string): void => dev.addProperty(k, v);
  if (dev.getProperty('ID_BUS') !== undefined) debug('ID_BUS property is already set, setting only properties prefixed with "ID_USB_".');
  else {
    add('ID_BUS', 'usb');
    add('ID_MODEL', model);
    add('ID_MODEL_ENC', modelEnc);
    add('ID_MODEL_ID', productId);
    add('ID_SERIAL', id);
    if (serial.length > 0) add('ID_SERIAL_SHORT', serial);
    add('ID_VENDOR', vendor);
    add('ID_VENDOR_ENC', vendorEnc);
    add('ID_VENDOR_ID', vendorId);
    add('ID_REVISION', revision);
    if (type.length > 0) add('ID_TYPE', type);
    if (instance.length > 0) add('ID_INSTANCE', instance);
  }
  add('ID_USB_MODEL', model);
  add('ID_USB_MODEL_ENC', modelEnc);
  add('ID_USB_MODEL_ID', productId);
  add('ID_USB_SERIAL', id);
  if (serial.length > 0) add('ID_USB_SERIAL_SHORT', serial);
  add('ID_USB_VENDOR', vendor);
  add('ID_USB_VENDOR_ENC', vendorEnc);
  add('ID_USB_VENDOR_ID', vendorId);
  add('ID_USB_REVISION', revision);
  if (type.length > 0) add('ID_USB_TYPE', type);
  if (instance.length > 0) add('ID_USB_INSTANCE', instance);
  if (packed.length > 0) add('ID_USB_INTERFACES', packed);
  if (ifnum !== undefined) add('ID_USB_INTERFACE_NUM', ifnum);
  if (driver !== undefined) add('ID_USB_DRIVER', driver);
  return undefined;
}

export const usbIdBuiltin: Builtin = { name: 'usb_id', runOnce: true, run };
