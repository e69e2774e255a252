/**
 * The register side of one DOE extended capability (PCIe r6 §6.30, §7.9.24): Capabilities,
 * Control, Status, Write and Read Data Mailbox at their offsets, with the QEMU-style
 * synchronous behaviour (a Go processes the request at once; Busy is never seen). The mailbox
 * answers Discovery from its table; other protocols go to an optional responder, which the DOE
 * exchange engine supplies (until then requests for them are discarded, as QEMU discards
 * unknown objects).
 */
import { type PciAccessWidth, type PciDoeProtocol, pciDoeCtrl, pciDoeRegs, pciDoeStatus } from '../../pci/index.js';
import type { RegisterBlock } from './config-space.js';

/** Answers one request object: the response payload dwords, or undefined to discard it. */
export type DoeResponder = (vendor: number, type: number, payload: readonly number[]) => readonly number[] | undefined;

/** 2^18 dwords, the largest object (a length field of 0). */
const MAX_OBJECT_DWORDS = 1 << 18;

export class DoeMailboxRegisters implements RegisterBlock {
  readonly start: number;
  readonly size = 0x14;
  #intEnable = false;
  #status = 0;
  #request: number[] = [];
  #response: number[] = [];
  #readIndex = 0;

  constructor(
    readonly capOffset: number,
    /** The Discovery table: index 0 is Discovery itself (0001:00). */
    readonly protocols: readonly PciDoeProtocol[],
    public responder: DoeResponder | undefined = undefined,
  ) {
    this.start = capOffset + pciDoeRegs.CAP;
  }

  read(offset: number, width: PciAccessWidth): number {
    const reg = offset + pciDoeRegs.CAP;
    const aligned = reg & ~3;
    let dword: number;
    switch (aligned) {
      case pciDoeRegs.CAP:
        dword = 0; // no interrupt support: Linux polls
        break;
      case pciDoeRegs.CTRL:
        dword = this.#intEnable ? pciDoeCtrl.INT_EN : 0; // Abort and Go read as 0
        break;
      case pciDoeRegs.STATUS:
        dword = this.#status;
        break;
      case pciDoeRegs.WRITE:
        return 0; // write-only
      case pciDoeRegs.READ:
        if (width !== 4) return 0;
        return this.#status & pciDoeStatus.DATA_OBJECT_READY ? (this.#response[this.#readIndex] ?? 0) : 0;
      default:
        return 0;
    }
    const shift = 8 * (reg - aligned);
    const mask = width === 4 ? 0xffffffff : (1 << (8 * width)) - 1;
    return ((dword >>> shift) & mask) >>> 0;
  }

  write(offset: number, width: PciAccessWidth, value: number): void {
    const reg = offset + pciDoeRegs.CAP;
    if (reg === pciDoeRegs.CTRL && width === 4) return this.#control(value);
    if (reg === pciDoeRegs.STATUS) {
      if (value & pciDoeStatus.INT_STATUS) this.#status &= ~pciDoeStatus.INT_STATUS;
      return;
    }
    if (width !== 4) return; // mailbox registers take dword accesses only
    if (reg === pciDoeRegs.WRITE) {
      if (this.#request.length < MAX_OBJECT_DWORDS) this.#request.push(value >>> 0);
      return;
    }
    if (reg === pciDoeRegs.READ) this.#ack();
  }

  #control(value: number): void {
    if (value & pciDoeCtrl.ABORT) {
      this.#resetMailboxes();
      this.#status &= ~(pciDoeStatus.ERROR | pciDoeStatus.DATA_OBJECT_READY | pciDoeStatus.BUSY);
      return;
    }
    this.#intEnable = (value & pciDoeCtrl.INT_EN) !== 0;
    if (value & pciDoeCtrl.GO && !(this.#status & pciDoeStatus.ERROR)) this.#go();
  }

  /** Go: a well-formed object of a known protocol gets its response; anything else is dropped. */
  #go(): void {
    const req = this.#request;
    this.#request = [];
    if (req.length < 2) return;
    const vendor = req[0]! & 0xffff;
    const type = (req[0]! >>> 16) & 0xff;
    const length = req[1]! & 0x3ffff || MAX_OBJECT_DWORDS;
    if (length !== req.length) return;
    let payload: readonly number[] | undefined;
    if (vendor === 0x0001 && type === 0x00) payload = this.#discovery(req);
    else if (this.protocols.some((p) => p.vendor === vendor && p.type === type)) payload = this.responder?.(vendor, type, req.slice(2));
    if (payload === undefined) return;
    this.#response = [req[0]!, (payload.length + 2) & 0x3ffff, ...payload];
    this.#readIndex = 0;
    this.#status |= pciDoeStatus.DATA_OBJECT_READY;
  }

  /** Discovery response: entry `index`, and the next index (0 after the last). */
  #discovery(req: readonly number[]): number[] | undefined {
    if (req.length < 3) return undefined;
    const index = req[2]! & 0xff;
    const entry = this.protocols[index];
    const next = index + 1 < this.protocols.length ? index + 1 : 0;
    const vid = entry?.vendor ?? 0xffff;
    const type = entry?.type ?? 0xff;
    return [((vid & 0xffff) | ((type & 0xff) << 16) | (next << 24)) >>> 0];
  }

  /** A write to READ acknowledges one dword; acknowledging past the end is an underflow error. */
  #ack(): void {
    if (!(this.#status & pciDoeStatus.DATA_OBJECT_READY)) {
      this.#status |= pciDoeStatus.ERROR;
      return;
    }
    this.#readIndex++;
    if (this.#readIndex >= this.#response.length) {
      this.#resetMailboxes();
      this.#status &= ~pciDoeStatus.DATA_OBJECT_READY;
    }
  }

  #resetMailboxes(): void {
    this.#request = [];
    this.#response = [];
    this.#readIndex = 0;
  }

  reset(): void {
    this.#resetMailboxes();
    this.#status = 0;
    this.#intEnable = false;
  }
}
