/**
 * The registers of one DOE extended capability (PCIe r6 §6.30, §7.9.24; protocols §1.2, §1.7):
 * Capabilities, Control, Status, Write Data Mailbox and Read Data Mailbox at cap+0x04..0x17,
 * driven only by config reads and writes. The capability header at cap+0x00 is ordinary
 * read-only config space (ConfigSpace), not part of this block.
 *
 * Behaviour, in the order a write is handled:
 * - Control (any width; each byte lane acts only when written): Abort (bit 0) clears Data
 *   Object Ready and Error and empties both mailboxes, ignoring Go and Interrupt Enable of the
 *   same write and leaving Interrupt Status alone; otherwise Go (bit 31) is processed first,
 *   then Interrupt Enable (bit 1) takes the written value when byte 0 was written. Abort and
 *   Go read as 0.
 * - Go takes the object in the Write Data Mailbox (the request is consumed). It is ignored
 *   while Error is set (the request stays until an Abort) or while Busy. While a response is
 *   pending the new request is discarded and the pending response stays readable. Otherwise the
 *   object is silently discarded when DW0 is not exactly the header of Discovery or of a
 *   protocol of this mailbox (a non-zero reserved byte included), when the dword count written
 *   differs from the Length field (bits 17:0, 0 = 2^18; PCIe r6 §6.30.1), or when the
 *   responder drops it. A request is answered after `timing.response` virtual ms with Busy set
 *   meanwhile, or inside the Go write when that is 0 (QEMU: Busy is never seen).
 * - Write Data Mailbox: dword writes append; narrower writes are dropped; writes while Busy
 *   are dropped; past 2^18 dwords the object is over-long and its Go discards it.
 * - Read Data Mailbox: a dword read returns the current response dword while Data Object Ready
 *   is set and Error clear, else 0; narrower reads return 0; reads have no side effect. A dword
 *   write acknowledges one dword; the last acknowledge clears Data Object Ready; an acknowledge
 *   with nothing pending is an underflow and sets Error.
 * - Status: writing 1 to bit 1 clears Interrupt Status; every other bit ignores writes.
 * - Interrupt Status is raised (when the capability supports interrupts and Interrupt Enable
 *   is set) as Data Object Ready or Error become set or Busy clears.
 * - Abort takes `timing.abort` ms with Busy set (0: completes inside the write).
 *
 * Departures from QEMU 7.2 (the model follows the PCIe specification; test/conformance names
 * the cases): a successful Go consumes the request, so a second Go does not replay a stale one
 * (c11); an out-of-range CDAT handle is discarded rather than crashing (c15, a responder
 * matter); a narrow Control/Status write acts only on its own byte lanes.
 */
import { BugIndicatingError, type IDisposable, type IScheduler } from '../../base/index.js';
import { type PciAccessWidth, type PciDoeProtocol, pciDoeCtrl, pciDoeRegs, pciDoeStatus } from '../../pci/index.js';
import {
  DOE_MAX_OBJECT_DWORDS,
  DOE_MAX_PAYLOAD_BYTES,
  type DoeProtocolId,
  type DoeProtocolResponder,
  bytesToDwords,
  discoveryResponder,
  doeDecodeLength,
  doeEncodeLength,
  doeHeaderDw0,
  doeProtocols,
  dwordsToBytes,
} from '../../protocols/index.js';
import type { RegisterBlock } from './config-space.js';

/** How long the device takes; a property of the device model. */
export interface DoeMailboxTiming {
  /** Virtual ms from an accepted Go to Data Object Ready; 0 answers inside the Go write; 'never' hangs. */
  response(protocol: DoeProtocolId, requestDwords: number): number | 'never';
  /** Virtual ms an Abort keeps Busy set; 0 completes inside the write; 'never' hangs. */
  readonly abort: number | 'never';
}

/** QEMU's pcie_doe: everything happens inside the config write; Busy is never set. */
export const immediateDoeTiming: DoeMailboxTiming = { response: () => 0, abort: 0 };

