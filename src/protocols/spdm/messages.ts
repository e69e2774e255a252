/**
 * SPDM 1.0–1.2 message codecs (DSP0274; layouts in protocols §3.4, LIBSPDM spdm.h). Every
 * `encodeX` builds the exact bytes; every `decodeX` parses strictly and returns the fields plus
 * `size`, the number of bytes the message occupies (a DOE payload may carry trailing zero
 * padding, which is not part of the message and not part of any transcript). Decoders check the
 * header's code and reject short input (EIO "truncated") and malformed fields (EPROTO); they
 * never throw anything but DriverModelError.
 */
import { kerr } from '../../base/index.js';
import { SpdmRequest, SpdmResponse, NONCE_SIZE, RANDOM_SIZE, SpdmVersion, requestName } from './constants.js';
import {
  ALGORITHMS_LAYOUT,
  CAPABILITIES_LAYOUT,
  CERTIFICATE_LAYOUT,
  type FixedValues,
  GET_CERTIFICATE_LAYOUT,
  NEGOTIATE_ALGORITHMS_LAYOUT,
  readFixed,
  writeFixed,
} from './fixed-layout.js';
import { Reader, Writer } from './reader.js';

export interface Header {
  readonly version: number;
  readonly code: number;
  readonly param1: number;
  readonly param2: number;
}

/** The 4-byte header of any SPDM message. EIO if shorter than 4 bytes. */
export function decodeHeader(b: Uint8Array): Header {
  if (b.length < 4) throw kerr('EIO', `SPDM message: truncated (${b.length} bytes, need 4)`);
  return { version: b[0]!, code: b[1]!, param1: b[2]!, param2: b[3]! };
}

function header(w: Writer, version: number, code: number, p1 = 0, p2 = 0): Writer {
  return w.u8(version).u8(code).u8(p1).u8(p2);
}

function open(b: Uint8Array, code: number, what: string): { r: Reader; h: Header } {
  const r = new Reader(b, what);
  r.need(4);
  const h = { version: r.u8(), code: r.u8(), param1: r.u8(), param2: r.u8() };
  if (h.code !== code) r.fail(`code 0x${h.code.toString(16)} is not 0x${code.toString(16)}`);
  return { r, h };
}

// ---------------------------------------------------------------- GET_VERSION / VERSION

export function encodeGetVersion(): Uint8Array {
  return header(new Writer(), SpdmVersion.V10, SpdmRequest.GET_VERSION).finish();
}

export interface VersionRsp {
  /** Entries as u16: major[15:12] minor[11:8] update[7:4] alpha[3:0]. */
  readonly entries: readonly number[];
  readonly size: number;
}

export function encodeVersion(entries: readonly number[]): Uint8Array {
  const w = header(new Writer(), SpdmVersion.V10, SpdmResponse.VERSION).u8(0).u8(entries.length);
  for (const e of entries) w.u16(e);
  return w.finish();
}

/** VERSION. EPROTO for a version byte other than 0x10 or an entry count of 0 (libspdm). */
export function decodeVersion(b: Uint8Array): VersionRsp {
  const { r, h } = open(b, SpdmResponse.VERSION, 'SPDM VERSION');
  if (h.version !== SpdmVersion.V10) r.fail(`version byte 0x${h.version.toString(16)} is not 0x10`);
  r.u8();
  const n = r.u8();
  if (n === 0) r.fail('VersionNumberEntryCount is 0');
  const entries: number[] = [];
  for (let i = 0; i < n; i++) entries.push(r.u16());
  return { entries, size: r.offset };
}

// ---------------------------------------------------------------- GET_CAPABILITIES / CAPABILITIES

export interface Capabilities {
  readonly version: number;
  readonly ctExponent: number;
  readonly flags: number;
  /** 1.2+ only (0 below). */
  readonly dataTransferSize: number;
  readonly maxSpdmMsgSize: number;
  readonly size: number;
}

