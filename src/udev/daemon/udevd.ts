/**
 * systemd-udevd (udevd.c, 252): receives kernel uevents, queues them in SEQNUM order, starts every
 * queued event that no earlier event blocks (event-queue.ts) on a worker, at most `childrenMax` at
 * once; a worker runs the rules (node permissions, links, database), then the RUN list, then
 * broadcasts the processed event to udev monitors. Every step is a task on the host's scheduler;
 * `receive()` only buffers, as the netlink socket does. Independent of the simulated machine.
 */
import type { HwdbLookup, LinkFileInput } from '../builtins/index.js';
import { type Diagnostic, type DiagnosticSink, plainDiagnostic, strerrorName } from '../diagnostics.js';
import {
  DriverModelError,
  Emitter,
  Errno,
  type ErrnoName,
  type Event,
  type FlatPairs,
  flatValue,
  type PasswdDatabase,
  debianPasswd,
  kerr,
  opaque,
  opaqueClass,
  pairsOfFlat,
} from '../../base/index.js';
import { UdevDatabase } from '../database.js';
import { UdevDevice } from '../device.js';
import { type ExecuteResult, UdevEvent, type UdevContext, executeRules, executeRunList } from '../event.js';
import { type QueuedEvent, UdevEventQueue } from './event-queue.js';
import { EventTraceLog } from './event-trace.js';
import { ExplainCollector } from '../rules/explain.js';
import { defaultPrograms } from '../programs.js';
import { type CompiledRules, type RulesFileInput, compileRules } from '../rules/compiler.js';
import type { ProgramHandler, ProgramRegistry } from '../spawn.js';
import { SysfsAccess } from '../sources/sysfs-access.js';
import { cmdlineGetKey } from '../udev-util.js';
import type { DevFs, SysfsSource } from '../sources/sysfs-source.js';

/** Where the distribution's rules live and where the administrator's go (udev(7)). */
export const SYSTEM_RULES_DIR = '/usr/lib/udev/rules.d';
export const ADMIN_RULES_DIR = '/etc/udev/rules.d';

/**
 * Debian's 80-drivers.rules reduced to its one rule that can fire on this machine: modules are
 * loaded by MODALIAS on `add` events only. The rule keeps Debian's line number (5), so traces
 * name the same location as on a real system. (Debian's file also loads tifm, memstick, i2o,
 * ppdev and sm_ftl drivers for hardware this machine does not have.)
 */
export const DEBIAN_DRIVERS_RULES = [
  "# auxbus: the MODALIAS rule of Debian bookworm's 80-drivers.rules",
  '',
  'ACTION!="add", GOTO="drivers_end"',
  '',
  'ENV{MODALIAS}=="?*", RUN{builtin}+="kmod load"',
  '',
  'LABEL="drivers_end"',
  '',
].join('\n');

/**
 * The rules files udevd reads: the administrator's files in /etc/udev/rules.d (which mask a
 * system file of the same name), then with `autoload` the built-in 80-drivers.rules.
 */
export function udevRulesFiles(rules: readonly { readonly name: string; readonly text: string | Uint8Array }[], autoload: boolean): RulesFileInput[] {
  const files: RulesFileInput[] = rules.map((r) => ({ name: `${ADMIN_RULES_DIR}/${r.name}`, text: r.text }));
  if (autoload) files.push({ name: `${SYSTEM_RULES_DIR}/80-drivers.rules`, text: DEBIAN_DRIVERS_RULES });
  return files;
}

/** One kernel uevent as udevd reads it from netlink: SEQNUM and the variables in message order. */
export interface ReceivedUevent {
  readonly seqnum: number;
  /** The variables flat, `[key, value, …]` (the kernel's log keeps them so: udevd shares its strings). */
  readonly vars: FlatPairs;
}

