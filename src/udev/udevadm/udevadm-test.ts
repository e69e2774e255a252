/**
 * `udevadm test` as a library call (twin of udevadm-test.c, run the way the oracle runs it):
 * events in order against one udev database and one /dev, each processed like
 * `udevadm test --action=ACTION /sys/DEVPATH` (device from sysfs, sealed, rules and side
 * effects, RUN listed not run, RUN commands substituted a second time when printed). Returns
 * the oracle's JSON-lines records and the stdout/stderr text 252 prints.
 */
import type { BuiltinHost, HwdbLookup, LinkFileInput } from '../builtins/index.js';
import { bytesToText, textToBytes } from '../bytes.js';
import { UdevDatabase } from '../database.js';
import { MemoryDevFs } from '../sources/devfs-memory.js';
import { type DeviceAction, deviceActions, UdevDevice } from '../device.js';
import { type Diagnostic, type DiagnosticSink, plainDiagnostic, strerrorName } from '../diagnostics.js';
import { executeRules, type UdevContext, UdevEvent } from '../event.js';
import { defaultPrograms } from '../programs.js';
import type { DiagRecord, UdevRecord } from '../records.js';
import { compileRules, type CompiledRules, type ResolveNames, type RulesFileInput } from '../rules/compiler.js';
import { ExplainCollector, type ExplainEntry } from '../rules/explain.js';
import { applyFormat, compileFormat } from '../rules/format.js';
import { UDEV_PATH_SIZE } from '../rules/limits.js';
import type { ProgramRegistry } from '../spawn.js';
import { SysfsAccess } from '../sources/sysfs-access.js';
import type { DevFs, SysfsSource } from '../sources/sysfs-source.js';
import { debianPasswd, kerr, type PasswdDatabase } from '../../base/index.js';

/** One event to run: an action and a devpath below /sys (e.g. /devices/pci0000:00/…). */
export interface UdevTestEvent {
  readonly action: string;
  readonly devpath: string;
}

/** Input of runUdevTest (see the module documentation in index.ts). */
export interface RunUdevTestOptions {
  /** Rules files, or rules compiled once with compileRules(). */
  readonly rules: readonly RulesFileInput[] | CompiledRules;
  readonly sysfs: SysfsSource;
  /** /dev; default: an empty in-memory one. */
  readonly devfs?: DevFs;
  /** The udev database; default: empty. */
  readonly database?: UdevDatabase;
  readonly events: readonly UdevTestEvent[];
  /** Kernel command line for IMPORT{cmdline} and net.naming-scheme= (default ""). */
  readonly cmdline?: string;
  /** Microseconds for USEC_INITIALIZED (default: always 1). */
  readonly now?: () => number;
  readonly passwd?: PasswdDatabase;
  /** Programs for PROGRAM/IMPORT{program}; default: echo, printf, true, false, sh. */
  readonly programs?: ProgramRegistry;
  /**
   * Network interface renames. Default: fail with ENODEV like the oracle's empty network
   * namespace ("Failed to rename network interface …", then the database is not updated).
   */
  readonly renameNetif?: (ifindex: number, oldName: string, newName: string) => void;
  /** CONST{arch}/CONST{virt}; default x86-64 / none. */
  readonly constants?: { readonly arch: string; readonly virt: string };
  readonly resolveNames?: ResolveNames;
  /** Keep USEC_INITIALIZED in the property records (the oracle drops it). */
  readonly keepUsec?: boolean;
  /** Collect a per-line explanation for every event. */
  readonly explain?: boolean;
  readonly loadModule?: (nameOrAlias: string) => void;
  /** The hardware database (`hwdb` builtin, net_id's OUI lookup); absent: no hwdb.bin. */
  readonly hwdb?: HwdbLookup;
  /** .link files for net_setup_link, in load order. */
  readonly linkFiles?: readonly LinkFileInput[];
  /** blkid probe results per device (see BuiltinHost.probeBlock). */
  readonly probeBlock?: BuiltinHost['probeBlock'];
}

/** Per-event output. */
export interface UdevTestEventOutput {
  readonly action: string;
  readonly devpath: string;
  /** udevadm's exit status (0 unless the device could not be opened or the action is bad). */
  readonly exit: number;
  /** What `udevadm test` prints on stdout. */
  readonly stdout: string;
  /** What it prints on stderr at debug level. */
  readonly stderr: string;
  /** Every message with level and location. */
  readonly diagnostics: readonly Diagnostic[];
  readonly explain?: readonly ExplainEntry[];
}

export interface UdevTestResult {
  /** The oracle's records, all events. */
  readonly records: UdevRecord[];
  readonly events: readonly UdevTestEventOutput[];
  /** Parse diagnostics of the rules. */
  readonly parseDiagnostics: readonly Diagnostic[];
}

const BANNER =
  'This program is for debugging only, it does not run any program\n' +
  'specified by a RUN key. It may show incorrect results, because\n' +
  'some values may be different, or not available at a simulation run.\n' +
  '\n';

