/**
 * SPDM (DMTF DSP0274) closed sets as tables: request/response codes, ERROR codes, capability
 * flags, algorithm bits, versions. Values from protocols §3.2–3.4 (LIBSPDM spdm.h).
 */

/** Request codes (bit 7 set); the response code is the request code with bit 7 cleared. */
export const SpdmRequest = {
  GET_DIGESTS: 0x81,
  GET_CERTIFICATE: 0x82,
  CHALLENGE: 0x83,
  GET_VERSION: 0x84,
  CHUNK_SEND: 0x85,
  CHUNK_GET: 0x86,
  GET_ENDPOINT_INFO: 0x87,
  GET_MEASUREMENTS: 0xe0,
  GET_CAPABILITIES: 0xe1,
  GET_SUPPORTED_EVENT_TYPES: 0xe2,
  NEGOTIATE_ALGORITHMS: 0xe3,
  KEY_EXCHANGE: 0xe4,
  FINISH: 0xe5,
  PSK_EXCHANGE: 0xe6,
  PSK_FINISH: 0xe7,
  HEARTBEAT: 0xe8,
  KEY_UPDATE: 0xe9,
  GET_ENCAPSULATED_REQUEST: 0xea,
  DELIVER_ENCAPSULATED_RESPONSE: 0xeb,
  END_SESSION: 0xec,
  GET_CSR: 0xed,
  SET_CERTIFICATE: 0xee,
  GET_MEASUREMENT_EXTENSION_LOG: 0xef,
  SUBSCRIBE_EVENT_TYPES: 0xf0,
  SEND_EVENT: 0xf1,
  GET_KEY_PAIR_INFO: 0xfc,
  SET_KEY_PAIR_INFO: 0xfd,
  VENDOR_DEFINED_REQUEST: 0xfe,
  RESPOND_IF_READY: 0xff,
} as const;

export const SpdmResponse = {
  DIGESTS: 0x01,
  CERTIFICATE: 0x02,
  CHALLENGE_AUTH: 0x03,
  VERSION: 0x04,
  MEASUREMENTS: 0x60,
  CAPABILITIES: 0x61,
  ALGORITHMS: 0x63,
  KEY_EXCHANGE_RSP: 0x64,
  FINISH_RSP: 0x65,
  HEARTBEAT_ACK: 0x68,
  KEY_UPDATE_ACK: 0x69,
  END_SESSION_ACK: 0x6c,
  ERROR: 0x7f,
} as const;

export function requestName(code: number): string {
  return requestNames.get(code) ?? `0x${code.toString(16).padStart(2, '0')}`;
}

/** SpdmRequest inverted; the first name of a code wins, as a scan of the table in order finds it. */
const requestNames = new Map<number, string>();
for (const [k, v] of Object.entries(SpdmRequest)) if (!requestNames.has(v)) requestNames.set(v, k);

/** ERROR response codes (protocols §3.3) with the version that introduced them. */
export const SpdmErrorCode = {
  InvalidRequest: 0x01,
  InvalidSession: 0x02,
  Busy: 0x03,
  UnexpectedRequest: 0x04,
  Unspecified: 0x05,
  DecryptError: 0x06,
  UnsupportedRequest: 0x07,
  RequestInFlight: 0x08,
  InvalidResponseCode: 0x09,
  SessionLimitExceeded: 0x0a,
  SessionRequired: 0x0b,
  ResetRequired: 0x0c,
  ResponseTooLarge: 0x0d,
  RequestTooLarge: 0x0e,
  LargeResponse: 0x0f,
  MessageLost: 0x10,
  InvalidPolicy: 0x11,
  DataTooLarge: 0x12,
  VersionMismatch: 0x41,
  ResponseNotReady: 0x42,
  RequestResynch: 0x43,
  OperationFailed: 0x44,
  NoPendingRequests: 0x45,
  RequestSessionTerminated: 0x46,
  InvalidState: 0x47,
  VendorDefined: 0xff,
} as const;

export type SpdmErrorName = keyof typeof SpdmErrorCode;

export function errorName(code: number): string {
  for (const [k, v] of Object.entries(SpdmErrorCode)) if (v === code) return k;
  return `0x${code.toString(16).padStart(2, '0')}`;
}

/**
 * Linux's errno for an ERROR code (LNX-SPDM core.c `spdm_err`, protocols §3.3). Unknown codes
 * fall through to EINVAL ("Undefined error").
 */
