/**
 * The SPDM requester engine (host side), transport-agnostic and synchronous: it is given
 * `exchange(type, payload) => payload`, where type 1 carries a plain SPDM message and type 2 a
 * DSP0277 secured record (the DOE data object types of protocols §3.1); the answer may carry
 * trailing zero padding. The kernel requester, the userspace tool and a socket client all drive
 * it through that one function.
 *
 * It walks version → capabilities → algorithms → digests → certificate → challenge →
 * measurements, verifies the certificate chain (each signature up to a trusted root, basic
 * constraints; crypto/x509.ts), the chain's digest against DIGESTS, and every signature over the
 * transcript (signing.ts), and can open a session (KEY_EXCHANGE, FINISH, HEARTBEAT, END_SESSION).
 *
 * Every failure is a DriverModelError with a precise message:
 *   ERROR responses → the Linux errno of protocols §3.3 ("SPDM GET_X: responder ERROR Name (…)");
 *   short responses → EIO "truncated"; malformed ones or wrong codes/versions → EPROTO;
 *   no common version → EPROTO "no common supported version";
 *   a chain not matching its digest → EKEYREJECTED "… does not match the DIGESTS digest (tampered)";
 *   a bad certificate → EKEYREJECTED/ENOKEY naming it; a bad signature → EKEYREJECTED "… signature does not verify".
 */
import { kerr } from '../../base/index.js';
import {
  bytesEqual,
  concatBytes,
  ecdhSharedSecret,
  ecdheExchangeData,
  ecdsaVerifyDigest,
  generatePrivateKey,
  timingSafeEqual,
  verifyCertificateChain,
  type EcPublicKey,
  type HashAlgorithm,
  type ParsedCertificate,
  type RandomSource,
} from '../crypto/index.js';
import { curveForBaseAsym, curveForDhe, dheExchangeSize, hashForBaseHash, signatureSize } from './algorithms.js';
import { parseCertChain } from './cert-chain.js';
import {
  Aead,
  AlgType,
  BaseAsym,
  BaseHash,
  CapFlag,
  Dhe,
  KeySchedule,
  KeyUpdateOp,
  MEAS_SPEC_DMTF,
  MeasSummary,
  MIN_DATA_TRANSFER_SIZE,
  OpaqueFormat,
  SpdmRequest,
  SpdmResponse,
  SpdmVersion,
  errorName,
  requestName,
  spdmErrorErrno,
  versionText,
} from './constants.js';
import { deriveDataKeys, deriveHandshakeKeys, nextDirectionKeys, type DataKeys, type HandshakeKeys } from './key-schedule.js';
import {
  capabilitiesSize,
  decodeAlgorithms,
  decodeCapabilities,
  decodeCertificate,
  decodeChallengeAuth,
  decodeDigests,
  decodeError,
  decodeFinishRsp,
  decodeHeader,
  decodeKeyExchangeRsp,
  decodeMeasurements,
  decodeSimple,
  decodeVersion,
  encodeChallenge,
  encodeFinishHeader,
  encodeGetCapabilities,
  encodeGetCertificate,
  encodeGetDigests,
  encodeGetMeasurements,
  encodeGetVersion,
  encodeKeyExchange,
  encodeNegotiateAlgorithms,
  encodeSimple,
  type Algorithms,
  type Capabilities,
  type MeasurementBlock,
} from './messages.js';
import { decodeVersionSelection, encodeSupportedVersions } from './opaque.js';
import { openSecuredMessage, sealSecuredMessage } from './secured-message.js';
import { signedDigest, SigningContext } from './signing.js';

/** Carries one request of DOE type 1 (SPDM) or 2 (secured SPDM) and returns the answer's payload. */
export type SpdmExchange = (type: 1 | 2, payload: Uint8Array) => Uint8Array;

/** One object the requester wants sent: DOE type 1 (SPDM) or 2 (secured SPDM). */
export interface SpdmOutgoing {
  readonly type: 1 | 2;
  readonly payload: Uint8Array;
}

/**
 * A requester operation as steps: it yields each object to send and is resumed with the answer's
 * payload. For callers that cannot block on an exchange (a kernel requester whose DOE task
 * completes later in virtual time); `drive` runs one with a synchronous exchange.
 */
export type SpdmSteps<T> = Generator<SpdmOutgoing, T, Uint8Array>;

/** Run steps to completion with a synchronous exchange. */
export function driveSpdm<T>(steps: SpdmSteps<T>, exchange: SpdmExchange): T {
  let r = steps.next();
  while (!r.done) r = steps.next(exchange(r.value.type, r.value.payload));
  return r.value;
}

