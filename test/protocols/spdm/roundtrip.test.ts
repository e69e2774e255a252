import { describe, expect, it } from 'vitest';
import { DriverModelError } from '../../../src/base/index.js';
import { BaseAsym, BaseHash, CapFlag, Dhe, SpdmVersion } from '../../../src/protocols/spdm/index.js';
import { MEASUREMENTS, doeExchange, makeRequester, makeResponder } from './helpers.js';

describe('SPDM requester against the responder (DOE-padded exchange)', () => {
  it('authenticates at 1.2 with P-384/SHA-384, verifying the chain, CHALLENGE_AUTH and signed MEASUREMENTS', () => {
    const rsp = makeResponder();
    const req = makeRequester(doeExchange(rsp));
    const r = req.authenticate();
    expect(r.version).toBe(SpdmVersion.V12);
    expect(r.algorithms.baseAsym).toBe(BaseAsym.ECDSA_P384);
    expect(r.algorithms.baseHash).toBe(BaseHash.SHA_384);
    expect(r.algorithms.dhe).toBe(Dhe.SECP384R1);
    expect(r.certificates.map((c) => c.subjectText)).toEqual([
      'O=auxbus test, CN=auxbus test root CA',
      'O=auxbus test, CN=auxbus test intermediate CA',
      'O=auxbus test, CN=auxbus test SPDM responder',
    ]);
    expect(r.measurements?.map((m) => [m.index, m.valueType])).toEqual(MEASUREMENTS.map((m) => [m.index, m.valueType]));
    expect(r.measurements?.[0]?.value).toEqual(MEASUREMENTS[0]!.value);
    expect(rsp.stats.errors).toBe(0);
  });

  it.each([SpdmVersion.V10, SpdmVersion.V11, SpdmVersion.V12])('authenticates when the requester speaks only %s', (v) => {
    const rsp = makeResponder();
    const req = makeRequester(doeExchange(rsp), { versions: [v] });
    expect(req.authenticate().version).toBe(v);
  });

  it('opens a session (KEY_EXCHANGE, FINISH), heartbeats, measures inside it and ends it', () => {
    const rsp = makeResponder();
    const req = makeRequester(doeExchange(rsp));
    req.authenticate();
    const s = req.openSession({ measSummary: 0xff });
    expect(s.sessionId).toBe(0xffffffff);
    expect(s.securedMessageVersion).toBe(0x1200);
    expect(rsp.sessionCount).toBe(1);
    req.heartbeat();
    req.heartbeat();
    expect(req.sessionMeasurements(true)).toHaveLength(4);
    req.endSession();
    expect(rsp.sessionCount).toBe(0);
    expect(rsp.stats).toMatchObject({ sessionsOpened: 1, sessionsEnded: 1, errors: 0 });
  });

  it('opens a session at 1.1 (opaque format 0, "spdm1.1 " labels)', () => {
    const rsp = makeResponder();
    const req = makeRequester(doeExchange(rsp), { versions: [SpdmVersion.V11] });
    req.authenticate();
    req.openSession();
    req.heartbeat();
    req.endSession();
    expect(rsp.stats.errors).toBe(0);
  });

  it('is deterministic: the same seeds give the same bytes on the wire', () => {
    const run = () => {
      const log: { type: number; req: Uint8Array; rsp: Uint8Array }[] = [];
      const req = makeRequester(doeExchange(makeResponder(), log));
      req.authenticate();
      req.openSession();
      req.heartbeat();
      req.endSession();
      return log;
    };
    expect(run()).toEqual(run());
  });

  it('a responder without KEY_EX_CAP: authentication works, a session fails with EPROTONOSUPPORT', () => {
    const rsp = makeResponder({ flags: CapFlag.CERT | CapFlag.CHAL | CapFlag.MEAS_SIG });
    const req = makeRequester(doeExchange(rsp));
    req.authenticate();
    let err: unknown;
    try {
      req.openSession();
    } catch (e) {
      err = e;
    }
    expect(DriverModelError.is(err, 'EPROTONOSUPPORT')).toBe(true);
  });
});
