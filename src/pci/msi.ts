/**
 * MSI-X vectors for drivers (drivers/pci/msi/api.c pci_alloc_irq_vectors, kernel/irq/msi.c
 * msi_sysfs_populate_desc): a driver asks for between `min` and `max` vectors; the function's
 * MSI-X table size bounds what it gets; each vector takes the lowest free Linux IRQ number at or
 * above 24 (the first number after the IO-APIC's pins) that no function uses for INTx. The
 * function then shows `msi_irqs/<irq>` files reading `msix` — a group added with
 * devm_device_add_group, so it goes away with the vectors when the driver unbinds. MSI (without
 * -X), INTx fallback and the MSI-X Enable bit in config space are not modelled.
 */
import { NumberMinHeap, kerr } from '../base/index.js';
import { type AttributeGroup, type Device, attrRO, devmAddAction } from '../bus/index.js';
import { type PciDevice, pciFindCapability } from './device.js';
import { pciCapIds } from './regs.js';

/** PCI_IRQ_* flags of pci_alloc_irq_vectors. */
export const pciIrqFlags = { INTX: 1 << 0, MSI: 1 << 1, MSIX: 1 << 2 } as const;

/** The first dynamically allocated Linux IRQ number on x86 (after 24 IO-APIC GSIs). */
const FIRST_DYNAMIC_IRQ = 24;

export class PciMsi {
  /**
   * irq_find_free_area over the allocated bitmap, kept as two parts: every IRQ from `#high` up
   * is free, and `#freed` holds the free ones below it (given back by a driver, or skipped as
   * some function's INTx line), smallest first. Allocation takes from the heap, then from
   * `#high`: the same lowest numbers the walk over the bitmap finds, without walking the IRQs
   * in use (an INTx line at 24 or above, as the root ports' are, stopped the old hint there and
   * every allocation walked every MSI-X IRQ of the machine).
   */
  readonly #freed = new NumberMinHeap();
  #high = FIRST_DYNAMIC_IRQ;
  readonly #groups = new WeakMap<PciDevice, AttributeGroup<Device>>();

  /**
   * pci_alloc_irq_vectors with PCI_IRQ_MSIX: the number of vectors allocated.
   * @throws {DriverModelError} ENOSPC when fewer than `min` are possible, EINVAL without
   *   MSI-X in `flags` or an MSI-X capability, EBUSY when vectors are allocated already.
   */
  allocIrqVectors(pdev: PciDevice, min: number, max: number, flags: number, legacyIrqs: { has(irq: number): boolean }): number {
    if (!(flags & pciIrqFlags.MSIX)) throw kerr('EINVAL', `${pdev.name}: only MSI-X is modelled`);
    if (this.#groups.has(pdev)) throw kerr('EBUSY', `${pdev.name}: vectors already allocated`);
    const cap = pciFindCapability(pdev, pciCapIds.MSIX);
    if (!cap) throw kerr('EINVAL', `${pdev.name}: no MSI-X capability`);
    const tableSize = (pdev.configRead(cap + 2, 2) & 0x7ff) + 1;
    const n = Math.min(max, tableSize);
    if (n < min) throw kerr('ENOSPC', `${pdev.name}: ${tableSize} MSI-X vectors, ${min} needed`);
    const irqs: number[] = [];
    const skipped: number[] = [];
    while (irqs.length < n) {
      const irq = this.#freed.size > 0 ? this.#freed.pop()! : this.#high++;
      (legacyIrqs.has(irq) ? skipped : irqs).push(irq);
    }
    for (const irq of skipped) this.#freed.push(irq);
    // msi_sysfs_populate_desc: one 0444 file per IRQ, the device-wide mode as its text.
    const group: AttributeGroup<Device> = { name: 'msi_irqs', attrs: irqs.map((irq) => attrRO(String(irq), () => 'msix\n')) };
    pdev.groups.push(group);
    this.#groups.set(pdev, group);
    // Managed (pcim): the vectors and the group go when the driver unbinds.
    devmAddAction(pdev, 'pcim_msi_release', () => this.#free(pdev, irqs));
    return n;
  }

  #free(pdev: PciDevice, irqs: readonly number[]): void {
    const group = this.#groups.get(pdev);
    if (group) pdev.groups.splice(pdev.groups.indexOf(group), 1);
    this.#groups.delete(pdev);
    for (const irq of irqs) this.#freed.push(irq);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#freed, this.#high, this.#groups];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#high = v[1] as never;
  }
}
