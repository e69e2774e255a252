/**
 * Reaching a simulated function's DOE register block from outside the device model (tests,
 * fault injection, attaching a responder after creation): `doeRegistersOf(hw, 0x190)`.
 */
import type { PciFunctionHw } from '../../pci/index.js';
import { SimulatedPciFunction } from './config-space.js';
import type { DoeMailboxRegisters } from './doe-mailbox.js';

/** The DOE register block at capability offset `capOffset` of `hw`, if it is a simulated function with one. */
export function doeRegistersOf(hw: PciFunctionHw | undefined, capOffset: number): DoeMailboxRegisters | undefined {
  return hw instanceof SimulatedPciFunction ? hw.doeMailboxes.find((mb) => mb.capOffset === capOffset) : undefined;
}
