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
    req.keyUpdate(false);
    req.heartbeat();
    req.keyUpdate(true);
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

  it('the step form needs no synchronous transport: answers can come later (a DOE task in virtual time)', () => {
    const rsp = makeResponder();
    const req = makeRequester(undefined as never, { exchange: undefined });
    const steps = req.authenticateSteps();
    const pending: { type: number; payload: Uint8Array }[] = [];
    let r = steps.next();
    let n = 0;
    while (!r.done) {
      pending.push(r.value); // "queued"; answered on a later tick
      const out = pending.shift()!;
      r = steps.next(out.type === 1 ? rsp.respond(out.payload) : rsp.respondSecured(out.payload)!);
      n++;
    }
    expect(r.value.version).toBe(SpdmVersion.V12);
    expect(n).toBe(8); // VERSION, CAPABILITIES, ALGORITHMS, DIGESTS, 2 x CERTIFICATE (0x400 chunks), CHALLENGE, MEASUREMENTS
    expect(() => req.getVersion()).toThrow('SPDM requester: no exchange function (drive the …Steps methods instead)');
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

describe('SPDM session with HANDSHAKE_IN_THE_CLEAR on both sides', () => {
  it('KEY_EXCHANGE_RSP without verify data, FINISH and FINISH_RSP (with verify data) in the clear, then encrypted traffic', () => {
    const rsp = makeResponder({
      flags:
        CapFlag.CERT |
        CapFlag.CHAL |
        CapFlag.MEAS_SIG |
        CapFlag.ENCRYPT |
        CapFlag.MAC |
        CapFlag.KEY_EX |
        CapFlag.HBEAT |
        CapFlag.HANDSHAKE_IN_THE_CLEAR,
    });
    const log: { type: number; req: Uint8Array; rsp: Uint8Array }[] = [];
    const req = makeRequester(doeExchange(rsp, log), {
      flags: CapFlag.ENCRYPT | CapFlag.MAC | CapFlag.KEY_EX | CapFlag.HBEAT | CapFlag.HANDSHAKE_IN_THE_CLEAR,
    });
    req.authenticate();
    req.openSession();
    const finish = log.at(-1)!;
    expect(finish.type).toBe(1);
    expect(finish.req[1]).toBe(0xe5);
    expect(finish.rsp.subarray(0, 4)).toEqual(Uint8Array.of(0x12, 0x65, 0, 0));
    expect(finish.rsp.length).toBe(4 + 48);
    req.heartbeat();
    req.endSession();
    expect(log.at(-1)!.type).toBe(2);
    expect(rsp.stats).toMatchObject({ errors: 0, sessionsOpened: 1, sessionsEnded: 1 });
  });

  it('a FINISH in the clear with wrong RequesterVerifyData is DecryptError', () => {
    const flags = CapFlag.CERT | CapFlag.CHAL | CapFlag.ENCRYPT | CapFlag.MAC | CapFlag.KEY_EX | CapFlag.HANDSHAKE_IN_THE_CLEAR;
    const rsp = makeResponder({ flags });
    const req = makeRequester(doeExchange(rsp), { flags: flags & ~CapFlag.CERT & ~CapFlag.CHAL });
    req.authenticate();
    req.keyExchange(0, 0);
    expect(rsp.respond(Uint8Array.of(0x12, 0xe5, 0, 0, ...new Uint8Array(48)))).toEqual(Uint8Array.of(0x12, 0x7f, 0x06, 0));
  });
});