/** Size of GET_CAPABILITIES / CAPABILITIES at `version` (4 or 12 / 12 / 20). */
export function capabilitiesSize(version: number, request: boolean): number {
  if (version >= SpdmVersion.V12) return 20;
  if (version === SpdmVersion.V11) return 12;
  return request ? 4 : 12;
}

function encodeCaps(code: number, c: Omit<Capabilities, 'size'>, request: boolean): Uint8Array {
  return writeFixed(header(new Writer(), c.version, code), CAPABILITIES_LAYOUT, c, capabilitiesSize(c.version, request) - 4).finish();
}

function decodeCaps(b: Uint8Array, code: number, request: boolean, what: string): Capabilities {
  const { r, h } = open(b, code, what);
  const size = capabilitiesSize(h.version, request);
  const { ctExponent, flags, dataTransferSize, maxSpdmMsgSize } = readFixed(r, CAPABILITIES_LAYOUT, size - 4);
  return { version: h.version, ctExponent, flags, dataTransferSize, maxSpdmMsgSize, size };
}

export const encodeGetCapabilities = (c: Omit<Capabilities, 'size'>): Uint8Array => encodeCaps(SpdmRequest.GET_CAPABILITIES, c, true);
export const encodeCapabilities = (c: Omit<Capabilities, 'size'>): Uint8Array => encodeCaps(SpdmResponse.CAPABILITIES, c, false);
export const decodeGetCapabilities = (b: Uint8Array): Capabilities => decodeCaps(b, SpdmRequest.GET_CAPABILITIES, true, 'SPDM GET_CAPABILITIES');
export const decodeCapabilities = (b: Uint8Array): Capabilities => decodeCaps(b, SpdmResponse.CAPABILITIES, false, 'SPDM CAPABILITIES');

// ---------------------------------------------------------------- NEGOTIATE_ALGORITHMS / ALGORITHMS

export interface AlgStruct {
  readonly type: number;
  readonly supported: number;
}

/** The fields of a message: its version byte, its fixed part's named fields but Length, its tables, its size. */
type Message<Fixed, Extra> = { readonly version: number } & Omit<Fixed, 'length'> & Extra & { readonly size: number };

/** NEGOTIATE_ALGORITHMS: the fixed part of NEGOTIATE_ALGORITHMS_LAYOUT (MELspecification, 1.3, not kept), then AlgStructs. */
export type NegotiateAlgorithms = Message<
  Omit<FixedValues<typeof NEGOTIATE_ALGORITHMS_LAYOUT>, 'melSpec'>,
  { readonly algStructs: readonly AlgStruct[] }
>;

export function encodeNegotiateAlgorithms(a: Omit<NegotiateAlgorithms, 'size' | 'extAsymCount' | 'extHashCount'>): Uint8Array {
  const w = header(new Writer(), a.version, SpdmRequest.NEGOTIATE_ALGORITHMS, a.algStructs.length);
  writeFixed(w, NEGOTIATE_ALGORITHMS_LAYOUT, { ...a, length: 32 + 4 * a.algStructs.length, extAsymCount: 0, extHashCount: 0, melSpec: 0 });
  return writeAlgStructs(w, a.algStructs).finish();
}

function writeAlgStructs(w: Writer, structs: readonly AlgStruct[]): Writer {
  for (const s of structs) w.u8(s.type).u8(0x20).u16(s.supported);
  return w;
}

function readAlgStructs(r: Reader, count: number): AlgStruct[] {
  const out: AlgStruct[] = [];
  let prev = 0;
  for (let i = 0; i < count; i++) {
    const type = r.u8();
    const algCount = r.u8();
    const fixed = algCount >> 4;
    const ext = algCount & 0xf;
    if (fixed !== 2) r.fail(`AlgStruct ${i}: fixed algorithm byte count ${fixed} is not 2`);
    if (type < 2 || type > 5) r.fail(`AlgStruct ${i}: unknown AlgType ${type}`);
    if (type <= prev) r.fail(`AlgStruct ${i}: AlgType ${type} out of order or repeated`);
    prev = type;
    const supported = r.u16();
    r.discard(4 * ext);
    out.push({ type, supported });
  }
  return out;
}