export interface SpdmRequesterOptions {
  /** The synchronous transport; the `…Steps` methods need none. */
  readonly exchange?: SpdmExchange;
  readonly random: RandomSource;
  /** Trusted root certificates (DER). The chain's root must be one of them or be signed by one. */
  readonly trust: readonly Uint8Array[];
  /** Versions the requester speaks (version bytes). Default 1.0–1.2. The highest common one wins. */
  readonly versions?: readonly number[];
  /** GET_CAPABILITIES flags. Default ENCRYPT|MAC|KEY_EX|HBEAT|KEY_UPD. */
  readonly flags?: number;
  /** DataTransferSize and MaxSPDMmsgSize sent at 1.2. Default 0x1200. */
  readonly dataTransferSize?: number;
  /** GET_CERTIFICATE Length per request. Default 0x400 (libspdm's block). */
  readonly certificateChunk?: number;
  /** CTExponent sent. Default 20 (as Linux). */
  readonly ctExponent?: number;
  /** MaxSPDMmsgSize sent at 1.2. Default: dataTransferSize. */
  readonly maxSpdmMsgSize?: number;
  /**
   * What NEGOTIATE_ALGORITHMS offers. Defaults: ECDSA P-256|P-384, SHA-256|SHA-384,
   * secp256r1|secp384r1, AES-256-GCM, OtherParams fmt1 at 1.2. A requester mirroring Linux
   * (protocols §3.5) offers BaseAsym 0x1B5, BaseHash 0x07, DHE 0x1B, AEAD 0x06; whatever is
   * selected must still be something auxbus verifies (ECDSA P-256/P-384, SHA-2, AES-256-GCM).
   */
  readonly offer?: {
    readonly baseAsym?: number;
    readonly baseHash?: number;
    readonly dhe?: number;
    readonly aead?: number;
    readonly otherParams?: number;
  };
}

export const DEFAULT_REQUESTER_FLAGS = CapFlag.ENCRYPT | CapFlag.MAC | CapFlag.KEY_EX | CapFlag.HBEAT | CapFlag.KEY_UPD;

export interface NegotiatedAlgorithms {
  readonly baseAsym: number;
  readonly baseHash: number;
  readonly measurementHash: number;
  readonly dhe: number;
  readonly aead: number;
  readonly otherParams: number;
}

export interface AuthenticationResult {
  readonly version: number;
  readonly responderFlags: number;
  readonly algorithms: NegotiatedAlgorithms;
  readonly slotMask: number;
  readonly certificates: readonly ParsedCertificate[];
  /** Signed (or unsigned) measurement blocks, when the responder has MEAS_CAP. */
  readonly measurements: readonly MeasurementBlock[] | undefined;
}

export interface SpdmSessionInfo {
  readonly sessionId: number;
  readonly heartbeatPeriod: number;
  readonly securedMessageVersion: number | undefined;
}

interface ReqSession {
  readonly id: number;
  /** HANDSHAKE_IN_THE_CLEAR negotiated: no ResponderVerifyData in KEY_EXCHANGE_RSP, FINISH in the clear. */
  readonly inClear: boolean;
  state: 'handshaking' | 'established';
  th: Uint8Array;
  readonly handshake: HandshakeKeys;
  data: DataKeys | undefined;
}

export class SpdmRequester {
  private readonly exchangeFn: SpdmExchange;
  private readonly random: RandomSource;
  private readonly trust: readonly Uint8Array[];
  private readonly versions: readonly number[];
  private readonly flags: number;
  private readonly dts: number;
  private readonly chunk: number;
  private version: number = SpdmVersion.V10;
  private rspCaps: Capabilities | undefined;
  private algs: Algorithms | undefined;
  private hash: HashAlgorithm | undefined;
  private messageA: Uint8Array = new Uint8Array(0);
  private messageB: Uint8Array = new Uint8Array(0);
  private messageM: Uint8Array = new Uint8Array(0);
  private authenticated = false;
  private chains = new Map<number, Uint8Array>();
  private digests = new Map<number, Uint8Array>();
  /** Hash(chain) of a slot's chain in `chains`, with the chain and hash it was computed from. */
  private chainDigests = new Map<number, { readonly chain: Uint8Array; readonly hash: HashAlgorithm; readonly digest: Uint8Array }>();
  private leafKey: EcPublicKey | undefined;
  private session: ReqSession | undefined;
  private nextReqSessionId = 0xffff;

  constructor(o: SpdmRequesterOptions) {
    this.exchangeFn =
      o.exchange ??
      (() => {
        throw kerr('EINVAL', 'SPDM requester: no exchange function (drive the …Steps methods instead)');
      });
    this.random = o.random;
    this.trust = o.trust;
    this.versions = o.versions ?? [SpdmVersion.V10, SpdmVersion.V11, SpdmVersion.V12];
    this.flags = o.flags ?? DEFAULT_REQUESTER_FLAGS;
    this.dts = o.dataTransferSize ?? 0x1200;
    this.chunk = o.certificateChunk ?? 0x400;
    this.ctExponent = o.ctExponent ?? 20;
    this.maxMsg = o.maxSpdmMsgSize ?? this.dts;
    this.offer = o.offer ?? {};
  }