/** What kmod (the `kmod` builtin's library) sees of the kernel's modules. */
export interface KmodHost {
  /** kmod_module_new_from_lookup(): modules for a module name (first) or a modalias. */
  lookup(nameOrAlias: string): readonly string[];
  isLoaded(name: string): boolean;
  /** Insert one module and its dependencies, honouring the blacklist (KMOD_PROBE_APPLY_BLACKLIST):
   * 'blacklisted' when it was skipped for that. Throws DriverModelError. */
  insert(name: string): 'loaded' | 'blacklisted' | void;
}

/** Everything udevd uses outside itself. */
export interface UdevDaemonHost {
  readonly sysfs: SysfsSource;
  readonly devfs: DevFs;
  /** Where udevd's work runs; `key` groups tasks for explorers (a devpath, or `udevd`). */
  readonly scheduler: { queue(name: string, run: () => void, options?: { readonly key?: string }): unknown };
  /** CLOCK_MONOTONIC in microseconds (USEC_INITIALIZED, monitor timestamps). */
  nowUsec(): number;
  /** /proc/cmdline. */
  readonly cmdline: string;
  readonly passwd?: PasswdDatabase;
  /** The kernel's modules as kmod sees them; absent: the `kmod` builtin has no context. */
  readonly kmod?: KmodHost;
  /**
   * rtnl_set_link_name(): rename a network interface; throws DriverModelError (EBUSY while up).
   * Absent: every rename fails with ENODEV.
   */
  renameNetif?(ifindex: number, oldName: string, newName: string): void;
  /** The hardware database sd_hwdb_new() would open; absent: no hwdb.bin. */
  readonly hwdb?: HwdbLookup;
  /** .link files for net_setup_link, in load order. */
  readonly linkFiles?: readonly LinkFileInput[];
}

export interface UdevDaemonOptions {
  /** The rules files (see `udevRulesFiles`). */
  readonly rules: readonly RulesFileInput[];
  /**
   * Workers running at once (udevd's children_max; 252 gives 2×CPUs+16, here one CPU). The
   * kernel command line's `udev.children_max=N` overrides it, as in udevd.
   */
  readonly childrenMax?: number;
  /** Keep debug messages in the journal too. */
  readonly debug?: boolean;
  /** RUN/PROGRAM handlers beyond the interpreted commands (echo, printf, true, false, sh -c). */
  readonly programs?: Iterable<readonly [path: string, handler: ProgramHandler]>;
  /** CONST{arch} / CONST{virt}. */
  readonly constants?: { readonly arch: string; readonly virt: string };
  /**
   * Devices whose last event's rules trace udevd keeps (event-trace.ts); default 0: none are
   * recorded and the rules run without the explain sink (`traces.setMaxDevices` turns it on).
   */
  readonly traceDevices?: number;
}

/** A processed event as udevd broadcasts it to udev monitors (and keeps it in `processed`). */
export interface ProcessedUevent {
  readonly seqnum: number;
  readonly action: string;
  /** DEVPATH after processing (a netdev renamed by NAME= has its new path). */
  readonly devpath: string;
  readonly subsystem: string | undefined;
  readonly devtype: string | undefined;
  /** The broadcast message: UDEV_DATABASE_VERSION=1, then every property of the device in order. */
  readonly properties: ReadonlyArray<readonly [string, string]>;
  /** The same message flat, `[key, value, …]`: what the log keeps (`properties` is decoded from it). */
  readonly message: FlatPairs;
  /** The RUN list as run (commands after substitution, builtins included). */
  readonly run: readonly string[];
  /** `ok`, or why processing failed (UDEV_WORKER_ERRNO_NAME). */
  readonly result: 'ok' | ErrnoName;
  /** CLOCK_MONOTONIC (µs) of the broadcast. */
  readonly usec: number;
}

/** The RUN list of an event that ran nothing, shared. */
const noRun: readonly string[] = Object.freeze([]);

/**
 * A processed event as `processed` keeps it for the machine's life: the message in one flat
 * array whose values are the kernel message's strings where unchanged, `properties` decoded on
 * each read.
 */