/**
 * NEGOTIATE_ALGORITHMS. EPROTO when Length disagrees with the tables it announces or exceeds the
 * version's maximum (64 bytes at 1.0, 128 later), or an AlgStruct is malformed.
 */
export function decodeNegotiateAlgorithms(b: Uint8Array): NegotiateAlgorithms {
  const { r, h } = open(b, SpdmRequest.NEGOTIATE_ALGORITHMS, 'SPDM NEGOTIATE_ALGORITHMS');
  const { length, melSpec: _mel, ...fixed } = readFixed(r, NEGOTIATE_ALGORITHMS_LAYOUT);
  const { extAsymCount, extHashCount } = fixed;
  const max = h.version === SpdmVersion.V10 ? 64 : 128;
  if (length > max) r.fail(`Length ${length} exceeds ${max}`);
  if (length > b.length) r.fail(`Length ${length} exceeds the ${b.length} bytes received`);
  r.discard(4 * (extAsymCount + extHashCount));
  const algStructs = h.version >= SpdmVersion.V11 ? readAlgStructs(r, h.param1) : [];
  if (r.offset !== length) r.fail(`Length ${length} does not match the ${r.offset} bytes of its fields`);
  return { version: h.version, ...fixed, algStructs, size: length };
}

/** ALGORITHMS: the fixed part of ALGORITHMS_LAYOUT (MELspecificationSel, 1.3, not kept), then AlgStructs. */
export type Algorithms = Message<Omit<FixedValues<typeof ALGORITHMS_LAYOUT>, 'melSpecSel'>, { readonly algStructs: readonly AlgStruct[] }>;

export function encodeAlgorithms(a: Omit<Algorithms, 'size' | 'extAsymSelCount' | 'extHashSelCount'>): Uint8Array {
  const w = header(new Writer(), a.version, SpdmResponse.ALGORITHMS, a.algStructs.length);
  writeFixed(w, ALGORITHMS_LAYOUT, { ...a, length: 36 + 4 * a.algStructs.length, melSpecSel: 0, extAsymSelCount: 0, extHashSelCount: 0 });
  return writeAlgStructs(w, a.algStructs).finish();
}

export function decodeAlgorithms(b: Uint8Array): Algorithms {
  const { r, h } = open(b, SpdmResponse.ALGORITHMS, 'SPDM ALGORITHMS');
  const { length, melSpecSel: _mel, ...sel } = readFixed(r, ALGORITHMS_LAYOUT);
  const { extAsymSelCount, extHashSelCount } = sel;
  if (extAsymSelCount > 1 || extHashSelCount > 1) r.fail('more than one extended algorithm selected');
  r.discard(4 * (extAsymSelCount + extHashSelCount));
  const algStructs = h.version >= SpdmVersion.V11 ? readAlgStructs(r, h.param1) : [];
  if (r.offset !== length) r.fail(`Length ${length} does not match the ${r.offset} bytes of its fields`);
  return { version: h.version, ...sel, algStructs, size: length };
}

// ---------------------------------------------------------------- GET_DIGESTS / DIGESTS

export function encodeGetDigests(version: number): Uint8Array {
  return header(new Writer(), version, SpdmRequest.GET_DIGESTS).finish();
}

export interface Digests {
  readonly version: number;
  readonly supportedSlotMask: number;
  readonly slotMask: number;
  readonly digests: readonly Uint8Array[];
  readonly size: number;
}

export function encodeDigests(version: number, slotMask: number, digests: readonly Uint8Array[], supportedSlotMask = 0): Uint8Array {
  const w = header(new Writer(), version, SpdmResponse.DIGESTS, version >= SpdmVersion.V13 ? supportedSlotMask : 0, slotMask);
  for (const d of digests) w.bytes(d);
  return w.finish();
}