  private readonly ctExponent: number;
  private readonly maxMsg: number;
  private readonly offer: NonNullable<SpdmRequesterOptions['offer']>;

  private drive<T>(steps: SpdmSteps<T>): T {
    return driveSpdm(steps, this.exchangeFn);
  }

  get negotiatedVersion(): number {
    return this.version;
  }

  /** The whole authentication walk. Measurements are fetched signed when the responder can sign them. */
  authenticate(opts: { measurements?: boolean; challengeSummary?: number } = {}): AuthenticationResult {
    return this.drive(this.authenticateSteps(opts));
  }

  *authenticateSteps(opts: { measurements?: boolean; challengeSummary?: number } = {}): SpdmSteps<AuthenticationResult> {
    yield* this.getVersionSteps();
    yield* this.getCapabilitiesSteps();
    yield* this.negotiateAlgorithmsSteps();
    const slotMask = yield* this.getDigestsSteps();
    if (!(slotMask & 1)) throw kerr('EPROTO', 'SPDM DIGESTS: slot 0 is not provisioned');
    const certificates = yield* this.getCertificateSteps(0);
    yield* this.challengeSteps(0, opts.challengeSummary ?? MeasSummary.NONE);
    let measurements: MeasurementBlock[] | undefined;
    const measCap = this.rspCaps!.flags & CapFlag.MEAS_MASK;
    if ((opts.measurements ?? true) && measCap) measurements = yield* this.getMeasurementsSteps({ signed: measCap === CapFlag.MEAS_SIG });
    return {
      version: this.version,
      responderFlags: this.rspCaps!.flags,
      algorithms: this.negotiated(),
      slotMask,
      certificates,
      measurements,
    };
  }

  negotiated(): NegotiatedAlgorithms {
    const a = this.need(this.algs, 'algorithms');
    const sel = (t: number) => a.algStructs.find((s) => s.type === t)?.supported ?? 0;
    return {
      baseAsym: a.baseAsymSel,
      baseHash: a.baseHashSel,
      measurementHash: a.measurementHashAlgo,
      dhe: sel(AlgType.DHE),
      aead: sel(AlgType.AEAD),
      otherParams: a.otherParamsSel,
    };
  }

  private need<T>(v: T | undefined, what: string): T {
    if (v === undefined) throw kerr('EPROTO', `SPDM requester: ${what} not negotiated yet`);
    return v;
  }

  // ------------------------------------------------------------ transport

  /** Send a plain request; return the response, ERROR turned into the errno of protocols §3.3. */
  private *send(req: Uint8Array, expect: number): SpdmSteps<Uint8Array> {
    const rsp = yield { type: 1, payload: req };
    return this.check(req, rsp, expect);
  }

  private check(req: Uint8Array, rsp: Uint8Array, expect: number): Uint8Array {
    const name = requestName(req[1]!);
    if (rsp.length < 4) throw kerr('EIO', `SPDM ${name}: truncated response (${rsp.length} bytes)`);
    const h = decodeHeader(rsp);
    if (h.code === SpdmResponse.ERROR) {
      const e = decodeError(rsp);
      throw kerr(
        spdmErrorErrno[e.code] ?? 'EINVAL',
        `SPDM ${name}: responder ERROR ${errorName(e.code)} (0x${e.code.toString(16).padStart(2, '0')}, data 0x${e.data.toString(16).padStart(2, '0')})`,
      );
    }
    if (h.code !== expect) throw kerr('EPROTO', `SPDM ${name}: response code 0x${h.code.toString(16)} is not 0x${expect.toString(16)}`);
    if (h.version !== req[0]) throw kerr('EPROTO', `SPDM ${name}: response version ${versionText(h.version)} is not ${versionText(req[0]!)}`);
    return rsp;
  }

  // ------------------------------------------------------------ VCA

  /** GET_VERSION → VERSION; picks the highest common version. Resets the connection. */
  getVersion(): number {
    return this.drive(this.getVersionSteps());
  }

  *getVersionSteps(): SpdmSteps<number> {
    this.messageA = new Uint8Array(0);
    this.messageB = new Uint8Array(0);
    this.messageM = new Uint8Array(0);
    this.authenticated = false;
    this.session = undefined;
    this.chains.clear();
    this.chainDigests.clear();
    this.digests.clear();
    this.algs = undefined;
    this.hash = undefined;
    this.version = SpdmVersion.V10;
    const req = encodeGetVersion();
    const rsp = yield* this.send(req, SpdmResponse.VERSION);
    const v = decodeVersion(rsp);
    const offered = v.entries.map((e) => e >> 8);
    const common = this.versions.filter((x) => offered.includes(x));
    if (common.length === 0) {
      throw kerr(
        'EPROTO',
        `SPDM VERSION: no common supported version (responder offers ${offered.map(versionText).join(', ')}; requester supports ${this.versions.map(versionText).join(', ')})`,
      );
    }
    this.version = Math.max(...common);
    this.messageA = concatBytes(req, rsp.subarray(0, v.size));
    return this.version;
  }

