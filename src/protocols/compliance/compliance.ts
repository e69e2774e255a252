/**
 * CXL Compliance DOE (vendor 0x1E98, type 0x00; CXL 2.0 §14.16.4; protocols §2.1, layouts as
 * QEMU-COMP's packed structures, UNVERIFIED against the CXL specification itself). Offsets
 * below are of the whole object, DOE header included, as the reference gives them; the
 * responder contract sees the payload, i.e. everything from byte 8.
 *
 * Request: Request Code @8, Version @9, 2 reserved bytes, then the code's parameters.
 * Response: Response Code (= request code) @8, Version @9 (1), Length @10 (the whole response
 * in bytes, DOE header included), then the code's fields.
 */
import { kerr } from '../../base/index.js';

export const COMPLIANCE_HEADER_BYTES = 12;
export const COMPLIANCE_RESPONSE_HEADER_BYTES = 11;
/** The Version a response carries (QEMU sets 1). */
export const COMPLIANCE_VERSION = 1;

/** comp_status / CXLCompStatus. */
export const complianceStatus = {
  SUCCESS: 0,
  NOT_AUTHORIZED: 1,
  UNKNOWN_FAILURE: 2,
  UNSUPPORTED_INJECTION_FUNCTION: 3,
  INTERNAL_ERROR: 4,
  BUSY: 5,
  NOT_INITIALIZED: 6,
} as const;

type FieldSize = 1 | 2 | 4 | 8;
/** A named field: offset in the whole object and size in bytes. */
export interface ComplianceField {
  readonly name: string;
  readonly offset: number;
  readonly size: FieldSize;
}

export interface ComplianceCode {
  readonly code: number;
  readonly name: string;
  /** Whole request size in bytes, DOE header included. */
  readonly requestBytes: number;
  readonly requestFields: readonly ComplianceField[];
  /** Whole response size in bytes, DOE header included. */
  readonly responseBytes: number;
  readonly responseFields: readonly ComplianceField[];
}

function fields(start: number, list: readonly (readonly [string, FieldSize])[]): ComplianceField[] {
  let at = start;
  return list.map(([name, size]) => {
    const f = { name, offset: at, size };
    at += size;
    return f;
  });
}

const STATUS_ONLY = fields(11, [['status', 1]]);
const u8s = (...names: string[]) => names.map((n) => [n, 1] as const);

/** Request codes 0..15 (QEMU enum CXL_COMP_MODE_*), each with its request and response layout. */
export const complianceCodes: readonly ComplianceCode[] = [
  {
    code: 0,
    name: 'capability',
    requestBytes: 12,
    requestFields: [],
    responseBytes: 28,
    responseFields: fields(11, [
      ['status', 1],
      ['available', 8],
      ['enabled', 8],
    ]),
  },
  {
    code: 1,
    name: 'status',
    requestBytes: 12,
    requestFields: [],
    responseBytes: 18,
    responseFields: fields(11, [
      ['capabilityBitfield', 4],
      ['cacheSize', 2],
      ['cacheSizeUnits', 1],
    ]),
  },
  { code: 2, name: 'halt', requestBytes: 12, requestFields: [], responseBytes: 12, responseFields: STATUS_ONLY },
  {
    code: 3,
    name: 'multiple-write-streaming',
    requestBytes: 68,
    requestFields: fields(12, [
      ...u8s('protocol', 'virtualAddr', 'selfChecking', 'verifyReadSemantics', 'numInc', 'numSets', 'numLoops', 'reserved'),
      ['startAddr', 8],
      ['writeAddr', 8],
      ['writebackAddr', 8],
      ['byteMask', 8],
      ['addrIncr', 4],
      ['setOffset', 4],
      ['patternP', 4],
      ['incPatternB', 4],
    ]),
    responseBytes: 12,
    responseFields: STATUS_ONLY,
  },
  {
    code: 4,
    name: 'producer-consumer',
    requestBytes: 48,
    requestFields: fields(12, [
      ...u8s('protocol', 'numInc', 'numSets', 'numLoops', 'writeSemantics', 'reserved0', 'reserved1', 'reserved2'),
      ['startAddr', 8],
      ['byteMask', 8],
      ['addrIncr', 4],
      ['setOffset', 4],
      ['pattern', 4],
    ]),
    responseBytes: 12,
    responseFields: STATUS_ONLY,
  },
  {
    code: 5,
    name: 'bogus-writes',
    requestBytes: 18,
    requestFields: fields(12, [
      ['count', 1],
      ['reserved', 1],
      ['pattern', 4],
    ]),
    responseBytes: 12,
    responseFields: STATUS_ONLY,
  },
  { code: 6, name: 'inject-poison', requestBytes: 13, requestFields: fields(12, u8s('protocol')), responseBytes: 12, responseFields: STATUS_ONLY },
  {
    code: 7,
    name: 'inject-crc',
    requestBytes: 14,
    requestFields: fields(12, u8s('numBitsFlip', 'numFlitsInj')),
    responseBytes: 12,
    responseFields: STATUS_ONLY,
  },
  {
    code: 8,
    name: 'inject-flow-control',
    requestBytes: 13,
    requestFields: fields(12, u8s('injFlowControl')),
    responseBytes: 12,
    responseFields: STATUS_ONLY,
  },
  {
    code: 9,
    name: 'toggle-cache-flush',
    requestBytes: 13,
    requestFields: fields(12, u8s('cacheFlushControl')),
    responseBytes: 12,
    responseFields: STATUS_ONLY,
  },
  {
    code: 10,
    name: 'inject-mac-delay',
    requestBytes: 15,
    requestFields: fields(12, u8s('enable', 'mode', 'delay')),
    responseBytes: 12,
    responseFields: STATUS_ONLY,
  },
  {
    code: 11,
    name: 'insert-unexpected-mac',
    requestBytes: 14,
    requestFields: fields(12, u8s('opcode', 'mode')),
    responseBytes: 12,
    responseFields: STATUS_ONLY,
  },
  { code: 12, name: 'inject-viral', requestBytes: 13, requestFields: fields(12, u8s('protocol')), responseBytes: 12, responseFields: STATUS_ONLY },
  {
    code: 13,
    name: 'inject-almp',
    requestBytes: 16,
    requestFields: fields(12, u8s('opcode', 'reserved0', 'reserved1', 'reserved2')),
    responseBytes: 16,
    responseFields: [],
  },
  {
    code: 14,
    name: 'ignore-received-almp',
    requestBytes: 16,
    requestFields: fields(12, u8s('opcode', 'reserved0', 'reserved1', 'reserved2')),
    responseBytes: 16,
    responseFields: [],
  },
  { code: 15, name: 'inject-bit-error-in-flit', requestBytes: 13, requestFields: fields(12, u8s('opcode')), responseBytes: 16, responseFields: [] },
];

