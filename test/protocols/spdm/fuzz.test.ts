/**
 * Fuzz (fast-check, fixed seeds): random bytes into the responder, every codec, the requester, the
 * DOE and frame parsers and the X.509 reader never throw anything but DriverModelError — and the
 * responder never throws at all (it answers ERROR or drops a secured record). FUZZ_RUNS raises the
 * decoder and requester budgets (npm run test:stress).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DriverModelError } from '../../../src/base/index.js';
import { SeededRandom, parseCertificate, verifyCertificateChain, loadEcPrivateKey } from '../../../src/protocols/crypto/index.js';
import { FrameSplitter, decodeDoe, SpdmEmuPlatformServer } from '../../../src/protocols/spdm/emu-platform.js';
import { FIXTURE_ROOT } from '../../../src/protocols/spdm/fixture-identity.js';
import * as spdm from '../../../src/protocols/spdm/index.js';
import { fuzzParams } from '../../support/budget.js';
import { doeExchange, makeRequester, makeResponder } from './helpers.js';

const onlyErrno = (f: () => unknown): boolean => {
  try {
    f();
    return true;
  } catch (e) {
    if (DriverModelError.is(e)) return true;
    throw e;
  }
};

const bytes = fc.uint8Array({ maxLength: 300 });
/** Random bytes that start like an SPDM message of a given code, to get past the header check. */
const spdmLike = (codes: readonly number[]) =>
  fc
    .tuple(fc.constantFrom(0x10, 0x11, 0x12, 0x13), fc.constantFrom(...codes), fc.uint8Array({ maxLength: 200 }))
    .map(([v, c, rest]) => Uint8Array.of(v, c, ...rest));

const REQUEST_CODES = Object.values(spdm.SpdmRequest);
const RESPONSE_CODES = Object.values(spdm.SpdmResponse);

describe('SPDM fuzz', () => {
  it('the responder answers anything, at any stage, without throwing', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(bytes, spdmLike(REQUEST_CODES)), { maxLength: 8 }), fc.nat(3), (reqs, warm) => {
        const r = makeResponder();
        const ex = doeExchange(r);
        const req = makeRequester(ex);
        if (warm >= 1) req.getVersion();
        if (warm >= 2) req.getCapabilities();
        if (warm >= 3) req.negotiateAlgorithms();
        for (const m of reqs) {
          const out = r.respond(m);
          expect(out.length).toBeGreaterThanOrEqual(4);
          expect(r.respondSecured(m)).toBeUndefined();
        }
      }),
      { numRuns: 150, seed: 0x5bd7 },
    );
  });

  it('every decoder throws only DriverModelError', () => {
    const decoders: ((b: Uint8Array) => unknown)[] = [
      spdm.decodeVersion,
      spdm.decodeCapabilities,
      spdm.decodeGetCapabilities,
      spdm.decodeNegotiateAlgorithms,
      spdm.decodeAlgorithms,
      (b) => spdm.decodeDigests(b, 48),
      spdm.decodeGetCertificate,
      spdm.decodeCertificate,
      spdm.decodeChallenge,
      (b) => spdm.decodeChallengeAuth(b, 48, 96, true),
      spdm.decodeGetMeasurements,
      (b) => spdm.decodeMeasurements(b, 96),
      (b) => spdm.decodeMeasurementRecord(b, 3),
      (b) => spdm.decodeKeyExchange(b, 96),
      (b) => spdm.decodeKeyExchangeRsp(b, { dheSize: 96, hashSize: 48, sigSize: 96, measSummary: true, verifyData: true }),
      (b) => spdm.decodeFinish(b, 48, 0),
      (b) => spdm.decodeFinishRsp(b, 0),
      spdm.decodeError,
      (b) => spdm.decodeSupportedVersions(2, b),
      (b) => spdm.decodeVersionSelection(1, b),
      (b) => spdm.parseCertChain(spdm.hashForBaseHash(2), b),
      decodeDoe,
      parseCertificate,
      (b) => verifyCertificateChain([b], [FIXTURE_ROOT]),
      (b) => loadEcPrivateKey(b),
      (b) => spdm.openSecuredMessage(b, { secret: new Uint8Array(48), key: new Uint8Array(32), iv: new Uint8Array(12), seq: 0n }),
      (b) => spdm.securedSessionId(b),
    ];
    fc.assert(
      fc.property(fc.oneof(bytes, spdmLike([...REQUEST_CODES, ...RESPONSE_CODES])), (b) => decoders.every((d) => onlyErrno(() => d(b)))),
      fuzzParams(400, 0xdec0),
    );
  });

  it('the requester fed random responses fails only with DriverModelError', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(bytes, spdmLike(RESPONSE_CODES)), { minLength: 1, maxLength: 10 }), (answers) => {
        let i = 0;
        const req = makeRequester(() => answers[i++ % answers.length]!);
        return onlyErrno(() => {
          req.authenticate();
          req.openSession();
        });
      }),
      fuzzParams(200, 0x7e9),
    );
  });

  it('the requester with real answers except one randomly corrupted byte fails only with DriverModelError', () => {
    fc.assert(
      fc.property(fc.nat(20), fc.nat(2000), fc.integer({ min: 1, max: 255 }), (which, pos, x) => {
        const inner = doeExchange(makeResponder());
        let n = 0;
        const req = makeRequester((type, payload) => {
          const rsp = inner(type, payload);
          if (n++ === which) rsp[pos % rsp.length]! ^= x;
          return rsp;
        });
        return onlyErrno(() => {
          req.authenticate();
          req.openSession();
          req.heartbeat();
          req.endSession();
        });
      }),
      { numRuns: 25, seed: 0xc0de },
    );
  });

  it('the spdm-emu platform server and frame splitter never throw anything else', () => {
    fc.assert(
      fc.property(fc.array(bytes, { maxLength: 6 }), (chunks) => {
        const split = new FrameSplitter();
        const server = new SpdmEmuPlatformServer(spdm.spdmDoeResponders(makeResponder({ random: SeededRandom.fromString('fuzz') })));
        return chunks.every((c) =>
          onlyErrno(() => {
            for (const f of split.push(c)) server.handle(f);
            server.handle({ command: 1, transport: 2, payload: c });
          }),
        );
      }),
      { numRuns: 150, seed: 0xf4a3 },
    );
  });
});
