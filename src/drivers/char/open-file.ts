/**
 * The open-file side a character device driver keeps for its node — the shape doe_user
 * (/dev/doe/*), fwctl (/dev/fwctl/*) and the vfio group (/dev/vfio/N) share: the files attached
 * in open order, whether one opener excludes the others (EBUSY), and revocation — when the
 * device or its driver goes, the files stay open (close still works) but every operation on
 * them answers ENODEV, and new opens are refused with ENODEV.
 *
 * `holder` is what ownership reports (DESIGN.md §3): the oldest file still attached, none once
 * revoked.
 */
import { kerr } from '../../base/index.js';
import type { CharDevFile } from '../../bus/index.js';

export interface OpenFileOptions {
  /** One opener at a time: a second open gets EBUSY (doe_user, the vfio group). */
  readonly exclusive: boolean;
  /** How the device is named in errors (`doe_user: cxl_pci.doe.1`, `vfio: group 3`). */
  readonly label: () => string;
}

export class OpenFiles {
  readonly #files: CharDevFile[] = [];
  #revoked = false;

  constructor(private readonly options: OpenFileOptions) {}

  /** Files attached, oldest first (revoked files are kept until they close). */
  get files(): readonly CharDevFile[] {
    return this.#files;
  }

  get revoked(): boolean {
    return this.#revoked;
  }

  /** The oldest attached file while not revoked. */
  get holder(): CharDevFile | undefined {
    return this.#revoked ? undefined : this.#files[0];
  }

  /**
   * An open of the node. @throws {DriverModelError} ENODEV once revoked; EBUSY when exclusive
   * and a file is attached.
   */
  attach(file: CharDevFile): void {
    if (this.#revoked) throw kerr('ENODEV', `${this.options.label()}: device is gone`);
    const held = this.#files[0];
    if (this.options.exclusive && held) throw kerr('EBUSY', `${this.options.label()} is held by ${held.owner} (pid ${held.pid})`);
    this.#files.push(file);
  }

  /** A close: true when `file` was attached (it is detached now). */
  detach(file: CharDevFile): boolean {
    const i = this.#files.indexOf(file);
    if (i < 0) return false;
    this.#files.splice(i, 1);
    return true;
  }

  /** Every further operation is ENODEV; open files stay open. */
  revoke(): void {
    this.#revoked = true;
  }

  /** @throws {DriverModelError} ENODEV once revoked. */
  checkLive(): void {
    if (this.#revoked) throw kerr('ENODEV', `${this.options.label()}: device is gone`);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#files, this.#revoked];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#revoked = v[1] as never;
  }
}
