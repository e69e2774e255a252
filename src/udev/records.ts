/**
 * The conformance record kinds: one JSON object per fact, exactly the fields the udev oracle
 * (shared/tools/udev-oracle/README.md) prints, so an engine run and a recorded
 * `expected.jsonl` can be compared line by line. Serialisation to JSON lines lives here too.
 */

/** Diagnostic level as the oracle classifies it (message shown at err → error, else warning). */
export type DiagLevel = 'error' | 'warning' | 'debug';

/** Where a diagnostic was raised: rules parsing, event processing, or neither. */
export type DiagPhase = 'parse' | 'event' | 'other';

export interface EventRecord {
  readonly kind: 'event';
  readonly event: number;
  readonly action: string;
  readonly devpath: string;
  readonly exit: number;
}

export interface PropertyRecord {
  readonly kind: 'property';
  readonly event: number;
  readonly key: string;
  readonly value: string;
}

export interface RunRecord {
  readonly kind: 'run';
  readonly event: number;
  readonly index: number;
  readonly cmd: string;
}

export interface SymlinkRecord {
  readonly kind: 'symlink';
  readonly event: number;
  readonly path: string;
  readonly target: string;
}

export interface DevnodeRecord {
  readonly kind: 'devnode';
  readonly event: number;
  readonly path: string;
  readonly type: 'c' | 'b';
  readonly major: number;
  readonly minor: number;
  /** Four octal digits, e.g. "0660". */
  readonly mode: string;
  readonly uid: number;
  readonly gid: number;
  readonly owner: string;
  readonly group: string;
}

export interface NameRecord {
  readonly kind: 'name';
  readonly event: number;
  readonly value: string;
}

export interface AttrWriteRecord {
  readonly kind: 'attr_write';
  readonly event: number;
  readonly file: string;
  readonly line: number;
  readonly path: string;
  readonly value: string;
}

export interface SysctlWriteRecord {
  readonly kind: 'sysctl_write';
  readonly event: number;
  readonly file: string;
  readonly line: number;
  readonly key: string;
  readonly value: string;
}

export interface ExecRecord {
  readonly kind: 'exec';
  readonly event: number;
  readonly file: string;
  readonly line: number;
  readonly via: 'PROGRAM' | 'IMPORT{program}' | 'IMPORT{builtin}' | 'IMPORT{file}';
  readonly cmd: string;
}

export interface TraceRecord {
  readonly kind: 'trace';
  readonly event: number;
  readonly file: string;
  readonly line: number;
  readonly msg: string;
}

export interface DiagRecord {
  readonly kind: 'diag';
  readonly event: number;
  readonly level: DiagLevel;
  readonly phase: DiagPhase;
  /** Base name of the rules file, or null for messages without a rules location. */
  readonly file: string | null;
  readonly line: number | null;
  readonly msg: string;
}

/** One fact of a `runUdevTest` run, in the oracle's JSON-lines format. */
export type UdevRecord =
  | EventRecord
  | PropertyRecord
  | RunRecord
  | SymlinkRecord
  | DevnodeRecord
  | NameRecord
  | AttrWriteRecord
  | SysctlWriteRecord
  | ExecRecord
  | TraceRecord
  | DiagRecord;

/** The record kinds, in the order the oracle prints them within one event. */
export const recordKinds = [
  'event', // one per event: action, devpath, exit status
  'property', // final device properties
  'run', // RUN list entries
  'symlink', // every symlink under /dev after the event
  'devnode', // the event device's own node
  'trace', // debug messages attributed to a rules line (informative)
  'exec', // PROGRAM / IMPORT invocations (informative)
  'attr_write', // ATTR{} writes, also failed ones
  'sysctl_write', // SYSCTL{} writes, also failed ones
  'name', // last NAME= that took effect
  'diag', // warnings and errors
] as const;

/** JSON lines: one record per line, each line ending in "\n". */
export function formatRecords(records: readonly UdevRecord[]): string {
  let out = '';
  for (const r of records) out += JSON.stringify(r) + '\n';
  return out;
}
