/**
 * What a DOE auxiliary device carries as platform data: the PCI function and the capability it
 * stands for (DESIGN.md Departure 1). cxl_pci creates one per DOE capability; pci_doe and
 * doe_user read it to find their mailbox.
 */
import type { Device } from '../../bus/index.js';
import type { PciDevice } from '../../pci/index.js';

export interface DoeMailboxRef {
  readonly kind: 'doe-mailbox';
  readonly pdev: PciDevice;
  /** Offset of the DOE extended capability in config space. */
  readonly capOffset: number;
  /** Position among the function's DOE capabilities, in config-space order. */
  readonly index: number;
}

/** The mailbox an auxiliary device stands for, if it is a DOE device. */
export function doeMailboxOf(dev: Device): DoeMailboxRef | undefined {
  const data = dev.platformData as Partial<DoeMailboxRef> | undefined;
  return data?.kind === 'doe-mailbox' ? (data as DoeMailboxRef) : undefined;
}
