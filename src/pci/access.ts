/**
 * Userspace access to configuration space through the `config` file (drivers/pci/pci-sysfs.c
 * `pci_read_config`/`pci_write_config`): the 64-byte limit without CAP_SYS_ADMIN, the split into
 * naturally aligned accesses, lockdown, and what a write into a driver-exclusive range or a DOE
 * capability does under each DOE policy (DESIGN.md Departures 4 and 5).
 */
import { type ILogService, kerr } from '../base/index.js';
import type { ServiceIdentifier } from 'inversify';
import { type AttributeAccessor, type Lockdown, type Taint } from '../bus/index.js';
import type { PciDevice } from './device.js';
import type { PciAccessWidth } from './hw.js';
import { PCI_DOE_CAP_SIZEOF, pciHeaderType } from './regs.js';

/** Who owns DOE mailboxes (DESIGN.md §3): auxiliary devices, or the PCI core as mainline. */
export const pciDoePolicies = ['aux-exclusive', 'pci-core-shared'] as const;
export type PciDoePolicy = (typeof pciDoePolicies)[number];

/** The PCI core's options on one machine: who owns DOE mailboxes (DESIGN.md Departure 5). */
export interface PciOptions {
  readonly doe: PciDoePolicy;
}
export const IPciOptions: ServiceIdentifier<PciOptions> = Symbol.for('IPciOptions');

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** The kernel's split of a config access: a byte to reach even, a word to reach dword, dwords, then a word and a byte. */
export function forEachAlignedAccess(offset: number, size: number, access: (off: number, width: PciAccessWidth) => void): void {
  let off = offset;
  let left = size;
  if (off & 1 && left > 0) {
    access(off, 1);
    off += 1;
    left -= 1;
  }
  if (off & 3 && left > 2) {
    access(off, 2);
    off += 2;
    left -= 2;
  }
  while (left > 3) {
    access(off, 4);
    off += 4;
    left -= 4;
  }
  if (left >= 2) {
    access(off, 2);
    off += 2;
    left -= 2;
  }
  if (left > 0) access(off, 1);
}

/** True when [offset, offset+length) touches a DOE capability of the function. */
export function pciTouchesDoe(pdev: PciDevice, offset: number, length: number): boolean {
  return pdev.doeMailboxes.some((mb) => mb.offset < offset + length && offset < mb.offset + PCI_DOE_CAP_SIZEOF);
}

/**
 * pci_read_config: 64 bytes (128 on CardBus) without CAP_SYS_ADMIN, silently truncated; reads
 * past the end return nothing.
 */
export function pciUserReadConfig(pdev: PciDevice, offset: number, length: number, reader: AttributeAccessor): Uint8Array {
  let size = reader.hasCapability('CAP_SYS_ADMIN') ? pdev.cfgSize : (pdev.hdrType & 0x7f) === pciHeaderType.CARDBUS ? 128 : 64;
  if (offset > size) return new Uint8Array(0);
  size = offset + length > size ? size - offset : length;
  const out = new Uint8Array(size);
  forEachAlignedAccess(offset, size, (off, width) => {
    const v = pdev.configRead(off, width);
    for (let b = 0; b < width; b++) out[off - offset + b] = (v >>> (8 * b)) & 0xff;
  });
  return out;
}

/** pci_write_config with its checks; holds the warn-once state of its call site. */
export class PciConfigWriter {
  #warnedExclusiveWrite = false;

  constructor(
    private readonly lockdown: Lockdown,
    private readonly taint: Taint,
    private readonly log: ILogService,
  ) {}

  /**
   * Lockdown PCI_ACCESS refuses with EPERM. Then the exclusive ranges: under `aux-exclusive` a
   * write into a range claimed over a DOE capability fails with EPERM (Departure 4); a write into
   * any other claimed range goes through with one warning per boot and taint U, as the kernel
   * does. Under `pci-core-shared` a write into any DOE capability taints U (Departure 5). The
   * sysfs layer has already clamped the write to the file (sysfs_kf_bin_write); returns its count.
   */
  write(policy: PciDoePolicy, pdev: PciDevice, offset: number, data: Uint8Array, writer: AttributeAccessor): number {
    this.lockdown.check('PCI_ACCESS', writer.comm);
    const requested = data.length;
    const hits = pdev.exclusiveConfig.filter((c) => c.offset < offset + requested && offset < c.offset + c.size);
    if (policy === 'aux-exclusive') {
      const doeClaim = hits.find((c) => pciTouchesDoe(pdev, c.offset, c.size));
      if (doeClaim) {
        throw kerr('EPERM', `${writer.comm}: ${pdev.name}: config offset 0x${hex(offset, 3)} is a DOE mailbox held by ${doeClaim.owner}`, {
          device: pdev.name,
        });
      }
    }
    if (hits.length > 0) {
      if (!this.#warnedExclusiveWrite) {
        this.#warnedExclusiveWrite = true;
        this.log.log('warning', 'kernel', `pci ${pdev.name}: ${writer.comm}: Unexpected write to kernel-exclusive config offset ${hex(offset, 0)}`);
      }
      this.taint.add('USER');
    }
    if (policy === 'pci-core-shared' && pciTouchesDoe(pdev, offset, requested)) {
      this.log.log('warning', 'kernel', `pci ${pdev.name}: ${writer.comm}: write to DOE mailbox at config offset ${hex(offset, 0)} from userspace`);
      this.taint.add('USER');
    }
    forEachAlignedAccess(offset, requested, (off, width) => {
      let v = 0;
      for (let b = 0; b < width; b++) v |= data[off - offset + b]! << (8 * b);
      pdev.configWrite(off, width, v >>> 0);
    });
    return requested;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#warnedExclusiveWrite];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#warnedExclusiveWrite = v[0] as never;
  }
}
