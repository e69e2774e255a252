/**
 * `udevadm trigger` (udevadm-trigger.c, 252) as a library call: enumerate devices (or modules,
 * buses and drivers), print each syspath with --verbose, and unless --dry-run write the action
 * (default `change`) to the device's `uevent` file as root, so the kernel sends a synthetic
 * uevent; write errors are reported per device and the walk goes on (EROFS stops it).
 */
import type { UdevDatabase } from '../database.js';
import { bytesToText } from '../bytes.js';
import { deviceActions } from '../device.js';
import { type EnumerationType, type EnumeratorMatches, enumerateDevices } from '../device-enumerator.js';
import { strerrorName } from '../diagnostics.js';
import { type FsError, SysfsAccess } from '../sources/sysfs-access.js';
import type { SysfsSource } from '../sources/sysfs-source.js';
import type { UdevadmResult } from './udevadm-info.js';

export interface TriggerHost {
  /** /sys as root: the enumeration reads it, the trigger writes `uevent` files through it. */
  readonly sysfs: SysfsSource;
  readonly db: UdevDatabase;
  /** `--settle`: wait until the triggered events are processed. */
  settle?(): void;
}

export interface UdevadmTriggerOptions {
  /** -c ACTION (default change); `help` lists the actions. */
  readonly action?: string;
  /** -t devices|subsystems|all (default devices). */
  readonly type?: EnumerationType;
  readonly matches?: EnumeratorMatches;
  /** -n. */
  readonly dryRun?: boolean;
  /** -v. */
  readonly verbose?: boolean;
  /** -q: failures to write are logged at debug level only. */
  readonly quiet?: boolean;
  /** -w. */
  readonly settle?: boolean;
}

/** `ATTR[=VALUE]` as -a/-A take it (keyval(): split at the first '='). */
export function parseKeyValue(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

/** The syspaths `udevadm trigger` walks for these options, in order. */
export function triggerTargets(host: TriggerHost, o: UdevadmTriggerOptions = {}): string[] {
  const fs = new SysfsAccess(host.sysfs);
  return enumerateDevices(fs, host.db, o.matches ?? {}, o.type ?? 'devices').map((d) => bytesToText(d.syspath));
}

/** What a trigger did: every device walked, those whose `uevent` write succeeded, the failures. */
export interface UdevadmTriggerResult extends UdevadmResult {
  readonly devices: readonly string[];
  readonly triggered: readonly string[];
  readonly failures: readonly { readonly syspath: string; readonly errno: FsError }[];
}

/** trigger_main() after option parsing. */
export function udevadmTrigger(host: TriggerHost, o: UdevadmTriggerOptions = {}): UdevadmTriggerResult {
  const action = o.action ?? 'change';
  if (action === 'help') return { out: `${deviceActions.join('\n')}\n`, err: '', status: 0, devices: [], triggered: [], failures: [] };
  if (!(deviceActions as readonly string[]).includes(action))
    return { out: '', err: `Unknown action '${action}'\n`, status: 2, devices: [], triggered: [], failures: [] };
  const fs = new SysfsAccess(host.sysfs);
  const devices = enumerateDevices(fs, host.db, o.matches ?? {}, o.type ?? 'devices');
  let out = '';
  let err = '';
  let status: 0 | 1 = 0;
  const triggered: string[] = [];
  const walked = devices.map((d) => bytesToText(d.syspath));
  const failures: { syspath: string; errno: FsError }[] = [];
  for (const dev of devices) {
    const syspath = bytesToText(dev.syspath);
    if (o.verbose) out += `${syspath}\n`;
    if (o.dryRun) continue;
    const r = fs.writeFile(`${dev.syspath}/uevent`, action);
    if (r === undefined) {
      triggered.push(syspath);
      continue;
    }
    failures.push({ syspath, errno: r });
    const ignore = r === 'ENOENT' || r === 'ENODEV';
    const shown = !o.quiet && r !== 'ENOENT';
    if (shown)
      err += `${bytesToText(dev.sysname)}: Failed to write '${action}' to '${syspath}/uevent'${ignore ? ', ignoring' : ''}: ${strerrorName(r)}\n`;
    if (r === 'EROFS') return { out, err, status: 1, devices: walked, triggered, failures };
    if (!ignore) status = 1;
  }
  if (o.settle && !o.dryRun) host.settle?.();
  return { out, err, status, devices: walked, triggered, failures };
}
