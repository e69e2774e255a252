/**
 * udev — a model of systemd-udevd 252 (Debian bookworm): the rules language (lexer, compiler,
 * interpreter), builtins, the device database, event execution and the `udevadm test` /
 * `udevadm verify` verbs as library calls.
 *
 * Purpose: run real udev rules files against devices described by a `SysfsSource` and get what
 * udev 252 would do: properties, RUN list, /dev symlinks and node permissions, attribute and
 * sysctl writes, and the diagnostics 252 logs — byte for byte as the oracle recorded them.
 *
 * Usage:
 * - `runUdevTest({ rules, sysfs, events, ... })` runs events in order against one udev
 *   database and one /dev, like the oracle (shared/tools/udev-oracle) does, and returns the
 *   oracle's JSON-lines records (`formatRecords()` prints them).
 *   - `rules`: `{ name, text }[]` (name: a file name or path; only the base name is used for
 *     ordering and in diagnostics; same base name twice: the first wins, as a higher-priority
 *     rules directory does) or rules compiled once with `compileRules()`.
 *   - `sysfs`: a `SysfsSource` (see sources/sysfs-source.ts): `loadDeviceDesc(text).sysfs` for the
 *     oracle's device.desc format, or `new DiskSysfs(dir)` for a sysfs tree on disk (index.node.ts).
 *   - `devfs` (optional): the /dev to use; defaults to an empty in-memory one. `loadDeviceDesc`
 *     returns a matching one with the described device nodes.
 *   - `database` (optional): the udev database; `loadDeviceDesc` returns one holding the
 *     description's D:/G:/S: lines.
 *   - `events`: `{ action, devpath }[]` (devpath without /sys).
 *   - `cmdline` (optional): the kernel command line for IMPORT{cmdline}.
 * - `compileRules(files)` compiles once; the result is reusable across events and runs.
 * - `verify(files)` returns the diagnostics 252 logs while parsing.
 *
 * Example:
 * ```ts
 * const desc = loadDeviceDesc(readFileSync('device.desc', 'utf8'));
 * const result = runUdevTest({ rules: [{ name: '50-x.rules', text }], ...desc,
 *   events: [{ action: 'add', devpath: desc.devpaths[0] }] });
 * process.stdout.write(formatRecords(result.records));
 * ```
 */
export type { SysfsSource, SysfsStat, SysfsNodeType, DevFs, DevEntry, DevNodeEntry } from './sources/sysfs-source.js';
export {
  type UdevRecord,
  type EventRecord,
  type PropertyRecord,
  type RunRecord,
  type SymlinkRecord,
  type DevnodeRecord,
  type NameRecord,
  type AttrWriteRecord,
  type SysctlWriteRecord,
  type ExecRecord,
  type TraceRecord,
  type DiagRecord,
  type DiagLevel,
  type DiagPhase,
  recordKinds,
  formatRecords,
} from './records.js';
export { runUdevTest, type RunUdevTestOptions, type UdevTestEvent, type UdevTestResult, type UdevTestEventOutput } from './udevadm/udevadm-test.js';
export { loadDeviceDesc, type DeviceDescEnvironment, busSubsystems } from './sources/device-desc.js';
export { MemorySysfs, type MemorySysfsOptions } from './sources/sysfs-memory.js';
export { MemoryDevFs, populateDevFsFromSysfs } from './sources/devfs-memory.js';
export { UdevDatabase, type DbEntry, type LinkClaim } from './database.js';
export { compileRules, type CompiledRules, type CompileOptions, type RulesFileInput, type ResolveNames } from './rules/compiler.js';
export { type Diagnostic, type LogLevel } from './diagnostics.js';
export { ProgramRegistry, type ProgramHandler, type ProgramContext, type ProgramResult } from './spawn.js';
export { defaultPrograms } from './programs.js';
export { type ExplainEntry, type ExplainToken, formatExplain } from './rules/explain.js';
export { rulesWork } from './rules/apply.js';
export { UdevDevice, type DeviceAction, deviceActions } from './device.js';
export { UdevEvent, type UdevContext, executeRules, executeRunList, type ExecuteResult, type RunEntry, Escape } from './event.js';
export { SysfsAccess, type FsError, type FsFailure } from './sources/sysfs-access.js';
export { type DiagnosticSink, DiagnosticCollector } from './diagnostics.js';
export { type BuiltinHost, type HwdbLookup, type LinkFileInput } from './builtins/index.js';
export {
  HwdbBin,
  type HwdbEntry,
  type HwdbOpenError,
  compileHwdb,
  hwdbFileOrder,
  type HwdbSourceFile,
  HWDB_BIN_PATHS,
  HWDB_SOURCE_DIRS,
} from './hwdb/index.js';
export { UdevEventQueue, type QueuedEvent, type QueuedEventKey, type QueuedEventState, devpathConflict } from './daemon/event-queue.js';
export { verify, type VerifyOptions, type VerifyResult, type VerifiedFile } from './udevadm/udevadm-verify.js';
export {
  UdevDaemon,
  type UdevDaemonHost,
  type UdevDaemonOptions,
  type KmodHost,
  type ReceivedUevent,
  type ProcessedUevent,
  type WorkerStep,
  DEFAULT_CHILDREN_MAX,
  DEBIAN_DRIVERS_RULES,
  SYSTEM_RULES_DIR,
  ADMIN_RULES_DIR,
  udevRulesFiles,
} from './daemon/udevd.js';
export {
  MonitorLog,
  type MonitorMessage,
  type MonitorGroup,
  type MonitorFilter,
  monitorGroups,
  monitorMessage,
  receivedProperties,
  monitorPassesFilter,
  formatMonitorLine,
  formatMonotonic,
} from './daemon/monitor.js';
export { enumerateDevices, enumerationTypes, type EnumerationType, type EnumeratorMatches, pathCompare } from './device-enumerator.js';
export {
  udevadmInfo,
  type UdevadmInfoOptions,
  type UdevadmHost,
  type UdevadmResult,
  findDevice,
  formatRecord,
  queryDevice,
  attributeWalk,
  exportDb,
  infoQueries,
  type InfoQuery,
  parseInfoQuery,
  infoDeviceArg,
  type InfoQueryOptions,
  type RecordStyle,
  plainRecordStyle,
} from './udevadm/udevadm-info.js';
export {
  udevadmTrigger,
  triggerTargets,
  type TriggerHost,
  type UdevadmTriggerOptions,
  type UdevadmTriggerResult,
  parseKeyValue,
} from './udevadm/udevadm-trigger.js';
export { udevadmSettle, type SettleHost, type UdevadmSettleOptions } from './udevadm/udevadm-settle.js';
export { udevadmMonitor, type UdevadmMonitorOptions, parseSubsystemMatch, monitorGroupsOf } from './udevadm/udevadm-monitor.js';
