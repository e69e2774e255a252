/**
 * The contract between the PCI core and a simulated PCI function: configuration-space accesses
 * of 1, 2 or 4 bytes (with whatever side effects the hardware has), the BARs it decodes, the
 * resets it supports and the interrupt the platform routes to it. Concrete functions (root
 * ports, cxl-type3, mlx5-nic) live in src/drivers; the PCI core only talks through this.
 */

/** An access width in bytes. */
export type PciAccessWidth = 1 | 2 | 4;

/** What a BAR decodes: its size (a power of two), space and attributes. */
export interface PciBarInfo {
  readonly size: number;
  readonly kind: 'mem' | 'io';
  /** A 64-bit memory BAR occupies this slot and the next. */
  readonly is64: boolean;
  readonly prefetchable: boolean;
}

/** Reset methods in the kernel's priority order (pci_reset_fn_methods). */
export const pciResetMethods = {
  device_specific: 1, // a device-specific quirk
  acpi: 2, // ACPI _RST
  flr: 3, // PCIe Function Level Reset (DEVCAP.FLR)
  af_flr: 4, // Advanced Features FLR (conventional PCI)
  pm: 5, // D3hot → D0 transition without No_Soft_Reset
  bus: 6, // secondary bus reset of the upstream bridge
  cxl_bus: 7, // CXL bus reset through the port's DVSEC
} as const;
export type PciResetMethod = keyof typeof pciResetMethods;

export function isPciResetMethod(s: string): s is PciResetMethod {
  return Object.prototype.hasOwnProperty.call(pciResetMethods, s);
}

/** One protocol a DOE mailbox supports (a Discovery table entry). */
export interface PciDoeProtocol {
  readonly vendor: number;
  readonly type: number;
}

export interface PciFunctionHw {
  /** 256 for conventional PCI, 4096 with PCIe extended configuration space. */
  readonly configSize: number;
  /** A naturally aligned read; side effects are the hardware's (e.g. DOE read mailbox). */
  configRead(offset: number, width: PciAccessWidth): number;
  configWrite(offset: number, width: PciAccessWidth, value: number): void;
  /** BAR 0..5 as the hardware decodes them; a 64-bit BAR's upper slot is undefined. */
  readonly bars: readonly (PciBarInfo | undefined)[];
  /** Reset methods the function supports, in priority order; empty when it has none. */
  readonly resetMethods: readonly PciResetMethod[];
  /** Perform a reset: registers return to their power-on values. */
  reset(method: PciResetMethod): void;
  /** The interrupt line the platform routes to the function (the `irq` attribute). */
  readonly irq: number;
  /**
   * The Discovery table of the DOE capability at `capOffset`, index 0 first. Stands in for the
   * Discovery exchange over the mailbox until the DOE exchange engine performs it.
   */
  doeDiscovery?(capOffset: number): readonly PciDoeProtocol[];
  /** Surprise removal: the function is gone; reads answer all ones from now on. */
  disconnect?(): void;
}

/**
 * The link below a bridge (or the root bus of a host bridge) as the hardware wires it: which
 * function answers a type 0 configuration cycle for each devfn on the bridge's secondary bus.
 * A bridge whose link is described this way is found whatever bus number software gives it —
 * config cycles are routed by the bridge's secondary/subordinate registers, not by a number
 * fixed in advance. Functions firmware placed at absolute bus numbers (`insertHardware`) do not
 * use it.
 */
export class PciLink {
  readonly #slots = new Map<number, PciFunctionHw>();

  get(devfn: number): PciFunctionHw | undefined {
    return this.#slots.get(devfn);
  }

  /** Wire `hw` at `devfn`. @returns false when the devfn is taken. */
  insert(devfn: number, hw: PciFunctionHw): boolean {
    if (this.#slots.has(devfn)) return false;
    this.#slots.set(devfn, hw);
    return true;
  }

  remove(devfn: number): void {
    this.#slots.delete(devfn);
  }

  /** [devfn, hw] in devfn order. */
  entries(): [number, PciFunctionHw][] {
    return [...this.#slots.entries()].sort((a, b) => a[0] - b[0]);
  }

  get size(): number {
    return this.#slots.size;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#slots];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/** A bridge function that knows its link (switch ports and root ports built for a fleet). */
export interface PciBridgeHw extends PciFunctionHw {
  readonly link: PciLink;
}

export function pciLinkOf(hw: PciFunctionHw): PciLink | undefined {
  const link = (hw as Partial<PciBridgeHw>).link;
  return link instanceof PciLink ? link : undefined;
}
