/**
 * Secured-message version negotiation in KEY_EXCHANGE opaque data (DSP0274 1.2 "General opaque
 * data format" = OpaqueDataFmt1; DSP0277 "Secured Messages version"; LIBSPDM
 * spdm_secured_message.h). Fmt1: TotalElements u8, Reserved[3], then elements
 * { ID u8 (0 = DMTF), VendorLen u8 (0), OpaqueElementDataLen u16, data, pad to 4 }.
 * Element data: SMDataVersion u8 (1), SMDataID u8 (1 = supported list: count u8, versions u16[];
 * 0 = selection: version u16). Versions are u16 with the major/minor in the high byte (0x1000 = 1.0).
 * Fmt0 (1.1) adds a 4-byte spec id "DMTF" (0x444D5446) and a version byte before the table.
 */
import { kerr } from '../../base/index.js';
import { OpaqueFormat } from './constants.js';
import { Reader, Writer } from './reader.js';

const SPEC_ID = 0x444d5446;

function wrap(format: number, element: Uint8Array): Uint8Array {
  const w = new Writer();
  if (format === OpaqueFormat.FMT1) w.u8(1).zeros(3);
  else w.u32(SPEC_ID).u8(1).u8(1).u16(0);
  w.u8(0).u8(0).u16(element.length).bytes(element);
  while (w.length % 4) w.u8(0);
  return w.finish();
}

export function encodeSupportedVersions(format: number, versions: readonly number[]): Uint8Array {
  const e = new Writer().u8(1).u8(1).u8(versions.length);
  for (const v of versions) e.u16(v);
  return wrap(format, e.finish());
}

export function encodeVersionSelection(format: number, version: number): Uint8Array {
  return wrap(format, new Writer().u8(1).u8(0).u16(version).finish());
}

interface SmElement {
  readonly id: number;
  readonly data: Uint8Array;
}

function elements(format: number, opaque: Uint8Array): SmElement[] {
  const r = new Reader(opaque, 'SPDM opaque data');
  let total: number;
  if (format === OpaqueFormat.FMT1) {
    total = r.u8();
    r.discard(3);
  } else {
    if (r.u32() !== SPEC_ID) r.fail('opaque data spec id is not DMTF');
    r.u8();
    total = r.u8();
    r.discard(2);
  }
  const out: SmElement[] = [];
  for (let i = 0; i < total; i++) {
    const start = r.offset;
    const id = r.u8();
    const vendorLen = r.u8();
    r.discard(vendorLen);
    const len = r.u16();
    const data = r.take(len);
    while ((r.offset - start) % 4 && r.offset < opaque.length) r.u8();
    out.push({ id, data });
  }
  return out;
}

/** The secured-message versions a requester lists. EPROTO if there is no such element. */
export function decodeSupportedVersions(format: number, opaque: Uint8Array): number[] {
  for (const e of elements(format, opaque)) {
    if (e.id !== 0 || e.data.length < 3 || e.data[1] !== 1) continue;
    const r = new Reader(e.data, 'SPDM opaque supported versions');
    r.discard(2);
    const n = r.u8();
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(r.u16());
    return out;
  }
  throw kerr('EPROTO', 'SPDM opaque data: no secured-message supported-version element');
}

/** The secured-message version a responder selected. EPROTO if there is none. */
export function decodeVersionSelection(format: number, opaque: Uint8Array): number {
  for (const e of elements(format, opaque)) {
    if (e.id !== 0 || e.data.length < 4 || e.data[1] !== 0) continue;
    return (e.data[2]! | (e.data[3]! << 8)) >>> 0;
  }
  throw kerr('EPROTO', 'SPDM opaque data: no secured-message version selection element');
}