export function popcount8(v: number): number {
  let n = 0;
  for (let i = 0; i < 8; i++) if (v & (1 << i)) n++;
  return n;
}

export function decodeDigests(b: Uint8Array, hashSize: number): Digests {
  const { r, h } = open(b, SpdmResponse.DIGESTS, 'SPDM DIGESTS');
  const n = popcount8(h.param2);
  const digests: Uint8Array[] = [];
  for (let i = 0; i < n; i++) digests.push(r.take(hashSize));
  return { version: h.version, supportedSlotMask: h.param1, slotMask: h.param2, digests, size: r.offset };
}

// ---------------------------------------------------------------- GET_CERTIFICATE / CERTIFICATE

export interface GetCertificate {
  readonly version: number;
  readonly slot: number;
  readonly offset: number;
  readonly length: number;
  readonly size: number;
}

export function encodeGetCertificate(version: number, slot: number, offset: number, length: number): Uint8Array {
  return writeFixed(header(new Writer(), version, SpdmRequest.GET_CERTIFICATE, slot & 0xf), GET_CERTIFICATE_LAYOUT, { offset, length }).finish();
}

export function decodeGetCertificate(b: Uint8Array): GetCertificate {
  const { r, h } = open(b, SpdmRequest.GET_CERTIFICATE, 'SPDM GET_CERTIFICATE');
  const { offset, length } = readFixed(r, GET_CERTIFICATE_LAYOUT);
  return { version: h.version, slot: h.param1 & 0xf, offset, length, size: 8 };
}

export interface Certificate {
  readonly version: number;
  readonly slot: number;
  readonly portion: Uint8Array;
  readonly remainder: number;
  readonly size: number;
}

export function encodeCertificate(version: number, slot: number, portion: Uint8Array, remainder: number): Uint8Array {
  const w = header(new Writer(), version, SpdmResponse.CERTIFICATE, slot & 0xf);
  return writeFixed(w, CERTIFICATE_LAYOUT, { portionLength: portion.length, remainder }).bytes(portion).finish();
}

export function decodeCertificate(b: Uint8Array): Certificate {
  const { r, h } = open(b, SpdmResponse.CERTIFICATE, 'SPDM CERTIFICATE');
  const { portionLength, remainder } = readFixed(r, CERTIFICATE_LAYOUT);
  if (portionLength === 0) r.fail('PortionLength is 0');
  const portion = r.take(portionLength);
  return { version: h.version, slot: h.param1 & 0xf, portion, remainder, size: r.offset };
}

// ---------------------------------------------------------------- CHALLENGE / CHALLENGE_AUTH

export interface Challenge {
  readonly version: number;
  readonly slot: number;
  readonly measSummaryType: number;
  readonly nonce: Uint8Array;
  readonly size: number;
}

export function encodeChallenge(version: number, slot: number, measSummaryType: number, nonce: Uint8Array): Uint8Array {
  const w = header(new Writer(), version, SpdmRequest.CHALLENGE, slot, measSummaryType).bytes(nonce);
  if (version >= SpdmVersion.V13) w.zeros(8);
  return w.finish();
}

export function decodeChallenge(b: Uint8Array): Challenge {
  const { r, h } = open(b, SpdmRequest.CHALLENGE, 'SPDM CHALLENGE');
  const nonce = r.take(NONCE_SIZE);
  if (h.version >= SpdmVersion.V13) r.discard(8);
  return { version: h.version, slot: h.param1, measSummaryType: h.param2, nonce, size: r.offset };
}

export interface ChallengeAuth {
  readonly version: number;
  readonly slot: number;
  readonly basicMutAuth: boolean;
  readonly slotMask: number;
  readonly certChainHash: Uint8Array;
  readonly nonce: Uint8Array;
  readonly measSummaryHash: Uint8Array;
  readonly opaque: Uint8Array;
  readonly signature: Uint8Array;
  /** Bytes before the signature: what the transcript holds. */
  readonly signedSize: number;
  readonly size: number;
}

