/**
 * base — leaf utilities every other folder builds on: the errno table and the one error class,
 * typed events, disposables, the virtual clock and deterministic scheduler, id allocation and
 * the log, passwd, path normalisation. Imports nothing from other src folders.
 */
export { Errno, type ErrnoName, errnoName, isErrnoName, strerror } from './errno.js';
export { DriverModelError, type DriverModelErrorOptions, BugIndicatingError, kerr, kerrExpected } from './errors.js';
export { Emitter, Event, setUnexpectedErrorHandler } from './event.js';
export { type IDisposable, toDisposable, DisposableStore, Disposable } from './lifecycle.js';
export { IClock, SimulatedClock } from './clock.js';
export { IScheduler, Scheduler, type ChoicePolicy, type ReadyTask, type QueueOptions } from './scheduler.js';
export { IdAllocator } from './ida.js';
export { KList, type ReadonlyKList } from './klist.js';
export { NumberMinHeap } from './min-heap.js';
export { ILogService, LogService, type LogLevel, type LogRecord } from './log.js';
export { PasswdDatabase, type PasswdEntry, type GroupEntry, debianPasswd, debianBaseUsers, debianBaseGroups } from './passwd.js';
export { type FlatPairs, flattenPairs, pairsOfFlat, flatValue, flatKeys } from './flat-pairs.js';
export { internString } from './intern.js';
export { isPlainAbsolute, normalizeAbsolute, pathBasename, pathDirname } from './path.js';
export { type Initcall, IInitcall, type ServiceGetter } from './initcall.js';
export {
  type Snapshottable,
  type SnapshotToken,
  type SnapshotStats,
  type SnapshotDiff,
  opaque,
  opaqueClass,
  sideTable,
  nextSnapshotStamp,
  ownableClassOf,
  takeSnapshot,
  restoreSnapshot,
  snapshotStats,
  snapshotDiff,
  hiddenKeyChanges,
} from './snapshot.js';
export { IServiceRegistry, type ServiceRegistry } from './service-registry.js';
