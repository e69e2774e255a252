/**
 * kobject_uevent (lib/kobject_uevent.c) and dev_uevent (core.c): composes the environment of a
 * uevent in the kernel's key order, numbers it with the global SEQNUM and broadcasts it to the
 * netlink listeners (udevd, monitors) synchronously and in order. Also parses synthetic uevent
 * writes (`echo "add UUID K=V" > uevent`).
 */
import { injectable, type ServiceIdentifier } from 'inversify';
import { DriverModelError, Emitter, type Event, type FlatPairs, flatKeys, flatValue, kerr, opaqueClass, pairsOfFlat } from '../base/index.js';
import { type Device, deviceDevnodeInfo } from './device.js';
import { UeventEnv } from './uevent-env.js';

/** kobject_actions: the closed set of uevent actions. */
export const ueventActions = ['add', 'remove', 'change', 'move', 'online', 'offline', 'bind', 'unbind'] as const;
export type UeventAction = (typeof ueventActions)[number];

export function isUeventAction(s: string): s is UeventAction {
  return (ueventActions as readonly string[]).includes(s);
}

/** One kernel uevent as udevd receives it. */
export interface Uevent {
  readonly seqnum: number;
  readonly action: UeventAction;
  /** Kobject path without /sys, e.g. `/devices/pci0000:00/…`, `/bus/pci/drivers/cxl_pci`. */
  readonly devpath: string;
  readonly subsystem: string;
  /** Every variable as KEY/value pairs in message order, ACTION … SEQNUM included (a key added twice appears twice, as add_uevent_var appends). */
  readonly env: readonly (readonly [string, string])[];
  /** The same variables flat, `[key, value, …]`: what the log keeps (`env` is decoded from it on each read). */
  readonly vars: FlatPairs;
}

/**
 * A uevent as the log keeps it for the machine's life: the variables in one flat array (no array
 * per variable), `env` decoded on read. The values are the strings the sender built (devpath,
 * subsystem and driver names are shared with the objects), so a logged event costs this object,
 * one array and the strings made for it alone (SEQNUM, MODALIAS, …).
 */
class LoggedUevent implements Uevent {
  constructor(
    readonly seqnum: number,
    readonly action: UeventAction,
    readonly devpath: string,
    readonly subsystem: string,
    readonly vars: FlatPairs,
  ) {
    // Shared with udevd and the monitor, read only: frozen, so a snapshot need not record it.
    Object.freeze(vars);
  }

  get env(): readonly (readonly [string, string])[] {
    return pairsOfFlat(this.vars);
  }

  /** The plain form (what JSON of a log shows): the fields and `env` as pairs. */
  toJSON(): { seqnum: number; action: UeventAction; devpath: string; subsystem: string; env: readonly (readonly [string, string])[] } {
    return { seqnum: this.seqnum, action: this.action, devpath: this.devpath, subsystem: this.subsystem, env: this.env };
  }
}

// A logged event never changes (readonly fields, frozen variables): a snapshot keeps it by identity.
opaqueClass(LoggedUevent);

/** The value of variable `key` of a uevent, or undefined when the event does not carry it. */
export function ueventVar(ev: Uevent, key: string): string | undefined {
  return flatValue(ev.vars, key);
}

/** The variable names of a uevent, in message order. */
export function ueventKeys(ev: Uevent): string[] {
  return flatKeys(ev.vars);
}

/** Anything that can send a uevent: a device, a driver, a bus, a module. */
export interface Kobject {
  readonly devpath: string;
  /** undefined: the kset filter drops the event (e.g. a device with neither bus nor class). */
  readonly subsystem: string | undefined;
  /** Adds the object's own variables (dev_uevent and friends). */
  readonly fill?: (env: UeventEnv) => void;
}

export const IKobjectUevent: ServiceIdentifier<IKobjectUevent> = Symbol.for('IKobjectUevent');

/** Node name below /dev for a device with a devt (device_get_devnode). */
export function deviceDevnodeName(dev: Device): string | undefined {
  if (!dev.devt) return undefined;
  const info = deviceDevnodeInfo(dev);
  return info?.name ?? dev.name.replace(/!/g, '/');
}

