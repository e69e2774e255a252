/**
 * The CXL kernel consumer of a Table Access mailbox (drivers/cxl/core/pci.c `read_cdat_data`,
 * `cxl_cdat_get_length`, `cxl_cdat_read_table`; reference/protocols.md §2.2): read entry 0 for
 * the CDAT header's length, then every entry from handle 0 until the next handle is 0xFFFF,
 * concatenating the entries; a response whose size disagrees with the entry it carries is EIO.
 * A bad checksum only warns. The table is kept per function (WeakMap keyed by the machine's own
 * PciDevice object, so machines never share it).
 */
import { type ErrnoName, type ILogService, sideTable } from '../../base/index.js';
import type { PciDevice } from '../../pci/index.js';
import { CXL_DOE_PROTOCOL_TABLE_ACCESS, PCI_VENDOR_ID_CXL, type PciDoeMb, errnoNumber } from '../doe/doe.js';

/** CXL_DOE_TABLE_ACCESS_LAST_ENTRY. */
export const CDAT_LAST_ENTRY = 0xffff;
/** struct cdat_header: length u32, revision u8, checksum u8, reserved[6], sequence u32. */
export const CDAT_HEADER_SIZE = 16;
/** struct cdat_entry_header: type u8, reserved u8, length u16. */
const CDAT_ENTRY_HEADER_SIZE = 4;

export type CdatReadResult =
  { readonly ok: true; readonly table: Uint8Array; readonly checksumOk: boolean } | { readonly ok: false; readonly errno: ErrnoName };

const cdatByDevice = sideTable(new WeakMap<PciDevice, CdatReadResult>());

/** What the kernel last read as `pdev`'s CDAT (undefined until a read finished). */
export function cxlCdatOf(pdev: PciDevice): CdatReadResult | undefined {
  return cdatByDevice.get(pdev);
}

/** CDAT_DOE_REQ(handle): Read Entry (code 0), table type 0 (CDAT), entry handle in bits 31:16. */
export function cdatDoeRequest(handle: number): Uint8Array {
  const req = new Uint8Array(4);
  req[2] = handle;
  req[3] = handle >>> 8;
  return req;
}

/** Little-endian u16/u32 at `at` (read off the bytes: a DataView would move them off the heap first). */
function le16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}
function le32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** read_cdat_data over `mb`; the result is stored for `cxlCdatOf` and passed to `done`. */
export function readCdatData(mb: PciDoeMb, log: ILogService, who: string, done?: (r: CdatReadResult) => void): void {
  const finish = (r: CdatReadResult): void => {
    cdatByDevice.set(mb.pdev, r);
    if (!r.ok) log.log('info', 'kernel', `${who}: No CDAT mailbox or CDAT read failed: -${errnoNumber(r.errno)}`);
    done?.(r);
  };
  const fail = (errno: ErrnoName, doeFailed: boolean): void => {
    if (doeFailed) log.log('error', 'kernel', `${who}: DOE failed: -${errnoNumber(errno)}`);
    finish({ ok: false, errno });
  };
  // cxl_cdat_get_length: the Table Access header dword and the CDAT header's first dword.
  mb.submit({ vendor: PCI_VENDOR_ID_CXL, type: CXL_DOE_PROTOCOL_TABLE_ACCESS, request: cdatDoeRequest(0), responseSize: 8 }, (r) => {
    if (!r.ok) return fail(r.errno, true);
    if (r.received < 8) return fail('EIO', false);
    const cdatLength = le32(r.response, 4);
    log.log('debug', 'kernel', `${who}: CDAT length ${cdatLength}`);
    const table: Uint8Array[] = [];
    let room = cdatLength + 4;
    const readEntry = (handle: number): void => {
      mb.submit({ vendor: PCI_VENDOR_ID_CXL, type: CXL_DOE_PROTOCOL_TABLE_ACCESS, request: cdatDoeRequest(handle), responseSize: room }, (e) => {
        if (!e.ok) return fail(e.errno, true);
        const data = e.response;
        const entryLength = e.received >= 4 + CDAT_ENTRY_HEADER_SIZE ? le16(data, 4 + 2) : -1;
        if (
          (handle === 0 && e.received !== 4 + CDAT_HEADER_SIZE) ||
          (handle > 0 && (e.received < 4 + CDAT_ENTRY_HEADER_SIZE || e.received !== 4 + entryLength))
        ) {
          return fail('EIO', false);
        }
        const next = le16(data, 2);
        const entry = copyBytes(data, 4, e.received);
        table.push(entry);
        room -= entry.length;
        if (next !== CDAT_LAST_ENTRY) return readEntry(next);
        const bytes = concat(table);
        let sum = 0;
        for (let i = 0; i < bytes.length; i++) sum = (sum + bytes[i]!) & 0xff;
        const checksumOk = sum === 0;
        if (!checksumOk) log.log('warning', 'kernel', `${who}: Bad CDAT checksum`);
        finish({ ok: true, table: bytes, checksumOk });
      });
    };
    readEntry(0);
  });
}

/**
 * The bytes of `b` from `start` to `end`, copied one by one: entries are a few dozen bytes, for
 * which `slice` and `set` cost more than the copy (each a call into the runtime).
 */
function copyBytes(b: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = b[i]!;
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (let i = 0; i < parts.length; i++) total += parts[i]!.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    for (let j = 0; j < p.length; j++) out[at + j] = p[j]!;
    at += p.length;
  }
  return out;
}
