/**
 * A simulated PCI function's configuration space: bytes with per-bit write masks and RW1C bits,
 * capability and extended-capability list builders that chain `next` pointers in the order
 * they are added, BAR registers that decode their size, and register blocks with side effects
 * (DOE mailboxes). `SimulatedPciFunction` wraps it as the PciFunctionHw the PCI core talks to.
 */
import { BugIndicatingError } from '../../base/index.js';
import {
  PCI_CFG_SPACE_SIZE,
  type PciAccessWidth,
  type PciBarInfo,
  type PciDoeProtocol,
  type PciFunctionHw,
  type PciResetMethod,
  type PciBridgeHw,
  PciLink,
  pciBaseAddress,
  pciRegs,
  pciStatus,
} from '../../pci/index.js';
import { ConfigPages, type ConfigPagesImage } from './config-pages.js';
import type { DoeMailboxRegisters } from './doe-mailbox.js';

/** Registers whose reads and writes have side effects (a DOE mailbox's five registers). */
export interface RegisterBlock {
  readonly start: number;
  readonly size: number;
  read(offset: number, width: PciAccessWidth): number;
  write(offset: number, width: PciAccessWidth, value: number): void;
  /** Back to power-on state (function reset). */
  reset(): void;
}

/**
 * The contents, write masks and RW1C masks are sparse pages (config-pages.ts): bytes never set
 * read as zero, and once sealed, pages are shared copy-on-write with the power-on image and
 * with other functions holding the same bytes.
 */
export class ConfigSpace {
  readonly #bytes: ConfigPages;
  readonly #wmask: ConfigPages;
  readonly #w1c: ConfigPages;
  readonly #blocks: RegisterBlock[] = [];
  #powerOn: ConfigPagesImage | undefined;
  #lastCap = 0;
  #lastExtCap = 0;

  constructor(readonly size: number) {
    this.#bytes = new ConfigPages(size);
    this.#wmask = new ConfigPages(size);
    this.#w1c = new ConfigPages(size);
  }

  set(offset: number, width: PciAccessWidth, value: number): void {
    for (let b = 0; b < width; b++) this.#bytes.set(offset + b, (value >>> (8 * b)) & 0xff);
  }

  get(offset: number, width: PciAccessWidth): number {
    let v = 0;
    for (let b = 0; b < width; b++) v |= this.#bytes.get(offset + b) << (8 * b);
    return v >>> 0;
  }

  /** Bits of [offset, offset+width) software may change. */
  writable(offset: number, width: PciAccessWidth, mask: number): void {
    for (let b = 0; b < width; b++) this.#wmask.set(offset + b, (mask >>> (8 * b)) & 0xff);
  }

  /** Bits that clear when written with 1. */
  writeOneToClear(offset: number, width: PciAccessWidth, mask: number): void {
    for (let b = 0; b < width; b++) this.#w1c.set(offset + b, (mask >>> (8 * b)) & 0xff);
  }