function isCompiled(r: RunUdevTestOptions['rules']): r is CompiledRules {
  return !Array.isArray(r) && typeof (r as CompiledRules).files !== 'undefined';
}

/** Messages the oracle always reports (debug level), though nothing else at debug level. */
function isReportedDebug(d: Diagnostic): boolean {
  return (
    d.level === 'debug' && d.file === null && (d.message.startsWith('Failed to read rules file ') || d.message.startsWith('Skipping empty file: '))
  );
}

/** Oracle-style diag record for a message. */
function diagRecord(event: number, d: Diagnostic, level: 'error' | 'warning' | 'debug'): DiagRecord {
  let phase: DiagRecord['phase'];
  if (d.file !== null && d.device === null) phase = 'parse';
  else if (d.device !== null || /^[^ /][^ ]*: /.test(d.text)) phase = 'event';
  else phase = 'other';
  const msg = d.file !== null ? d.message : d.device !== null ? `${d.device}: ${d.message}` : d.message;
  return {
    kind: 'diag',
    event,
    level,
    phase: level === 'debug' ? 'parse' : phase,
    file: d.file === null ? null : bytesToText(baseName(d.file)),
    line: d.line,
    msg: bytesToText(msg),
  };
}

function baseName(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

/** The sorted forms the oracle prints for set-valued properties. */
function normaliseProperty(key: string, value: string): string {
  if (key === 'DEVLINKS') return value.split(' ').sort(byteOrder).join(' ');
  if (key === 'TAGS' || key === 'CURRENT_TAGS')
    return (
      ':' +
      value
        .split(':')
        .filter((x) => x.length > 0)
        .sort(byteOrder)
        .join(':') +
      ':'
    );
  return value;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Records the oracle derives from debug traces with a rules location. */
function traceRecords(event: number, diags: readonly Diagnostic[]): { records: UdevRecord[]; name: string | undefined } {
  const records: UdevRecord[] = [];
  let name: string | undefined;
  for (const d of diags) {
    if (d.level !== 'debug' || d.file === null || d.device === null || d.line === null) continue;
    const file = bytesToText(baseName(d.file));
    const line = d.line;
    const msg = bytesToText(d.message);
    records.push({ kind: 'trace', event, file, line, msg });
    let m: RegExpExecArray | null;
    if ((m = /^ATTR '(.*)' writing '(.*)'$/s.exec(msg))) records.push({ kind: 'attr_write', event, file, line, path: m[1]!, value: m[2]! });
    else if ((m = /^SYSCTL '(.*)' writing '(.*)'$/s.exec(msg))) records.push({ kind: 'sysctl_write', event, file, line, key: m[1]!, value: m[2]! });
    else if ((m = /^NAME '(.*)'$/s.exec(msg))) name = m[1]!;
    else if ((m = /^Running PROGRAM '(.*)'$/s.exec(msg))) records.push({ kind: 'exec', event, file, line, via: 'PROGRAM', cmd: m[1]! });
    else if ((m = /^Importing properties from results of builtin command '(.*)'$/s.exec(msg)))
      records.push({ kind: 'exec', event, file, line, via: 'IMPORT{builtin}', cmd: m[1]! });
    else if ((m = /^Importing properties from results of '(.*)'$/s.exec(msg)))
      records.push({ kind: 'exec', event, file, line, via: 'IMPORT{program}', cmd: m[1]! });
    else if ((m = /^Importing properties from '(.*)'$/s.exec(msg)))
      records.push({ kind: 'exec', event, file, line, via: 'IMPORT{file}', cmd: m[1]! });
  }
  return { records, name };
}

/** A sink that tees into a collector and keeps everything. */
class EventSink implements DiagnosticSink {
  readonly debug = true;
  readonly items: Diagnostic[] = [];
  emit(d: Diagnostic): void {
    this.items.push(d);
  }
}

/**
 * Run events like the oracle does (see RunUdevTestOptions). Never throws for bad rules or
 * devices: those become diagnostics and exit statuses, as in udevadm.
 */
export function runUdevTest(options: RunUdevTestOptions): UdevTestResult {
  const passwd = options.passwd ?? debianPasswd();
  const rules = isCompiled(options.rules) ? options.rules : compileRules(options.rules, { passwd, resolveNames: options.resolveNames ?? 'early' });
  const fs = new SysfsAccess(options.sysfs);
  const devfs = options.devfs ?? new MemoryDevFs();
  const db = options.database ?? new UdevDatabase();
  const programs = options.programs ?? defaultPrograms();
  const records: UdevRecord[] = [];
  const outputs: UdevTestEventOutput[] = [];
  const rename =
    options.renameNetif ??
    ((): void => {
      throw kerr('ENODEV', 'no such network interface');
    });
  options.events.forEach((ev, index) => {
    const sink = new EventSink();
    for (const d of rules.diagnostics) sink.emit(d);
    const ctx: UdevContext = {
      fs,
      devfs,
      db,
      passwd,
      programs,
      sink,
      cmdline: textToBytes(options.cmdline ?? ''),
      constants: options.constants ?? { arch: 'x86-64', virt: 'none' },
      now: options.now ?? (() => 1),
      renameNetif: rename,
      builtinHost: {
        ...(options.loadModule ? { loadModule: options.loadModule } : {}),
        ...(options.hwdb ? { hwdb: options.hwdb } : {}),
        ...(options.linkFiles ? { linkFiles: options.linkFiles } : {}),
        ...(options.probeBlock ? { probeBlock: options.probeBlock } : {}),
      },
    };
    let exit = 0;
    let stdout = BANNER;
    let explain: ExplainCollector | undefined;
    const devpath = textToBytes(ev.devpath.startsWith('/') ? ev.devpath : '/' + ev.devpath);
    const action = ev.action;
    let event: UdevEvent | undefined;
    if (!(deviceActions as readonly string[]).includes(action)) {
      sink.emit(plainDiagnostic('error', `Invalid action '${action}'`));
      exit = 1;
    } else {
      const dev = UdevDevice.fromSyspath(fs, db, '/sys' + devpath);
      if (typeof dev === 'string') {
        sink.emit(plainDiagnostic('error', `Failed to open device '/sys${devpath}': ${strerrorName(dev === 'EINVAL' ? 'ENODEV' : dev)}`));
        exit = 1;
      } else {
        dev.readUevent();
        dev.setAction(action as DeviceAction);
        dev.sealed = true;
        event = new UdevEvent(ctx, dev);
        if (options.explain) explain = new ExplainCollector();
        executeRules(event, rules, explain);
        for (const [k, v] of dev.allProperties()) stdout += `${k}=${v}\n`;
        for (const entry of event.runList) {
          // udevadm test substitutes the stored command a second time when printing it.
          const r = applyFormat(event, compileFormat(entry.cmd), UDEV_PATH_SIZE, false);
          if (r.truncated) sink.emit(plainDiagnostic('warning', `The command '${r.value}' is truncated while substituting into '${entry.cmd}'.`));
          stdout += `run: '${r.value}'\n`;
        }
      }
    }
    const diags = sink.items;
    // ---- records, in the oracle's order
    records.push({ kind: 'event', event: index, action, devpath: bytesToText(devpath), exit });
    let devname: string | undefined;
    if (event) {
      const dev = event.dev;
      for (const [k, v] of dev.allProperties()) {
        if (k === 'DEVNAME') devname = v;
        if (k === 'USEC_INITIALIZED' && !options.keepUsec) continue;
        records.push({ kind: 'property', event: index, key: bytesToText(k), value: bytesToText(normaliseProperty(k, v)) });
      }
      event.runList.forEach((entry, i) => {
        const r = applyFormat(event!, compileFormat(entry.cmd), UDEV_PATH_SIZE, false);
        records.push({ kind: 'run', event: index, index: i, cmd: bytesToText(r.value) });
      });
    }
    const hidden = new Set(['/dev/fd', '/dev/stdin', '/dev/stdout', '/dev/stderr']);
    const entries = [...devfs.list()].sort((a, b) => byteOrder(a[0], b[0]));
    for (const [path, e] of entries)
      if (e.type === 'link' && !hidden.has(path))
        records.push({ kind: 'symlink', event: index, path: bytesToText(path), target: bytesToText(e.target) });
    if (devname !== undefined) {
      const path = bytesToText(devname);
      const e = devfs.lstat(devname);
      if (e && (e.type === 'char' || e.type === 'block'))
        records.push({
          kind: 'devnode',
          event: index,
          path,
          type: e.type === 'char' ? 'c' : 'b',
          major: e.major,
          minor: e.minor,
          mode: (e.mode & 0o7777).toString(8).padStart(4, '0'),
          uid: e.uid,
          gid: e.gid,
          owner: passwd.userById(e.uid)?.name ?? String(e.uid),
          group: passwd.groupById(e.gid)?.name ?? String(e.gid),
        });
    }
    const traces = traceRecords(index, diags);
    records.push(...traces.records);
    if (index === 0) for (const d of diags) if (isReportedDebug(d)) records.push(diagRecord(index, d, 'debug'));
    if (traces.name !== undefined) records.push({ kind: 'name', event: index, value: traces.name });
    for (const d of diags) {
      if (d.level !== 'warning' && d.level !== 'error') continue;
      // Parse diagnostics are reported with the first event only.
      if (d.file !== null && d.device === null && index > 0) continue;
      records.push(diagRecord(index, d, d.level));
    }
    let stderr = '';
    for (const d of diags) stderr += bytesToText(d.text) + '\n';
    outputs.push({
      action,
      devpath: bytesToText(devpath),
      exit,
      stdout: bytesToText(stdout),
      stderr,
      diagnostics: diags,
      ...(explain ? { explain: explain.entries } : {}),
    });
  });
  return { records, events: outputs, parseDiagnostics: rules.diagnostics };
}