export type ComplianceValues = Readonly<Record<string, bigint | number>>;

function put(buf: DataView, f: ComplianceField, value: bigint | number): void {
  const at = f.offset - 8;
  switch (f.size) {
    case 1:
      buf.setUint8(at, Number(value) & 0xff);
      break;
    case 2:
      buf.setUint16(at, Number(value) & 0xffff, true);
      break;
    case 4:
      buf.setUint32(at, Number(value) >>> 0, true);
      break;
    case 8:
      buf.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true);
      break;
  }
}

function get(buf: DataView, f: ComplianceField): bigint | number {
  const at = f.offset - 8;
  switch (f.size) {
    case 1:
      return buf.getUint8(at);
    case 2:
      return buf.getUint16(at, true);
    case 4:
      return buf.getUint32(at, true);
    case 8:
      return buf.getBigUint64(at, true);
  }
}

/**
 * The payload of a request (everything after the DOE header), padded to its whole size.
 * @throws {DriverModelError} EINVAL for an unknown code.
 */
export function encodeComplianceRequest(code: number, values: ComplianceValues = {}, version = 0): Uint8Array {
  const def = complianceCodes[code];
  if (!def) throw kerr('EINVAL', `unknown compliance request code ${code}`);
  const out = new Uint8Array(def.requestBytes - 8);
  const v = new DataView(out.buffer);
  v.setUint8(0, code);
  v.setUint8(1, version);
  for (const f of def.requestFields) if (values[f.name] !== undefined) put(v, f, values[f.name]!);
  return out;
}

export interface ComplianceRequest {
  readonly code: number;
  readonly version: number;
  readonly values: ComplianceValues;
}

/** A request's code, version and parameters; undefined for an unknown code or a short request. */
export function decodeComplianceRequest(payload: Uint8Array): ComplianceRequest | undefined {
  if (payload.length < COMPLIANCE_HEADER_BYTES - 8) return undefined;
  const def = complianceCodes[payload[0]!];
  if (!def || payload.length + 8 < def.requestBytes) return undefined;
  const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return { code: def.code, version: payload[1]!, values: Object.fromEntries(def.requestFields.map((f) => [f.name, get(v, f)])) };
}

/** The payload of a response: header bytes, then the code's fields; exactly responseBytes - 8 long. */
export function encodeComplianceResponse(code: number, values: ComplianceValues = {}): Uint8Array {
  const def = complianceCodes[code];
  if (!def) throw kerr('EINVAL', `unknown compliance request code ${code}`);
  const out = new Uint8Array(def.responseBytes - 8);
  const v = new DataView(out.buffer);
  v.setUint8(0, code);
  v.setUint8(1, COMPLIANCE_VERSION);
  v.setUint8(2, def.responseBytes);
  for (const f of def.responseFields) if (values[f.name] !== undefined) put(v, f, values[f.name]!);
  return out;
}

export interface ComplianceResponse {
  readonly code: number;
  readonly version: number;
  readonly length: number;
  readonly values: ComplianceValues;
}

/** Parse a response payload (DOE padding allowed); undefined when shorter than its code needs. */
export function decodeComplianceResponse(payload: Uint8Array): ComplianceResponse | undefined {
  if (payload.length < COMPLIANCE_RESPONSE_HEADER_BYTES - 8) return undefined;
  const def = complianceCodes[payload[0]!];
  if (!def || payload.length + 8 < def.responseBytes) return undefined;
  const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return {
    code: def.code,
    version: payload[1]!,
    length: payload[2]!,
    values: Object.fromEntries(def.responseFields.map((f) => [f.name, get(v, f)])),
  };
}
