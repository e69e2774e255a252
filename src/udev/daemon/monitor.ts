/**
 * Device monitors (sd-device-monitor.c, 252): what a listener on the kernel or the udev netlink
 * group receives — a message turned back into a device as device_new_from_nulstr() does — with
 * the subsystem/devtype and tag filters, and the log of both groups in arrival order that
 * `udevadm monitor` prints on a simulated machine.
 */
import { type FlatPairs, pairsOfFlat } from '../../base/index.js';

/** The netlink groups (MONITOR_GROUP_KERNEL, MONITOR_GROUP_UDEV). */
export const monitorGroups = ['kernel', 'udev'] as const;
export type MonitorGroup = (typeof monitorGroups)[number];

/** One received message. */
export interface MonitorMessage {
  readonly group: MonitorGroup;
  /** CLOCK_MONOTONIC (µs) when the listener received it. */
  readonly usec: number;
  readonly seqnum: number;
  readonly action: string;
  readonly devpath: string;
  readonly subsystem: string | undefined;
  readonly devtype: string | undefined;
  /** The properties as FOREACH_DEVICE_PROPERTY lists them on the received device. */
  readonly properties: ReadonlyArray<readonly [string, string]>;
  /** All tags (TAGS), for tag filters. */
  readonly tags: readonly string[];
}

/** sd_device_monitor_filter_add_match_subsystem_devtype / _tag. Empty lists match everything. */
export interface MonitorFilter {
  readonly subsystems?: readonly { readonly subsystem: string; readonly devtype?: string }[];
  readonly tags?: readonly string[];
}

function tagList(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(':').filter((t) => t.length > 0);
}

/**
 * device_new_from_nulstr() then FOREACH_DEVICE_PROPERTY: the message's variables in order, with
 * a trailing newline cut from values, DEVNAME made absolute, UDEV_DATABASE_VERSION consumed,
 * MAJOR/MINOR moved after the rest (they are set once the whole message is read) and
 * DEVLINKS/TAGS/CURRENT_TAGS rebuilt last from the parsed sets.
 */
export function receivedProperties(message: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  const props = new Map<string, string>();
  let major: string | undefined;
  let minor: string | undefined;
  const devlinks: string[] = [];
  const tags: string[] = [];
  const currentTags: string[] = [];
  for (const [key, raw] of message) {
    const nl = raw.indexOf('\n');
    const value = nl >= 0 ? raw.slice(0, nl) : raw;
    switch (key) {
      case 'MAJOR':
        major = value;
        break;
      case 'MINOR':
        minor = value;
        break;
      case 'UDEV_DATABASE_VERSION':
        break;
      case 'DEVNAME':
        props.set(key, value.startsWith('/') ? value : `/dev/${value}`);
        break;
      case 'DEVLINKS':
        for (const l of value.split(' ')) if (l.length > 0 && !devlinks.includes(l)) devlinks.push(l);
        break;
      case 'TAGS':
      case 'CURRENT_TAGS':
        for (const t of tagList(value)) {
          if (!tags.includes(t)) tags.push(t);
          if (key === 'CURRENT_TAGS' && !currentTags.includes(t)) currentTags.push(t);
        }
        break;
      default:
        props.set(key, value);
    }
  }
  if (major !== undefined) {
    props.set('MAJOR', major);
    if (minor !== undefined) props.set('MINOR', minor);
  }
  if (devlinks.length > 0) props.set('DEVLINKS', devlinks.join(' '));
  if (tags.length > 0) props.set('TAGS', `:${tags.join(':')}:`);
  if (currentTags.length > 0) props.set('CURRENT_TAGS', `:${currentTags.join(':')}:`);
  return [...props];
}

/** A message as a listener of `group` receives it at `usec`. */
export function monitorMessage(group: MonitorGroup, usec: number, seqnum: number, message: ReadonlyArray<readonly [string, string]>): MonitorMessage {
  const properties = receivedProperties(message);
  const get = (k: string) => properties.find(([key]) => key === k)?.[1];
  return {
    group,
    usec,
    seqnum,
    action: get('ACTION') ?? '',
    devpath: get('DEVPATH') ?? '',
    subsystem: get('SUBSYSTEM'),
    devtype: get('DEVTYPE'),
    properties,
    tags: tagList(get('TAGS')),
  };
}

