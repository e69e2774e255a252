/**
 * The environment of one uevent, in the order the kernel appends keys (kobject_uevent_env:
 * ACTION, DEVPATH, SUBSYSTEM, caller extras, dev_uevent keys, bus/class/type keys, SEQNUM),
 * with struct kobj_uevent_env's limits: at most UEVENT_NUM_ENVP variables in a
 * UEVENT_BUFFER_SIZE buffer.
 */
import { internString, kerr } from '../base/index.js';

/** UEVENT_NUM_ENVP (include/linux/kobject.h): the most variables one event may carry. */
export const UEVENT_NUM_ENVP = 64;
/** UEVENT_BUFFER_SIZE: bytes for every "KEY=VALUE\0" of one event. */
export const UEVENT_BUFFER_SIZE = 2048;

export class UeventEnv {
  /** The variables in order, flat: `[key, value, key, value, …]`. */
  readonly #vars: string[] = [];
  #buflen = 0;

  /**
   * add_uevent_var: appended in call order; a key already present is appended again (the kernel
   * never looks). @throws {DriverModelError} ENOMEM past UEVENT_NUM_ENVP variables ("too many
   * keys") or when "KEY=VALUE" and its NUL do not fit the buffer ("buffer size too small").
   */
  add(key: string, value: string): void {
    if (this.#vars.length >= 2 * UEVENT_NUM_ENVP) throw kerr('ENOMEM', 'add_uevent_var: too many keys');
    const len = key.length + 1 + value.length;
    if (len >= UEVENT_BUFFER_SIZE - this.#buflen) throw kerr('ENOMEM', 'add_uevent_var: buffer size too small');
    this.#buflen += len + 1;
    this.#vars.push(key, value);
  }

  /** Drop every variable named `key` (zap_modalias_env), giving back its buffer space. */
  delete(key: string): void {
    const vars = this.#vars;
    for (let i = vars.length - 2; i >= 0; i -= 2) {
      if (vars[i] !== key) continue;
      this.#buflen -= key.length + vars[i + 1]!.length + 2;
      vars.splice(i, 2);
    }
  }

  /** The first value of `key`. */
  get(key: string): string | undefined {
    const vars = this.#vars;
    for (let i = 0; i < vars.length; i += 2) if (vars[i] === key) return vars[i + 1];
    return undefined;
  }

  /** The variables as KEY/value pairs, in order (a new array). */
  entries(): readonly (readonly [string, string])[] {
    const vars = this.#vars;
    const out: [string, string][] = [];
    for (let i = 0; i < vars.length; i += 2) out.push([vars[i]!, vars[i + 1]!]);
    return out;
  }

  /**
   * The variables as one new flat array `[key, value, …]` (what the uevent log keeps). Values
   * other than DEVPATH (the kobject's own string) and SEQNUM (unique) are the shared copies
   * (internString): the same MODALIAS or PCI_ID made by every event's fill is kept once.
   */
  flat(): string[] {
    const vars = this.#vars;
    const out = new Array<string>(vars.length);
    for (let i = 0; i < vars.length; i += 2) {
      const k = vars[i]!;
      const v = vars[i + 1]!;
      out[i] = k;
      out[i + 1] = k === 'DEVPATH' || k === 'SEQNUM' ? v : internString(v);
    }
    return out;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#vars, this.#buflen];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#buflen = v[1] as never;
  }
}