class BroadcastUevent implements ProcessedUevent {
  constructor(
    readonly seqnum: number,
    readonly action: string,
    readonly devpath: string,
    readonly subsystem: string | undefined,
    readonly devtype: string | undefined,
    readonly message: FlatPairs,
    readonly run: readonly string[],
    readonly result: 'ok' | ErrnoName,
    readonly usec: number,
  ) {
    // Shared with the monitor, read only: frozen, so a snapshot need not record it.
    Object.freeze(message);
  }

  get properties(): ReadonlyArray<readonly [string, string]> {
    return pairsOfFlat(this.message);
  }

  /** The plain form (what JSON of the log shows), `properties` as pairs and without `message`. */
  toJSON(): Omit<ProcessedUevent, 'message'> {
    const { seqnum, action, devpath, subsystem, devtype, properties, run, result, usec } = this;
    return { seqnum, action, devpath, subsystem, devtype, properties, run, result, usec };
  }
}

// A processed event never changes (readonly fields, a frozen message, a RUN list no one else
// holds): a snapshot keeps it by identity.
opaqueClass(BroadcastUevent);

/** A worker's progress, for tests and explorers: `rules` starts an event, `done` ends it. */
export interface WorkerStep {
  readonly phase: 'rules' | 'run' | 'done';
  readonly seqnum: number;
  readonly devpath: string;
}

interface Work {
  readonly dev: UdevDevice;
  /** The kernel's message, flat (kept by its sender): the broadcast shares its unchanged values. */
  readonly vars: FlatPairs;
  event: UdevEvent | undefined;
  result: ExecuteResult | undefined;
  /** The rules trace being recorded for this event (when traces are kept). */
  trace: ExplainCollector | undefined;
}

/** Debian's users and groups, one database for every daemon given none (it never changes). */
let sharedDebianPasswd: PasswdDatabase | undefined;
function defaultPasswd(): PasswdDatabase {
  return (sharedDebianPasswd ??= debianPasswd());
}

/**
 * Rules compiled from the same files (names and texts) against the same users and groups are
 * the same: every daemon of a process shares them (compiled rules are never changed after
 * compileRules()). A few sets are kept; machines mostly run one.
 */
const compiledRules = new Map<string, { readonly passwd: PasswdDatabase; readonly rules: CompiledRules }>();
function compileRulesShared(files: readonly RulesFileInput[], passwd: PasswdDatabase): CompiledRules {
  // Never changed after compileRules(): a snapshot keeps them by identity (docs/snapshot.md).
  if (files.some((f) => typeof f.text !== 'string')) return opaque(compileRules(files, { passwd }));
  const key = files.map((f) => `${f.name}\0${f.text as string}`).join('\0\0');
  const known = compiledRules.get(key);
  if (known !== undefined && known.passwd === passwd) return known.rules;
  const rules = opaque(compileRules(files, { passwd }));
  if (compiledRules.size >= 16) compiledRules.clear();
  compiledRules.set(key, { passwd, rules });
  return rules;
}

/**
 * The broadcast message, flat: UDEV_DATABASE_VERSION=1, then every property in order. A value
 * equal to the kernel message's value for that key is the kernel's string (kept by the kernel's
 * log anyway), not the device's copy.
 */
function broadcastMessage(props: ReadonlyMap<string, string>, kernel: FlatPairs): string[] {
  const out: string[] = ['UDEV_DATABASE_VERSION', '1'];
  // Properties mostly follow the kernel's order: the variable after the last one found is tried
  // first. (Which equal string is kept changes no content.)
  let next = 0;
  props.forEach((value, key) => {
    let at = next < kernel.length && kernel[next] === key ? next : -1;
    if (at < 0)
      for (let i = 0; i < kernel.length; i += 2)
        if (kernel[i] === key) {
          at = i;
          break;
        }
    let shared = value;
    if (at >= 0) {
      next = at + 2;
      if (kernel[at + 1] === value) shared = kernel[at + 1]!;
    }
    out.push(key, shared);
  });
  return out;
}

