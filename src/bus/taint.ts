/**
 * Kernel taint flags (kernel/panic.c taint_flags): sticky until reboot, each set once. Only
 * the flags this model can set carry behaviour; the table keeps the kernel's bits and letters.
 */
import { injectable, type ServiceIdentifier } from 'inversify';

/** Taint bit → letter, as /proc/sys/kernel/tainted and the oops banner use them. */
export const taintFlags = {
  PROPRIETARY_MODULE: { bit: 0, char: 'P' }, // proprietary module loaded
  FORCED_MODULE: { bit: 1, char: 'F' }, // module force-loaded
  CPU_OUT_OF_SPEC: { bit: 2, char: 'S' }, // SMP with non-SMP-safe CPUs
  FORCED_RMMOD: { bit: 3, char: 'R' }, // module force-unloaded
  MACHINE_CHECK: { bit: 4, char: 'M' }, // machine check exception
  BAD_PAGE: { bit: 5, char: 'B' }, // bad page referenced
  USER: { bit: 6, char: 'U' }, // userspace did something unsafe (exclusive config write, DOE clobber)
  DIE: { bit: 7, char: 'D' }, // kernel died recently
  OVERRIDDEN_ACPI_TABLE: { bit: 8, char: 'A' }, // ACPI table overridden
  WARN: { bit: 9, char: 'W' }, // a WARN fired
  CRAP: { bit: 10, char: 'C' }, // staging driver loaded
  FIRMWARE_WORKAROUND: { bit: 11, char: 'I' }, // firmware bug workaround (PCI numa_node override)
  OOT_MODULE: { bit: 12, char: 'O' }, // out-of-tree module
  UNSIGNED_MODULE: { bit: 13, char: 'E' }, // unsigned module
  SOFTLOCKUP: { bit: 14, char: 'L' }, // soft lockup
  LIVEPATCH: { bit: 15, char: 'K' }, // live-patched
  AUX: { bit: 16, char: 'X' }, // distro-defined
  RANDSTRUCT: { bit: 17, char: 'T' }, // randstruct plugin
  TEST: { bit: 18, char: 'N' }, // in-kernel test ran
  FWCTL: { bit: 19, char: 'J' }, // fwctl DEBUG_WRITE / DEBUG_WRITE_FULL used
} as const;
export type TaintFlag = keyof typeof taintFlags;

export const ITaint: ServiceIdentifier<Taint> = Symbol.for('ITaint');

@injectable()
export class Taint {
  #mask = 0;

  /** add_taint; returns true when the flag was newly set (callers warn once). */
  add(flag: TaintFlag): boolean {
    const bit = 1 << taintFlags[flag].bit;
    const fresh = (this.#mask & bit) === 0;
    this.#mask |= bit;
    return fresh;
  }

  has(flag: TaintFlag): boolean {
    return (this.#mask & (1 << taintFlags[flag].bit)) !== 0;
  }

  /** /proc/sys/kernel/tainted */
  get mask(): number {
    return this.#mask;
  }

  /** The set letters in bit order, e.g. "J" or "UJ"; "" when untainted. */
  get letters(): string {
    return Object.values(taintFlags)
      .filter((f) => this.#mask & (1 << f.bit))
      .map((f) => f.char)
      .join('');
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#mask];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#mask = v[0] as never;
  }
}