/**
 * dev_uevent: MAJOR/MINOR/DEVNAME(/DEVMODE/DEVUID/DEVGID) for devices with a devt, DEVTYPE,
 * DRIVER only while dev->driver is set, then the bus, class and type additions.
 */
export function fillDeviceUevent(dev: Device, env: UeventEnv): void {
  if (dev.devt) {
    env.add('MAJOR', String(dev.devt.major));
    env.add('MINOR', String(dev.devt.minor));
    const info = deviceDevnodeInfo(dev);
    env.add('DEVNAME', deviceDevnodeName(dev)!);
    // `if (mode)` then "%#o" of the permission bits: no DEVMODE for mode 0, "0" for type bits only.
    if (info?.mode) env.add('DEVMODE', (info.mode & 0o777) === 0 ? '0' : `0${(info.mode & 0o777).toString(8)}`);
    if (info?.uid) env.add('DEVUID', String(info.uid));
    if (info?.gid) env.add('DEVGID', String(info.gid));
  }
  if (dev.type?.name) env.add('DEVTYPE', dev.type.name);
  if (dev.driver) env.add('DRIVER', dev.driver.name);
  dev.bus?.uevent?.(dev, env);
  dev.class?.devUevent?.(dev, env);
  dev.type?.uevent?.(dev, env);
}

export function deviceKobject(dev: Device): Kobject {
  return {
    devpath: dev.devpath,
    subsystem: dev.bus?.name ?? dev.class?.name,
    fill: (env) => fillDeviceUevent(dev, env),
  };
}

export interface IKobjectUevent {
  /** Every uevent since boot, in SEQNUM order. */
  readonly log: readonly Uevent[];
  readonly onDidSend: Event<Uevent>;
  /** The last SEQNUM handed out (/sys/kernel/uevent_seqnum). */
  readonly seqnum: number;
  /** kobject_uevent_env. Returns the event, or undefined when the kset filter dropped it. */
  send(kobj: Kobject, action: UeventAction, extra?: readonly (readonly [string, string])[]): Uevent | undefined;
  sendDevice(dev: Device, action: UeventAction, extra?: readonly (readonly [string, string])[]): Uevent | undefined;
  /** kobject_synth_uevent: parse a write to a `uevent` file and send it. Throws EINVAL. */
  synthesize(kobj: Kobject, buf: string): void;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** One " KEY=VALUE" argument; the value ends at the next space or at the end. */
const SYNTH_ARG_RE = /^ ([0-9A-Za-z]+)=([0-9A-Za-z]+)(?=$| )/;

@injectable()
export class KobjectUevent implements IKobjectUevent {
  readonly #log: Uevent[] = [];
  readonly #onDidSend = new Emitter<Uevent>();
  readonly onDidSend = this.#onDidSend.event;
  #seqnum = 0;

  get log(): readonly Uevent[] {
    return this.#log;
  }

  get seqnum(): number {
    return this.#seqnum;
  }

  send(kobj: Kobject, action: UeventAction, extra?: readonly (readonly [string, string])[]): Uevent | undefined {
    try {
      return this.#send(kobj.devpath, kobj.subsystem, action, extra, kobj, undefined);
    } catch (e) {
      // add_uevent_var's ENOMEM: kobject_uevent_env gives up and nothing is broadcast.
      if (DriverModelError.is(e) && e.errno === 'ENOMEM') return undefined;
      throw e;
    }
  }

