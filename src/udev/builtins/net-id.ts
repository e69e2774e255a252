/**
 * The `net_id` builtin (udev-builtin-net_id.c) for naming scheme v252: ID_NET_NAMING_SCHEME,
 * ID_NET_NAME_MAC, and for a netdev whose direct parent is a PCI function the onboard
 * (o<index>), slot (s<slot>) and path (p<bus>s<slot>[f<fn>][n<port>|d<devport>]) names, with
 * SR-IOV `v<n>` suffixes, ARI function numbering and the hotplug-slot lookup in
 * /sys/bus/pci/slots; USB (`…u<port>[c<cfg>][i<if>]`) and BCMA names below a PCI ancestor; the
 * OUI lookup (ID_OUI_FROM_DATABASE via hwdb "OUI:<MAC>"); CCW bus ids, VIO slots, ACPI platform
 * names, netdevsim and Xen VIF names. Devicetree aliases (/proc/device-tree) are not modelled.
 */
import { UdevDevice } from '../device.js';
import { safeAtoi } from '../udev-util.js';
import type { Builtin, BuiltinContext } from './builtin.js';
import { parentWithSubsystemDevtype } from './device-util.js';
import { hwdbLookupInto } from './hwdb.js';

/** Naming scheme flags (netif-naming-scheme.h). */
const Naming = {
  SR_IOV_V: 1 << 0, // "v" suffix for SR-IOV virtual functions
  NPAR_ARI: 1 << 1, // ARI function numbering
  INFINIBAND: 1 << 2, // "ib" prefix
  ZERO_ACPI_INDEX: 1 << 3, // acpi_index 0 is valid
  ALLOW_RERENAMES: 1 << 4, // renaming twice
  STABLE_VIRTUAL_MACS: 1 << 5, // MAC from name
  NETDEVSIM: 1 << 6, // netdevsim names
  LABEL_NOPREFIX: 1 << 7, // no prefix for ID_NET_LABEL_ONBOARD
  NSPAWN_LONG_HASH: 1 << 8, // nspawn names
  BRIDGE_NO_SLOT: 1 << 9, // no slot from a bridge's hotplug slot
  SLOT_FUNCTION_ID: 1 << 10, // s390 function_id slots
  INDEX_16BIT: 1 << 11, // onboard index up to 65535
  REPLACE_STRICTLY: 1 << 12, // udev_replace_ifname for NAME=
  XEN_VIF: 1 << 13, // Xen netfront names
  BRIDGE_MULTIFUNCTION_SLOT: 1 << 14, // bridge slot only for multifunction devices
  DEVICETREE_ALIASES: 1 << 15, // devicetree aliases
} as const;

const v238 = 0;
const v239 = v238 | Naming.SR_IOV_V | Naming.NPAR_ARI;
const v240 = v239 | Naming.INFINIBAND | Naming.ZERO_ACPI_INDEX | Naming.ALLOW_RERENAMES;
const v241 = v240 | Naming.STABLE_VIRTUAL_MACS;
const v243 = v241 | Naming.NETDEVSIM | Naming.LABEL_NOPREFIX;
const v245 = v243 | Naming.NSPAWN_LONG_HASH;
const v247 = v245 | Naming.BRIDGE_NO_SLOT;
const v249 = v247 | Naming.SLOT_FUNCTION_ID | Naming.INDEX_16BIT | Naming.REPLACE_STRICTLY;
const v250 = v249 | Naming.XEN_VIF;
const v251 = v250 | Naming.BRIDGE_MULTIFUNCTION_SLOT;
const v252 = v251 | Naming.DEVICETREE_ALIASES;

/** The schemes 252 knows, by name. */
const schemes: ReadonlyArray<readonly [string, number]> = [
  ['v238', v238],
  ['v239', v239],
  ['v240', v240],
  ['v241', v241],
  ['v243', v243],
  ['v245', v245],
  ['v247', v247],
  ['v249', v249],
  ['v250', v250],
  ['v251', v251],
  ['v252', v252],
];

const schemeCache = new Map<string, { name: string; flags: number }>();

/** The naming scheme in force: net.naming-scheme= on the command line, else v252 (Debian's default). */
export function namingScheme(cmdline: string): { name: string; flags: number } {
  let r = schemeCache.get(cmdline);
  if (!r) {
    r = computeNamingScheme(cmdline);
    schemeCache.set(cmdline, r);
  }
  return r;
}