export interface ChallengeAuthFields {
  readonly version: number;
  readonly slot: number;
  readonly slotMask: number;
  readonly certChainHash: Uint8Array;
  readonly nonce: Uint8Array;
  readonly measSummaryHash: Uint8Array;
  readonly opaque: Uint8Array;
}

/** CHALLENGE_AUTH without its signature (what the signature covers, last in the transcript). */
export function encodeChallengeAuthUnsigned(f: ChallengeAuthFields): Uint8Array {
  return header(new Writer(), f.version, SpdmResponse.CHALLENGE_AUTH, f.slot & 0xf, f.slotMask)
    .bytes(f.certChainHash)
    .bytes(f.nonce)
    .bytes(f.measSummaryHash)
    .u16(f.opaque.length)
    .bytes(f.opaque)
    .finish();
}

export function decodeChallengeAuth(b: Uint8Array, hashSize: number, sigSize: number, measSummary: boolean): ChallengeAuth {
  const { r, h } = open(b, SpdmResponse.CHALLENGE_AUTH, 'SPDM CHALLENGE_AUTH');
  const certChainHash = r.take(hashSize);
  const nonce = r.take(NONCE_SIZE);
  const measSummaryHash = measSummary ? r.take(hashSize) : new Uint8Array(0);
  const opaqueLen = r.u16();
  if (opaqueLen > 1024) r.fail(`OpaqueDataLength ${opaqueLen} exceeds 1024`);
  const opaque = r.take(opaqueLen);
  if (h.version >= SpdmVersion.V13) r.discard(8);
  const signedSize = r.offset;
  const signature = r.take(sigSize);
  return {
    version: h.version,
    slot: h.param1 & 0xf,
    basicMutAuth: (h.param1 & 0x80) !== 0,
    slotMask: h.param2,
    certChainHash,
    nonce,
    measSummaryHash,
    opaque,
    signature,
    signedSize,
    size: r.offset,
  };
}

// ---------------------------------------------------------------- GET_MEASUREMENTS / MEASUREMENTS

export interface GetMeasurements {
  readonly version: number;
  readonly signature: boolean;
  readonly rawBitstream: boolean;
  /** 0 = number of indices, 0xFF = all, else one index. */
  readonly operation: number;
  readonly nonce: Uint8Array | undefined;
  readonly slot: number;
  readonly size: number;
}

export function encodeGetMeasurements(
  version: number,
  operation: number,
  sign: { nonce: Uint8Array; slot: number } | undefined,
  rawBitstream = false,
): Uint8Array {
  const p1 = (sign ? 1 : 0) | (rawBitstream ? 2 : 0);
  const w = header(new Writer(), version, SpdmRequest.GET_MEASUREMENTS, p1, operation);
  if (sign) {
    w.bytes(sign.nonce);
    if (version >= SpdmVersion.V11) w.u8(sign.slot);
  }
  return w.finish();
}

export function decodeGetMeasurements(b: Uint8Array): GetMeasurements {
  const { r, h } = open(b, SpdmRequest.GET_MEASUREMENTS, 'SPDM GET_MEASUREMENTS');
  const signature = (h.param1 & 1) !== 0;
  let nonce: Uint8Array | undefined;
  let slot = 0;
  if (signature) {
    nonce = r.take(NONCE_SIZE);
    if (h.version >= SpdmVersion.V11) slot = r.u8() & 0xf;
  }
  return { version: h.version, signature, rawBitstream: (h.param1 & 2) !== 0, operation: h.param2, nonce, slot, size: r.offset };
}

export interface MeasurementBlock {
  readonly index: number;
  readonly spec: number;
  /** DMTFSpecMeasurementValueType (bit 7: raw bit stream). */
  readonly valueType: number;
  readonly value: Uint8Array;
}