  getCapabilities(): Capabilities {
    return this.drive(this.getCapabilitiesSteps());
  }

  *getCapabilitiesSteps(): SpdmSteps<Capabilities> {
    const req = encodeGetCapabilities({
      version: this.version,
      ctExponent: this.ctExponent,
      flags: this.flags,
      dataTransferSize: this.dts,
      maxSpdmMsgSize: this.maxMsg,
    });
    const rsp = yield* this.send(req, SpdmResponse.CAPABILITIES);
    const c = decodeCapabilities(rsp);
    if (this.version >= SpdmVersion.V12 && c.dataTransferSize < MIN_DATA_TRANSFER_SIZE) {
      throw kerr('EPROTO', `SPDM CAPABILITIES: DataTransferSize ${c.dataTransferSize} is below ${MIN_DATA_TRANSFER_SIZE}`);
    }
    this.rspCaps = c;
    this.messageA = concatBytes(this.messageA, req, rsp.subarray(0, capabilitiesSize(this.version, false)));
    return c;
  }

  negotiateAlgorithms(): Algorithms {
    return this.drive(this.negotiateAlgorithmsSteps());
  }

  *negotiateAlgorithmsSteps(): SpdmSteps<Algorithms> {
    const caps = this.need(this.rspCaps, 'capabilities');
    // AlgStructs go out when the responder can do KEY_EXCHANGE (LNX-SPDM spdm_negotiate_algs).
    const keyEx = (caps.flags & CapFlag.KEY_EX) !== 0;
    const otherParams = this.version >= SpdmVersion.V12 ? (this.offer.otherParams ?? OpaqueFormat.FMT1) : 0;
    const offer = {
      baseAsym: this.offer.baseAsym ?? BaseAsym.ECDSA_P256 | BaseAsym.ECDSA_P384,
      baseHash: this.offer.baseHash ?? BaseHash.SHA_256 | BaseHash.SHA_384,
      dhe: this.offer.dhe ?? Dhe.SECP256R1 | Dhe.SECP384R1,
      aead: this.offer.aead ?? Aead.AES_256_GCM,
    };
    const structs =
      keyEx && this.version >= SpdmVersion.V11
        ? [
            { type: AlgType.DHE, supported: offer.dhe },
            { type: AlgType.AEAD, supported: offer.aead },
            { type: AlgType.KEY_SCHEDULE, supported: KeySchedule.SPDM },
          ]
        : [];
    const req = encodeNegotiateAlgorithms({
      version: this.version,
      measurementSpec: MEAS_SPEC_DMTF,
      otherParams,
      baseAsym: offer.baseAsym,
      baseHash: offer.baseHash,
      algStructs: structs,
    });
    const rsp = yield* this.send(req, SpdmResponse.ALGORITHMS);
    const a = decodeAlgorithms(rsp);
    const one = (v: number) => v !== 0 && (v & (v - 1)) === 0;
    if (!(a.baseAsymSel & offer.baseAsym) || !(a.baseHashSel & offer.baseHash)) {
      throw kerr(
        'EPROTO',
        `SPDM ALGORITHMS: no common supported algorithms (BaseAsymSel 0x${a.baseAsymSel.toString(16)}, BaseHashSel 0x${a.baseHashSel.toString(16)})`,
      );
    }
    if (!one(a.baseAsymSel) || !one(a.baseHashSel) || a.extAsymSelCount || a.extHashSelCount || a.algStructs.length > structs.length) {
      throw kerr('EPROTO', 'SPDM ALGORITHMS: malformed selection');
    }
    if (this.version >= SpdmVersion.V12 && a.otherParamsSel !== 0 && a.otherParamsSel !== otherParams) {
      throw kerr('EPROTO', `SPDM ALGORITHMS: OtherParamsSelection 0x${a.otherParamsSel.toString(16)} was not offered`);
    }
    if (caps.flags & CapFlag.MEAS_MASK && (!one(a.measurementHashAlgo) || a.measurementSpecSel !== MEAS_SPEC_DMTF)) {
      throw kerr('EPROTO', 'SPDM ALGORITHMS: malformed measurement selection');
    }
    for (const s of a.algStructs) {
      const offered = structs.find((o) => o.type === s.type);
      if (!offered || (s.supported & ~offered.supported) !== 0 || (s.supported !== 0 && !one(s.supported))) {
        throw kerr('EPROTO', `SPDM ALGORITHMS: AlgType ${s.type} selection 0x${s.supported.toString(16)} was not offered`);
      }
    }
    curveForBaseAsym(a.baseAsymSel);
    this.algs = a;
    this.hash = hashForBaseHash(a.baseHashSel);
    this.messageA = concatBytes(this.messageA, req, rsp.subarray(0, a.size));
    return a;
  }

