/**
 * CXL mailbox wire formats (reference protocols §4.4; drivers/cxl/cxlmem.h, include/uapi/cxl/
 * features.h, include/uapi/fwctl/cxl.h): opcodes, return codes with the errno Linux maps them
 * to, the Command Effects Log (entry layout and effect bits, numbered as the CXL spec and
 * Linux number them), log UUIDs, the Features commands' payloads and the fwctl RPC envelope.
 */

/** enum cxl_opcode (the part this model speaks or gates). */
export const cxlOpcodes = {
  GET_EVENT_RECORD: 0x0100,
  CLEAR_EVENT_RECORD: 0x0101,
  GET_EVT_INT_POLICY: 0x0102,
  SET_EVT_INT_POLICY: 0x0103,
  GET_FW_INFO: 0x0200,
  TRANSFER_FW: 0x0201,
  ACTIVATE_FW: 0x0202,
  GET_TIMESTAMP: 0x0300,
  SET_TIMESTAMP: 0x0301,
  GET_SUPPORTED_LOGS: 0x0400,
  GET_LOG: 0x0401,
  GET_LOG_CAPS: 0x0402,
  CLEAR_LOG: 0x0403,
  GET_SUP_LOG_SUBLIST: 0x0405,
  GET_SUPPORTED_FEATURES: 0x0500,
  GET_FEATURE: 0x0501,
  SET_FEATURE: 0x0502,
  DO_MAINTENANCE: 0x0600,
  IDENTIFY: 0x4000,
  GET_PARTITION_INFO: 0x4100,
  SET_PARTITION_INFO: 0x4101,
  GET_LSA: 0x4102,
  SET_LSA: 0x4103,
  GET_HEALTH_INFO: 0x4200,
  GET_ALERT_CONFIG: 0x4201,
  SET_ALERT_CONFIG: 0x4202,
  GET_SHUTDOWN_STATE: 0x4203,
  SET_SHUTDOWN_STATE: 0x4204,
  GET_POISON: 0x4300,
  INJECT_POISON: 0x4301,
  CLEAR_POISON: 0x4302,
  GET_SCAN_MEDIA_CAPS: 0x4303,
  SCAN_MEDIA: 0x4304,
  GET_SCAN_MEDIA: 0x4305,
  SANITIZE: 0x4400,
  SECURE_ERASE: 0x4401,
  GET_SECURITY_STATE: 0x4500,
  SET_PASSPHRASE: 0x4501,
  DISABLE_PASSPHRASE: 0x4502,
  UNLOCK: 0x4503,
  FREEZE_SECURITY: 0x4504,
  PASSPHRASE_SECURE_ERASE: 0x4505,
} as const;

/** CMD_CMD_RC_TABLE, in order (the return code is the index), with Linux's errno. */
export const cxlReturnCodes = [
  ['SUCCESS', 0],
  ['BACKGROUND', 'ENXIO'],
  ['INPUT', 'ENXIO'],
  ['UNSUPPORTED', 'ENXIO'],
  ['INTERNAL', 'ENXIO'],
  ['RETRY', 'ENXIO'],
  ['BUSY', 'ENXIO'],
  ['MEDIADISABLED', 'ENXIO'],
  ['FWINPROGRESS', 'ENXIO'],
  ['FWOOO', 'ENXIO'],
  ['FWAUTH', 'ENXIO'],
  ['FWSLOT', 'ENXIO'],
  ['FWROLLBACK', 'ENXIO'],
  ['FWRESET', 'ENXIO'],
  ['HANDLE', 'ENXIO'],
  ['PADDR', 'EFAULT'],
  ['POISONLMT', 'EBUSY'],
  ['MEDIAFAILURE', 'ENXIO'],
  ['ABORT', 'ENXIO'],
  ['SECURITY', 'ENXIO'],
  ['PASSPHRASE', 'ENXIO'],
  ['MBUNSUPPORTED', 'ENXIO'],
  ['PAYLOADLEN', 'ENXIO'],
  ['LOG', 'ENXIO'],
  ['INTERRUPTED', 'ENXIO'],
  ['FEATUREVERSION', 'ENXIO'],
  ['FEATURESELVALUE', 'ENXIO'],
  ['FEATURETRANSFERIP', 'ENXIO'],
  ['FEATURETRANSFEROOO', 'ENXIO'],
  ['RESOURCEEXHAUSTED', 'ENXIO'],
  ['EXTLIST', 'ENXIO'],
] as const;
export type CxlReturnCodeName = (typeof cxlReturnCodes)[number][0];

