/**
 * The environment of one uevent, in the order the kernel appends keys (kobject_uevent_env:
 * ACTION, DEVPATH, SUBSYSTEM, caller extras, dev_uevent keys, bus/class/type keys, SEQNUM).
 */
export class UeventEnv {
  readonly #entries: [string, string][] = [];

  /** add_uevent_var: appended in call order; a key may appear once. */
  add(key: string, value: string): void {
    const existing = this.#entries.findIndex(([k]) => k === key);
    if (existing >= 0) this.#entries[existing] = [key, value];
    else this.#entries.push([key, value]);
  }

  delete(key: string): void {
    const i = this.#entries.findIndex(([k]) => k === key);
    if (i >= 0) this.#entries.splice(i, 1);
  }

  get(key: string): string | undefined {
    return this.#entries.find(([k]) => k === key)?.[1];
  }

  entries(): readonly (readonly [string, string])[] {
    return this.#entries;
  }
}
