/**
 * CDAT structures (Coherent Device Attribute Table spec; protocols §2.2; QEMU
 * include/hw/cxl/cxl_cdat.h): each begins with Type u8, Reserved u8 and Length u16, all
 * little-endian, every reserved byte zero. Encoders produce the exact bytes; the decoder checks
 * the fixed sizes as QEMU's cdat_len_check does.
 */
import { kerr } from '../../base/index.js';

export const cdatTypes = {
  DSMAS: 0, // Device Scoped Memory Affinity Structure
  DSLBIS: 1, // Device Scoped Latency and Bandwidth Information Structure
  DSMSCIS: 2, // Device Scoped Memory Side Cache Information Structure
  DSIS: 3, // Device Scoped Initiator Structure
  DSEMTS: 4, // Device Scoped EFI Memory Type Structure
  SSLBIS: 5, // Switch Scoped Latency and Bandwidth Information Structure
} as const;
export type CdatType = (typeof cdatTypes)[keyof typeof cdatTypes];

/** Fixed sizes; SSLBIS is 16 + 8 per entry. */
export const cdatStructureSize = { 0: 24, 1: 24, 2: 20, 3: 8, 4: 24 } as const;
export const CDAT_SSLBIS_HEADER_SIZE = 16;
export const CDAT_SSLBIS_ENTRY_SIZE = 8;

/** DSMAS flags (bit 2 non-volatile, 3 shareable, 4 HW-managed coherency, 5 dynamic capacity, 6 read-only). */
export const dsmasFlags = { NON_VOLATILE: 1 << 2, SHAREABLE: 1 << 3, HW_COHERENT: 1 << 4, DYNAMIC_CAPACITY: 1 << 5, READ_ONLY: 1 << 6 } as const;

/** HMAT data types of DSLBIS and SSLBIS (QEMU HMAT_LB_DATA_*). */
export const hmatDataTypes = {
  ACCESS_LATENCY: 0,
  READ_LATENCY: 1,
  WRITE_LATENCY: 2,
  ACCESS_BANDWIDTH: 3,
  READ_BANDWIDTH: 4,
  WRITE_BANDWIDTH: 5,
} as const;

/** SSLBIS port id of the upstream port. */
export const CDAT_SSLBIS_USP = 0x100;

export interface Dsmas {
  readonly type: 0;
  readonly handle: number;
  readonly flags: number;
  readonly dpaBase: bigint;
  readonly dpaLength: bigint;
}
export interface Dslbis {
  readonly type: 1;
  readonly handle: number;
  /** HMAT memory hierarchy flags; 0 = memory. */
  readonly flags: number;
  readonly dataType: number;
  readonly entryBaseUnit: bigint;
  readonly entries: readonly [number, number, number];
}
export interface Dsmscis {
  readonly type: 2;
  readonly handle: number;
  readonly cacheSize: bigint;
  readonly cacheAttributes: number;
}
export interface Dsis {
  readonly type: 3;
  readonly flags: number;
  readonly handle: number;
}
export interface Dsemts {
  readonly type: 4;
  readonly handle: number;
  /** EFI memory type and attribute (1 EFI_MEMORY_SP for volatile, 2 for persistent in QEMU). */
  readonly efiTypeAttr: number;
  readonly dpaOffset: bigint;
  readonly dpaLength: bigint;
}
export interface SslbisEntry {
  readonly portX: number;
  readonly portY: number;
  readonly value: number;
}
export interface Sslbis {
  readonly type: 5;
  readonly dataType: number;
  readonly entryBaseUnit: bigint;
  readonly entries: readonly SslbisEntry[];
}
export type CdatStructure = Dsmas | Dslbis | Dsmscis | Dsis | Dsemts | Sslbis;

function sizeOf(s: CdatStructure): number {
  return s.type === cdatTypes.SSLBIS ? CDAT_SSLBIS_HEADER_SIZE + CDAT_SSLBIS_ENTRY_SIZE * s.entries.length : cdatStructureSize[s.type];
}