/** udevd's default children_max on a one-CPU machine: cpu_count × 2 + 16. */
export const DEFAULT_CHILDREN_MAX = 18;

export class UdevDaemon {
  /** /run/udev: the database, link stacks and tag index. */
  readonly db = new UdevDatabase();
  /** Messages udevd logged (info and above; debug too with `debug`), in order. */
  readonly journal: Diagnostic[] = [];
  /** Every broadcast event, in broadcast order. */
  readonly processed: ProcessedUevent[] = [];
  /** RUN/PROGRAM handlers; hosts may register more at any time. */
  readonly programs: ProgramRegistry;
  /** The rules trace of each device's last processed event, as recorded while it ran (bounded). */
  readonly traces: EventTraceLog;

  readonly #host: UdevDaemonHost;
  #options: UdevDaemonOptions;
  readonly #fs: SysfsAccess;
  readonly #sink: DiagnosticSink;
  readonly #ctx: UdevContext;
  readonly #queue = new UdevEventQueue<Work>();
  readonly #inbox: ReceivedUevent[] = [];
  #inboxScheduled = false;
  #rules: CompiledRules | undefined;
  #started = false;
  readonly #childrenMax: number;
  readonly #onDidBroadcast = new Emitter<ProcessedUevent>();
  /** Fires when a processed event is sent to udev monitors (the udev netlink group). */
  readonly onDidBroadcast: Event<ProcessedUevent> = this.#onDidBroadcast.event;
  readonly #onWorkerStep = new Emitter<WorkerStep>();
  /** Fires as workers start and finish the phases of an event. */
  readonly onWorkerStep: Event<WorkerStep> = this.#onWorkerStep.event;

  constructor(host: UdevDaemonHost, options: UdevDaemonOptions) {
    this.#host = host;
    this.#options = options;
    this.#fs = new SysfsAccess(host.sysfs);
    const debug = options.debug ?? false;
    const journal = this.journal;
    this.#sink = {
      debug,
      emit(d) {
        if (d.level !== 'debug' || debug) journal.push(d);
      },
    };
    const fromCmdline = cmdlineGetKey(host.cmdline, 'udev.children_max');
    const n = typeof fromCmdline === 'string' && /^\d+$/.test(fromCmdline) ? Number(fromCmdline) : 0;
    this.#childrenMax = n > 0 ? n : (options.childrenMax ?? DEFAULT_CHILDREN_MAX);
    this.traces = new EventTraceLog(options.traceDevices ?? 0);
    this.programs = defaultPrograms();
    for (const [path, handler] of options.programs ?? []) this.programs.register(path, handler);
    this.#ctx = {
      fs: this.#fs,
      devfs: host.devfs,
      db: this.db,
      passwd: host.passwd ?? defaultPasswd(),
      programs: this.programs,
      sink: this.#sink,
      cmdline: host.cmdline,
      constants: options.constants ?? { arch: 'x86-64', virt: 'none' },
      now: () => host.nowUsec(),
      renameNetif: (ifindex, oldName, newName) => {
        if (!host.renameNetif) throw kerr('ENODEV', `no network interface ${ifindex} (${oldName} → ${newName})`);
        host.renameNetif(ifindex, oldName, newName);
      },
      builtinHost: {
        ...(host.kmod ? { loadModule: (m: string) => this.#loadModule(host.kmod!, m) } : {}),
        ...(host.hwdb ? { hwdb: host.hwdb } : {}),
        ...(host.linkFiles ? { linkFiles: host.linkFiles } : {}),
      },
    };
  }

