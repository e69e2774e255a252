/**
 * The kernel log (dmesg) and udevd's journal, as one ring of records. Library code logs at
 * debug/info; only udevd and the CLI print at warning or above (P13). `devLog` prefixes messages
 * like dev_err does: `<driver or bus> <device>: message`.
 */
import type { ServiceIdentifier } from 'inversify';

export const ILogService: ServiceIdentifier<ILogService> = Symbol.for('ILogService');

/** printk levels in use (KERN_DEBUG … KERN_ALERT). */
export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert';

export interface LogRecord {
  readonly time: number;
  readonly level: LogLevel;
  readonly source: 'kernel' | 'udev' | 'user';
  readonly message: string;
}

export interface ILogService {
  log(level: LogLevel, source: LogRecord['source'], message: string): void;
  readonly records: readonly LogRecord[];
}

/** The records a log keeps: the newest this many. */
const LOG_KEEP = 10_000;

export class LogService implements ILogService {
  readonly #records: LogRecord[] = [];
  constructor(private readonly now: () => number = () => 0) {}

  log(level: LogLevel, source: LogRecord['source'], message: string): void {
    this.#records.push({ time: this.now(), level, source, message });
    // The oldest records go in batches (one splice per LOG_KEEP records, not one per record);
    // `records` trims to the newest LOG_KEEP before it answers.
    if (this.#records.length >= 2 * LOG_KEEP) this.#trim();
  }

  get records(): readonly LogRecord[] {
    this.#trim();
    return this.#records;
  }

  #trim(): void {
    if (this.#records.length > LOG_KEEP) this.#records.splice(0, this.#records.length - LOG_KEEP);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#records];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