  // ------------------------------------------------------------ authentication

  private resetFor(code: number): void {
    if (code !== SpdmRequest.GET_MEASUREMENTS) this.messageM = new Uint8Array(0);
    if (!this.authenticated && (code === SpdmRequest.KEY_EXCHANGE || code === SpdmRequest.GET_MEASUREMENTS)) this.messageB = new Uint8Array(0);
  }

  /** GET_DIGESTS; returns the provisioned-slot mask. */
  getDigests(): number {
    return this.drive(this.getDigestsSteps());
  }

  *getDigestsSteps(): SpdmSteps<number> {
    const hash = this.need(this.hash, 'algorithms');
    this.resetFor(SpdmRequest.GET_DIGESTS);
    const req = encodeGetDigests(this.version);
    const rsp = yield* this.send(req, SpdmResponse.DIGESTS);
    const d = decodeDigests(rsp, hash.size);
    if (d.slotMask === 0) throw kerr('EPROTO', 'SPDM DIGESTS: no certificates provisioned');
    let i = 0;
    for (let slot = 0; slot < 8; slot++) if (d.slotMask & (1 << slot)) this.digests.set(slot, d.digests[i++]!);
    this.messageB = concatBytes(this.messageB, req, rsp.subarray(0, d.size));
    return d.slotMask;
  }

  /**
   * GET_CERTIFICATE in chunks until RemainderLength is 0, then checks: the chain's Length and
   * RootHash (EPROTO), its hash against the slot's DIGESTS digest (EKEYREJECTED, tampered), and
   * the X.509 chain up to a trusted root (crypto/x509.ts).
   */
  getCertificate(slot: number): ParsedCertificate[] {
    return this.drive(this.getCertificateSteps(slot));
  }

  *getCertificateSteps(slot: number): SpdmSteps<ParsedCertificate[]> {
    const hash = this.need(this.hash, 'algorithms');
    this.resetFor(SpdmRequest.GET_CERTIFICATE);
    // At 1.2 a CERTIFICATE must fit the responder's DataTransferSize (no chunking here).
    const rspDts = this.version >= SpdmVersion.V12 ? this.rspCaps!.dataTransferSize : 0;
    const chunk = rspDts ? Math.min(this.chunk, rspDts - 8) : this.chunk;
    const parts: Uint8Array[] = [];
    let offset = 0;
    let total: number | undefined;
    for (;;) {
      const length = total === undefined ? chunk : Math.min(chunk, total - offset);
      const req = encodeGetCertificate(this.version, slot, offset, length);
      const rsp = yield* this.send(req, SpdmResponse.CERTIFICATE);
      const c = decodeCertificate(rsp);
      if (c.slot !== slot) throw kerr('EPROTO', `SPDM CERTIFICATE: slot ${c.slot} answered for slot ${slot}`);
      if (c.portion.length > length) throw kerr('EPROTO', `SPDM CERTIFICATE: PortionLength ${c.portion.length} exceeds the ${length} requested`);
      total ??= offset + c.portion.length + c.remainder;
      if (offset + c.portion.length + c.remainder !== total)
        throw kerr('EPROTO', 'SPDM CERTIFICATE: PortionLength + RemainderLength changed between chunks');
      this.messageB = concatBytes(this.messageB, req, rsp.subarray(0, c.size));
      parts.push(c.portion);
      offset += c.portion.length;
      if (c.remainder === 0) break;
    }
    const chain = concatBytes(...parts);
    const parsed = parseCertChain(hash, chain);
    const digest = this.digests.get(slot);
    const chainDigest = hash.digest(chain);
    this.chainDigests.set(slot, { chain, hash, digest: chainDigest });
    if (digest && !bytesEqual(chainDigest, digest)) {
      throw kerr('EKEYREJECTED', `SPDM certificate chain of slot ${slot} does not match its DIGESTS digest (tampered certificate chain)`);
    }
    const certs = verifyCertificateChain(parsed.certs, this.trust);
    this.chains.set(slot, chain);
    this.leafKey = certs[certs.length - 1]!.publicKey;
    return certs;
  }

  /** Hash(chain of `slot`) under `hash`, computed once per chain and hash; undefined without a chain. */
  private chainDigest(slot: number, hash: HashAlgorithm): Uint8Array | undefined {
    const chain = this.chains.get(slot);
    if (!chain) return undefined;
    const c = this.chainDigests.get(slot);
    if (c !== undefined && c.chain === chain && c.hash === hash) return c.digest;
    const digest = hash.digest(chain);
    this.chainDigests.set(slot, { chain, hash, digest });
    return digest;
  }