export interface DoeMailboxOptions {
  readonly capOffset: number;
  /** The protocols behind the mailbox, in Discovery order (Discovery itself is built in at index 0). */
  readonly responders: readonly DoeProtocolResponder[];
  /** Interrupt Support and its message number (Capabilities bits 0 and 11:1); absent: none. */
  readonly interrupt?: { readonly messageNumber: number };
  readonly timing?: DoeMailboxTiming;
  /** The machine's scheduler; needed when `timing` is not immediate. */
  readonly scheduler?: IScheduler;
  /** Called when Interrupt Status becomes set (the MSI/MSI-X message a driver would see). */
  readonly onInterrupt?: (messageNumber: number) => void;
  /**
   * Replace the built-in Discovery responder (fault injection: a device whose Next Index never
   * reaches 0, which Linux's u8 walk turns into EBUSY on the 257th exchange). Default: the
   * table Discovery + `responders`, answered as QEMU's pcie_doe_discovery does.
   */
  readonly discovery?: DoeProtocolResponder;
}

/** A responder that lists its protocol in Discovery and drops every request (nothing plugged in yet). */
export function silentResponder(protocol: DoeProtocolId): DoeProtocolResponder {
  return { vendor: protocol.vendor, type: protocol.type, respond: () => undefined };
}

const CAP_INT_SUP = 0x1;
const DISCOVERY_DW0 = doeHeaderDw0(doeProtocols.DISCOVERY);
const CAP_INT_MSG_NUM_SHIFT = 1;
const CAP_INT_MSG_NUM_MASK = 0x7ff;

export class DoeMailboxRegisters implements RegisterBlock {
  readonly start: number;
  readonly size = 0x14;
  readonly capOffset: number;
  #timing: DoeMailboxTiming;
  readonly #interrupt: { readonly messageNumber: number } | undefined;
  readonly #scheduler: IScheduler | undefined;
  readonly #onInterrupt: ((messageNumber: number) => void) | undefined;
  #responders: DoeProtocolResponder[];
  #discovery: DoeProtocolResponder;
  readonly #customDiscovery: DoeProtocolResponder | undefined;

  #intEnable = false;
  #intStatus = false;
  #error = false;
  #ready = false;
  #busy = false;
  #write: number[] = [];
  #overlong = false;
  #read: number[] = [];
  #readIndex = 0;
  #task: IDisposable | undefined;
  /** The scheduler key of this mailbox's own timers, `doe-hw:<cap offset in hex>`. */
  readonly #taskKey: string;

  constructor(options: DoeMailboxOptions) {
    this.capOffset = options.capOffset;
    this.#taskKey = `doe-hw:${options.capOffset.toString(16)}`;
    this.start = options.capOffset + pciDoeRegs.CAP;
    this.#timing = options.timing ?? immediateDoeTiming;
    this.#interrupt = options.interrupt;
    this.#scheduler = options.scheduler;
    this.#onInterrupt = options.onInterrupt;
    this.#responders = [...options.responders];
    this.#customDiscovery = options.discovery;
    this.#discovery = options.discovery ?? discoveryResponder(this.#responders);
    this.timing = this.#timing;
  }

  get timing(): DoeMailboxTiming {
    return this.#timing;
  }

  /** Change how long the device takes from now on (fault injection: a hanging device, a slow abort). */
  set timing(timing: DoeMailboxTiming) {
    if (timing !== immediateDoeTiming && !this.#scheduler) {
      throw new BugIndicatingError(`DOE [${this.capOffset.toString(16)}]: a timed mailbox needs the machine's scheduler`);
    }
    this.#timing = timing;
  }