export function encodeMeasurementBlock(m: MeasurementBlock): Uint8Array {
  return new Writer()
    .u8(m.index)
    .u8(m.spec)
    .u16(3 + m.value.length)
    .u8(m.valueType)
    .u16(m.value.length)
    .bytes(m.value)
    .finish();
}

/** Parse a MeasurementRecord of `count` DMTF blocks filling exactly `record`. */
export function decodeMeasurementRecord(record: Uint8Array, count: number): MeasurementBlock[] {
  const r = new Reader(record, 'SPDM MEASUREMENTS record');
  const out: MeasurementBlock[] = [];
  for (let i = 0; i < count; i++) {
    const index = r.u8();
    const spec = r.u8();
    const size = r.u16();
    r.need(size);
    const end = r.offset + size;
    if (spec !== 0x01) {
      r.discard(size);
      out.push({ index, spec, valueType: 0, value: new Uint8Array(0) });
      continue;
    }
    const valueType = r.u8();
    const valueSize = r.u16();
    if (3 + valueSize !== size) r.fail(`block ${index}: MeasurementSize ${size} does not match DMTF value size ${valueSize}`);
    const value = r.take(valueSize);
    if (r.offset !== end) r.fail(`block ${index}: size mismatch`);
    out.push({ index, spec, valueType, value });
  }
  if (r.offset !== record.length) r.fail(`${record.length - r.offset} bytes after the last of ${count} blocks`);
  return out;
}

export interface Measurements {
  readonly version: number;
  readonly numberOfIndices: number;
  readonly slot: number;
  readonly numberOfBlocks: number;
  readonly record: Uint8Array;
  readonly blocks: readonly MeasurementBlock[];
  readonly nonce: Uint8Array;
  readonly opaque: Uint8Array;
  readonly signature: Uint8Array;
  readonly signedSize: number;
  readonly size: number;
}

export interface MeasurementsFields {
  readonly version: number;
  readonly numberOfIndices: number;
  readonly slot: number;
  readonly blocks: readonly MeasurementBlock[];
  readonly nonce: Uint8Array;
  readonly opaque: Uint8Array;
}

/**
 * MEASUREMENTS without a signature. Nonce and opaque data are present at 1.1+ and, at 1.0, only
 * when a signature was requested (`signed`).
 */
export function encodeMeasurementsUnsigned(f: MeasurementsFields, signed = false): Uint8Array {
  const record = new Writer();
  for (const blk of f.blocks) record.bytes(encodeMeasurementBlock(blk));
  const rec = record.finish();
  const w = header(new Writer(), f.version, SpdmResponse.MEASUREMENTS, f.numberOfIndices, f.slot & 0xf)
    .u8(f.blocks.length)
    .u24(rec.length)
    .bytes(rec);
  if (f.version >= SpdmVersion.V11 || signed) w.bytes(f.nonce).u16(f.opaque.length).bytes(f.opaque);
  return w.finish();
}

export function decodeMeasurements(b: Uint8Array, sigSize: number): Measurements {
  const { r, h } = open(b, SpdmResponse.MEASUREMENTS, 'SPDM MEASUREMENTS');
  const numberOfBlocks = r.u8();
  const recLen = r.u24();
  const record = r.take(recLen);
  const blocks = decodeMeasurementRecord(record, numberOfBlocks);
  let nonce: Uint8Array = new Uint8Array(0);
  let opaque: Uint8Array = new Uint8Array(0);
  if (h.version >= SpdmVersion.V11 || sigSize > 0) {
    nonce = r.take(NONCE_SIZE);
    const ol = r.u16();
    if (ol > 1024) r.fail(`OpaqueDataLength ${ol} exceeds 1024`);
    opaque = r.take(ol);
  }
  const signedSize = r.offset;
  const signature = r.take(sigSize);
  return {
    version: h.version,
    numberOfIndices: h.param1,
    slot: h.param2 & 0xf,
    numberOfBlocks,
    record,
    blocks,
    nonce,
    opaque,
    signature,
    signedSize,
    size: r.offset,
  };
}

