/**
 * The DOE data object (PCIe r6 §6.30.1; protocols §1.3): two header dwords — vendor id [15:0],
 * data object type [23:16] and a reserved byte in DW0; the length in dwords [17:0] in DW1,
 * header included, where 0 stands for 2^18 — then the payload, little-endian, padded with zero
 * bytes to a whole dword. Encoding and decoding only; the mailbox registers are src/drivers/hw.
 */
import { kerr } from '../../base/index.js';

/** A (vendor, type) pair: one data object protocol. */
export interface DoeProtocolId {
  readonly vendor: number;
  readonly type: number;
}

export const DOE_HEADER_DWORDS = 2;
/** PCI_DOE_MAX_LENGTH: 2^18 dwords, header included, encoded as a length field of 0. */
export const DOE_MAX_OBJECT_DWORDS = 1 << 18;
/** PCI_DOE_MAX_PAYLOAD: (2^18 - 2) dwords of payload = 1,048,568 bytes. */
export const DOE_MAX_PAYLOAD_BYTES = (DOE_MAX_OBJECT_DWORDS - DOE_HEADER_DWORDS) * 4;
/** PCI_DOE_DATA_OBJECT_HEADER_2_LENGTH. */
export const DOE_LENGTH_MASK = 0x3ffff;

export const doeVendors = {
  PCI_SIG: 0x0001, // PCI_VENDOR_ID_PCI_SIG
  CXL: 0x1e98, // PCI_VENDOR_ID_CXL
} as const;

/** The known data object protocols (protocols §1.3), by name. */
export const doeProtocols = {
  DISCOVERY: { vendor: 0x0001, type: 0x00 },
  CMA_SPDM: { vendor: 0x0001, type: 0x01 },
  SECURED_CMA_SPDM: { vendor: 0x0001, type: 0x02 },
  SPDM_CONNECTION_ID: { vendor: 0x0001, type: 0x03 },
  SECURED_SPDM_CONNECTION_ID: { vendor: 0x0001, type: 0x04 },
  ASYNC_MESSAGE: { vendor: 0x0001, type: 0x05 },
  CXL_COMPLIANCE: { vendor: 0x1e98, type: 0x00 },
  CXL_TABLE_ACCESS: { vendor: 0x1e98, type: 0x02 },
} as const satisfies Record<string, DoeProtocolId>;

/** DW0 of an object of `protocol`: vendor in [15:0], type in [23:16], reserved byte 0. */
export function doeHeaderDw0(protocol: DoeProtocolId): number {
  return ((protocol.vendor & 0xffff) | ((protocol.type & 0xff) << 16)) >>> 0;
}

/** The length field for an object of `dwords` dwords (2^18 is written as 0). */
export function doeEncodeLength(dwords: number): number {
  return dwords === DOE_MAX_OBJECT_DWORDS ? 0 : dwords & DOE_LENGTH_MASK;
}

/** The object length in dwords a DW1 announces: bits 17:0, 0 meaning 2^18; bits 31:18 ignored. */
export function doeDecodeLength(dw1: number): number {
  return dw1 & DOE_LENGTH_MASK || DOE_MAX_OBJECT_DWORDS;
}

/** Little-endian dwords of `bytes`, the last one zero padded. */
export function bytesToDwords(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    out.push(((bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16) | ((bytes[i + 3] ?? 0) << 24)) >>> 0);
  }
  return out;
}

/** The wire bytes of `dwords`, each little-endian. */
export function dwordsToBytes(dwords: readonly number[]): Uint8Array {
  const out = new Uint8Array(dwords.length * 4);
  for (let i = 0, o = 0; i < dwords.length; i++, o += 4) {
    const d = dwords[i]!;
    out[o] = d & 0xff;
    out[o + 1] = (d >>> 8) & 0xff;
    out[o + 2] = (d >>> 16) & 0xff;
    out[o + 3] = (d >>> 24) & 0xff;
  }
  return out;
}

/**
 * A whole object as dwords: header and the payload padded to a dword (pci_doe_send_req).
 * @throws {DriverModelError} EIO when the object would exceed 2^18 dwords, as pci_doe_send_req.
 */
export function doeEncodeObject(protocol: DoeProtocolId, payload: Uint8Array): number[] {
  const dwords = DOE_HEADER_DWORDS + Math.ceil(payload.length / 4);
  if (dwords > DOE_MAX_OBJECT_DWORDS) throw kerr('EIO', `DOE object of ${payload.length} payload bytes exceeds 2^18 dwords`);
  return [doeHeaderDw0(protocol), doeEncodeLength(dwords), ...bytesToDwords(payload)];
}

export interface DoeObject {
  readonly vendor: number;
  readonly type: number;
  /** The reserved byte of DW0 (bits 31:24). */
  readonly reserved: number;
  /** Length in dwords as announced (0 decoded to 2^18). */
  readonly length: number;
  /** The payload dwords' bytes (length - 2 dwords). */
  readonly payload: Uint8Array;
}

/**
 * Parse a received object. Truncated objects (fewer dwords than the header announces, or no
 * header at all) fail with EIO, as do lengths below 2 (pci_doe_recv_resp); extra dwords past
 * the announced length are ignored.
 * @throws {DriverModelError} EIO for a malformed object.
 */
export function doeDecodeObject(dwords: readonly number[]): DoeObject {
  if (dwords.length < DOE_HEADER_DWORDS) throw kerr('EIO', `DOE object of ${dwords.length} dwords has no header`);
  const dw0 = dwords[0]! >>> 0;
  const dw1 = dwords[1]! >>> 0;
  const length = doeDecodeLength(dw1);
  if (length < DOE_HEADER_DWORDS) throw kerr('EIO', `DOE object length ${length} is below the header`);
  if (dwords.length < length) throw kerr('EIO', `DOE object truncated: ${dwords.length} of ${length} dwords`);
  return {
    vendor: dw0 & 0xffff,
    type: (dw0 >>> 16) & 0xff,
    reserved: dw0 >>> 24,
    length,
    payload: dwordsToBytes(dwords.slice(DOE_HEADER_DWORDS, length)),
  };
}

/** `vvvv:tt`, the kernel's doe_features name of a protocol. */
export function doeProtocolName(p: DoeProtocolId): string {
  return `${p.vendor.toString(16).padStart(4, '0')}:${p.type.toString(16).padStart(2, '0')}`;
}
