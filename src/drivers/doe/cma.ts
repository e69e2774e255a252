/**
 * The hook through which a bound DOE mailbox that speaks CMA/SPDM (0001:01) is authenticated by
 * the kernel's SPDM requester (reference/protocols.md §3.5-3.6, `pci_cma_init`): pci_doe calls
 * `authenticate` once the mailbox's features are cached. The requester engine lives in
 * src/protocols/spdm; a machine without one bound under `IKernelCma` skips authentication (and
 * says so in dmesg).
 */
import type { ServiceIdentifier } from 'inversify';
import { type ErrnoName, sideTable } from '../../base/index.js';
import type { PciDoeMb } from './doe.js';

export const IKernelCma: ServiceIdentifier<KernelCma> = Symbol.for('IKernelCma');

export type CmaResult = { readonly authenticated: true } | { readonly authenticated: false; readonly errno: ErrnoName; readonly message: string };

export interface KernelCma {
  /** Authenticate the device behind `mb` through its mailbox; `done` runs from the workqueue. */
  authenticate(mb: PciDoeMb, done: (result: CmaResult) => void): void;
}

const cmaByDevice = sideTable(new WeakMap<object, CmaResult>());

/** Record the kernel's authentication result of a PCI function (its `authenticated` state). */
export function recordCmaResult(pdev: object, result: CmaResult): void {
  cmaByDevice.set(pdev, result);
}

/** What the kernel's last authentication of `pdev` gave; undefined if none ran. */
export function pciCmaResultOf(pdev: object): CmaResult | undefined {
  return cmaByDevice.get(pdev);
}