// ---------------------------------------------------------------- KEY_EXCHANGE / KEY_EXCHANGE_RSP

export interface KeyExchange {
  readonly version: number;
  readonly measSummaryType: number;
  readonly slot: number;
  readonly reqSessionId: number;
  readonly sessionPolicy: number;
  readonly random: Uint8Array;
  readonly exchangeData: Uint8Array;
  readonly opaque: Uint8Array;
  readonly size: number;
}

export function encodeKeyExchange(f: Omit<KeyExchange, 'size'>): Uint8Array {
  return header(new Writer(), f.version, SpdmRequest.KEY_EXCHANGE, f.measSummaryType, f.slot)
    .u16(f.reqSessionId)
    .u8(f.sessionPolicy)
    .u8(0)
    .bytes(f.random)
    .bytes(f.exchangeData)
    .u16(f.opaque.length)
    .bytes(f.opaque)
    .finish();
}

export function decodeKeyExchange(b: Uint8Array, dheSize: number): KeyExchange {
  const { r, h } = open(b, SpdmRequest.KEY_EXCHANGE, 'SPDM KEY_EXCHANGE');
  const reqSessionId = r.u16();
  const sessionPolicy = r.u8();
  r.u8();
  const random = r.take(RANDOM_SIZE);
  const exchangeData = r.take(dheSize);
  const ol = r.u16();
  if (ol > 1024) r.fail(`OpaqueDataLength ${ol} exceeds 1024`);
  const opaque = r.take(ol);
  return { version: h.version, measSummaryType: h.param1, slot: h.param2, reqSessionId, sessionPolicy, random, exchangeData, opaque, size: r.offset };
}

export interface KeyExchangeRspFields {
  readonly version: number;
  readonly heartbeatPeriod: number;
  readonly rspSessionId: number;
  readonly mutAuthRequested: number;
  readonly reqSlotIdParam: number;
  readonly random: Uint8Array;
  readonly exchangeData: Uint8Array;
  readonly measSummaryHash: Uint8Array;
  readonly opaque: Uint8Array;
}

/** A decoded KEY_EXCHANGE_RSP: the fields, then what follows the unsigned part. */
export interface KeyExchangeRsp extends KeyExchangeRspFields {
  readonly signature: Uint8Array;
  readonly verifyData: Uint8Array;
  /** Offset of the signature (bytes covered by it). */
  readonly signedSize: number;
  /** Offset of the verify data. */
  readonly verifyOffset: number;
  readonly size: number;
}

/** KEY_EXCHANGE_RSP up to (not including) the signature. */
export function encodeKeyExchangeRspUnsigned(f: KeyExchangeRspFields): Uint8Array {
  return header(new Writer(), f.version, SpdmResponse.KEY_EXCHANGE_RSP, f.heartbeatPeriod, 0)
    .u16(f.rspSessionId)
    .u8(f.mutAuthRequested)
    .u8(f.reqSlotIdParam)
    .bytes(f.random)
    .bytes(f.exchangeData)
    .bytes(f.measSummaryHash)
    .u16(f.opaque.length)
    .bytes(f.opaque)
    .finish();
}

