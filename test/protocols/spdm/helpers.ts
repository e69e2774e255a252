import { FIXTURE_CERTIFICATES, FIXTURE_LEAF_KEY, FIXTURE_ROOT } from '../../../src/protocols/spdm/fixture-identity.js';
import {
  SpdmRequester,
  SpdmResponder,
  digestMeasurement,
  keySigner,
  type SpdmExchange,
  type SpdmResponderConfig,
  type SpdmRequesterOptions,
} from '../../../src/protocols/spdm/index.js';
import { SeededRandom, ascii } from '../../../src/protocols/crypto/index.js';

export const MEASUREMENTS = [
  digestMeasurement(1, 0x00, ascii('auxbus immutable ROM')),
  digestMeasurement(2, 0x01, ascii('auxbus mutable firmware')),
  digestMeasurement(3, 0x02, ascii('auxbus hardware configuration')),
  digestMeasurement(4, 0x03, ascii('auxbus firmware configuration')),
];

export function makeResponder(over: Partial<SpdmResponderConfig> = {}): SpdmResponder {
  return new SpdmResponder({
    certificates: FIXTURE_CERTIFICATES,
    signer: keySigner(FIXTURE_LEAF_KEY),
    random: SeededRandom.fromString('test responder'),
    measurements: MEASUREMENTS,
    ...over,
  });
}

/** A DOE-like exchange: the responder sees dword-padded payloads, as through a mailbox. */
export function doeExchange(rsp: SpdmResponder, log?: { type: number; req: Uint8Array; rsp: Uint8Array }[]): SpdmExchange {
  const pad = (b: Uint8Array) => {
    const out = new Uint8Array(Math.ceil(b.length / 4) * 4);
    out.set(b);
    return out;
  };
  return (type, payload) => {
    const req = pad(payload);
    const out = type === 1 ? rsp.respond(req) : rsp.respondSecured(req);
    if (!out) throw new Error('responder dropped the object');
    const padded = pad(out);
    log?.push({ type, req, rsp: padded });
    return padded;
  };
}

export function makeRequester(exchange: SpdmExchange, over: Partial<SpdmRequesterOptions> = {}): SpdmRequester {
  return new SpdmRequester({ exchange, random: SeededRandom.fromString('test requester'), trust: [FIXTURE_ROOT], ...over });
}
