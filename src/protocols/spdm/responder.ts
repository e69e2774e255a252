/**
 * The SPDM responder engine (the device side of CMA/SPDM, DSP0274 1.0–1.2 and DSP0277), synchronous
 * and deterministic: every random value (nonces, RandomData, ECDHE private keys, session ids) comes
 * from the `RandomSource` it is given; signatures are RFC 6979 deterministic.
 *
 * It answers one SPDM request with one SPDM response; it never throws. A request it cannot honour
 * gets the ERROR code a libspdm responder sends (protocols §3.3): UnexpectedRequest out of order,
 * VersionMismatch for a wrong version byte, UnsupportedRequest (Param2 = the code) for a request it
 * does not implement, InvalidRequest for a malformed one, RequestTooLarge above DataTransferSize,
 * DecryptError for a FINISH whose verify data is wrong, SessionLimitExceeded for a second session.
 *
 * Transcripts (DSP0274 1.2 "Transcript and transcript hash calculation rules"; LIBSPDM
 * `libspdm_reset_message_buffer_via_request_code`):
 *   A = GET_VERSION..ALGORITHMS; B = GET_DIGESTS/DIGESTS/GET_CERTIFICATE/CERTIFICATE;
 *   C = CHALLENGE + CHALLENGE_AUTH without signature; M1 = A||B||C.
 *   L1 = A||M (1.2; M alone below) where M = the GET_MEASUREMENTS/MEASUREMENTS since the last
 *   signed one; any other request empties M.
 *   A KEY_EXCHANGE/FINISH/HEARTBEAT/END_SESSION/GET_MEASUREMENTS before a completed CHALLENGE
 *   empties B and C. A completed CHALLENGE empties B and C.
 *   Session: TH = A || Hash(CertChain[slot]) || KEY_EXCHANGE || KEY_EXCHANGE_RSP (… ) || FINISH || FINISH_RSP.
 * Only the bytes of a message proper go into a transcript — never DOE padding, never ERRORs.
 */
import { DriverModelError } from '../../base/index.js';
import {
  concatBytes,
  ecdhSharedSecret,
  ecdheExchangeData,
  ecdsaSignDigest,
  generatePrivateKey,
  timingSafeEqual,
  type CurveName,
  type EcPrivateKey,
  type HashAlgorithm,
  type RandomSource,
} from '../crypto/index.js';
import { curveForDhe, dheExchangeSize, hashForBaseHash, hashForMeasHash, pick, baseAsymForCurve } from './algorithms.js';
import { buildCertChain } from './cert-chain.js';
import {
  Aead,
  AlgType,
  BaseHash,
  CapFlag,
  Dhe,
  KeySchedule,
  KeyUpdateOp,
  MEAS_SPEC_DMTF,
  MeasHash,
  MeasSummary,
  MIN_DATA_TRANSFER_SIZE,
  OpaqueFormat,
  SpdmErrorCode,
  SpdmRequest,
  SpdmResponse,
  SpdmVersion,
} from './constants.js';
import { deriveDataKeys, deriveHandshakeKeys, nextDirectionKeys, type DataKeys, type DirectionKeys, type HandshakeKeys } from './key-schedule.js';
import {
  capabilitiesSize,
  decodeChallenge,
  decodeFinish,
  decodeGetCapabilities,
  decodeGetCertificate,
  decodeGetMeasurements,
  decodeKeyExchange,
  decodeNegotiateAlgorithms,
  encodeAlgorithms,
  encodeCapabilities,
  encodeCertificate,
  encodeChallengeAuthUnsigned,
  encodeDigests,
  encodeError,
  encodeFinishRsp,
  encodeKeyExchangeRspUnsigned,
  encodeMeasurementBlock,
  encodeMeasurementsUnsigned,
  encodeSimple,
  encodeVersion,
  type AlgStruct,
  type MeasurementBlock,
} from './messages.js';
import { decodeSupportedVersions, encodeVersionSelection } from './opaque.js';
import { openSecuredMessage, sealSecuredMessage, securedSessionId } from './secured-message.js';
import { signedDigest, SigningContext } from './signing.js';

/** Signs a digest with the responder's leaf key (raw r||s). A private key or a hardware stand-in. */
export interface SpdmSigner {
  readonly curve: CurveName;
  sign(digest: Uint8Array): Uint8Array;
}