function computeNamingScheme(cmdline: string): { name: string; flags: number } {
  let chosen: string | undefined;
  for (const word of cmdline.split(/\s+/)) {
    const m = /^net[._-]naming[._-]scheme=(.*)$/.exec(word);
    if (m) chosen = m[1];
  }
  if (chosen === 'latest') chosen = 'v252';
  const found = schemes.find(([n]) => n === chosen);
  const [name, flags] = found ?? ['v252', v252];
  return { name, flags };
}

/** ARPHRD_* values net_id handles. */
const ARPHRD_ETHER = 1;
const ARPHRD_SLIP = 256;
const ARPHRD_INFINIBAND = 32;
const NET_ADDR_PERM = 0;

/** device_get_sysattr_int(): safe_atoi of the attribute. */
function attrInt(dev: UdevDevice, name: string): number | undefined {
  const v = dev.sysattr(name);
  if (v === undefined) return undefined;
  return safeAtoi(v);
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** parse_hw_addr(): bytes separated by ':', '-' or '.' (one or two hex digits each). */
function parseHwAddr(s: string): number[] | undefined {
  const out: number[] = [];
  let cur = -1;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 58;
    if (c === 58 || c === 45 || c === 46) {
      if (digits === 0) return undefined;
      out.push(cur);
      cur = -1;
      digits = 0;
      continue;
    }
    const d = hexDigit(c);
    if (d < 0 || digits === 2) return undefined;
    cur = digits === 0 ? d : cur * 16 + d;
    digits++;
  }
  return out;
}

const HEX = '0123456789abcdef';
const HEX_UPPER = '0123456789ABCDEF';

/** Bytes as lowercase hex, two digits each. */
function hexBytes(bytes: readonly number[]): string {
  let out = '';
  for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!;
  return out;
}

/** A PCI function name split into its numbers ("0000:03:00.1"), or undefined. */
interface PciAddress {
  readonly domain: number;
  readonly bus: number;
  readonly slot: number;
  readonly func: number;
}
const pciAddresses = new Map<string, PciAddress | undefined>();