  /** The Discovery table: Discovery (0001:00) at index 0, then each responder's protocol. */
  get protocols(): readonly PciDoeProtocol[] {
    return [doeProtocols.DISCOVERY, ...this.#responders.map((r) => ({ vendor: r.vendor, type: r.type }))];
  }

  /** Replace the responder of the same protocol (e.g. a real SPDM responder for a placeholder). */
  attach(responder: DoeProtocolResponder): void {
    const i = this.#responders.findIndex((r) => r.vendor === responder.vendor && r.type === responder.type);
    if (i < 0) this.#responders.push(responder);
    else this.#responders[i] = responder;
    this.#discovery = this.#customDiscovery ?? discoveryResponder(this.#responders);
  }

  /** The Status register as the hardware holds it. */
  get status(): number {
    return (
      ((this.#busy ? pciDoeStatus.BUSY : 0) |
        (this.#intStatus ? pciDoeStatus.INT_STATUS : 0) |
        (this.#error ? pciDoeStatus.ERROR : 0) |
        (this.#ready ? pciDoeStatus.DATA_OBJECT_READY : 0)) >>>
      0
    );
  }

  read(offset: number, width: PciAccessWidth): number {
    const reg = offset + pciDoeRegs.CAP;
    const aligned = reg & ~3;
    let dword = 0;
    switch (aligned) {
      case pciDoeRegs.CAP:
        if (this.#interrupt) dword = CAP_INT_SUP | ((this.#interrupt.messageNumber & CAP_INT_MSG_NUM_MASK) << CAP_INT_MSG_NUM_SHIFT);
        break;
      case pciDoeRegs.CTRL:
        dword = this.#intEnable ? pciDoeCtrl.INT_EN : 0;
        break;
      case pciDoeRegs.STATUS:
        dword = this.status;
        break;
      case pciDoeRegs.READ:
        // Mailbox data only to a dword read (QEMU: narrower reads give 0, c13).
        if (width !== 4 || reg !== aligned) return 0;
        return this.#ready && !this.#error ? (this.#read[this.#readIndex] ?? 0) : 0;
      default:
        return 0; // Write Data Mailbox reads 0
    }
    const shift = 8 * (reg - aligned);
    const mask = width === 4 ? 0xffffffff : (1 << (8 * width)) - 1;
    return ((dword >>> shift) & mask) >>> 0;
  }

  write(offset: number, width: PciAccessWidth, value: number): void {
    const reg = offset + pciDoeRegs.CAP;
    const aligned = reg & ~3;
    const lane = reg - aligned;
    const bytes = (((1 << width) - 1) << lane) & 0xf;
    const dword = (value << (8 * lane)) >>> 0;
    switch (aligned) {
      case pciDoeRegs.CTRL:
        return this.#control(dword, bytes);
      case pciDoeRegs.STATUS:
        if (bytes & 1 && dword & pciDoeStatus.INT_STATUS) this.#intStatus = false;
        return;
      case pciDoeRegs.WRITE:
        if (width === 4) this.#append(value >>> 0);
        return;
      case pciDoeRegs.READ:
        if (width === 4) this.#ack();
        return;
      default:
        return; // Capabilities is read-only
    }
  }

  #control(value: number, bytes: number): void {
    if (bytes & 1 && value & pciDoeCtrl.ABORT) return this.#abort();
    if (bytes & 8 && value & pciDoeCtrl.GO) this.#go();
    if (bytes & 1) this.#intEnable = (value & pciDoeCtrl.INT_EN) !== 0;
  }

  #append(dword: number): void {
    if (this.#busy) return;
    if (this.#write.length >= DOE_MAX_OBJECT_DWORDS) {
      this.#overlong = true;
      return;
    }
    this.#write.push(dword);
  }

  #go(): void {
    if (this.#error || this.#busy) return;
    const req = this.#write;
    const overlong = this.#overlong;
    this.#write = [];
    this.#overlong = false;
    if (this.#ready || overlong || req.length < 2) return;
    const responder = this.#responderFor(req[0]!);
    if (!responder || doeDecodeLength(req[1]!) !== req.length) return;
    const delay = this.timing.response(responder, req.length);
    if (delay === 0) return this.#complete(responder, req, false);
    this.#busy = true;
    if (delay === 'never') return;
    this.#task = this.#scheduler!.queue(
      `doe-hw [${this.capOffset.toString(16)}] response`,
      () => {
        this.#task = undefined;
        this.#busy = false;
        this.#complete(responder, req, true);
      },
      { delay, key: this.#taskKey },
    );
  }

  #responderFor(dw0: number): DoeProtocolResponder | undefined {
    const header = dw0 >>> 0;
    if (header === DISCOVERY_DW0) return this.#discovery;
    const responders = this.#responders;
    for (let i = 0; i < responders.length; i++) if (doeHeaderDw0(responders[i]!) === header) return responders[i];
    return undefined;
  }

  /** The responder's answer becomes the read mailbox; a dropped request leaves only Busy cleared. */
  #complete(responder: DoeProtocolResponder, req: readonly number[], busyCleared: boolean): void {
    const payload = responder.respond(dwordsToBytes(req.slice(2)));
    if (payload === undefined || payload.length > DOE_MAX_PAYLOAD_BYTES) {
      if (busyCleared) this.#raise();
      return;
    }
    const body = bytesToDwords(payload);
    this.#read = [req[0]! >>> 0, doeEncodeLength(body.length + 2), ...body];
    this.#readIndex = 0;
    this.#ready = true;
    this.#raise();
  }

  #ack(): void {
    if (!this.#ready) {
      this.#error = true;
      this.#raise();
      return;
    }
    if (this.#error) return;
    this.#readIndex++;
    if (this.#readIndex >= this.#read.length) {
      this.#read = [];
      this.#readIndex = 0;
      this.#ready = false;
    }
  }

  #abort(): void {
    this.#task?.dispose();
    this.#task = undefined;
    this.#write = [];
    this.#overlong = false;
    this.#read = [];
    this.#readIndex = 0;
    this.#ready = false;
    this.#error = false;
    const delay = this.timing.abort;
    if (delay === 0) {
      if (this.#busy) this.#raise();
      this.#busy = false;
      return;
    }
    this.#busy = true;
    if (delay === 'never') return;
    this.#task = this.#scheduler!.queue(
      `doe-hw [${this.capOffset.toString(16)}] abort`,
      () => {
        this.#task = undefined;
        this.#busy = false;
        this.#raise();
      },
      { delay, key: this.#taskKey },
    );
  }

  /** pcie_doe_irq_assert: Interrupt Status rises once while enabled and supported. */
  #raise(): void {
    if (!this.#interrupt || !this.#intEnable || this.#intStatus) return;
    this.#intStatus = true;
    this.#onInterrupt?.(this.#interrupt.messageNumber);
  }

  /** Function reset: power-on state, pending work cancelled. */
  reset(): void {
    this.#task?.dispose();
    this.#task = undefined;
    this.#intEnable = false;
    this.#intStatus = false;
    this.#error = false;
    this.#ready = false;
    this.#busy = false;
    this.#write = [];
    this.#overlong = false;
    this.#read = [];
    this.#readIndex = 0;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [
      this.#timing,
      this.#interrupt,
      this.#scheduler,
      this.#onInterrupt,
      this.#responders,
      this.#discovery,
      this.#customDiscovery,
      this.#intEnable,
      this.#intStatus,
      this.#error,
      this.#ready,
      this.#busy,
      this.#write,
      this.#overlong,
      this.#read,
      this.#readIndex,
      this.#task,
      this.#taskKey,
    ];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#timing = v[0] as never;
    this.#responders = v[4] as never;
    this.#discovery = v[5] as never;
    this.#intEnable = v[7] as never;
    this.#intStatus = v[8] as never;
    this.#error = v[9] as never;
    this.#ready = v[10] as never;
    this.#busy = v[11] as never;
    this.#write = v[12] as never;
    this.#overlong = v[13] as never;
    this.#read = v[14] as never;
    this.#readIndex = v[15] as never;
    this.#task = v[16] as never;
  }
}
