/**
 * One uevent being processed (twin of udev-event.c): the event state the rules write into
 * (name, owner/group/mode and their finality, RUN list, selected parent, program result), and
 * udev_event_execute_rules(): database clone, rules, netif rename, node permissions and links,
 * USEC_INITIALIZED, tag index and database update; the remove path loads the database first
 * and drops the links afterwards. `executeRunList` runs the RUN list as udevd does afterwards.
 */
import { DriverModelError, type ErrnoName, type PasswdDatabase } from '../base/index.js';
import { bytesToText } from './bytes.js';
import { type BuiltinHost, runBuiltin } from './builtins/index.js';
import type { UdevDatabase } from './database.js';
import type { UdevDevice } from './device.js';
import { type DiagnosticSink, deviceDiagnostic, type LogLevel, strerrorName } from './diagnostics.js';
import { namingScheme } from './builtins/net-id.js';
import { applyRules, type ExplainSink } from './rules/apply.js';
import type { CompiledRules } from './rules/compiler.js';
import type { FormatEnv } from './rules/format.js';
import { type BuiltinId, Escape, type RuleLine } from './rules/token.js';

export { Escape };
import { type ProgramRegistry, spawnProgram } from './spawn.js';
import type { SysfsAccess } from './sources/sysfs-access.js';
import type { DevFs } from './sources/sysfs-source.js';
import { applyPermissions, nodeRemove, nodeUpdate, type NodeContext } from './udev-node.js';
import { isValidIfname, resolveSubsysValue } from './udev-util.js';

/** Everything outside the event the engine reads or changes. */
export interface UdevContext {
  readonly fs: SysfsAccess;
  readonly devfs: DevFs;
  readonly db: UdevDatabase;
  readonly passwd: PasswdDatabase;
  readonly programs: ProgramRegistry;
  readonly sink: DiagnosticSink;
  /** The kernel command line (IMPORT{cmdline}, net.naming-scheme=). */
  readonly cmdline: string;
  /** CONST{arch} and CONST{virt}. */
  readonly constants: { readonly arch: string; readonly virt: string };
  /** Monotonic microseconds for USEC_INITIALIZED. */
  readonly now: () => number;
  /**
   * Rename a network interface (rtnl_set_link_name). Throws DriverModelError on failure: EBUSY
   * (interface up) is reported at info level and ignored, anything else aborts the event like
   * in 252. Undefined: renames succeed.
   */
  readonly renameNetif?: (ifindex: number, oldName: string, newName: string) => void;
  readonly builtinHost: Omit<BuiltinHost, 'log' | 'cmdline'>;
  /** Told about every RUN entry executeRunList() ran: 'ok', or the errno/exit failure. */
  readonly onRun?: (entry: RunEntry, result: 'ok' | ErrnoName | `exit ${number}`) => void;
}

/** One RUN list entry: a program command line or a builtin. */
export interface RunEntry {
  readonly cmd: string;
  readonly builtin: BuiltinId | undefined;
}

/** The state of one event (struct UdevEvent). */
export class UdevEvent implements FormatEnv {
  /** The device's previous database entry (not set on remove). */
  devDbClone: UdevDevice | undefined;
  /** The device the last parent-key group matched (selected parent), or undefined. */
  devParent: UdevDevice | undefined;
  programResult: string | undefined;
  name: string | undefined;
  esc: Escape = Escape.UNSET;
  uid: number | undefined;
  gid: number | undefined;
  mode: number | undefined;
  nameFinal = false;
  devlinkFinal = false;
  ownerFinal = false;
  groupFinal = false;
  modeFinal = false;
  runFinal = false;
  inotifyWatch = false;
  inotifyWatchFinal = false;
  readonly runList: RunEntry[] = [];
  readonly seclabels: Array<readonly [string, string]> = [];
  /** Builtins run once per event: bit per BuiltinId run, and which of those failed. */
  builtinRun = 0;
  builtinRet = 0;
  /** The rules line being applied (for log locations). */
  currentLine: RuleLine | undefined;
  /** The value the last match token compared (for explain). */
  lastValue: string | undefined;
  /** True while an explain sink listens (list-valued keys then record their values). */
  explaining = false;
  /** Why executeRules() did not complete ('ok' leaves it undefined): the errno 252 returns. */
  errno: ErrnoName | undefined;

  constructor(
    readonly ctx: UdevContext,
    readonly dev: UdevDevice,
  ) {}