export const spdmErrorErrno: Readonly<Record<number, 'EINVAL' | 'EBUSY' | 'EIO' | 'ECONNRESET' | 'EMSGSIZE' | 'EINPROGRESS' | 'ENOENT'>> = {
  0x01: 'EINVAL',
  0x02: 'EINVAL',
  0x03: 'EBUSY',
  0x04: 'EINVAL',
  0x05: 'EINVAL',
  0x06: 'EIO',
  0x07: 'EINVAL',
  0x08: 'EINVAL',
  0x09: 'EINVAL',
  0x0a: 'EBUSY',
  0x0b: 'EINVAL',
  0x0c: 'ECONNRESET',
  0x0d: 'EINVAL',
  0x0e: 'EINVAL',
  0x0f: 'EMSGSIZE',
  0x10: 'EIO',
  0x11: 'EINVAL',
  0x41: 'EINVAL',
  0x42: 'EINPROGRESS',
  0x43: 'ECONNRESET',
  0x44: 'EINVAL',
  0x45: 'ENOENT',
};

/** CAPABILITIES flag bits (protocols §3.4). */
export const CapFlag = {
  CACHE: 1 << 0,
  CERT: 1 << 1,
  CHAL: 1 << 2,
  MEAS_NO_SIG: 1 << 3,
  MEAS_SIG: 2 << 3,
  MEAS_MASK: 3 << 3,
  MEAS_FRESH: 1 << 5,
  ENCRYPT: 1 << 6,
  MAC: 1 << 7,
  MUT_AUTH: 1 << 8,
  KEY_EX: 1 << 9,
  PSK: 1 << 10,
  PSK_MASK: 3 << 10,
  ENCAP: 1 << 12,
  HBEAT: 1 << 13,
  KEY_UPD: 1 << 14,
  HANDSHAKE_IN_THE_CLEAR: 1 << 15,
  PUB_KEY_ID: 1 << 16,
  CHUNK: 1 << 17,
} as const;

/** BaseAsymAlgo bits. */
export const BaseAsym = { ECDSA_P256: 1 << 4, ECDSA_P384: 1 << 7, ECDSA_P521: 1 << 8 } as const;
/** BaseHashAlgo bits. */
export const BaseHash = { SHA_256: 1 << 0, SHA_384: 1 << 1, SHA_512: 1 << 2 } as const;
/** MeasurementHashAlgo bits. */
export const MeasHash = { RAW: 1 << 0, SHA_256: 1 << 1, SHA_384: 1 << 2, SHA_512: 1 << 3 } as const;
/** AlgStruct types and their bits. */
export const AlgType = { DHE: 2, AEAD: 3, REQ_BASE_ASYM: 4, KEY_SCHEDULE: 5 } as const;
export const Dhe = { SECP256R1: 1 << 3, SECP384R1: 1 << 4 } as const;
export const Aead = { AES_128_GCM: 1 << 0, AES_256_GCM: 1 << 1, CHACHA20_POLY1305: 1 << 2 } as const;
export const KeySchedule = { SPDM: 1 << 0 } as const;
/** MeasurementSpecification bit 0: DMTF. */
export const MEAS_SPEC_DMTF = 0x01;
/** OtherParams opaque data formats (1.2). */
export const OpaqueFormat = { FMT0: 1 << 0, FMT1: 1 << 1 } as const;

/** Version bytes: major<<4 | minor. */
export const SpdmVersion = { V10: 0x10, V11: 0x11, V12: 0x12, V13: 0x13 } as const;

export function versionText(v: number): string {
  return `${v >> 4}.${v & 0xf}`;
}

/** Measurement summary hash types (CHALLENGE / KEY_EXCHANGE Param). */
export const MeasSummary = { NONE: 0x00, TCB: 0x01, ALL: 0xff } as const;

/** DataTransferSize minimum at 1.2 (SPDM_MIN_DATA_TRANSFER_SIZE). */
export const MIN_DATA_TRANSFER_SIZE = 42;

/** SPDM nonce and random-data sizes. */
export const NONCE_SIZE = 32;
export const RANDOM_SIZE = 32;

/** KEY_UPDATE operations (Param1). */
export const KeyUpdateOp = { UPDATE_KEY: 1, UPDATE_ALL_KEYS: 2, VERIFY_NEW_KEY: 3 } as const;