  /**
   * kobject_uevent_env; throws ENOMEM when the environment overflows (add_uevent_var). The
   * object's own variables come from `kobj.fill`, or from dev_uevent when `dev` is given (a
   * device's event: no Kobject made for it).
   */
  #send(
    devpath: string,
    subsystem: string | undefined,
    action: UeventAction,
    extra: readonly (readonly [string, string])[] | undefined,
    kobj: Kobject | undefined,
    dev: Device | undefined,
  ): Uevent | undefined {
    if (subsystem === undefined) return undefined;
    const env = new UeventEnv();
    env.add('ACTION', action);
    env.add('DEVPATH', devpath);
    env.add('SUBSYSTEM', subsystem);
    if (extra) for (const [k, v] of extra) env.add(k, v);
    if (dev) fillDeviceUevent(dev, env);
    else kobj?.fill?.(env);
    // zap_modalias_env: an unbind event carries no MODALIAS (v4.15+), so udev rules that load
    // modules on any event with a MODALIAS do not fire on unbind.
    if (action === 'unbind') env.delete('MODALIAS');
    // The sequence number is taken before SEQNUM is added: an event that overflows right there
    // leaves a gap in the numbering, as in the kernel.
    const seqnum = (this.#seqnum += 1);
    env.add('SEQNUM', String(seqnum));
    const event: Uevent = new LoggedUevent(seqnum, action, devpath, subsystem, env.flat());
    this.#log.push(event);
    this.#onDidSend.fire(event);
    return event;
  }

  /** kobject_uevent of a device (deviceKobject(dev)), unless its uevents are suppressed. */
  sendDevice(dev: Device, action: UeventAction, extra?: readonly (readonly [string, string])[]): Uevent | undefined {
    if (dev.p.ueventSuppress) return undefined;
    try {
      return this.#send(dev.devpath, dev.bus?.name ?? dev.class?.name, action, extra, undefined, dev);
    } catch (e) {
      if (DriverModelError.is(e) && e.errno === 'ENOMEM') return undefined;
      throw e;
    }
  }

  synthesize(kobj: Kobject, buf: string): void {
    // kobject_action_type: one trailing newline or NUL is stripped; the first word (up to the
    // first space) must equal an action exactly.
    const text = stripOne(buf);
    const space = text.indexOf(' ');
    const word = space < 0 ? text : text.slice(0, space);
    if (!isUeventAction(word)) throw kerr('EINVAL', 'unknown uevent action string');
    // No space at all: no arguments. A space, even with nothing after it, starts an argument
    // list that kobject_action_args must accept (so "add " is EINVAL).
    const extra = space < 0 ? [['SYNTH_UUID', '0'] as [string, string]] : synthArgs(buf.slice(space + 1));
    // kobject_synth_uevent returns kobject_uevent_env's error: the write fails with ENOMEM when
    // the arguments fit their own environment but not the event's.
    this.#send(kobj.devpath, kobj.subsystem, word, extra, kobj, undefined);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#log, this.#onDidSend, this.#seqnum];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#seqnum = v[2] as never;
  }
}

function stripOne(s: string): string {
  return s.endsWith('\n') || s.endsWith('\0') ? s.slice(0, -1) : s;
}

/**
 * kobject_action_args: a 36-character UUID, then zero or more " KEY=VALUE" with KEY and VALUE
 * non-empty and alphanumeric, separated by exactly one space and nothing after the last one.
 */
function synthArgs(raw: string): [string, string][] {
  const args = stripOne(raw);
  const uuid = args.slice(0, 36);
  if (args.length < 36 || !UUID_RE.test(uuid)) throw kerr('EINVAL', 'incorrect uevent action arguments');
  // The arguments are collected with add_uevent_var into an environment of their own, whose
  // 64-variable / 2048-byte limits make any failure there "incorrect uevent action arguments".
  const env = new UeventEnv();
  const add = (k: string, v: string) => {
    try {
      env.add(k, v);
    } catch {
      throw kerr('EINVAL', 'incorrect uevent action arguments');
    }
  };
  add('SYNTH_UUID', uuid);
  let rest = args.slice(36);
  while (rest.length > 0) {
    const m = SYNTH_ARG_RE.exec(rest);
    if (!m) throw kerr('EINVAL', 'incorrect uevent action arguments');
    add(`SYNTH_ARG_${m[1]}`, m[2]!);
    rest = rest.slice(m[0].length);
  }
  return env.entries().map(([k, v]) => [k, v]);
}