  /** log_rule_*(): a message about `dev` at the current rules line. */
  ruleLog(level: LogLevel, message: string, dev: UdevDevice = this.dev): void {
    if (level === 'debug' && !this.ctx.sink.debug) return;
    const line = this.currentLine;
    this.ctx.sink.emit(deviceDiagnostic(level, dev.sysname, line ? line.file.path : null, line ? line.line : null, message));
  }

  /** log_device_*(): a message about `dev` without rules location. */
  deviceLog(level: LogLevel, message: string, dev: UdevDevice = this.dev): void {
    if (level === 'debug' && !this.ctx.sink.debug) return;
    this.ctx.sink.emit(deviceDiagnostic(level, dev.sysname, null, null, message));
  }

  warn(message: string): void {
    this.deviceLog('warning', message);
  }

  resolveSubsysValue(spec: string): string | undefined {
    return resolveSubsysValue(this.ctx.fs, this.ctx.db, spec);
  }

  #builtinHost: BuiltinHost | undefined;

  /** The builtin host with logging bound to this event (made once per event). */
  builtinHost(): BuiltinHost {
    return (this.#builtinHost ??= new EventBuiltinHost(this));
  }

  /** The context's /dev, database and sink (the context is one). */
  get nodeContext(): NodeContext {
    return this.ctx;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#builtinHost];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#builtinHost = v[0] as never;
  }
}

/** The context's builtin hooks, the kernel command line, and logging about the event's device. */
class EventBuiltinHost implements BuiltinHost {
  readonly loadModule: BuiltinHost['loadModule'];
  readonly linkConfig: BuiltinHost['linkConfig'];
  readonly hwdb: BuiltinHost['hwdb'];
  readonly linkFiles: BuiltinHost['linkFiles'];
  readonly probeBlock: BuiltinHost['probeBlock'];
  readonly cmdline: string;

  constructor(private readonly event: UdevEvent) {
    const hooks = event.ctx.builtinHost;
    this.loadModule = hooks.loadModule;
    this.linkConfig = hooks.linkConfig;
    this.hwdb = hooks.hwdb;
    this.linkFiles = hooks.linkFiles;
    this.probeBlock = hooks.probeBlock;
    this.cmdline = event.ctx.cmdline;
  }

