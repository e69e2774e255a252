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

export class LogService implements ILogService {
  readonly #records: LogRecord[] = [];
  constructor(private readonly now: () => number = () => 0) {}

  log(level: LogLevel, source: LogRecord['source'], message: string): void {
    this.#records.push({ time: this.now(), level, source, message });
    if (this.#records.length > 10_000) this.#records.splice(0, this.#records.length - 10_000);
  }

  get records(): readonly LogRecord[] {
    return this.#records;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#records];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