/** The return code of a name (its table position). */
export function cxlRc(name: CxlReturnCodeName): number {
  return cxlReturnCodes.findIndex(([n]) => n === name);
}

/**
 * CEL entry / Set Feature Effects bits (CXL r3.x; include/uapi/cxl/features.h). Bit 7 is the
 * spec's "Secondary Mailbox Supported" (Linux names it CXL_CMD_BGCMD_ABORT_SUPPORTED), bit 8
 * "Request Abort Background Operation Supported" has no Linux name; 15:12 are reserved. QEMU
 * numbers bits 7 and up one higher; this model encodes the spec's numbering.
 */
export const cxlCmdEffects = {
  CONFIG_CHANGE_COLD_RESET: 1 << 0,
  CONFIG_CHANGE_IMMEDIATE: 1 << 1,
  DATA_CHANGE_IMMEDIATE: 1 << 2,
  POLICY_CHANGE_IMMEDIATE: 1 << 3,
  LOG_CHANGE_IMMEDIATE: 1 << 4,
  SECURITY_STATE_CHANGE: 1 << 5,
  BACKGROUND: 1 << 6,
  SECONDARY_MBOX_SUPPORTED: 1 << 7,
  REQUEST_ABORT_BACKGROUND_SUPPORTED: 1 << 8,
  EFFECTS_VALID: 1 << 9,
  CONFIG_CHANGE_CONV_RESET: 1 << 10,
  CONFIG_CHANGE_CXL_RESET: 1 << 11,
  RESERVED: 0xf000,
} as const;
export type CxlCmdEffectName = keyof typeof cxlCmdEffects;

/** The Linux names of each bit (the spec names above where Linux has none). */
export const cxlCmdEffectLinuxNames: Readonly<Record<number, string>> = {
  0: 'CXL_CMD_CONFIG_CHANGE_COLD_RESET',
  1: 'CXL_CMD_CONFIG_CHANGE_IMMEDIATE',
  2: 'CXL_CMD_DATA_CHANGE_IMMEDIATE',
  3: 'CXL_CMD_POLICY_CHANGE_IMMEDIATE',
  4: 'CXL_CMD_LOG_CHANGE_IMMEDIATE',
  5: 'CXL_CMD_SECURITY_STATE_CHANGE',
  6: 'CXL_CMD_BACKGROUND',
  7: 'CXL_CMD_BGCMD_ABORT_SUPPORTED',
  9: 'CXL_CMD_EFFECTS_VALID',
  10: 'CXL_CMD_CONFIG_CHANGE_CONV_RESET',
  11: 'CXL_CMD_CONFIG_CHANGE_CXL_RESET',
};

/** Log UUIDs (byte order as printed: uuid_t). */
export const CXL_CEL_UUID = '0da9c0b5-bf41-4b78-8f79-96b1623b3f17';
export const CXL_VENDOR_DEBUG_UUID = '5e1819d9-11a9-400c-811f-d60719403d86';

/** Feature UUIDs the kernel keeps for itself (include/cxl/features.h `cxl_exclusive_feats`). */
export const cxlKernelExclusiveFeatures = {
  PATROL_SCRUB: '96dad7d6-fde8-482b-a733-75774e06db8a',
  ECS: 'e5b13f22-2328-4a14-b8ba-b9691e893386',
  SPPR: '892ba475-fad8-474e-9d3e-692c917568bb',
  HPPR: '80ea4521-786f-4127-afb1-ec7459fb0e24',
  CACHELINE_SPARING: '96c33386-91dd-44c7-9ecb-fdaf6503bac4',
  ROW_SPARING: '450ebf67-b135-4f97-a498-c2d57f279bed',
  BANK_SPARING: '78b79636-90ac-4b64-a4ef-faac5d18a863',
  RANK_SPARING: '34dbaff5-0552-4281-8f76-da0b5e7a76a7',
} as const;

/** Two lowercase hex digits per byte value, for uuidString. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * The 16 bytes of a UUID in its text form (32 hex digits, '-' anywhere between them, as every
 * UUID this model writes is: uuid_t byte order as printed). A digit that is not hex reads as 0.
 */