  log(level: 'error' | 'warning' | 'debug', message: string): void {
    this.event.deviceLog(level, message);
  }
}

/** rename_netif(): 1 renamed, 0 nothing to do, -1 failed (the event stops there). */
function renameNetif(event: UdevEvent): number {
  const dev = event.dev;
  const name = event.name;
  if (name === undefined || !event.devDbClone) return 0;
  const oldName = event.devDbClone.sysname;
  if (name === oldName) return 0;
  if (dev.action !== 'add') return 0;
  const ifindex = dev.getIfindex();
  if (ifindex === undefined) return 0;
  if (namingScheme(event.ctx.cmdline).flags & (1 << 12) && !isValidIfname(name)) {
    event.deviceLog('warning', `Invalid network interface name, ignoring: ${name}`);
    return 0;
  }
  dev.addProperty('ID_RENAMING', '1');
  if (!dev.rename(name)) {
    event.deviceLog('warning', `Failed to update properties with new name '${name}': Invalid argument`);
    event.errno = 'EINVAL';
    return -1;
  }
  // The database gets ID_RENAMING before the rename is attempted (clients see it first).
  event.devDbClone.addProperty('ID_RENAMING', '1');
  event.devDbClone.updateDb();
  const rename = event.ctx.renameNetif;
  if (rename) {
    try {
      rename(ifindex, bytesToText(oldName), bytesToText(name));
    } catch (e) {
      const errno = DriverModelError.is(e) ? e.errno : 'EIO';
      if (errno === 'EBUSY') {
        event.deviceLog('info', `Network interface '${oldName}' is already up, cannot rename to '${name}'.`);
        return 0;
      }
      event.deviceLog('error', `Failed to rename network interface ${ifindex} from '${oldName}' to '${name}': ${strerrorName(errno)}`);
      event.errno = errno;
      return -1;
    }
  }
  if (event.ctx.sink.debug) event.deviceLog('debug', `Network interface ${ifindex} is renamed from '${oldName}' to '${name}'`);
  return 1;
}

/** update_devnode(): permissions, then links. */
function updateDevnode(event: UdevEvent): void {
  const dev = event.dev;
  if (!dev.getDevnum()) return;
  if (event.mode === undefined && dev.devmode !== undefined) event.mode = dev.devmode;
  applyPermissions(event.nodeContext, dev, dev.action === 'add', event.mode, event.uid, event.gid);
  if (event.devDbClone) nodeUpdate(event.nodeContext, dev, event.devDbClone);
}

/** device_tag_index(): keep /run/udev/tags in step with the device's tags. */
function tagIndex(event: UdevEvent, dev: UdevDevice, old: UdevDevice | undefined, add: boolean): void {
  const id = dev.deviceId;
  if (id === undefined) return;
  if (add && old) for (const t of old.allTagsRead) if (!dev.allTagsRead.has(t)) event.ctx.db.updateTagIndex(t, id, false);
  for (const t of dev.allTagsRead) event.ctx.db.updateTagIndex(t, id, add);
}

/** The outcome of executing the rules for one event. */
export type ExecuteResult = 'ok' | 'rules-failed' | 'no-device-id' | 'rename-failed';

/**
 * udev_event_execute_rules(): everything udevd does for an event except running RUN. The event
 * device must be sealed with its action set.
 */
export function executeRules(event: UdevEvent, rules: CompiledRules, explain?: ExplainSink): ExecuteResult {
  const dev = event.dev;
  event.explaining = explain !== undefined;
  if (dev.action === 'remove') {
    dev.readDb(true);
    tagIndex(event, dev, undefined, false);
    dev.deleteDb();
    const r = applyRules(rules, event, explain);
    if (dev.getDevnum()) nodeRemove(event.nodeContext, dev);
    if (r === 'fatal') {
      event.errno ??= 'EINVAL';
      return 'rules-failed';
    }
    return 'ok';
  }
  if (dev.deviceId === undefined) {
    event.deviceLog('debug', 'Failed to clone sd_device object: No such file or directory');
    event.errno = 'ENOENT';
    return 'no-device-id';
  }
  const clone = dev.cloneWithDb();
  event.devDbClone = clone;
  for (const t of clone.allTagsRead) dev.addTag(t, false);
  if (dev.action === 'move') dev.addProperty('ID_RENAMING', undefined);
  if (applyRules(rules, event, explain) === 'fatal') {
    event.errno ??= 'EINVAL';
    if (event.ctx.sink.debug) event.deviceLog('debug', `Failed to apply udev rules: ${strerrorName(event.errno)}`);
    return 'rules-failed';
  }
  if (renameNetif(event) < 0) return 'rename-failed';
  updateDevnode(event);
  dev.setUsecInitialized(clone.usecInitialized > 0 ? clone.usecInitialized : event.ctx.now());
  tagIndex(event, dev, clone, true);
  const written = dev.updateDb();
  if (written === 'db' || written === 'empty')
    if (event.ctx.sink.debug) event.deviceLog('debug', `sd-device: Created ${written} file '/run/udev/data/${dev.deviceId}' for '${dev.devpath}'`);
  return 'ok';
}

/**
 * udev_event_execute_run(): run the RUN list in order, builtins through the builtin table,
 * programs through the registry. Failures are logged and ignored.
 */
export function executeRunList(event: UdevEvent): void {
  for (const entry of event.runList) {
    if (entry.builtin !== undefined) {
      if (event.ctx.sink.debug) event.deviceLog('debug', `Running built-in command "${entry.cmd}"`);
      const r = runBuiltin(entry.builtin, event.dev, entry.cmd, event.builtinHost());
      if (r) event.deviceLog('debug', `Failed to run built-in command "${entry.cmd}", ignoring: ${strerrorName(r)}`);
      event.ctx.onRun?.(entry, r ?? 'ok');
      continue;
    }
    if (event.ctx.sink.debug) event.deviceLog('debug', `Running command "${entry.cmd}"`);
    const out = spawnProgram(event.ctx.programs, event.ctx.fs, event.ctx.devfs, entry.cmd, event.dev.allProperties());
    if (out.kind === 'error') {
      event.deviceLog('error', out.message);
      event.deviceLog('warning', `Failed to execute '${entry.cmd}', ignoring: ${strerrorName(out.errno)}`);
      event.ctx.onRun?.(entry, out.errno);
    } else if (out.exitCode !== 0) {
      event.deviceLog('warning', `Process '${entry.cmd}' failed with exit code ${out.exitCode}.`);
      if (event.ctx.sink.debug) event.deviceLog('debug', `Command "${entry.cmd}" returned ${out.exitCode} (error), ignoring.`);
      event.ctx.onRun?.(entry, `exit ${out.exitCode}`);
    } else event.ctx.onRun?.(entry, 'ok');
  }
}
