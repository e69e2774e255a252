/**
 * Device helpers the builtins share: sd_device_get_parent_with_subsystem_devtype(),
 * encode_devnode_name() (device-nodes.c) and sd_device_new_from_device_id().
 */
import { UdevDevice } from '../device.js';
import { deviceFromSubsystemSysname } from '../udev-util.js';
import { utf8SequenceLength } from '../bytes.js';

/** The nearest ancestor (not the device itself) of that subsystem and, if given, devtype. */
export function parentWithSubsystemDevtype(dev: UdevDevice, subsystem: string, devtype?: string): UdevDevice | undefined {
  for (let p = dev.parent; p; p = p.parent) {
    if (p.subsystem !== subsystem) continue;
    if (devtype === undefined || p.getDevtype() === devtype) return p;
  }
  return undefined;
}

function whitelistedForDevnode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || '#+-.:=@_'.includes(String.fromCharCode(c));
}

/** encode_devnode_name(): valid UTF-8 and `[0-9A-Za-z#+-.:=@_]` kept, other bytes as `\xNN`. */
export function encodeDevnodeName(s: string): string {
  let out = '';
  for (let i = 0; i < s.length;) {
    const len = utf8SequenceLength(s, i);
    if (len > 1) {
      out += s.slice(i, i + len);
      i += len;
      continue;
    }
    const c = s.charCodeAt(i);
    if (c === 92 || !whitelistedForDevnode(c)) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += s[i];
    i++;
  }
  return out;
}

/** sd_device_new_from_device_id(): `b8:0`, `c13:64`, `+subsys:sysname` (ifindex ids: no netlink here). */
export function deviceFromId(dev: UdevDevice, id: string): UdevDevice | undefined {
  const m = /^([bc])(\d+):(\d+)$/.exec(id);
  const load = (syspath: string): UdevDevice | undefined => {
    const real = dev.fs.realpath(syspath);
    if (!real.startsWith('/')) return undefined;
    const d = UdevDevice.fromSyspath(dev.fs, dev.db, real);
    return typeof d === 'string' ? undefined : d;
  };
  if (m) return load(`/sys/dev/${m[1] === 'b' ? 'block' : 'char'}/${m[2]}:${m[3]}`);
  if (id.startsWith('+')) {
    const sep = id.indexOf(':');
    if (sep < 0) return undefined;
    return deviceFromSubsystemSysname(dev.fs, dev.db, id.slice(1, sep), id.slice(sep + 1));
  }
  return undefined;
}
