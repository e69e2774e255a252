/**
 * A userspace CDAT reader over a Table Access DOE mailbox (CXL 2.0 §8.1.11; reference/protocols.md
 * §2.2), as cxl-cli-like tools do: Read Entry from handle 0, follow each response's next handle
 * until 0xFFFF, concatenate the entries, then parse and check the table (length, checksum).
 */
import { kerr } from '../base/index.js';
import {
  type CdatHeader,
  type CdatStructure,
  TABLE_ACCESS_LAST_ENTRY,
  TABLE_ACCESS_REQ_CODE_READ,
  TABLE_ACCESS_TABLE_TYPE_CDAT,
  decodeTableAccessResponse,
  doeProtocols,
  encodeTableAccessRequest,
  parseCdatTable,
} from '../protocols/index.js';
import type { DoeClient } from './doe-client.js';

/** At most this many entries (a device whose next handle never reaches 0xFFFF). */
const MAX_ENTRIES = 1024;

export interface CdatRead {
  readonly bytes: Uint8Array;
  readonly header: CdatHeader;
  readonly structures: CdatStructure[];
}

/** @throws {DriverModelError} EBADMSG malformed response; EINVAL bad table (length, checksum); the exchange's errno. */
export function readCdat(doe: DoeClient): CdatRead {
  const parts: Uint8Array[] = [];
  let handle = 0;
  for (let n = 0; ; n++) {
    if (n >= MAX_ENTRIES) throw kerr('EBADMSG', `CDAT: more than ${MAX_ENTRIES} entries`);
    const payload = doe.exchange(
      doeProtocols.CXL_TABLE_ACCESS,
      encodeTableAccessRequest({ requestCode: TABLE_ACCESS_REQ_CODE_READ, tableType: TABLE_ACCESS_TABLE_TYPE_CDAT, handle }),
    );
    const rsp = decodeTableAccessResponse(payload);
    if (!rsp) throw kerr('EBADMSG', `CDAT entry ${handle}: malformed Table Access response`);
    // Entry 0 is the 16-byte CDAT header; every other entry says its own length (bytes 2..3).
    const length = handle === 0 ? 16 : rsp.entry.length >= 4 ? rsp.entry[2]! | (rsp.entry[3]! << 8) : -1;
    if (length < 0 || length > rsp.entry.length) throw kerr('EBADMSG', `CDAT entry ${handle}: ${rsp.entry.length} bytes for an entry of ${length}`);
    parts.push(rsp.entry.subarray(0, length));
    if (rsp.next === TABLE_ACCESS_LAST_ENTRY) break;
    handle = rsp.next;
  }
  const bytes = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  const { header, structures } = parseCdatTable(bytes);
  return { bytes, header, structures };
}
