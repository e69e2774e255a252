/**
 * `udevadm monitor` (udevadm-monitor.c, 252) as a library call: the banner, then one line per
 * kernel uevent and/or processed udev event in arrival order, with `--property` the received
 * properties and a blank line after each; `--subsystem-match=SUBSYSTEM[/DEVTYPE]` and
 * `--tag-match=TAG` filter. Over a recorded MonitorLog, since a simulated boot has already run.
 */
import { type MonitorFilter, type MonitorGroup, type MonitorMessage, formatMonitorLine, monitorPassesFilter } from '../daemon/monitor.js';

export interface UdevadmMonitorOptions {
  /** -k: kernel uevents. Neither -k nor -u: both. */
  readonly kernel?: boolean;
  /** -u: udev events. */
  readonly udev?: boolean;
  /** -p / -e: print the properties. */
  readonly property?: boolean;
  /** -s SUBSYSTEM[/DEVTYPE], repeatable. */
  readonly subsystemMatch?: readonly string[];
  /** -t TAG, repeatable. */
  readonly tagMatch?: readonly string[];
}

/** `SUBSYSTEM[/DEVTYPE]` as -s takes it: split at the first '/'. */
export function parseSubsystemMatch(arg: string): { subsystem: string; devtype?: string } {
  const slash = arg.indexOf('/');
  return slash < 0 ? { subsystem: arg } : { subsystem: arg.slice(0, slash), devtype: arg.slice(slash + 1) };
}

/** The groups monitor_main() listens to. */
export function monitorGroupsOf(o: UdevadmMonitorOptions): MonitorGroup[] {
  const kernel = o.kernel ?? false;
  const udev = o.udev ?? false;
  if (!kernel && !udev) return ['kernel', 'udev'];
  return [...(kernel ? (['kernel'] as const) : []), ...(udev ? (['udev'] as const) : [])];
}

/** The whole output of `udevadm monitor` for the messages received. */
export function udevadmMonitor(messages: readonly MonitorMessage[], o: UdevadmMonitorOptions = {}): string {
  const groups = monitorGroupsOf(o);
  const filter: MonitorFilter = {
    subsystems: (o.subsystemMatch ?? []).map(parseSubsystemMatch),
    tags: o.tagMatch ?? [],
  };
  let out = 'monitor will print the received events for:\n';
  if (groups.includes('udev')) out += 'UDEV - the event which udev sends out after rule processing\n';
  if (groups.includes('kernel')) out += 'KERNEL - the kernel uevent\n';
  out += '\n';
  for (const m of messages) {
    if (!groups.includes(m.group) || !monitorPassesFilter(m, filter)) continue;
    out += `${formatMonitorLine(m)}\n`;
    if (o.property) {
      for (const [k, v] of m.properties) out += `${k}=${v}\n`;
      out += '\n';
    }
  }
  return out;
}
