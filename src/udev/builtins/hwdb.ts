/**
 * The `hwdb` builtin (udev-builtin-hwdb.c, 252): `hwdb [--filter=GLOB] [--device=ID]
 * [--subsystem=S] [--lookup-prefix=P] [MODALIAS]`.
 *
 * With a MODALIAS argument it looks that string up (prefixed). Otherwise it walks from the
 * device (or --device) to the root, skipping devices without a subsystem or of another
 * subsystem than --subsystem, and looks up each one's MODALIAS property; a USB `usb_device`
 * without one gets `usb:vVVVVpPPPP:PRODUCT` and ends the walk (its parents are hubs). The first
 * device with properties wins. Properties whose key does not match --filter (fnmatch,
 * FNM_NOESCAPE) are skipped. Failures: no database EINVAL; nothing found ENODATA; an unknown
 * --device ENODEV.
 */
import type { UdevDevice } from '../device.js';
import { glibcFnmatch } from '../rules/fnmatch.js';
import type { Builtin, BuiltinContext, HwdbLookup } from './builtin.js';
import { deviceFromId } from './device-util.js';
import { parseLongOptions } from './getopt.js';

/** udev_builtin_hwdb_lookup(): add the properties of prefix+modalias; returns how many. */
export function hwdbLookupInto(
  dev: UdevDevice,
  hwdb: HwdbLookup | undefined,
  prefix: string | undefined,
  modalias: string,
  filter: string | undefined,
): number {
  if (!hwdb) return -1;
  let n = 0;
  for (const [k, v] of hwdb.lookup((prefix ?? '') + modalias)) {
    // FNM_NOESCAPE: backslashes in the filter are literal.
    if (filter !== undefined && !glibcFnmatch(filter.replaceAll('\\', '\\\\'), k)) continue;
    dev.addProperty(k, v);
    n++;
  }
  return n;
}

/** safe_atoux16(): a hex number that fits 16 bits (leading whitespace, optional 0x). */
function atoux16(s: string): number | undefined {
  const m = /^\s*(?:0[xX])?([0-9a-fA-F]+)$/.exec(s);
  if (!m) return undefined;
  const v = Number.parseInt(m[1]!, 16);
  return v <= 0xffff ? v : undefined;
}

function modaliasUsb(d: UdevDevice): string | undefined {
  const v = d.sysattr('idVendor');
  const p = d.sysattr('idProduct');
  if (v === undefined || p === undefined) return undefined;
  const vn = atoux16(v);
  const pn = atoux16(p);
  if (vn === undefined || pn === undefined) return undefined;
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  return `usb:v${hex(vn)}p${hex(pn)}:${d.sysattr('product') ?? ''}`;
}

function run(ctx: BuiltinContext): 'EINVAL' | 'ENODATA' | 'ENODEV' | undefined {
  const { dev, host } = ctx;
  if (!host.hwdb) return 'EINVAL';
  const { options, operands } = parseLongOptions(ctx.argv, { f: 'filter', d: 'device', s: 'subsystem', p: 'lookup-prefix' });
  const filter = options.get('f');
  const prefix = options.get('p');
  if (operands.length > 0) {
    const n = hwdbLookupInto(dev, host.hwdb, prefix, operands[0]!, filter);
    if (n === 0) {
      host.log('debug', 'No entry found from hwdb.');
      return 'ENODATA';
    }
    return undefined;
  }
  let src: UdevDevice = dev;
  const id = options.get('d');
  if (id !== undefined) {
    const d = deviceFromId(dev, id);
    if (!d) {
      host.log('debug', `Failed to create sd_device object '${id}': No such device`);
      return 'ENODEV';
    }
    src = d;
  }
  const subsystem = options.get('s');
  let n = 0;
  for (let d: UdevDevice | undefined = src; d; d = d.parent) {
    const dsubsys = d.subsystem;
    if (dsubsys === undefined) continue;
    if (subsystem !== undefined && dsubsys !== subsystem) continue;
    let modalias = d.getProperty('MODALIAS');
    let last = false;
    if (dsubsys === 'usb' && d.getDevtype() === 'usb_device') {
      modalias ??= modaliasUsb(d);
      last = true;
    }
    if (modalias === undefined) continue;
    n = hwdbLookupInto(dev, host.hwdb, prefix, modalias, filter);
    if (n > 0 || last) break;
  }
  if (n === 0) {
    host.log('debug', 'No entry found from hwdb.');
    return 'ENODATA';
  }
  return undefined;
}

export const hwdbBuiltin: Builtin = { name: 'hwdb', runOnce: false, run };
