/**
 * The userspace SPDM walk over a DOE mailbox (reference/protocols.md §3; DSP0274): version →
 * capabilities → algorithms → digests → certificate (chunked) → challenge → measurements, with
 * the requester engine of src/protocols/spdm verifying the certificate chain against the trust
 * anchors given and the CHALLENGE_AUTH (and signed MEASUREMENTS) signature over the transcript.
 * Every exchange is recorded, so a tool can show what went over the mailbox and which signature
 * was verified. Failures are the engine's errno with its precise message.
 *
 * With `session`, the tool then establishes its own SPDM session on the same mailbox (root
 * userspace after the hand-off, DESIGN.md §3): KEY_EXCHANGE (ECDHE) and FINISH, then HEARTBEAT
 * and END_SESSION as DSP0277 secured messages in Secured CMA/SPDM objects (DOE 0001:02), which
 * the mailbox's Discovery lists. (FINISH itself is secured unless both sides chose the handshake
 * in the clear.)
 */
import { crypto, spdm } from '../protocols/index.js';
import type { DoeClient } from './doe-client.js';

const CMA_SPDM = { vendor: 0x0001, type: 0x01 } as const;
const SECURED_CMA_SPDM = { vendor: 0x0001, type: 0x02 } as const;
/** CHALLENGE's request code (DSP0274). */
const CHALLENGE = 0x83;

export interface SpdmWalkStep {
  /** The request's name (GET_VERSION, CHALLENGE…); a secured one as `secured HEARTBEAT`. */
  readonly request: string;
  /** The DOE data object type it travelled in: 1 CMA/SPDM, 2 Secured CMA/SPDM. */
  readonly doeType: 1 | 2;
  readonly requestBytes: Uint8Array;
  readonly responseBytes: Uint8Array;
}

export interface SpdmWalk {
  readonly result: spdm.AuthenticationResult;
  readonly steps: readonly SpdmWalkStep[];
  /** The CHALLENGE nonce the requester sent (32 bytes). */
  readonly nonce: Uint8Array;
  /** The CHALLENGE_AUTH signature the engine verified (its last S bytes). */
  readonly signature: Uint8Array;
  /** The session the tool established and ended (with `session`). */
  readonly session?: spdm.SpdmSessionInfo;
}

export interface SpdmWalkOptions {
  /** Trusted root certificates (DER). */
  readonly trust: readonly Uint8Array[];
  /** Seed of the requester's nonce source (deterministic runs). */
  readonly seed?: string;
  /** Versions the requester speaks (version bytes); default 1.0-1.2. */
  readonly versions?: readonly number[];
  /** After authenticating, open a session, HEARTBEAT in it and END_SESSION. */
  readonly session?: boolean;
}

/** @throws {DriverModelError} the exchange's errno, or the engine's (EPROTO, ENOKEY, EKEYREJECTED, EBADMSG…). */
export function spdmWalk(doe: DoeClient, o: SpdmWalkOptions): SpdmWalk {
  const steps: SpdmWalkStep[] = [];
  /** What the requester is doing, to name secured records (their request code is encrypted). */
  let operation = '';
  const requester = new spdm.SpdmRequester({
    random: crypto.SeededRandom.fromString(o.seed ?? 'auxbus userspace spdm'),
    trust: o.trust,
    ...(o.versions && { versions: o.versions }),
    exchange: (type, payload) => {
      const rsp = doe.exchange(type === 1 ? CMA_SPDM : SECURED_CMA_SPDM, payload);
      const request = type === 1 ? spdm.requestName(payload[1]!) : `secured ${operation}`;
      steps.push({ request, doeType: type, requestBytes: payload, responseBytes: rsp });
      return rsp;
    },
  });
  const result = requester.authenticate();
  let session: spdm.SpdmSessionInfo | undefined;
  if (o.session) {
    operation = 'KEY_EXCHANGE';
    session = requester.keyExchange(spdm.MeasSummary.NONE, 0);
    operation = 'FINISH';
    requester.finish();
    operation = 'HEARTBEAT';
    requester.heartbeat();
    operation = 'END_SESSION';
    requester.endSession();
  }
  const challenge = steps.find((st) => st.requestBytes[1] === CHALLENGE)!;
  const h = spdm.hashForBaseHash(result.algorithms.baseHash).size;
  const sigSize = spdm.signatureSize(result.algorithms.baseAsym);
  return {
    result,
    steps,
    nonce: challenge.requestBytes.slice(4, 36),
    signature: challengeSignature(challenge.responseBytes, h, sigSize, result.version),
    ...(session && { session }),
  };
}

/**
 * The signature of a CHALLENGE_AUTH sent with no measurement summary (DSP0274 §10.8): header 4,
 * CertChainHash H, Nonce 32, OpaqueDataLength 2 at 4 + H + 32, OpaqueData, RequesterContext 8
 * at 1.3, then the signature. The DOE payload may carry zero padding after it.
 */
function challengeSignature(message: Uint8Array, h: number, size: number, version: number): Uint8Array {
  const at = 4 + h + 32;
  const opaque = message[at]! | (message[at + 1]! << 8);
  const start = at + 2 + opaque + (version >= 0x13 ? 8 : 0);
  return message.slice(start, start + size);
}