function parsePciAddress(sysname: string): PciAddress | undefined {
  if (pciAddresses.has(sysname)) return pciAddresses.get(sysname);
  const m = /^([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+)\.(\d+)/.exec(sysname);
  const a = m
    ? { domain: Number.parseInt(m[1]!, 16), bus: Number.parseInt(m[2]!, 16), slot: Number.parseInt(m[3]!, 16), func: Number(m[4]) }
    : undefined;
  if (pciAddresses.size > 4096) pciAddresses.clear();
  pciAddresses.set(sysname, a);
  return a;
}

/** Multi-function bit of the PCI header type byte (config offset 0x0e). */
function isPciMultifunction(pci: UdevDevice): boolean {
  const data = pci.fs.readFile(pci.filePath('config'));
  if (typeof data !== 'string' || data.length < 15) return false;
  return (data.charCodeAt(14) & 0x80) !== 0;
}

function isPciAriEnabled(pci: UdevDevice): boolean {
  return pci.sysattr('ari_enabled') === '1';
}

function isPciBridge(pci: UdevDevice): boolean {
  const v = pci.sysattr('modalias');
  if (v === undefined || !v.startsWith('pci:')) return false;
  const p = v.lastIndexOf('s');
  if (p < 0 || v[p + 1] !== 'c') return false;
  return v.slice(p + 2, p + 4) === '04';
}

interface PciNames {
  onboard: string;
  onboardLabel: string | undefined;
  path: string;
  slot: string;
}

/** Ports suffix: n<phys_port_name> or d<dev_port>. */
function portSuffix(physPortName: string | undefined, devPort: number): string {
  if (physPortName) return `n${physPortName}`;
  if (devPort > 0) return `d${devPort}`;
  return '';
}

function devPortOf(dev: UdevDevice, iftype: number): number {
  let port = 0;
  const a = dev.sysattr('dev_port');
  if (a !== undefined) {
    port = /^\d+$/.test(a) ? Number(a) : 0;
    if (port === 0 && iftype === ARPHRD_INFINIBAND) {
      const id = dev.sysattr('dev_id');
      if (id !== undefined && /^\d+$/.test(id)) port = Number(id);
    }
  }
  return port;
}

/** dev_pci_onboard(): o<index> from acpi_index or SMBIOS index. */
function pciOnboard(dev: UdevDevice, pci: UdevDevice, flags: number, ppn: string | undefined, names: PciNames): void {
  const attr = pci.sysattr('acpi_index') ?? pci.sysattr('index');
  if (attr === undefined || !/^\d+$/.test(attr.trim())) return;
  const idx = Number(attr.trim());
  if (idx === 0 && !(flags & Naming.ZERO_ACPI_INDEX)) return;
  if (idx > (flags & Naming.INDEX_16BIT ? 0xffff : 0x3fff)) return;
  let port = 0;
  const dp = dev.sysattr('dev_port');
  if (dp !== undefined && /^\d+$/.test(dp)) port = Number(dp);
  names.onboard = `o${idx}${portSuffix(ppn, port)}`;
  names.onboardLabel = pci.sysattr('label');
}

/** dev_pci_slot(): p<bus>s<slot>… and the hotplug slot name. */
function pciSlot(dev: UdevDevice, pci: UdevDevice, flags: number, ppn: string | undefined, iftype: number, names: PciNames): void {
  const pciAddress = parsePciAddress(pci.sysname);
  if (!pciAddress) return;
  let domain = pciAddress.domain;
  const { bus, slot } = pciAddress;
  let func = pciAddress.func;
  if (flags & Naming.NPAR_ARI && isPciAriEnabled(pci)) func += slot * 8;
  const devPort = devPortOf(dev, iftype);
  names.path = `${domain > 0 ? `P${domain}` : ''}p${bus}s${slot}${func > 0 || isPciMultifunction(pci) ? `f${func}` : ''}${portSuffix(ppn, devPort)}`;
  // ACPI _SUN: /sys/bus/pci/slots/<n>/address matched against the function or its bridges.
  const slotsDir = '/sys/bus/pci/slots';
  const entries = dev.fs.readdir(slotsDir);
  if (!entries) return;
  let hotplugSlot = 0;
  for (let hp: UdevDevice | undefined = pci; hp; hp = hp.parentWithSubsystem('pci')) {
    const fid = hp.sysattr('function_id');
    if (flags & Naming.SLOT_FUNCTION_ID && fid !== undefined && /^\d+$/.test(fid)) {
      const id = Number(fid);
      const dir = id.toString(16).padStart(8, '0');
      if (id > 0 && id <= 0xffffffff && entries.includes(dir)) {
        hotplugSlot = id;
        domain = 0;
        break;
      }
    }
    for (const name of entries) {
      if (!/^\d+$/.test(name) || Number(name) <= 0) continue;
      const data = dev.fs.readFile(`${slotsDir}/${name}/address`);
      if (typeof data !== 'string') continue;
      const address = data.replace(/[\n\r]+$/, '');
      if (!hp.sysname.startsWith(address)) continue;
      hotplugSlot = Number(name);
      if (flags & Naming.BRIDGE_NO_SLOT && isPciBridge(hp)) {
        if (flags & Naming.BRIDGE_MULTIFUNCTION_SLOT && !isPciMultifunction(pci)) return;
        if (!(flags & Naming.BRIDGE_MULTIFUNCTION_SLOT)) return;
      }
      break;
    }
    if (hotplugSlot > 0) break;
  }
  if (hotplugSlot > 0)
    names.slot = `${domain > 0 ? `P${domain}` : ''}s${hotplugSlot}${func > 0 || isPciMultifunction(pci) ? `f${func}` : ''}${portSuffix(ppn, devPort)}`;
}

/** get_virtfn_info(): for an SR-IOV VF, its PF and the "v<n>" suffix. */
function virtfnInfo(pci: UdevDevice): { pf: UdevDevice; suffix: string } | undefined {
  if (!pci.fs.lstat(pci.filePath('physfn'))) return undefined;
  const pfPath = pci.fs.realpath(pci.filePath('physfn'));
  if (pfPath.charCodeAt(0) !== 47) return undefined;
  const pfDev = UdevDevice.fromSyspath(pci.fs, pci.db, pfPath);
  if (typeof pfDev === 'string') return undefined;
  for (const name of pci.fs.readdir(pfPath) ?? []) {
    const n = name.startsWith('virtfn') ? name.slice(6) : '';
    if (!/^\d+$/.test(n)) continue;
    if (pci.fs.realpath(`${pfPath}/${name}`) === pci.syspath) return { pf: pfDev, suffix: `v${n}` };
  }
  return undefined;
}

function run(ctx: BuiltinContext): 'EINVAL' | 'ENOENT' | undefined {
  const dev = ctx.dev;
  const ifindex = dev.getIfindex();
  if (ifindex === undefined) return 'ENOENT';
  const iflink = attrInt(dev, 'iflink');
  const iftype = attrInt(dev, 'type');
  if (iflink === undefined || iftype === undefined) return 'ENOENT';
  const devtype = dev.getDevtype();
  const ppn = dev.sysattr('phys_port_name');
  const address = dev.sysattr('address');
  const hw = address === undefined ? undefined : parseHwAddr(address);
  if (ifindex !== iflink) return undefined;
  const { name: schemeName, flags } = namingScheme(ctx.host.cmdline);
  let prefix: string;
  switch (iftype) {
    case ARPHRD_ETHER:
      prefix = 'en';
      break;
    case ARPHRD_INFINIBAND:
      if (!(flags & Naming.INFINIBAND)) return undefined;
      prefix = 'ib';
      break;
    case ARPHRD_SLIP:
      prefix = 'sl';
      break;
    default:
      return undefined;
  }
  if (devtype === 'wlan') prefix = 'wl';
  else if (devtype === 'wwan') prefix = 'ww';
  dev.addProperty('ID_NET_NAMING_SCHEME', schemeName);
  if (iftype !== ARPHRD_INFINIBAND && hw && hw.length === 6) {
    const aat = dev.sysattr('addr_assign_type');
    if (aat !== undefined && /^\d+$/.test(aat) && Number(aat) === NET_ADDR_PERM) {
      dev.addProperty('ID_NET_NAME_MAC', `${prefix}x${hexBytes(hw)}`);
      ieeeOui(ctx, hw);
    }
  }
  // The bus-specific names, each ending the builtin when it applies (252's order).
  const direct = dev.parent;
  const ccw = ccwName(dev);
  if (ccw !== undefined) {
    dev.addProperty('ID_NET_NAME_PATH', prefix + ccw);
    return undefined;
  }
  if (direct?.subsystem === 'vio') {
    const m = /^\/sys\/devices\/vio\/[0-9a-fA-F]{1,4}([0-9a-fA-F]{1,4})\/net\/eth\d+/.exec(dev.syspath);
    if (m) {
      dev.addProperty('ID_NET_NAME_SLOT', `${prefix}v${Number.parseInt(m[1]!, 16)}`);
      return undefined;
    }
  }
  if (direct?.subsystem === 'platform') {
    const name = platformName(dev.syspath);
    if (name !== undefined) {
      dev.addProperty('ID_NET_NAME_PATH', prefix + name);
      return undefined;
    }
  }
  if (flags & Naming.NETDEVSIM && ppn !== undefined && ppn.length > 0) {
    const sim = parentWithSubsystemDevtype(dev, 'netdevsim');
    const m = sim ? /^netdevsim(\d+)/.exec(sim.sysname) : null;
    if (m) {
      dev.addProperty('ID_NET_NAME_PATH', `${prefix}i${Number(m[1])}n${ppn}`);
      return undefined;
    }
  }
  if (flags & Naming.XEN_VIF && direct?.subsystem === 'xen') {
    const m = /^\/sys\/devices\/vif-(0|[1-9]\d*)\//.exec(dev.syspath);
    if (m) {
      dev.addProperty('ID_NET_NAME_SLOT', `${prefix}X${Number(m[1])}`);
      return undefined;
    }
  }
  // names_pci(): the direct parent (virtio skipped) when it is PCI, else the nearest PCI ancestor.
  let parent = dev.parent;
  while (parent && parent.subsystem === 'virtio') parent = parent.parent;
  if (!parent) return undefined;
  const directPci = parent.subsystem === 'pci';
  const pcidev = directPci ? parent : parentWithSubsystemDevtype(dev, 'pci');
  if (!pcidev) return undefined;
  const names: PciNames = { onboard: '', onboardLabel: undefined, path: '', slot: '' };
  const vf = flags & Naming.SR_IOV_V ? virtfnInfo(pcidev) : undefined;
  if (vf) {
    const vfNames: PciNames = { onboard: '', onboardLabel: undefined, path: '', slot: '' };
    pciOnboard(dev, vf.pf, flags, ppn, vfNames);
    pciSlot(dev, vf.pf, flags, ppn, iftype, vfNames);
    if (vfNames.onboard) names.onboard = vfNames.onboard + vf.suffix;
    if (vfNames.slot) names.slot = vfNames.slot + vf.suffix;
    if (vfNames.path) names.path = vfNames.path + vf.suffix;
  } else {
    pciOnboard(dev, pcidev, flags, ppn, names);
    pciSlot(dev, pcidev, flags, ppn, iftype, names);
  }
  if (directPci) {
    if (names.onboard) dev.addProperty('ID_NET_NAME_ONBOARD', prefix + names.onboard);
    if (names.onboardLabel !== undefined) dev.addProperty('ID_NET_LABEL_ONBOARD', (flags & Naming.LABEL_NOPREFIX ? '' : prefix) + names.onboardLabel);
    if (names.path) dev.addProperty('ID_NET_NAME_PATH', prefix + names.path);
    if (names.slot) dev.addProperty('ID_NET_NAME_SLOT', prefix + names.slot);
    return undefined;
  }
  const usb = usbPorts(dev);
  if (usb !== undefined) {
    if (names.path) dev.addProperty('ID_NET_NAME_PATH', prefix + names.path + usb);
    if (names.slot) dev.addProperty('ID_NET_NAME_SLOT', prefix + names.slot + usb);
    return undefined;
  }
  const bcma = bcmaCore(dev);
  if (bcma !== undefined) {
    if (names.path) dev.addProperty('ID_NET_NAME_PATH', prefix + names.path + bcma);
    if (names.slot) dev.addProperty('ID_NET_NAME_SLOT', prefix + names.slot + bcma);
  }
  return undefined;
}

/** names_ccw(): "c<bus id without leading 0 and .>" for a (grouped) CCW parent, virtio skipped. */
function ccwName(dev: UdevDevice): string | undefined {
  let c = dev.parent;
  while (c && c.subsystem === 'virtio') c = c.parent;
  if (!c || (c.subsystem !== 'ccw' && c.subsystem !== 'ccwgroup')) return undefined;
  const id = c.sysname;
  if (id.length !== 8 && id.length !== 9) return undefined;
  let start = 0;
  while (start < id.length && (id[start] === '.' || id[start] === '0')) start++;
  return 'c' + id.slice(start < id.length ? start : id.length - 1);
}

/**
 * names_platform(): ACPI-named platform devices, /sys/devices/platform/VVVVMMMM:II/net/ethN
 * (4-character ACPI or 3-character PNP vendor) → "a<vendor lowercased><model hex>i<instance>".
 */
function platformName(syspath: string): string | undefined {
  const base = '/sys/devices/platform/';
  if (syspath.length < base.length + 8 + 1) return undefined;
  const four = syspath[base.length + 8] === ':';
  const re = four
    ? /^\/sys\/devices\/platform\/([^\s]{4})([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,2})\/net\/eth\d+/
    : /^\/sys\/devices\/platform\/([^\s]{3})([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,2})\/net\/eth\d+/;
  const m = re.exec(syspath);
  if (!m) return undefined;
  const vendor = m[1]!;
  if (!(four ? /^[A-Z0-9]+$/ : /^[A-Z]+$/).test(vendor)) return undefined;
  return `a${vendor.toLowerCase()}${Number.parseInt(m[2]!, 16).toString(16)}i${Number.parseInt(m[3]!, 16)}`;
}

/**
 * names_usb(): "u<port>[u<port>…][c<config>][i<interface>]" from the usb_interface ancestor's
 * name (1-2.3:1.0 → u2u3; config 1 and interface 0 are left out).
 */
function usbPorts(dev: UdevDevice): string | undefined {
  const intf = parentWithSubsystemDevtype(dev, 'usb', 'usb_interface');
  if (!intf) return undefined;
  const m = /^[^-]*-([^:]*):([^.]*)\.(.*)$/.exec(intf.sysname);
  if (!m) return undefined;
  let s = 'u' + m[1]!.replaceAll('.', 'u');
  if (m[2] !== '1') s += 'c' + m[2];
  if (m[3] !== '0') s += 'i' + m[3];
  return s;
}

/** names_bcma(): "b<core>" for a Broadcom bus core other than 0. */
function bcmaCore(dev: UdevDevice): string | undefined {
  const b = parentWithSubsystemDevtype(dev, 'bcma');
  if (!b) return undefined;
  const m = /^bcma\d+:(\d+)$/.exec(b.sysname);
  if (!m) return undefined;
  return Number(m[1]) > 0 ? `b${Number(m[1])}` : '';
}

/** ieee_oui(): ID_OUI_FROM_DATABASE for the MAC address (not the misused 00:00:00 prefix). */
function ieeeOui(ctx: BuiltinContext, hw: readonly number[]): void {
  if (hw.length !== 6 || (hw[0] === 0 && hw[1] === 0 && hw[2] === 0)) return;
  // Without a database the lookup finds nothing: the key is not worth composing.
  if (!ctx.host.hwdb) return;
  let str = 'OUI:';
  for (const b of hw) str += HEX_UPPER[b >> 4]! + HEX_UPPER[b & 15]!;
  hwdbLookupInto(ctx.dev, ctx.host.hwdb, undefined, str, undefined);
}

export const netIdBuiltin: Builtin = { name: 'net_id', runOnce: false, run };