export function uuidBytes(uuid: string): Uint8Array {
  const out = new Uint8Array(16);
  let b = 0;
  let hi = -1;
  for (let i = 0; i < uuid.length && b < 16; i++) {
    const c = uuid.charCodeAt(i);
    if (c === 0x2d) continue;
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x61 + 10 : 0;
    if (hi < 0) hi = d;
    else {
      out[b++] = (hi << 4) | d;
      hi = -1;
    }
  }
  return out;
}

/** The printed form (lowercase, 8-4-4-4-12) of the first 16 bytes of `b` (which has at least 16). */
export function uuidString(b: Uint8Array): string {
  return uuidStringAt(b, 0);
}

/**
 * UUID strings already printed, by a hash of their 16 bytes: a UUID read again (every Get
 * Supported Features lists the same few) is the string printed the first time, whose hash a
 * Set or Map lookup already knows. Process-wide and pure (the text is a function of the bytes,
 * and strings are immutable); bounded, cleared as a whole.
 */
const UUID_STRINGS_MAX = 1024;
const uuidStrings = new Map<number, { readonly bytes: Uint8Array; readonly text: string }[]>();
let uuidStringCount = 0;

/** uuidString of the 16 bytes of `b` from `at` (no subarray). */
export function uuidStringAt(b: Uint8Array, at: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < 16; i++) h = Math.imul(h ^ b[at + i]!, 0x01000193);
  const bucket = uuidStrings.get(h);
  if (bucket !== undefined) {
    for (const e of bucket) if (uuidEqualsAt(b, at, e.bytes)) return e.text;
  }
  const x = HEX2;
  const text =
    x[b[at]!]! +
    x[b[at + 1]!]! +
    x[b[at + 2]!]! +
    x[b[at + 3]!]! +
    '-' +
    x[b[at + 4]!]! +
    x[b[at + 5]!]! +
    '-' +
    x[b[at + 6]!]! +
    x[b[at + 7]!]! +
    '-' +
    x[b[at + 8]!]! +
    x[b[at + 9]!]! +
    '-' +
    x[b[at + 10]!]! +
    x[b[at + 11]!]! +
    x[b[at + 12]!]! +
    x[b[at + 13]!]! +
    x[b[at + 14]!]! +
    x[b[at + 15]!]!;
  if (uuidStringCount >= UUID_STRINGS_MAX) {
    uuidStrings.clear();
    uuidStringCount = 0;
  }
  const entry = { bytes: b.slice(at, at + 16), text };
  if (bucket !== undefined && uuidStrings.has(h)) bucket.push(entry);
  else uuidStrings.set(h, [entry]);
  uuidStringCount++;
  return text;
}

/** Whether the first 16 bytes of `b` are the UUID `uuid` (uuidString(b) === uuid, without the string). */
export function uuidEquals(b: Uint8Array, uuid: Uint8Array): boolean {
  return uuidEqualsAt(b, 0, uuid);
}

/** Whether the 16 bytes of `b` from `at` are the UUID `uuid` (false when fewer than 16 remain). */
export function uuidEqualsAt(b: Uint8Array, at: number, uuid: Uint8Array): boolean {
  if (b.length - at < 16) return false;
  for (let i = 0; i < 16; i++) if (b[at + i] !== uuid[i]) return false;
  return true;
}

/** Little-endian field readers and writers over byte arrays (no DataView, no ArrayBuffer). */
export function cxlLe16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}
export function cxlLe32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}
export function cxlPutLe16(b: Uint8Array, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
}
export function cxlPutLe32(b: Uint8Array, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
  b[at + 2] = v >>> 16;
  b[at + 3] = v >>> 24;
}

/** CEL entry: opcode u16 @0, effect u16 @2. */
export const CXL_CEL_ENTRY_SIZE = 4;
/** Get Supported Logs entry: UUID[16], size u32 @16. */
export const CXL_LOG_ENTRY_SIZE = 20;

/** Feature entry flags (CXL r3.2 Table 8-109). */
export const cxlFeatureFlags = { CHANGEABLE: 1 << 0, PERSIST_ACROSS_FW_UPDATE: 1 << 4, DEFAULT_SELECTION: 1 << 5, SAVED_SELECTION: 1 << 6 } as const;

/** Set Feature flags: bits 2:0 the transfer action, bit 3 saved across reset. */
export const cxlSetFeatFlags = {
  FULL: 0,
  INITIATE: 1,
  CONTINUE: 2,
  FINISH: 3,
  ABORT: 4,
  TRANSFER_MASK: 0x7,
  DATA_SAVED_ACROSS_RESET: 1 << 3,
} as const;