export function keySigner(key: EcPrivateKey): SpdmSigner {
  return { curve: key.curve, sign: (d) => ecdsaSignDigest(key, d) };
}

export interface SpdmResponderConfig {
  /** DER certificates root-first, leaf last, for slot 0 (the only slot auxbus provisions). */
  readonly certificates: readonly Uint8Array[];
  readonly signer: SpdmSigner;
  readonly random: RandomSource;
  /** Measurement blocks the device reports (indices 1..N). Defaults to none. */
  readonly measurements?: readonly MeasurementBlock[];
  /** Versions offered in VERSION, as version bytes. Default 1.0, 1.1, 1.2. */
  readonly versions?: readonly number[];
  /** CAPABILITIES flags. Default CERT|CHAL|MEAS(sig)|ENCRYPT|MAC|KEY_EX|HBEAT|KEY_UPD. */
  readonly flags?: number;
  readonly ctExponent?: number;
  /** DataTransferSize = MaxSPDMmsgSize (no chunking). Default 0x1200. */
  readonly dataTransferSize?: number;
  /**
   * KEY_EXCHANGE_RSP HeartbeatPeriod in seconds when HBEAT_CAP is set. Default 0xF0, the value
   * spdm_responder_emu sends (libspdm's requester refuses to HEARTBEAT in a session whose period
   * is 0). auxbus does not end a silent session on its own: there is no wall clock.
   */
  readonly heartbeatPeriod?: number;
}

export const DEFAULT_RESPONDER_FLAGS =
  CapFlag.CERT | CapFlag.CHAL | CapFlag.MEAS_SIG | CapFlag.ENCRYPT | CapFlag.MAC | CapFlag.KEY_EX | CapFlag.HBEAT | CapFlag.KEY_UPD;

/** Secured-message versions (DSP0277) the responder can select, highest first. */
const SECURED_VERSIONS = [0x1200, 0x1100, 0x1000];

type Stage = 'none' | 'version' | 'capabilities' | 'algorithms';

interface Negotiated {
  readonly version: number;
  readonly reqFlags: number;
  readonly hash: HashAlgorithm;
  readonly baseAsym: number;
  readonly measHashAlgo: number;
  readonly dhe: number;
  readonly aead: number;
  readonly otherParams: number;
}

interface Session {
  readonly id: number;
  state: 'handshaking' | 'established';
  /** A || Hash(cert chain) || K (|| F): the session transcript so far. */
  th: Uint8Array;
  readonly handshake: HandshakeKeys;
  data: DataKeys | undefined;
  messageM: Uint8Array;
  /** The requester's next data key after UpdateKey/UpdateAllKeys, until a request decrypts with it. */
  pendingRequest: DirectionKeys | undefined;
  /** The last KEY_UPDATE operation (VerifyNewKey must follow an update). */
  lastKeyUpdate: number;
}

/** An SPDM response, plus what the transport must do with it. */
export interface SpdmReply {
  readonly response: Uint8Array;
}

class ErrorReply extends Error {
  constructor(
    readonly code: number,
    readonly data = 0,
  ) {
    super('spdm error reply');
  }
}

const fail = (code: number, data = 0): never => {
  throw new ErrorReply(code, data);
};

/** Strict decode inside the engine: a codec failure is the requester's malformed request. */
function parse<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (DriverModelError.is(e)) throw new ErrorReply(SpdmErrorCode.InvalidRequest);
    throw e;
  }
}

export class SpdmResponder {
  private stage: Stage = 'none';
  private version = SpdmVersion.V10 as number;
  private reqFlags = 0;
  /** The requester's DataTransferSize (1.2+; 0 when unknown). */
  private reqDataTransferSize = 0;
  private neg: Negotiated | undefined;
  private messageA: Uint8Array = new Uint8Array(0);
  private messageB: Uint8Array = new Uint8Array(0);
  private messageC: Uint8Array = new Uint8Array(0);
  private messageM: Uint8Array = new Uint8Array(0);
  private authenticated = false;
  private readonly sessions = new Map<number, Session>();
  private nextRspSessionId = 0xffff;
  private readonly versions: readonly number[];
  readonly flags: number;
  private readonly dataTransferSize: number;
  private readonly measurements: readonly MeasurementBlock[];
  /**
   * Slot 0's chain in the SPDM format and its digest, under the hash they were built with: the
   * certificates never change, so the chain depends on the negotiated hash alone and is built
   * once per hash rather than on every GET_DIGESTS, GET_CERTIFICATE, CHALLENGE and KEY_EXCHANGE.
   * Machine state like the rest of the engine (a snapshot restores it with the responder).
   */
  private slot0: { readonly hash: HashAlgorithm; readonly chain: Uint8Array; readonly digest: Uint8Array } | undefined = undefined;
  /** Counts of what happened, for tests and the CLI (never wall time). */
  readonly stats = { requests: 0, errors: 0, sessionsOpened: 0, sessionsEnded: 0 };

