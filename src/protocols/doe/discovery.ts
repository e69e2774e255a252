/**
 * DOE Discovery (vendor 0x0001, type 0x00; PCIe r6.1 §6.30.1.1, protocols §1.4). The request
 * payload is one dword — Index [7:0], Discovery Version [15:8], reserved [31:16]; the response
 * payload one dword — Vendor ID [15:0], Data Object Type [23:16], Next Index [31:24], 0 after
 * the last entry.
 *
 * The responder answers as QEMU's pcie_doe_discovery does (recorded on QEMU 7.2, cases a2 and
 * c09): index 0 is Discovery itself, index i in 1..N the i-th protocol of the mailbox, any
 * later index the entry FFFF:FF with Next = index + 1 in a u8 (so 0xFF wraps to 0); Next is 0
 * for the last real entry. The Discovery Version byte and the reserved bits are ignored, and a
 * longer request is answered from its first payload dword. A request without payload is dropped.
 */
import { type DoeProtocolId, doeProtocols } from './data-object.js';
import type { DoeProtocolResponder } from './responder.js';

export interface DiscoveryRequest {
  readonly index: number;
  /** PCIe r6.1 Discovery Version; Linux sends 2 when the capability version is 2 or more. */
  readonly version: number;
}

export interface DiscoveryEntry extends DoeProtocolId {
  /** The next index to ask for; 0 when this was the last entry. */
  readonly next: number;
}

/** PCI_DOE_DATA_OBJECT_DISC_REQ_3_INDEX / _VER. */
export function encodeDiscoveryRequest(req: DiscoveryRequest): Uint8Array {
  return new Uint8Array([req.index & 0xff, req.version & 0xff, 0, 0]);
}

/** The request's index and version, or undefined for a payload shorter than a dword. */
export function decodeDiscoveryRequest(payload: Uint8Array): DiscoveryRequest | undefined {
  if (payload.length < 4) return undefined;
  return { index: payload[0]!, version: payload[1]! };
}

export function encodeDiscoveryResponse(entry: DiscoveryEntry): Uint8Array {
  return new Uint8Array([entry.vendor & 0xff, (entry.vendor >>> 8) & 0xff, entry.type & 0xff, entry.next & 0xff]);
}

/** The first payload dword of a response (PCI_DOE_DATA_OBJECT_DISC_RSP_3_*), or undefined if none. */
export function decodeDiscoveryResponse(payload: Uint8Array): DiscoveryEntry | undefined {
  if (payload.length < 4) return undefined;
  return { vendor: payload[0]! | (payload[1]! << 8), type: payload[2]!, next: payload[3]! };
}

/** The entry a mailbox listing `protocols` (Discovery excluded) gives for `index`. */
export function discoveryEntry(protocols: readonly DoeProtocolId[], index: number): DiscoveryEntry {
  const table: readonly DoeProtocolId[] = [doeProtocols.DISCOVERY, ...protocols];
  const entry = table[index] ?? { vendor: 0xffff, type: 0xff };
  const next = index + 1 === table.length ? 0 : (index + 1) & 0xff;
  return { vendor: entry.vendor, type: entry.type, next };
}

/** The Discovery responder of a mailbox whose other protocols are `protocols`, in order. */
export function discoveryResponder(protocols: readonly DoeProtocolId[]): DoeProtocolResponder {
  const list = protocols.map((p) => ({ vendor: p.vendor, type: p.type }));
  return {
    vendor: doeProtocols.DISCOVERY.vendor,
    type: doeProtocols.DISCOVERY.type,
    respond(payload: Uint8Array): Uint8Array | undefined {
      const req = decodeDiscoveryRequest(payload);
      return req ? encodeDiscoveryResponse(discoveryEntry(list, req.index)) : undefined;
    },
  };
}