  private verify(what: string, context: string, transcript: Uint8Array | readonly Uint8Array[], signature: Uint8Array): void {
    const hash = this.need(this.hash, 'algorithms');
    const key = this.leafKey;
    if (!key) throw kerr('ENOKEY', `SPDM ${what}: no verified leaf certificate to check the signature with`);
    if (key.curve !== curveForBaseAsym(this.algs!.baseAsymSel))
      throw kerr('EKEYREJECTED', `SPDM ${what}: leaf key is ${key.curve}, not the negotiated BaseAsym`);
    if (!ecdsaVerifyDigest(key, signedDigest(hash, this.version, context, transcript), signature)) {
      throw kerr('EKEYREJECTED', `SPDM ${what}: signature does not verify with the leaf certificate's key`);
    }
  }

  /** CHALLENGE → CHALLENGE_AUTH, signature verified over M1 = A || B || C. */
  challenge(slot: number, measSummary: number = MeasSummary.NONE): void {
    return this.drive(this.challengeSteps(slot, measSummary));
  }

  *challengeSteps(slot: number, measSummary: number = MeasSummary.NONE): SpdmSteps<void> {
    const hash = this.need(this.hash, 'algorithms');
    this.resetFor(SpdmRequest.CHALLENGE);
    const chain = this.chains.get(slot);
    if (!chain) throw kerr('ENOKEY', `SPDM CHALLENGE: no certificate chain for slot ${slot}`);
    const req = encodeChallenge(this.version, slot, measSummary, this.random.bytes(32));
    const rsp = yield* this.send(req, SpdmResponse.CHALLENGE_AUTH);
    const c = decodeChallengeAuth(rsp, hash.size, signatureSize(this.algs!.baseAsymSel), measSummary !== MeasSummary.NONE);
    if (c.slot !== slot) throw kerr('EPROTO', `SPDM CHALLENGE_AUTH: slot ${c.slot} answered for slot ${slot}`);
    if (!bytesEqual(c.certChainHash, this.chainDigest(slot, hash)!))
      throw kerr('EKEYREJECTED', 'SPDM CHALLENGE_AUTH: CertChainHash is not the hash of the certificate chain');
    const m1 = [this.messageA, this.messageB, req, rsp.subarray(0, c.signedSize)];
    this.verify('CHALLENGE_AUTH', SigningContext.CHALLENGE_AUTH, m1, c.signature);
    this.messageB = new Uint8Array(0);
    this.authenticated = true;
  }

  /** GET_MEASUREMENTS for all blocks (operation 0xFF); the signature, if asked for, is verified over L1. */
  getMeasurements(o: { signed: boolean; operation?: number } = { signed: true }): MeasurementBlock[] {
    return this.drive(this.getMeasurementsSteps(o));
  }

  *getMeasurementsSteps(o: { signed: boolean; operation?: number } = { signed: true }): SpdmSteps<MeasurementBlock[]> {
    this.need(this.hash, 'algorithms');
    return yield* this.measure(o.signed, o.operation ?? 0xff, this.session);
  }

  private *measure(signed: boolean, operation: number, s: ReqSession | undefined): SpdmSteps<MeasurementBlock[]> {
    this.resetFor(SpdmRequest.GET_MEASUREMENTS);
    const req = encodeGetMeasurements(this.version, operation, signed ? { nonce: this.random.bytes(32), slot: 0 } : undefined);
    const rsp = s ? yield* this.sendSecured(req, SpdmResponse.MEASUREMENTS) : yield* this.send(req, SpdmResponse.MEASUREMENTS);
    const m = decodeMeasurements(rsp, signed ? signatureSize(this.algs!.baseAsymSel) : 0);
    const l = concatBytes(this.messageM, req, rsp.subarray(0, m.signedSize));
    if (!signed) {
      this.messageM = l;
      return [...m.blocks];
    }
    this.messageM = new Uint8Array(0);
    this.verify('MEASUREMENTS', SigningContext.MEASUREMENTS, this.version >= SpdmVersion.V12 ? concatBytes(this.messageA, l) : l, m.signature);
    return [...m.blocks];
  }

  // ------------------------------------------------------------ sessions

  /** KEY_EXCHANGE + FINISH: an established session with data keys. */
  openSession(o: { measSummary?: number; slot?: number } = {}): SpdmSessionInfo {
    return this.drive(this.openSessionSteps(o));
  }

  *openSessionSteps(o: { measSummary?: number; slot?: number } = {}): SpdmSteps<SpdmSessionInfo> {
    const info = yield* this.keyExchangeSteps(o.measSummary ?? MeasSummary.NONE, o.slot ?? 0);
    yield* this.finishSteps();
    return info;
  }

  keyExchange(measSummary: number, slot: number): SpdmSessionInfo {
    return this.drive(this.keyExchangeSteps(measSummary, slot));
  }