/** Get Feature selection. */
export const cxlGetFeatSelection = { CURRENT: 0, DEFAULT: 1, SAVED: 2 } as const;

/** struct cxl_feat_entry (48 bytes). */
export interface CxlFeatEntry {
  readonly uuid: string;
  readonly id: number;
  readonly getSize: number;
  readonly setSize: number;
  readonly flags: number;
  readonly getVersion: number;
  readonly setVersion: number;
  readonly effects: number;
}
export const CXL_FEAT_ENTRY_SIZE = 48;

export function encodeFeatEntry(e: CxlFeatEntry): Uint8Array {
  const b = new Uint8Array(CXL_FEAT_ENTRY_SIZE);
  encodeFeatEntryInto(b, 0, e);
  return b;
}

/**
 * The UUID bytes of a feature entry's text, by the text (process-wide and pure: a function of
 * an immutable string; bounded, cleared as a whole). Only read from: copied into entries.
 */
const featUuidBytes = new Map<string, Uint8Array>();

/** encodeFeatEntry written into `out` at `at` (which has CXL_FEAT_ENTRY_SIZE bytes there, zero). */
export function encodeFeatEntryInto(out: Uint8Array, at: number, e: CxlFeatEntry): void {
  let uuid = featUuidBytes.get(e.uuid);
  if (uuid === undefined) {
    if (featUuidBytes.size >= UUID_STRINGS_MAX) featUuidBytes.clear();
    uuid = uuidBytes(e.uuid);
    featUuidBytes.set(e.uuid, uuid);
  }
  out.set(uuid, at);
  cxlPutLe16(out, at + 16, e.id);
  cxlPutLe16(out, at + 18, e.getSize);
  cxlPutLe16(out, at + 20, e.setSize);
  cxlPutLe32(out, at + 22, e.flags >>> 0);
  out[at + 26] = e.getVersion;
  out[at + 27] = e.setVersion;
  cxlPutLe16(out, at + 28, e.effects);
}

export function decodeFeatEntry(b: Uint8Array): CxlFeatEntry {
  return decodeFeatEntryAt(b, 0);
}

/** decodeFeatEntry of the entry at `at` in `b` (no subarray). */
export function decodeFeatEntryAt(b: Uint8Array, at: number): CxlFeatEntry {
  if (b.length - at < 30) throw new RangeError(`decodeFeatEntry: ${b.length - at} bytes`);
  return {
    uuid: uuidStringAt(b, at),
    id: cxlLe16(b, at + 16),
    getSize: cxlLe16(b, at + 18),
    setSize: cxlLe16(b, at + 20),
    flags: cxlLe32(b, at + 22),
    getVersion: b[at + 26]!,
    setVersion: b[at + 27]!,
    effects: cxlLe16(b, at + 28),
  };
}

/** Get Supported Features in (8 bytes): count u32 @0, start_idx u16 @4. */
export const CXL_GET_SUP_FEATS_IN_SIZE = 8;
/** Get Supported Features out header (8 bytes): num_entries u16 @0, supported_feats u16 @2. */
export const CXL_GET_SUP_FEATS_OUT_HDR = 8;
/** Get Feature in (21 bytes): UUID @0, offset u16 @16, count u16 @18, selection u8 @20. */
export const CXL_GET_FEAT_IN_SIZE = 21;
/** Set Feature in header (32 bytes): UUID @0, flags u32 @16, offset u16 @20, version u8 @22. */
export const CXL_SET_FEAT_HDR_SIZE = 32;

/** struct fwctl_rpc_cxl header (16 bytes): opcode u32 @0, flags u32 @4, op_size u32 @8, reserved1 u32 @12. */
export const FWCTL_RPC_CXL_HDR_SIZE = 16;
/** struct fwctl_rpc_cxl_out: size u32 @0, retval u32 @4, payload @8; sizeof is 16. */
export const FWCTL_RPC_CXL_OUT_HDR_SIZE = 8;
export const FWCTL_RPC_CXL_OUT_SIZEOF = 16;

/** A fwctl_rpc_cxl `in` buffer: header then the command's payload. */
export function encodeFwctlRpcCxl(opcode: number, payload: Uint8Array, flags = 0): Uint8Array {
  const b = new Uint8Array(FWCTL_RPC_CXL_HDR_SIZE + payload.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, opcode, true);
  v.setUint32(4, flags, true);
  v.setUint32(8, payload.length, true);
  b.set(payload, FWCTL_RPC_CXL_HDR_SIZE);
  return b;
}
