/**
 * Userspace access to configuration space through the `config` file (drivers/pci/pci-sysfs.c
 * `pci_read_config`/`pci_write_config`): the 64-byte limit without CAP_SYS_ADMIN, the split into
 * naturally aligned accesses, lockdown, and what a write into a driver-exclusive range or a DOE
 * capability does under each DOE policy (DESIGN.md Departures 4 and 5).
 */
import { type ILogService, kerr } from '../base/index.js';
import type { ServiceIdentifier } from 'inversify';
import { type AttributeAccessor, type Lockdown, type Taint } from '../bus/index.js';
import type { PciConfigClaim, PciDevice } from './device.js';
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

/**
 * The width of the next access of the kernel's split of a config access at `off` with `left`
 * bytes to go (`left` > 0): a byte to reach even, a word to reach dword, dwords, then a word and
 * a byte. Stepping by it yields forEachAlignedAccess's sequence, with no callback per access.
 */
export function nextAlignedWidth(off: number, left: number): PciAccessWidth {
  if (off & 1) return 1;
  if (off & 2 && left > 2) return 2;
  if (left > 3) return 4;
  return left >= 2 ? 2 : 1;
}

/** The kernel's split of a config access: a byte to reach even, a word to reach dword, dwords, then a word and a byte. */
export function forEachAlignedAccess(offset: number, size: number, access: (off: number, width: PciAccessWidth) => void): void {
  for (let off = offset, left = size; left > 0;) {
    const width = nextAlignedWidth(off, left);
    access(off, width);
    off += width;
    left -= width;
  }
}

/** True when [offset, offset+length) touches a DOE capability of the function. */
export function pciTouchesDoe(pdev: PciDevice, offset: number, length: number): boolean {
  const mailboxes = pdev.doeMailboxes;
  for (let i = 0; i < mailboxes.length; i++) {
    const mb = mailboxes[i]!;
    if (mb.offset < offset + length && offset < mb.offset + PCI_DOE_CAP_SIZEOF) return true;
  }
  return false;
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
  for (let off = offset, left = size; left > 0;) {
    const width = nextAlignedWidth(off, left);
    const v = pdev.configRead(off, width);
    for (let b = 0; b < width; b++) out[off - offset + b] = (v >>> (8 * b)) & 0xff;
    off += width;
    left -= width;
  }
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
    // The claimed ranges the write overlaps (in claim order), and the first of them over a DOE capability.
    let hits = 0;
    let doeClaim: PciConfigClaim | undefined;
    for (let i = 0; i < pdev.exclusiveConfig.length; i++) {
      const c = pdev.exclusiveConfig[i]!;
      if (!(c.offset < offset + requested && offset < c.offset + c.size)) continue;
      hits++;
      if (policy === 'aux-exclusive' && doeClaim === undefined && pciTouchesDoe(pdev, c.offset, c.size)) doeClaim = c;
    }
    if (policy === 'aux-exclusive') {
      if (doeClaim) {
        throw kerr('EPERM', `${writer.comm}: ${pdev.name}: config offset 0x${hex(offset, 3)} is a DOE mailbox held by ${doeClaim.owner}`, {
          device: pdev.name,
        });
      }
    }
    if (hits > 0) {
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
    for (let off = offset, left = requested; left > 0;) {
      const width = nextAlignedWidth(off, left);
      let v = 0;
      for (let b = 0; b < width; b++) v |= data[off - offset + b]! << (8 * b);
      pdev.configWrite(off, width, v >>> 0);
      off += width;
      left -= width;
    }
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