  /** Pages of contents and masks this function alone holds, and pages it shares (for memory tests). */
  get pageCounts(): { readonly owned: number; readonly present: number } {
    const tables = [this.#bytes, this.#wmask, this.#w1c];
    return { owned: tables.reduce((n, t) => n + t.ownedPages, 0), present: tables.reduce((n, t) => n + t.presentPages, 0) };
  }

  /** Append a capability to the standard list at `offset` (the list starts at CAPABILITY_LIST). */
  addCapability(id: number, offset: number): void {
    if (offset < 0x40 || offset > 0xfc || offset & 3) throw new BugIndicatingError(`capability at 0x${offset.toString(16)}`);
    this.set(offset, 1, id);
    this.set(offset + 1, 1, 0);
    if (this.#lastCap === 0) this.set(pciRegs.CAPABILITY_LIST, 1, offset);
    else this.set(this.#lastCap + 1, 1, offset);
    this.#lastCap = offset;
    this.set(pciRegs.STATUS, 2, this.get(pciRegs.STATUS, 2) | pciStatus.CAP_LIST);
  }

  /** Append an extended capability at `offset` (the first must sit at 0x100). */
  addExtCapability(id: number, version: number, offset: number): void {
    if (offset < PCI_CFG_SPACE_SIZE || offset + 4 > this.size || offset & 3) {
      throw new BugIndicatingError(`extended capability at 0x${offset.toString(16)}`);
    }
    if (this.#lastExtCap === 0 && offset !== PCI_CFG_SPACE_SIZE) throw new BugIndicatingError('the first extended capability sits at 0x100');
    this.set(offset, 4, (id & 0xffff) | ((version & 0xf) << 16));
    if (this.#lastExtCap !== 0) {
      const prev = this.get(this.#lastExtCap, 4);
      this.set(this.#lastExtCap, 4, (prev & 0x000fffff) | (offset << 20));
    }
    this.#lastExtCap = offset;
  }

  /** A BAR register decoding `info` (size bits read back as zero, type bits read-only). */
  bar(index: number, info: PciBarInfo): void {
    const reg = pciRegs.BASE_ADDRESS_0 + 4 * index;
    if (info.kind === 'io') {
      this.set(reg, 4, pciBaseAddress.SPACE_IO);
      this.writable(reg, 4, ~(info.size - 1) & pciBaseAddress.IO_MASK);
      return;
    }
    const low = (info.is64 ? pciBaseAddress.MEM_TYPE_64 : 0) | (info.prefetchable ? pciBaseAddress.MEM_PREFETCH : 0);
    this.set(reg, 4, low);
    this.writable(reg, 4, (~(Math.min(info.size, 2 ** 31) - 1) & pciBaseAddress.MEM_MASK) >>> 0);
    if (info.is64) this.writable(reg + 4, 4, info.size > 2 ** 32 ? ~(info.size / 2 ** 32 - 1) >>> 0 : 0xffffffff);
  }

  addBlock(block: RegisterBlock): void {
    this.#blocks.push(block);
  }

  /** Record the current contents as the power-on state (call once the layout is built); the masks are final. */
  seal(): void {
    this.#powerOn = this.#bytes.image();
    this.#wmask.seal();
    this.#w1c.seal();
  }

  #block(offset: number): RegisterBlock | undefined {
    const blocks = this.#blocks;
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i]!;
      if (offset >= b.start && offset < b.start + b.size) return b;
    }
    return undefined;
  }

  read(offset: number, width: PciAccessWidth): number {
    if (offset + width > this.size) return width === 4 ? 0xffffffff : (1 << (8 * width)) - 1;
    const block = this.#block(offset);
    if (block) return block.read(offset - block.start, width) >>> 0;
    return this.get(offset, width);
  }

  write(offset: number, width: PciAccessWidth, value: number): void {
    if (offset + width > this.size) return;
    const block = this.#block(offset);
    if (block) {
      block.write(offset - block.start, width, value >>> 0);
      return;
    }
    for (let b = 0; b < width; b++) {
      const i = offset + b;
      const v = (value >>> (8 * b)) & 0xff;
      const wm = this.#wmask.get(i);
      const old = this.#bytes.get(i);
      const cleared = old & ~(v & this.#w1c.get(i));
      const next = (cleared & ~wm) | (v & wm);
      // A write that changes nothing leaves a shared page shared.
      if (next !== old) this.#bytes.set(i, next);
    }
  }

  /** Function reset: registers and blocks back to power-on. */
  reset(): void {
    if (this.#powerOn) this.#bytes.restore(this.#powerOn);
    for (const b of this.#blocks) b.reset();
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#wmask, this.#w1c, this.#blocks, this.#powerOn, this.#lastCap, this.#lastExtCap, this.#bytes];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#powerOn = v[3] as never;
    this.#lastCap = v[4] as never;
    this.#lastExtCap = v[5] as never;
  }
}

export interface SimulatedPciFunctionOptions {
  readonly config: ConfigSpace;
  readonly bars?: readonly (PciBarInfo | undefined)[];
  readonly resetMethods?: readonly PciResetMethod[];
  readonly irq: number;
  /** The DOE mailboxes' register blocks (already added to `config`); their Discovery tables answer doeDiscovery. */
  readonly doeMailboxes?: readonly DoeMailboxRegisters[];
}

/** A PCI function built from a ConfigSpace. After disconnect() every read answers all ones. */
export class SimulatedPciFunction implements PciFunctionHw {
  readonly config: ConfigSpace;
  readonly bars: readonly (PciBarInfo | undefined)[];
  readonly resetMethods: readonly PciResetMethod[];
  readonly irq: number;
  /** The DOE register blocks, in configuration-space order. */
  readonly doeMailboxes: readonly DoeMailboxRegisters[];
  #disconnected = false;
  /** Resets performed, newest last (for tests and traces). */
  readonly resets: PciResetMethod[] = [];

  constructor(options: SimulatedPciFunctionOptions) {
    this.config = options.config;
    this.bars = options.bars ?? [];
    this.resetMethods = options.resetMethods ?? [];
    this.irq = options.irq;
    this.doeMailboxes = options.doeMailboxes ?? [];
    this.config.seal();
  }

  get configSize(): number {
    return this.config.size;
  }

  get isDisconnected(): boolean {
    return this.#disconnected;
  }

  configRead(offset: number, width: PciAccessWidth): number {
    if (this.#disconnected) return width === 4 ? 0xffffffff : (1 << (8 * width)) - 1;
    return this.config.read(offset, width);
  }

  configWrite(offset: number, width: PciAccessWidth, value: number): void {
    if (!this.#disconnected) this.config.write(offset, width, value);
  }

  reset(method: PciResetMethod): void {
    this.resets.push(method);
    this.config.reset();
  }

  doeDiscovery(capOffset: number): readonly PciDoeProtocol[] {
    return this.doeMailboxes.find((mb) => mb.capOffset === capOffset)?.protocols ?? [];
  }

  disconnect(): void {
    this.#disconnected = true;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#disconnected];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#disconnected = v[0] as never;
  }
}

/**
 * A bridge function that carries its link: the functions wired below it answer on whatever
 * secondary bus number software programs (root ports and switch ports of a fleet).
 */
export class SimulatedPciBridge extends SimulatedPciFunction implements PciBridgeHw {
  readonly link = new PciLink();
}