/** passes_filter(): subsystem[/devtype] (any entry), then tags (any tag). */
export function monitorPassesFilter(m: MonitorMessage, filter: MonitorFilter): boolean {
  const subs = filter.subsystems ?? [];
  if (subs.length > 0) {
    if (m.subsystem === undefined) return false;
    if (!subs.some((s) => s.subsystem === m.subsystem && (s.devtype === undefined || s.devtype === m.devtype))) return false;
  }
  const tags = filter.tags ?? [];
  if (tags.length > 0 && !tags.some((t) => m.tags.includes(t))) return false;
  return true;
}

function isFlat(m: FlatPairs | MonitorMessage): m is FlatPairs {
  return Array.isArray(m);
}
const emptyMessage: FlatPairs = [];

/** `[seconds.microseconds]` of a CLOCK_MONOTONIC timestamp. */
export function formatMonotonic(usec: number): string {
  const u = Math.max(0, Math.floor(usec));
  return `${Math.floor(u / 1_000_000)}.${String(u % 1_000_000).padStart(6, '0')}`;
}

/** udevadm monitor's event line: `KERNEL[12.000345] add      /devices/… (pci)`. */
export function formatMonitorLine(m: MonitorMessage): string {
  const group = (m.group === 'udev' ? 'UDEV' : 'KERNEL').padEnd(6);
  return `${group}[${formatMonotonic(m.usec)}] ${m.action.padEnd(8)} ${m.devpath} (${m.subsystem ?? '(null)'})`;
}

/**
 * Both groups as one listener would receive them, in arrival order. A message given to
 * `receive` keeps the sender's flat variable list (which must not change afterwards) and is
 * decoded only when the log is first read: a machine that nobody monitors holds no second copy
 * of every event and no record object per message — the arrival time, sequence number and
 * group sit in parallel arrays beside the sender's list.
 */
export class MonitorLog {
  /** Decoded messages, the first `#decoded.length` of the log. */
  readonly #decoded: MonitorMessage[] = [];
  /** Per message in arrival order: the sender's flat list, or a message recorded decoded. */
  readonly #raw: Array<FlatPairs | MonitorMessage> = [];
  readonly #groups: MonitorGroup[] = [];
  readonly #usecs: number[] = [];
  readonly #seqnums: number[] = [];

  get messages(): readonly MonitorMessage[] {
    const out = this.#decoded;
    const start = out.length;
    for (let i = start; i < this.#raw.length; i++) {
      const m = this.#raw[i]!;
      out.push(isFlat(m) ? monitorMessage(this.#groups[i]!, this.#usecs[i]!, this.#seqnums[i]!, pairsOfFlat(m)) : m);
    }
    // Decoded messages are not kept twice.
    this.#raw.fill(emptyMessage, start, out.length);
    return out;
  }

  record(m: MonitorMessage): void {
    this.#push(m, m.group, m.usec, m.seqnum);
  }

  /** record(monitorMessage(…)) of a flat `[key, value, …]` message, decoded when the log is read. */
  receive(group: MonitorGroup, usec: number, seqnum: number, message: FlatPairs): void {
    this.#push(message, group, usec, seqnum);
  }

  #push(m: FlatPairs | MonitorMessage, group: MonitorGroup, usec: number, seqnum: number): void {
    this.#raw.push(m);
    this.#groups.push(group);
    this.#usecs.push(usec);
    this.#seqnums.push(seqnum);
  }

  /** The messages of the given groups that pass `filter`, in order. */
  select(groups: readonly MonitorGroup[], filter: MonitorFilter = {}): MonitorMessage[] {
    return this.messages.filter((m) => groups.includes(m.group) && monitorPassesFilter(m, filter));
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#decoded, this.#raw, this.#groups, this.#usecs, this.#seqnums];
  }
  restoreFields(): void {
    // Every field is a readonly array: the walk restores their contents in place.
  }
}