export function decodeKeyExchangeRsp(
  b: Uint8Array,
  o: { dheSize: number; hashSize: number; sigSize: number; measSummary: boolean; verifyData: boolean },
): KeyExchangeRsp {
  const { r, h } = open(b, SpdmResponse.KEY_EXCHANGE_RSP, 'SPDM KEY_EXCHANGE_RSP');
  const rspSessionId = r.u16();
  const mutAuthRequested = r.u8();
  const reqSlotIdParam = r.u8();
  const random = r.take(RANDOM_SIZE);
  const exchangeData = r.take(o.dheSize);
  const measSummaryHash = o.measSummary ? r.take(o.hashSize) : new Uint8Array(0);
  const ol = r.u16();
  if (ol > 1024) r.fail(`OpaqueDataLength ${ol} exceeds 1024`);
  const opaque = r.take(ol);
  const signedSize = r.offset;
  const signature = r.take(o.sigSize);
  const verifyOffset = r.offset;
  const verifyData = o.verifyData ? r.take(o.hashSize) : new Uint8Array(0);
  return {
    version: h.version,
    heartbeatPeriod: h.param1,
    rspSessionId,
    mutAuthRequested,
    reqSlotIdParam,
    random,
    exchangeData,
    measSummaryHash,
    opaque,
    signature,
    verifyData,
    signedSize,
    verifyOffset,
    size: r.offset,
  };
}

// ---------------------------------------------------------------- FINISH / FINISH_RSP

export interface Finish {
  readonly version: number;
  readonly signatureIncluded: boolean;
  readonly slot: number;
  readonly verifyData: Uint8Array;
  readonly size: number;
}

/** FINISH header only (what the requester's verify data covers last). No mutual auth: no signature. */
export function encodeFinishHeader(version: number, slot = 0): Uint8Array {
  return header(new Writer(), version, SpdmRequest.FINISH, 0, slot).finish();
}

export function decodeFinish(b: Uint8Array, hashSize: number, sigSize: number): Finish {
  const { r, h } = open(b, SpdmRequest.FINISH, 'SPDM FINISH');
  const signatureIncluded = (h.param1 & 1) !== 0;
  if (signatureIncluded) r.discard(sigSize);
  const verifyData = r.take(hashSize);
  return { version: h.version, signatureIncluded, slot: h.param2, verifyData, size: r.offset };
}

export interface FinishRsp {
  readonly version: number;
  readonly verifyData: Uint8Array;
  readonly size: number;
}

export function encodeFinishRsp(version: number, verifyData?: Uint8Array): Uint8Array {
  const w = header(new Writer(), version, SpdmResponse.FINISH_RSP);
  if (verifyData) w.bytes(verifyData);
  return w.finish();
}

export function decodeFinishRsp(b: Uint8Array, verifySize: number): FinishRsp {
  const { r, h } = open(b, SpdmResponse.FINISH_RSP, 'SPDM FINISH_RSP');
  const verifyData = r.take(verifySize);
  return { version: h.version, verifyData, size: r.offset };
}

// ---------------------------------------------------------------- HEARTBEAT, END_SESSION

export function encodeSimple(version: number, code: number, p1 = 0, p2 = 0): Uint8Array {
  return header(new Writer(), version, code, p1, p2).finish();
}

/** Any 4-byte message of `code` (HEARTBEAT(_ACK), END_SESSION(_ACK), GET_DIGESTS …). */
export function decodeSimple(b: Uint8Array, code: number): Header & { size: number } {
  const { h } = open(b, code, `SPDM ${requestName(code | 0x80)}`);
  return { ...h, size: 4 };
}

// ---------------------------------------------------------------- ERROR

export interface ErrorRsp {
  readonly version: number;
  readonly code: number;
  readonly data: number;
  readonly extended: Uint8Array;
  readonly size: number;
}

export function encodeError(version: number, code: number, data = 0, extended: Uint8Array = new Uint8Array(0)): Uint8Array {
  return header(new Writer(), version, SpdmResponse.ERROR, code, data).bytes(extended).finish();
}

/** ERROR; extended data is what follows the header, capped at 32 bytes (DSP0274). */
export function decodeError(b: Uint8Array): ErrorRsp {
  const { h } = open(b, SpdmResponse.ERROR, 'SPDM ERROR');
  const extended = b.slice(4, Math.min(b.length, 4 + 32));
  return { version: h.version, code: h.param1, data: h.param2, extended, size: 4 + extended.length };
}
