/**
 * A CDAT table: the 16-byte header (Length u32 of the whole table, Revision u8, Checksum u8,
 * 6 reserved bytes, Sequence u32) followed by its structures. The checksum makes the byte sum of
 * the whole table 0 mod 256. Table Access entry 0 is the header, entries 1..N the structures
 * in order (protocols §2.2).
 */
import { kerr } from '../../base/index.js';
import { type CdatStructure, decodeCdatStructure, encodeCdatStructure } from './structures.js';

export const CDAT_HEADER_SIZE = 16;
/** CXL_CDAT_REV. */
export const CDAT_REVISION = 2;

export interface CdatHeader {
  readonly length: number;
  readonly revision: number;
  readonly checksum: number;
  readonly sequence: number;
}

export interface CdatTable {
  readonly header: CdatHeader;
  /** Entry 0 (the header) then each structure, as Table Access returns them. */
  readonly entries: readonly Uint8Array[];
  /** The whole table, header first. */
  readonly bytes: Uint8Array;
}

function byteSum(chunks: readonly Uint8Array[]): number {
  let sum = 0;
  for (const c of chunks) for (const b of c) sum = (sum + b) & 0xff;
  return sum;
}

/** Build a table: header length and checksum computed over the structures' bytes. */
export function buildCdatTable(structures: readonly CdatStructure[], options: { revision?: number; sequence?: number } = {}): CdatTable {
  const bodies = structures.map(encodeCdatStructure);
  const length = CDAT_HEADER_SIZE + bodies.reduce((n, b) => n + b.length, 0);
  const head = new Uint8Array(CDAT_HEADER_SIZE);
  const v = new DataView(head.buffer);
  v.setUint32(0, length, true);
  v.setUint8(4, options.revision ?? CDAT_REVISION);
  v.setUint32(12, options.sequence ?? 0, true);
  const checksum = (0x100 - byteSum([head, ...bodies])) & 0xff;
  v.setUint8(5, checksum);
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of [head, ...bodies]) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return {
    header: { length, revision: options.revision ?? CDAT_REVISION, checksum, sequence: options.sequence ?? 0 },
    entries: [head, ...bodies],
    bytes,
  };
}

/** The header fields of a table's first 16 bytes. */
export function decodeCdatHeader(bytes: Uint8Array): CdatHeader {
  if (bytes.length < CDAT_HEADER_SIZE) throw kerr('EINVAL', `CDAT header truncated: ${bytes.length} bytes`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { length: v.getUint32(0, true), revision: v.getUint8(4), checksum: v.getUint8(5), sequence: v.getUint32(12, true) };
}

/** True when every byte of the table sums to 0 mod 256 (cxl_cdat_read_table's check). */
export function cdatChecksumValid(bytes: Uint8Array): boolean {
  return byteSum([bytes]) === 0;
}

/**
 * Parse a whole table: header, then structures until the header's Length.
 * @throws {DriverModelError} EINVAL when the Length disagrees with the bytes, a structure is
 *   malformed, or the checksum fails.
 */
export function parseCdatTable(bytes: Uint8Array): { header: CdatHeader; structures: CdatStructure[] } {
  const header = decodeCdatHeader(bytes);
  if (header.length !== bytes.length) throw kerr('EINVAL', `CDAT Length ${header.length} but ${bytes.length} bytes`);
  if (!cdatChecksumValid(bytes)) throw kerr('EINVAL', 'CDAT checksum does not sum to 0');
  const structures: CdatStructure[] = [];
  for (let at = CDAT_HEADER_SIZE; at < bytes.length;) {
    const s = decodeCdatStructure(bytes.subarray(at));
    structures.push(s);
    at += new DataView(bytes.buffer, bytes.byteOffset + at).getUint16(2, true);
  }
  return { header, structures };
}