  *keyExchangeSteps(measSummary: number, slot: number): SpdmSteps<SpdmSessionInfo> {
    const hash = this.need(this.hash, 'algorithms');
    const n = this.negotiated();
    if (!n.dhe || !n.aead) throw kerr('EPROTONOSUPPORT', 'SPDM KEY_EXCHANGE: no DHE group or AEAD negotiated (responder lacks KEY_EX_CAP?)');
    if (n.aead !== Aead.AES_256_GCM) throw kerr('EPROTO', `SPDM KEY_EXCHANGE: AEAD 0x${n.aead.toString(16)} not implemented`);
    const ct = this.chainDigest(slot, hash) ?? this.digests.get(slot);
    if (!ct) throw kerr('ENOKEY', `SPDM KEY_EXCHANGE: no certificate chain for slot ${slot}`);
    this.resetFor(SpdmRequest.KEY_EXCHANGE);
    const dheKey = generatePrivateKey(curveForDhe(n.dhe), this.random);
    const reqSessionId = this.nextReqSessionId;
    this.nextReqSessionId = this.nextReqSessionId === 1 ? 0xffff : this.nextReqSessionId - 1;
    const fmt = this.version >= SpdmVersion.V12 ? n.otherParams : OpaqueFormat.FMT0;
    const req = encodeKeyExchange({
      version: this.version,
      measSummaryType: measSummary,
      slot,
      reqSessionId,
      sessionPolicy: 0,
      random: this.random.bytes(32),
      exchangeData: ecdheExchangeData(dheKey),
      opaque: fmt ? encodeSupportedVersions(fmt, [0x1000, 0x1100, 0x1200]) : new Uint8Array(0),
    });
    const rsp = yield* this.send(req, SpdmResponse.KEY_EXCHANGE_RSP);
    const inClear = (this.flags & CapFlag.HANDSHAKE_IN_THE_CLEAR) !== 0 && (this.rspCaps!.flags & CapFlag.HANDSHAKE_IN_THE_CLEAR) !== 0;
    const k = decodeKeyExchangeRsp(rsp, {
      dheSize: dheExchangeSize(n.dhe),
      hashSize: hash.size,
      sigSize: signatureSize(n.baseAsym),
      measSummary: measSummary !== MeasSummary.NONE,
      verifyData: !inClear,
    });
    if (k.mutAuthRequested !== 0)
      throw kerr('EPROTONOSUPPORT', 'SPDM KEY_EXCHANGE_RSP: responder requests mutual authentication, which this requester does not implement');
    let securedVersion: number | undefined;
    if (k.opaque.length && fmt) securedVersion = decodeVersionSelection(fmt, k.opaque);
    const base = concatBytes(this.messageA, ct, req, rsp.subarray(0, k.signedSize));
    this.verify('KEY_EXCHANGE_RSP', SigningContext.KEY_EXCHANGE_RSP, base, k.signature);
    const th1 = concatBytes(base, k.signature);
    const shared = ecdhSharedSecret(dheKey, k.exchangeData);
    const handshake = deriveHandshakeKeys(hash, this.version, shared, hash.digest(th1));
    if (!inClear) {
      const expected = hash.hmac(handshake.responseFinishedKey, hash.digest(th1));
      if (!timingSafeEqual(expected, k.verifyData)) throw kerr('EKEYREJECTED', 'SPDM KEY_EXCHANGE_RSP: ResponderVerifyData does not verify');
    }
    const id = ((k.rspSessionId << 16) | reqSessionId) >>> 0;
    this.session = { id, inClear, state: 'handshaking', th: concatBytes(th1, k.verifyData), handshake, data: undefined };
    return { sessionId: id, heartbeatPeriod: k.heartbeatPeriod, securedMessageVersion: securedVersion };
  }

  /** FINISH (encrypted with the handshake keys) → FINISH_RSP, then the data keys. */
  finish(): void {
    return this.drive(this.finishSteps());
  }

  *finishSteps(): SpdmSteps<void> {
    const s = this.session;
    const hash = this.need(this.hash, 'algorithms');
    if (!s || s.state !== 'handshaking') throw kerr('EPROTO', 'SPDM FINISH: no session in its handshake phase');
    const hdr = encodeFinishHeader(this.version);
    const req = concatBytes(hdr, hash.hmac(s.handshake.requestFinishedKey, hash.digest(concatBytes(s.th, hdr))));
    if (s.inClear) {
      // FINISH and FINISH_RSP in the clear; FINISH_RSP carries ResponderVerifyData.
      const rsp = yield* this.send(req, SpdmResponse.FINISH_RSP);
      const f = decodeFinishRsp(rsp, hash.size);
      const expected = hash.hmac(s.handshake.responseFinishedKey, hash.digest(concatBytes(s.th, req, rsp.subarray(0, 4))));
      if (!timingSafeEqual(expected, f.verifyData)) throw kerr('EKEYREJECTED', 'SPDM FINISH_RSP: ResponderVerifyData does not verify');
      s.th = concatBytes(s.th, req, rsp.subarray(0, f.size));
    } else {
      const rsp = yield* this.sendSecured(req, SpdmResponse.FINISH_RSP);
      const f = decodeFinishRsp(rsp, 0);
      s.th = concatBytes(s.th, req, rsp.subarray(0, f.size));
    }
    s.data = deriveDataKeys(hash, this.version, s.handshake.handshakeSecret, hash.digest(s.th));
    s.state = 'established';
  }