  /** Start listening: compile the rules once; uevents sent before this are never seen. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#rules = compileRulesShared(this.#options.rules, this.#ctx.passwd);
    for (const d of this.#rules.diagnostics) this.#sink.emit(d);
  }

  /**
   * `udevadm control --reload`: udevd drops its rules and loads `rules` (the files as they now
   * are) before the next event it starts (manager_reload(), then udev_rules_load()); events
   * already running keep the rules they started with. Returns the new rules' diagnostics.
   */
  reload(rules: readonly RulesFileInput[]): readonly Diagnostic[] {
    this.#options = { ...this.#options, rules };
    if (!this.#started) return [];
    this.#rules = compileRulesShared(rules, this.#ctx.passwd);
    for (const d of this.#rules.diagnostics) this.#sink.emit(d);
    return this.#rules.diagnostics;
  }

  /** children_max in effect. */
  get childrenMax(): number {
    return this.#childrenMax;
  }

  get started(): boolean {
    return this.#started;
  }

  /** The compiled rules (after `start()`). */
  get rules(): CompiledRules {
    if (!this.#rules) throw kerr('EAGAIN', 'udevd has not started');
    return this.#rules;
  }

  /** Events queued or running, plus uevents received but not yet read. */
  get pending(): number {
    return this.#inbox.length + this.#queue.length;
  }

  /** True when nothing is queued, running or unread (what `udevadm settle` waits for). */
  get isIdle(): boolean {
    return this.pending === 0;
  }

  /** The queue as it stands (seqnum, devpath, state), oldest first. */
  get queue(): readonly { readonly seqnum: number; readonly devpath: string; readonly state: 'queued' | 'running' }[] {
    return this.#queue.events.map((e) => ({ seqnum: e.seqnum, devpath: e.devpath, state: e.state }));
  }

  /**
   * The netlink socket: buffer a kernel uevent and make sure the manager will read it. Never
   * throws and never runs rules itself.
   */
  receive(uevent: ReceivedUevent): void {
    if (!this.#started) return;
    this.#inbox.push(uevent);
    if (this.#inboxScheduled) return;
    this.#inboxScheduled = true;
    this.#host.scheduler.queue('udevd: on_uevent', () => this.#onUevent(), { key: 'udevd' });
  }

  /** on_uevent(): read every buffered message in order into the queue, then start what can run. */
  #onUevent(): void {
    this.#inboxScheduled = false;
    for (const msg of this.#inbox.splice(0)) this.#insert(msg);
    this.#startQueue();
  }

  /** device_new_from_nulstr() + device_ensure_usec_initialized() + event_queue_insert(). */
  #insert(msg: ReceivedUevent): void {
    const dev = UdevDevice.fromUeventVars(this.#fs, this.db, msg.vars);
    if (typeof dev === 'string') {
      this.#sink.emit(plainDiagnostic('error', `Failed to insert device into event queue: ${strerrorName(dev)}`));
      return;
    }
    dev.setUsecInitialized(this.#host.nowUsec());
    const devpathOld = flatValue(msg.vars, 'DEVPATH_OLD');
    this.#queue.insert(
      { seqnum: msg.seqnum, devpath: dev.devpath, devpathOld, id: dev.deviceId, devnode: dev.devname },
      { dev, vars: msg.vars, event: undefined, result: undefined, trace: undefined },
    );
  }

  /** event_queue_start(): in queue order, start every unblocked queued event while workers are free. */
  #startQueue(): void {
    const max = this.#childrenMax;
    while (this.#queue.running < max) {
      const ev = this.#queue.startNext();
      if (!ev) return;
      this.#host.scheduler.queue(`udev-worker ${ev.seqnum} ${ev.payload.dev.action ?? ''} ${ev.devpath}`, () => this.#workerRules(ev), {
        key: ev.devpath,
      });
    }
  }

  /** Worker, first half: udev_event_execute_rules(). */
  #workerRules(ev: QueuedEvent<Work>): void {
    if (this.#onWorkerStep.hasListeners) this.#onWorkerStep.fire({ phase: 'rules', seqnum: ev.seqnum, devpath: ev.devpath });
    const work = ev.payload;
    work.event = new UdevEvent(this.#ctx, work.dev);
    // The trace is recorded by the run itself (the explain sink), not by running the rules again.
    work.trace = this.traces.maxDevices > 0 ? new ExplainCollector() : undefined;
    work.result = executeRules(work.event, this.rules, work.trace);
    this.#host.scheduler.queue(`udev-worker ${ev.seqnum} RUN`, () => this.#workerRun(ev), { key: ev.devpath });
  }

  /** Worker, second half: udev_event_execute_run(), the broadcast, and on_worker() in the manager. */
  #workerRun(ev: QueuedEvent<Work>): void {
    if (this.#onWorkerStep.hasListeners) this.#onWorkerStep.fire({ phase: 'run', seqnum: ev.seqnum, devpath: ev.devpath });
    const work = ev.payload;
    const event = work.event!;
    const dev = work.dev;
    let result: 'ok' | ErrnoName = 'ok';
    if (work.result === 'ok') executeRunList(event);
    else {
      result = event.errno ?? 'EINVAL';
      this.#sink.emit(plainDiagnostic('warning', `${dev.sysname}: Failed to process device, ignoring: ${strerrorName(result)}`));
      dev.addProperty('UDEV_WORKER_FAILED', '1');
      dev.addProperty('UDEV_WORKER_ERRNO', String(Errno[result]));
      dev.addProperty('UDEV_WORKER_ERRNO_NAME', result);
    }
    const processed: ProcessedUevent = new BroadcastUevent(
      ev.seqnum,
      dev.action ?? '',
      dev.devpath,
      dev.subsystem,
      dev.getDevtype(),
      broadcastMessage(dev.allProperties(), work.vars),
      event.runList.length === 0 ? noRun : event.runList.map((r) => r.cmd),
      result,
      this.#host.nowUsec(),
    );
    this.processed.push(processed);
    if (work.trace)
      this.traces.record({ seqnum: ev.seqnum, action: processed.action, devpath: processed.devpath, result, entries: work.trace.entries });
    this.#onDidBroadcast.fire(processed);
    this.#queue.remove(ev);
    if (this.#onWorkerStep.hasListeners) this.#onWorkerStep.fire({ phase: 'done', seqnum: ev.seqnum, devpath: ev.devpath });
    this.#startQueue();
  }

  /** module_load_and_warn(ctx, module, verbose=false): every outcome is logged at debug level. */
  #loadModule(kmod: KmodHost, module: string): void {
    // Messages are built only when debug messages are kept.
    const debug = this.#sink.debug;
    if (debug) this.#debug(`Loading module: ${module}`);
    const names = kmod.lookup(module);
    if (names.length === 0) {
      if (debug) this.#debug(`Failed to find module '${module}'`);
      return;
    }
    for (const name of names) {
      if (kmod.isLoaded(name)) {
        if (debug) this.#debug(`Module '${name}' is already loaded`);
        continue;
      }
      try {
        const r = kmod.insert(name);
        if (debug) this.#debug(r === 'blacklisted' ? `Module '${name}' is deny-listed (by kmod)` : `Inserted module '${name}'`);
      } catch (e) {
        if (!DriverModelError.is(e)) throw e;
        // EPERM from the kernel: module_blacklist= on its command line.
        if (debug)
          this.#debug(
            e.errno === 'EPERM' ? `Module '${name}' is deny-listed (by kernel)` : `Failed to insert module '${name}': ${strerrorName(e.errno)}`,
          );
      }
    }
  }

  #debug(message: string): void {
    this.#sink.emit(plainDiagnostic('debug', message));
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [
      this.#host,
      this.#options,
      this.#fs,
      this.#sink,
      this.#ctx,
      this.#queue,
      this.#inbox,
      this.#inboxScheduled,
      this.#rules,
      this.#started,
      this.#childrenMax,
      this.#onDidBroadcast,
      this.#onWorkerStep,
    ];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#options = v[1] as never;
    this.#inboxScheduled = v[7] as never;
    this.#rules = v[8] as never;
    this.#started = v[9] as never;
  }
}