  constructor(private readonly config: SpdmResponderConfig) {
    this.versions = config.versions ?? [SpdmVersion.V10, SpdmVersion.V11, SpdmVersion.V12];
    this.flags = config.flags ?? DEFAULT_RESPONDER_FLAGS;
    this.dataTransferSize = config.dataTransferSize ?? 0x1200;
    this.measurements = config.measurements ?? [];
  }

  /** The negotiated version byte (0x10 before negotiation). */
  get negotiatedVersion(): number {
    return this.version;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Answer one plain (DOE type 1) SPDM request. Never throws. */
  respond(request: Uint8Array): Uint8Array {
    return this.dispatch(request, undefined);
  }

  /**
   * Answer one secured (DOE type 2) record: decrypt with the session's request key, answer the
   * SPDM request inside, encrypt the answer with the session's response key. `undefined` when the
   * record cannot be attributed or authenticated (unknown session, bad MAC): a device drops it.
   */
  respondSecured(record: Uint8Array): Uint8Array | undefined {
    let sessionId: number;
    try {
      sessionId = securedSessionId(record);
    } catch {
      return undefined;
    }
    const s = this.sessions.get(sessionId);
    if (!s) return undefined;
    const handshaking = s.state === 'handshaking';
    let spdm: Uint8Array | undefined;
    // After a KEY_UPDATE the requester's new key is tried first, the old one kept until it works
    // (libspdm keeps a backup key the same way).
    if (!handshaking && s.pendingRequest) {
      try {
        spdm = openSecuredMessage(record, s.pendingRequest).spdm;
        s.data!.request = s.pendingRequest;
        s.pendingRequest = undefined;
      } catch {
        spdm = undefined;
      }
    }
    if (!spdm) {
      try {
        spdm = openSecuredMessage(record, handshaking ? s.handshake.request : s.data!.request).spdm;
      } catch {
        return undefined;
      }
    }
    const response = this.dispatch(spdm, s);
    // read after dispatch: UpdateAllKeys answers under the new response key
    const outKeys = handshaking ? s.handshake.response : s.data!.response;
    const sealed = sealSecuredMessage(s.id, outKeys, response);
    this.afterSecuredReply(s, response);
    return sealed;
  }

  /** Key switch and teardown happen after the reply went out under the old keys. */
  private afterSecuredReply(s: Session, response: Uint8Array): void {
    if (response[1] === SpdmResponse.FINISH_RSP && s.state === 'handshaking') {
      s.data = deriveDataKeys(this.neg!.hash, this.version, s.handshake.handshakeSecret, this.neg!.hash.digest(s.th));
      s.state = 'established';
    } else if (response[1] === SpdmResponse.END_SESSION_ACK) {
      this.sessions.delete(s.id);
      this.stats.sessionsEnded++;
    }
  }

  private dispatch(req: Uint8Array, session: Session | undefined): Uint8Array {
    this.stats.requests++;
    try {
      const rsp = this.handle(req, session);
      // No CHUNK_CAP: a response larger than the requester's DataTransferSize (1.2) cannot be sent.
      if (this.reqDataTransferSize && rsp.length > this.reqDataTransferSize) fail(SpdmErrorCode.ResponseTooLarge);
      return rsp;
    } catch (e) {
      if (e instanceof ErrorReply) {
        this.stats.errors++;
        const v = req.length >= 2 && req[1] === SpdmRequest.GET_VERSION ? SpdmVersion.V10 : this.version;
        return encodeError(v, e.code, e.data);
      }
      // An engine bug must not take the device down: answer Unspecified.
      this.stats.errors++;
      return encodeError(this.version, SpdmErrorCode.Unspecified);
    }
  }

  private handle(req: Uint8Array, session: Session | undefined): Uint8Array {
    if (req.length < 4) fail(SpdmErrorCode.InvalidRequest);
    if (req.length > this.dataTransferSize) fail(this.version >= SpdmVersion.V12 ? SpdmErrorCode.RequestTooLarge : SpdmErrorCode.InvalidRequest);
    const code = req[1]!;
    if (code === SpdmRequest.GET_VERSION) {
      if (session) fail(SpdmErrorCode.UnexpectedRequest);
      return this.getVersion(req);
    }
    if (this.stage === 'none') fail(SpdmErrorCode.UnexpectedRequest);
    if (this.stage !== 'version' && req[0] !== this.version) fail(SpdmErrorCode.VersionMismatch);
    this.resetTranscriptsFor(code);
    if (session?.state === 'handshaking' && code !== SpdmRequest.FINISH) fail(SpdmErrorCode.UnexpectedRequest);
    switch (code) {
      case SpdmRequest.GET_CAPABILITIES:
        return this.getCapabilities(req);
      case SpdmRequest.NEGOTIATE_ALGORITHMS:
        return this.negotiateAlgorithms(req);
    }
    if (this.stage !== 'algorithms') fail(SpdmErrorCode.UnexpectedRequest);
    switch (code) {
      case SpdmRequest.GET_DIGESTS:
        return this.getDigests(req);
      case SpdmRequest.GET_CERTIFICATE:
        return this.getCertificate(req);
      case SpdmRequest.CHALLENGE:
        if (session) fail(SpdmErrorCode.UnexpectedRequest);
        return this.challenge(req);
      case SpdmRequest.GET_MEASUREMENTS:
        return this.getMeasurements(req, session);
      case SpdmRequest.KEY_EXCHANGE:
        if (session) fail(SpdmErrorCode.UnexpectedRequest);
        return this.keyExchange(req);
      case SpdmRequest.FINISH: {
        // With HANDSHAKE_IN_THE_CLEAR both FINISH and FINISH_RSP travel in the clear (DOE type 1),
        // for the session in its handshake phase; otherwise FINISH must come inside that session.
        const clear = this.handshakeInClear();
        const s = clear ? (session ? undefined : [...this.sessions.values()].find((x) => x.state === 'handshaking')) : session;
        if (!s || s.state !== 'handshaking') fail(SpdmErrorCode.UnexpectedRequest);
        return this.finish(req, s!, clear);
      }
      case SpdmRequest.HEARTBEAT:
        if (!session) fail(this.version >= SpdmVersion.V12 ? SpdmErrorCode.SessionRequired : SpdmErrorCode.UnexpectedRequest);
        if (!(this.flags & CapFlag.HBEAT)) fail(SpdmErrorCode.UnsupportedRequest, code);
        return encodeSimple(this.version, SpdmResponse.HEARTBEAT_ACK);
      case SpdmRequest.KEY_UPDATE:
        if (!session) fail(this.version >= SpdmVersion.V12 ? SpdmErrorCode.SessionRequired : SpdmErrorCode.UnexpectedRequest);
        if (!(this.flags & CapFlag.KEY_UPD) || !(this.neg!.reqFlags & CapFlag.KEY_UPD)) fail(SpdmErrorCode.UnsupportedRequest, code);
        return this.keyUpdate(req, session!);
      case SpdmRequest.END_SESSION:
        if (!session) fail(this.version >= SpdmVersion.V12 ? SpdmErrorCode.SessionRequired : SpdmErrorCode.UnexpectedRequest);
        return encodeSimple(this.version, SpdmResponse.END_SESSION_ACK);
      default:
        return fail(SpdmErrorCode.UnsupportedRequest, code);
    }
  }

  private resetTranscriptsFor(code: number): void {
    if (code !== SpdmRequest.GET_MEASUREMENTS) this.messageM = new Uint8Array(0);
    switch (code) {
      case SpdmRequest.KEY_EXCHANGE:
      case SpdmRequest.GET_MEASUREMENTS:
      case SpdmRequest.FINISH:
      case SpdmRequest.PSK_EXCHANGE:
      case SpdmRequest.PSK_FINISH:
      case SpdmRequest.KEY_UPDATE:
      case SpdmRequest.HEARTBEAT:
      case SpdmRequest.GET_ENCAPSULATED_REQUEST:
      case SpdmRequest.END_SESSION:
        if (!this.authenticated) {
          this.messageB = new Uint8Array(0);
          this.messageC = new Uint8Array(0);
        }
    }
  }

  // ------------------------------------------------------------ VCA

  private getVersion(req: Uint8Array): Uint8Array {
    if (req[0] !== SpdmVersion.V10) fail(SpdmErrorCode.VersionMismatch);
    // GET_VERSION resets the connection and ends every session (DSP0274 "GET_VERSION").
    this.stage = 'none';
    this.version = SpdmVersion.V10;
    this.reqDataTransferSize = 0;
    this.neg = undefined;
    this.sessions.clear();
    this.authenticated = false;
    this.messageB = new Uint8Array(0);
    this.messageC = new Uint8Array(0);
    this.messageM = new Uint8Array(0);
    const rsp = encodeVersion(this.versions.map((v) => v << 8));
    this.messageA = concatBytes(req.subarray(0, 4), rsp);
    this.stage = 'version';
    return rsp;
  }

  private getCapabilities(req: Uint8Array): Uint8Array {
    if (this.stage !== 'version') fail(SpdmErrorCode.UnexpectedRequest);
    const v = req[0]!;
    if (!this.versions.includes(v)) fail(SpdmErrorCode.VersionMismatch);
    this.version = v;
    const c = parse(() => decodeGetCapabilities(req));
    if (v >= SpdmVersion.V12) {
      if (c.dataTransferSize < MIN_DATA_TRANSFER_SIZE || c.maxSpdmMsgSize < c.dataTransferSize) fail(SpdmErrorCode.InvalidRequest);
    }
    this.reqFlags = c.flags;
    this.reqDataTransferSize = v >= SpdmVersion.V12 ? c.dataTransferSize : 0;
    const rsp = encodeCapabilities({
      version: v,
      ctExponent: this.config.ctExponent ?? 12,
      flags: this.flags,
      dataTransferSize: this.dataTransferSize,
      maxSpdmMsgSize: this.dataTransferSize,
    });
    this.messageA = concatBytes(this.messageA, req.subarray(0, capabilitiesSize(v, true)), rsp);
    this.stage = 'capabilities';
    return rsp;
  }

  private negotiateAlgorithms(req: Uint8Array): Uint8Array {
    if (this.stage !== 'capabilities') fail(SpdmErrorCode.UnexpectedRequest);
    const a = parse(() => decodeNegotiateAlgorithms(req));
    const curve = this.config.signer.curve;
    const baseAsym = a.baseAsym & baseAsymForCurve(curve);
    const baseHash = pick(a.baseHash, [BaseHash.SHA_384, BaseHash.SHA_256, BaseHash.SHA_512]);
    if (!baseAsym || !baseHash) fail(SpdmErrorCode.InvalidRequest);
    const measOn = (this.flags & CapFlag.MEAS_MASK) !== 0;
    const measHashAlgo = measOn && a.measurementSpec & MEAS_SPEC_DMTF ? MeasHash.SHA_384 : 0;
    const structs: AlgStruct[] = [];
    let dhe = 0;
    let aead = 0;
    for (const s of a.algStructs) {
      let sel = 0;
      if (s.type === AlgType.DHE) sel = dhe = pick(s.supported, [Dhe.SECP384R1, Dhe.SECP256R1]);
      else if (s.type === AlgType.AEAD) sel = aead = pick(s.supported, [Aead.AES_256_GCM]);
      else if (s.type === AlgType.KEY_SCHEDULE) sel = pick(s.supported, [KeySchedule.SPDM]);
      structs.push({ type: s.type, supported: sel });
    }
    const otherParams = this.version >= SpdmVersion.V12 ? a.otherParams & OpaqueFormat.FMT1 || a.otherParams & OpaqueFormat.FMT0 : 0;
    const rsp = encodeAlgorithms({
      version: this.version,
      measurementSpecSel: measOn ? a.measurementSpec & MEAS_SPEC_DMTF : 0,
      otherParamsSel: otherParams,
      measurementHashAlgo: measHashAlgo,
      baseAsymSel: baseAsym,
      baseHashSel: baseHash,
      algStructs: this.version >= SpdmVersion.V11 ? structs : [],
    });
    this.neg = {
      version: this.version,
      reqFlags: this.reqFlags,
      hash: hashForBaseHash(baseHash),
      baseAsym,
      measHashAlgo,
      dhe,
      aead,
      otherParams,
    };
    this.messageA = concatBytes(this.messageA, req.subarray(0, a.size), rsp);
    this.stage = 'algorithms';
    return rsp;
  }

  // ------------------------------------------------------------ authentication

  /** Slot 0's chain and digest under the negotiated hash (never modified: callers copy from them). */
  private slot0Chain(): { readonly chain: Uint8Array; readonly digest: Uint8Array } {
    const hash = this.neg!.hash;
    const c = this.slot0;
    if (c !== undefined && c.hash === hash) return c;
    const chain = buildCertChain(hash, this.config.certificates);
    this.slot0 = { hash, chain, digest: hash.digest(chain) };
    return this.slot0;
  }

  private getDigests(req: Uint8Array): Uint8Array {
    if (!(this.flags & CapFlag.CERT)) fail(SpdmErrorCode.UnsupportedRequest, req[1]);
    const rsp = encodeDigests(this.version, 0x01, [this.slot0Chain().digest]);
    this.messageB = concatBytes(this.messageB, req.subarray(0, 4), rsp);
    return rsp;
  }

  private getCertificate(req: Uint8Array): Uint8Array {
    if (!(this.flags & CapFlag.CERT)) fail(SpdmErrorCode.UnsupportedRequest, req[1]);
    const g = parse(() => decodeGetCertificate(req));
    if (g.slot !== 0) fail(SpdmErrorCode.InvalidRequest);
    const chain = this.slot0Chain().chain;
    if (g.offset >= chain.length) fail(SpdmErrorCode.InvalidRequest);
    const maxPortion = this.dataTransferSize - 8;
    const n = Math.min(g.length, chain.length - g.offset, maxPortion);
    if (n === 0) fail(SpdmErrorCode.InvalidRequest);
    const rsp = encodeCertificate(this.version, 0, chain.subarray(g.offset, g.offset + n), chain.length - g.offset - n);
    this.messageB = concatBytes(this.messageB, req.subarray(0, 8), rsp);
    return rsp;
  }

  private measurementSummaryHash(type: number): Uint8Array {
    if (type === MeasSummary.NONE) return new Uint8Array(0);
    const blocks = this.measurements.filter((m) => type === MeasSummary.ALL || (m.valueType & 0x7f) === 0);
    return this.neg!.hash.digest(concatBytes(...blocks.map(encodeMeasurementBlock)));
  }

  private challenge(req: Uint8Array): Uint8Array {
    if (!(this.flags & CapFlag.CHAL)) fail(SpdmErrorCode.UnsupportedRequest, req[1]);
    const c = parse(() => decodeChallenge(req));
    if (c.slot !== 0) fail(SpdmErrorCode.InvalidRequest);
    if (c.measSummaryType !== 0 && c.measSummaryType !== 1 && c.measSummaryType !== 0xff) fail(SpdmErrorCode.InvalidRequest);
    if (c.measSummaryType !== 0 && !(this.flags & CapFlag.MEAS_MASK)) fail(SpdmErrorCode.InvalidRequest);
    const hash = this.neg!.hash;
    const unsigned = encodeChallengeAuthUnsigned({
      version: this.version,
      slot: 0,
      slotMask: 0x01,
      certChainHash: this.slot0Chain().digest,
      nonce: this.config.random.bytes(32),
      measSummaryHash: this.measurementSummaryHash(c.measSummaryType),
      opaque: new Uint8Array(0),
    });
    const m1 = [this.messageA, this.messageB, this.messageC, req.subarray(0, c.size), unsigned];
    const sig = this.config.signer.sign(signedDigest(hash, this.version, SigningContext.CHALLENGE_AUTH, m1));
    this.messageB = new Uint8Array(0);
    this.messageC = new Uint8Array(0);
    this.authenticated = true;
    return concatBytes(unsigned, sig);
  }

  private getMeasurements(req: Uint8Array, session: Session | undefined): Uint8Array {
    const measCap = this.flags & CapFlag.MEAS_MASK;
    if (!measCap) fail(SpdmErrorCode.UnsupportedRequest, req[1]);
    const g = parse(() => decodeGetMeasurements(req));
    if (g.signature && measCap !== CapFlag.MEAS_SIG) fail(SpdmErrorCode.InvalidRequest);
    if (g.signature && g.slot !== 0) fail(SpdmErrorCode.InvalidRequest);
    let blocks: MeasurementBlock[] = [];
    let numberOfIndices = 0;
    if (g.operation === 0) numberOfIndices = this.measurements.length;
    else if (g.operation === 0xff) blocks = [...this.measurements];
    else {
      const b = this.measurements.find((m) => m.index === g.operation);
      if (!b) fail(SpdmErrorCode.InvalidRequest);
      blocks = [b!];
    }
    const unsigned = encodeMeasurementsUnsigned(
      {
        version: this.version,
        numberOfIndices,
        slot: 0,
        blocks,
        nonce: this.config.random.bytes(32),
        opaque: new Uint8Array(0),
      },
      g.signature,
    );
    const prior = session ? session.messageM : this.messageM;
    const m = concatBytes(prior, req.subarray(0, g.size), unsigned);
    if (!g.signature) {
      if (session) session.messageM = m;
      else this.messageM = m;
      return unsigned;
    }
    const l1 = this.version >= SpdmVersion.V12 ? concatBytes(this.messageA, m) : m;
    const sig = this.config.signer.sign(signedDigest(this.neg!.hash, this.version, SigningContext.MEASUREMENTS, l1));
    if (session) session.messageM = new Uint8Array(0);
    else this.messageM = new Uint8Array(0);
    return concatBytes(unsigned, sig);
  }

  // ------------------------------------------------------------ sessions

  private keyExchange(req: Uint8Array): Uint8Array {
    const neg = this.neg!;
    if (!(this.flags & CapFlag.KEY_EX) || !(neg.reqFlags & CapFlag.KEY_EX)) fail(SpdmErrorCode.UnsupportedRequest, req[1]);
    if (!neg.dhe || !neg.aead) fail(SpdmErrorCode.UnexpectedRequest);
    const k = parse(() => decodeKeyExchange(req, dheExchangeSize(neg.dhe)));
    if (k.slot !== 0) fail(SpdmErrorCode.InvalidRequest);
    if (k.measSummaryType !== 0 && k.measSummaryType !== 1 && k.measSummaryType !== 0xff) fail(SpdmErrorCode.InvalidRequest);
    if (this.sessions.size > 0) fail(SpdmErrorCode.SessionLimitExceeded);
    let selected: number | undefined;
    if (this.version >= SpdmVersion.V12 && neg.otherParams) {
      const offered = parse(() => decodeSupportedVersions(neg.otherParams, k.opaque));
      selected = SECURED_VERSIONS.find((v) => offered.some((o) => o >> 8 === v >> 8));
      if (selected === undefined) fail(SpdmErrorCode.InvalidRequest);
    }
    const hash = neg.hash;
    const dheKey = generatePrivateKey(curveForDhe(neg.dhe), this.config.random);
    let shared: Uint8Array;
    try {
      shared = ecdhSharedSecret(dheKey, k.exchangeData);
    } catch {
      return fail(SpdmErrorCode.InvalidRequest);
    }
    const rspSessionId = this.nextRspSessionId;
    this.nextRspSessionId = this.nextRspSessionId === 1 ? 0xffff : this.nextRspSessionId - 1;
    const sessionId = ((rspSessionId << 16) | k.reqSessionId) >>> 0;
    const unsigned = encodeKeyExchangeRspUnsigned({
      version: this.version,
      heartbeatPeriod: this.flags & CapFlag.HBEAT ? (this.config.heartbeatPeriod ?? 0xf0) : 0,
      rspSessionId,
      mutAuthRequested: 0,
      reqSlotIdParam: 0,
      random: this.config.random.bytes(32),
      exchangeData: ecdheExchangeData(dheKey),
      measSummaryHash: this.measurementSummaryHash(k.measSummaryType),
      opaque: selected === undefined ? new Uint8Array(0) : encodeVersionSelection(neg.otherParams, selected),
    });
    const ct = this.slot0Chain().digest;
    const base = concatBytes(this.messageA, ct, req.subarray(0, k.size), unsigned);
    const sig = this.config.signer.sign(signedDigest(hash, this.version, SigningContext.KEY_EXCHANGE_RSP, base));
    const th1 = concatBytes(base, sig);
    const handshake = deriveHandshakeKeys(hash, this.version, shared, hash.digest(th1));
    const inClear = this.handshakeInClear();
    const verify = inClear ? new Uint8Array(0) : hash.hmac(handshake.responseFinishedKey, hash.digest(th1));
    const rsp = concatBytes(unsigned, sig, verify);
    this.sessions.set(sessionId, {
      id: sessionId,
      state: 'handshaking',
      th: concatBytes(th1, verify),
      handshake,
      data: undefined,
      messageM: new Uint8Array(0),
      pendingRequest: undefined,
      lastKeyUpdate: 0,
    });
    this.stats.sessionsOpened++;
    return rsp;
  }

  /**
   * KEY_UPDATE (DSP0274 "KEY_UPDATE"; LIBSPDM libspdm_rsp_key_update_ack.c): UpdateKey makes the
   * requester's next key pending (the ACK goes under the current response key); UpdateAllKeys also
   * moves the response direction at once, so its ACK is sealed with the new response key;
   * VerifyNewKey, which must follow one of them, arrives under the new requester key.
   */
  private keyUpdate(req: Uint8Array, s: Session): Uint8Array {
    const op = req[2]!;
    const tag = req[3]!;
    const hash = this.neg!.hash;
    const data = s.data!;
    switch (op) {
      case KeyUpdateOp.UPDATE_KEY:
        s.pendingRequest = nextDirectionKeys(hash, this.version, data.request);
        break;
      case KeyUpdateOp.UPDATE_ALL_KEYS:
        s.pendingRequest = nextDirectionKeys(hash, this.version, data.request);
        data.response = nextDirectionKeys(hash, this.version, data.response);
        break;
      case KeyUpdateOp.VERIFY_NEW_KEY:
        if (s.lastKeyUpdate !== KeyUpdateOp.UPDATE_KEY && s.lastKeyUpdate !== KeyUpdateOp.UPDATE_ALL_KEYS) fail(SpdmErrorCode.InvalidRequest);
        if (s.pendingRequest) fail(SpdmErrorCode.InvalidRequest); // still under the old key
        break;
      default:
        fail(SpdmErrorCode.InvalidRequest);
    }
    s.lastKeyUpdate = op;
    return encodeSimple(this.version, SpdmResponse.KEY_UPDATE_ACK, op, tag);
  }

  private handshakeInClear(): boolean {
    return (this.flags & CapFlag.HANDSHAKE_IN_THE_CLEAR) !== 0 && (this.neg!.reqFlags & CapFlag.HANDSHAKE_IN_THE_CLEAR) !== 0;
  }

  /**
   * FINISH: RequesterVerifyData = HMAC(req finished key, Hash(TH || FINISH header)). In the clear,
   * FINISH_RSP carries ResponderVerifyData = HMAC(rsp finished key, Hash(TH || FINISH || FINISH_RSP
   * header)) and the data keys take over at once; inside the session the switch happens after
   * the (encrypted) FINISH_RSP has gone out (afterSecuredReply).
   */
  private finish(req: Uint8Array, s: Session, clear: boolean): Uint8Array {
    const hash = this.neg!.hash;
    const f = parse(() => decodeFinish(req, hash.size, 0));
    if (f.signatureIncluded) fail(SpdmErrorCode.InvalidRequest);
    const hdr = req.subarray(0, 4);
    const expected = hash.hmac(s.handshake.requestFinishedKey, hash.digest(concatBytes(s.th, hdr)));
    if (!timingSafeEqual(expected, f.verifyData)) fail(SpdmErrorCode.DecryptError);
    const full = req.subarray(0, f.size);
    if (!clear) {
      const rsp = encodeFinishRsp(this.version);
      s.th = concatBytes(s.th, full, rsp);
      return rsp;
    }
    const rspHdr = encodeFinishRsp(this.version);
    const verify = hash.hmac(s.handshake.responseFinishedKey, hash.digest(concatBytes(s.th, full, rspHdr)));
    const rsp = concatBytes(rspHdr, verify);
    s.th = concatBytes(s.th, full, rsp);
    s.data = deriveDataKeys(hash, this.version, s.handshake.handshakeSecret, hash.digest(s.th));
    s.state = 'established';
    return rsp;
  }
}

/** DMTF measurement block helper: a digest block of `type` over `data` with the negotiated measurement hash (SHA-384). */
export function digestMeasurement(index: number, valueType: number, data: Uint8Array): MeasurementBlock {
  return { index, spec: MEAS_SPEC_DMTF, valueType, value: hashForMeasHash(MeasHash.SHA_384)!.digest(data) };
}