  heartbeat(): void {
    return this.drive(this.heartbeatSteps());
  }

  *heartbeatSteps(): SpdmSteps<void> {
    const req = encodeSimple(this.version, SpdmRequest.HEARTBEAT);
    decodeSimple(yield* this.sendSecured(req, SpdmResponse.HEARTBEAT_ACK), SpdmResponse.HEARTBEAT_ACK);
  }

  /** GET_MEASUREMENTS inside the session. */
  sessionMeasurements(signed = false): MeasurementBlock[] {
    return this.drive(this.sessionMeasurementsSteps(signed));
  }

  *sessionMeasurementsSteps(signed = false): SpdmSteps<MeasurementBlock[]> {
    if (!this.session) throw kerr('EPROTO', 'SPDM GET_MEASUREMENTS: no session');
    return yield* this.measure(signed, 0xff, this.session);
  }

  /**
   * KEY_UPDATE then VerifyNewKey (DSP0274 "KEY_UPDATE"): `all` updates both directions (the ACK
   * already comes under the responder's new key), otherwise only the requester's.
   */
  keyUpdate(all = false): void {
    return this.drive(this.keyUpdateSteps(all));
  }

  *keyUpdateSteps(all = false): SpdmSteps<void> {
    const s = this.session;
    const hash = this.need(this.hash, 'algorithms');
    if (!s || s.state !== 'established') throw kerr('EPROTO', 'SPDM KEY_UPDATE: no established session');
    if (!(this.rspCaps!.flags & CapFlag.KEY_UPD)) throw kerr('EPROTONOSUPPORT', 'SPDM KEY_UPDATE: responder lacks KEY_UPD_CAP');
    const data = s.data!;
    const op = all ? KeyUpdateOp.UPDATE_ALL_KEYS : KeyUpdateOp.UPDATE_KEY;
    const tag = this.random.bytes(1)[0]!;
    const oldResponse = data.response;
    if (all) data.response = nextDirectionKeys(hash, this.version, data.response);
    let ack: Uint8Array;
    try {
      ack = yield* this.sendSecured(encodeSimple(this.version, SpdmRequest.KEY_UPDATE, op, tag), SpdmResponse.KEY_UPDATE_ACK);
    } catch (e) {
      data.response = oldResponse;
      throw e;
    }
    if (ack[2] !== op || ack[3] !== tag) throw kerr('EPROTO', `SPDM KEY_UPDATE_ACK: operation ${ack[2]} tag ${ack[3]} answer ${op}/${tag}`);
    data.request = nextDirectionKeys(hash, this.version, data.request);
    const tag2 = this.random.bytes(1)[0]!;
    const v = yield* this.sendSecured(
      encodeSimple(this.version, SpdmRequest.KEY_UPDATE, KeyUpdateOp.VERIFY_NEW_KEY, tag2),
      SpdmResponse.KEY_UPDATE_ACK,
    );
    if (v[2] !== KeyUpdateOp.VERIFY_NEW_KEY || v[3] !== tag2)
      throw kerr('EPROTO', 'SPDM KEY_UPDATE_ACK: VerifyNewKey answered with another operation or tag');
  }

  endSession(): void {
    return this.drive(this.endSessionSteps());
  }

  *endSessionSteps(): SpdmSteps<void> {
    const req = encodeSimple(this.version, SpdmRequest.END_SESSION);
    decodeSimple(yield* this.sendSecured(req, SpdmResponse.END_SESSION_ACK), SpdmResponse.END_SESSION_ACK);
    this.session = undefined;
  }

  get sessionId(): number | undefined {
    return this.session?.id;
  }

  /** Send an SPDM request inside the session (DOE type 2) and decrypt the answer. */
  private *sendSecured(req: Uint8Array, expect: number): SpdmSteps<Uint8Array> {
    const s = this.session;
    if (!s) throw kerr('EPROTO', `SPDM ${requestName(req[1]!)}: no session`);
    const keys = s.state === 'handshaking' ? s.handshake : s.data!;
    const record = sealSecuredMessage(s.id, keys.request, req);
    const answer = yield { type: 2, payload: record };
    const opened = openSecuredMessage(answer, keys.response);
    if (opened.sessionId !== s.id)
      throw kerr('EPROTO', `secured message: session 0x${opened.sessionId.toString(16)} answered for 0x${s.id.toString(16)}`);
    return this.check(req, opened.spdm, expect);
  }
}