/** The bytes of one structure, its common header included. */
export function encodeCdatStructure(s: CdatStructure): Uint8Array {
  const size = sizeOf(s);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint8(0, s.type);
  v.setUint16(2, size, true);
  switch (s.type) {
    case cdatTypes.DSMAS:
      v.setUint8(4, s.handle);
      v.setUint8(5, s.flags);
      v.setBigUint64(8, s.dpaBase, true);
      v.setBigUint64(16, s.dpaLength, true);
      break;
    case cdatTypes.DSLBIS:
      v.setUint8(4, s.handle);
      v.setUint8(5, s.flags);
      v.setUint8(6, s.dataType);
      v.setBigUint64(8, s.entryBaseUnit, true);
      s.entries.forEach((e, i) => v.setUint16(16 + 2 * i, e, true));
      break;
    case cdatTypes.DSMSCIS:
      v.setUint8(4, s.handle);
      v.setBigUint64(8, s.cacheSize, true);
      v.setUint32(16, s.cacheAttributes, true);
      break;
    case cdatTypes.DSIS:
      v.setUint8(4, s.flags);
      v.setUint8(5, s.handle);
      break;
    case cdatTypes.DSEMTS:
      v.setUint8(4, s.handle);
      v.setUint8(5, s.efiTypeAttr);
      v.setBigUint64(8, s.dpaOffset, true);
      v.setBigUint64(16, s.dpaLength, true);
      break;
    case cdatTypes.SSLBIS:
      v.setUint8(4, s.dataType);
      v.setBigUint64(8, s.entryBaseUnit, true);
      s.entries.forEach((e, i) => {
        const at = CDAT_SSLBIS_HEADER_SIZE + CDAT_SSLBIS_ENTRY_SIZE * i;
        v.setUint16(at, e.portX, true);
        v.setUint16(at + 2, e.portY, true);
        v.setUint16(at + 4, e.value, true);
      });
      break;
  }
  return out;
}

/**
 * Parse one structure from the start of `bytes`.
 * @throws {DriverModelError} EINVAL for a reserved type, a length that does not fit the type,
 *   or a structure running past `bytes`.
 */
export function decodeCdatStructure(bytes: Uint8Array): CdatStructure {
  if (bytes.length < 4) throw kerr('EINVAL', `CDAT structure truncated: ${bytes.length} bytes`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = v.getUint8(0);
  const length = v.getUint16(2, true);
  if (length > bytes.length) throw kerr('EINVAL', `CDAT structure of length ${length} runs past ${bytes.length} bytes`);
  if (type > cdatTypes.SSLBIS) throw kerr('EINVAL', `CDAT structure type ${type} is reserved`);
  const fixed = type === cdatTypes.SSLBIS ? undefined : cdatStructureSize[type as 0 | 1 | 2 | 3 | 4];
  if (fixed !== undefined && length !== fixed) throw kerr('EINVAL', `CDAT type ${type} has length ${length}, expected ${fixed}`);
  if (type === cdatTypes.SSLBIS && (length < CDAT_SSLBIS_HEADER_SIZE || (length - CDAT_SSLBIS_HEADER_SIZE) % CDAT_SSLBIS_ENTRY_SIZE)) {
    throw kerr('EINVAL', `CDAT SSLBIS has length ${length}`);
  }
  switch (type) {
    case cdatTypes.DSMAS:
      return { type, handle: v.getUint8(4), flags: v.getUint8(5), dpaBase: v.getBigUint64(8, true), dpaLength: v.getBigUint64(16, true) };
    case cdatTypes.DSLBIS:
      return {
        type,
        handle: v.getUint8(4),
        flags: v.getUint8(5),
        dataType: v.getUint8(6),
        entryBaseUnit: v.getBigUint64(8, true),
        entries: [v.getUint16(16, true), v.getUint16(18, true), v.getUint16(20, true)],
      };
    case cdatTypes.DSMSCIS:
      return { type, handle: v.getUint8(4), cacheSize: v.getBigUint64(8, true), cacheAttributes: v.getUint32(16, true) };
    case cdatTypes.DSIS:
      return { type, flags: v.getUint8(4), handle: v.getUint8(5) };
    case cdatTypes.DSEMTS:
      return { type, handle: v.getUint8(4), efiTypeAttr: v.getUint8(5), dpaOffset: v.getBigUint64(8, true), dpaLength: v.getBigUint64(16, true) };
    default: {
      const entries: SslbisEntry[] = [];
      for (let at = CDAT_SSLBIS_HEADER_SIZE; at < length; at += CDAT_SSLBIS_ENTRY_SIZE) {
        entries.push({ portX: v.getUint16(at, true), portY: v.getUint16(at + 2, true), value: v.getUint16(at + 4, true) });
      }
      return { type: cdatTypes.SSLBIS, dataType: v.getUint8(4), entryBaseUnit: v.getBigUint64(8, true), entries };
    }
  }
}
