/**
 * CXL Table Access DOE (vendor 0x1E98, type 0x02; CXL 2.0 §8.1.11; protocols §2.2). Request
 * payload: one dword — Request Code [7:0] (0 = Read Entry), Table Type [15:8] (0 = CDAT),
 * Entry Handle [31:16]. Response payload: the same dword layout with the handle of the *next*
 * entry (0xFFFF after the last), followed by the raw entry bytes.
 *
 * The responder never reads past its table: a handle beyond the last entry is discarded (QEMU
 * 7.2 crashes there, case c15; QEMU's switch upstream port discards, cxl_upstream.c). Whether
 * the Request Code and Table Type are checked is a property of the device: QEMU answers any
 * value as a Read Entry of CDAT (case c14), a strict device discards what it does not know.
 */
import { type DoeProtocolResponder, doeProtocols } from '../doe/index.js';
import type { CdatTable } from './table.js';

export const TABLE_ACCESS_REQ_CODE_READ = 0;
export const TABLE_ACCESS_TABLE_TYPE_CDAT = 0;
/** CXL_DOE_TABLE_ACCESS_LAST_ENTRY. */
export const TABLE_ACCESS_LAST_ENTRY = 0xffff;

export interface TableAccessRequest {
  readonly requestCode: number;
  readonly tableType: number;
  readonly handle: number;
}

export interface TableAccessResponse {
  readonly responseCode: number;
  readonly tableType: number;
  /** The handle of the next entry, 0xFFFF after the last. */
  readonly next: number;
  readonly entry: Uint8Array;
}

function dword(code: number, tableType: number, handle: number): Uint8Array {
  return new Uint8Array([code & 0xff, tableType & 0xff, handle & 0xff, (handle >>> 8) & 0xff]);
}

export function encodeTableAccessRequest(req: TableAccessRequest): Uint8Array {
  return dword(req.requestCode, req.tableType, req.handle);
}

export function decodeTableAccessRequest(payload: Uint8Array): TableAccessRequest | undefined {
  if (payload.length < 4) return undefined;
  return { requestCode: payload[0]!, tableType: payload[1]!, handle: payload[2]! | (payload[3]! << 8) };
}

export function encodeTableAccessResponse(rsp: TableAccessResponse): Uint8Array {
  const entry = rsp.entry;
  const out = new Uint8Array(4 + entry.length);
  // The header dword and the entry, byte by byte (no intermediate array; `set` of a few dozen
  // bytes costs more than the copy).
  out[0] = rsp.responseCode;
  out[1] = rsp.tableType;
  out[2] = rsp.next;
  out[3] = rsp.next >>> 8;
  for (let i = 0; i < entry.length; i++) out[4 + i] = entry[i]!;
  return out;
}

/** Split a response payload; `entry` is every byte after the first dword (DW padding included). */
export function decodeTableAccessResponse(payload: Uint8Array): TableAccessResponse | undefined {
  if (payload.length < 4) return undefined;
  return { responseCode: payload[0]!, tableType: payload[1]!, next: payload[2]! | (payload[3]! << 8), entry: payload.slice(4) };
}

export interface TableAccessOptions {
  /** Discard requests whose Request Code is not Read Entry or whose Table Type is not CDAT. */
  readonly strict: boolean;
}

/** A Table Access responder serving `table` (fetched per request, so a table may change). */
export function tableAccessResponder(table: () => CdatTable, options: TableAccessOptions): DoeProtocolResponder {
  return {
    vendor: doeProtocols.CXL_TABLE_ACCESS.vendor,
    type: doeProtocols.CXL_TABLE_ACCESS.type,
    respond(payload: Uint8Array): Uint8Array | undefined {
      const req = decodeTableAccessRequest(payload);
      if (!req) return undefined;
      if (options.strict && (req.requestCode !== TABLE_ACCESS_REQ_CODE_READ || req.tableType !== TABLE_ACCESS_TABLE_TYPE_CDAT)) return undefined;
      const entries = table().entries;
      const entry = entries[req.handle];
      if (!entry) return undefined;
      const next = req.handle + 1 < entries.length ? req.handle + 1 : TABLE_ACCESS_LAST_ENTRY;
      return encodeTableAccessResponse({ responseCode: TABLE_ACCESS_REQ_CODE_READ, tableType: TABLE_ACCESS_TABLE_TYPE_CDAT, next, entry });
    },
  };
}
