/**
 * Replays of the interop runs against DMTF spdm-emu (shared/tools/spdm-emu), recorded by
 * tools/spdm-interop/record.sh (`auxbus spdm serve|connect --record`). CI cannot build spdm-emu;
 * these replays check that auxbus still produces, byte for byte, what the real programs accepted.
 *   a, a-hitc, a-keyupd: the real spdm_requester_emu against auxbus's responder (-hitc: handshake in
 *     the clear; -keyupd: with KEY_UPDATE)
 *   b, b-hitc: auxbus's requester against the real spdm_responder_emu (KEY_UPDATE included)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSpdmClient, type RecordedFrame } from '../../../src/cli/spdm-socket.js';
import { SeededRandom, ecdsaVerifyDigest, fromHex, parseCertificate, toHex } from '../../../src/protocols/crypto/index.js';
import {
  CapFlag,
  DEFAULT_REQUESTER_FLAGS,
  DEFAULT_RESPONDER_FLAGS,
  SpdmEmuPlatformServer,
  SpdmResponder,
  spdmDoeResponders,
  testMeasurements,
  type EmuFrame,
  type SpdmSigner,
} from '../../../src/protocols/spdm/index.js';

const load = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `interop-${name}.json`), 'utf8'));
const frame = (f: RecordedFrame): EmuFrame => ({ command: f.command, transport: f.transport, payload: fromHex(f.payload) });

describe.each(['a', 'a-hitc', 'a-keyupd'])('interop %s: spdm_requester_emu against auxbus spdm serve, replayed', (name) => {
  const rec = load(name);

  it('recorded a successful run of the whole flow', () => {
    expect(rec.exit).toEqual({ spdm_requester_emu: 0, 'auxbus spdm serve': 0 });
    expect(rec.frames).toHaveLength(name === 'a-keyupd' ? 42 : 38);
    expect(rec.signatures).toHaveLength(3); // CHALLENGE_AUTH, MEASUREMENTS, KEY_EXCHANGE_RSP
  });

  it('auxbus answers every recorded request with the recorded bytes (signatures checked against the leaf key, not re-made)', () => {
    const certificates = (rec.certificates as string[]).map(fromHex);
    const leaf = parseCertificate(certificates[certificates.length - 1]!).publicKey!;
    const sigs = (rec.signatures as string[]).map(fromHex);
    let used = 0;
    const signer: SpdmSigner = {
      curve: 'P-384',
      sign(digest) {
        const sig = sigs[used++];
        if (!sig || !ecdsaVerifyDigest(leaf, digest, sig)) throw new Error(`signature ${used - 1} does not cover the digest auxbus computed`);
        return sig;
      },
    };
    const responder = new SpdmResponder({
      certificates,
      signer,
      random: SeededRandom.fromString(rec.seed),
      measurements: testMeasurements(),
      flags: DEFAULT_RESPONDER_FLAGS | (rec.handshakeInClear ? CapFlag.HANDSHAKE_IN_THE_CLEAR : 0),
    });
    const platform = new SpdmEmuPlatformServer(spdmDoeResponders(responder));
    const frames = rec.frames as RecordedFrame[];
    let replies = 0;
    for (let i = 0; i < frames.length; i++) {
      if (frames[i]!.dir !== 'rx') continue;
      const r = platform.handle(frame(frames[i]!));
      const want = frames[i + 1]!;
      expect(want.dir).toBe('tx');
      expect({ i, command: r.frame!.command, payload: toHex(r.frame!.payload) }).toEqual({ i, command: want.command, payload: want.payload });
      replies++;
    }
    expect(replies).toBe(rec.frames.length / 2);
    expect(used).toBe(3);
    expect(responder.stats).toMatchObject({ errors: 0, sessionsOpened: 1, sessionsEnded: 1 });
    // FINISH went in the clear (DOE type 1) exactly when the handshake was in the clear
    const finish = frames.find((f) => f.dir === 'rx' && f.payload.slice(4, 6) === '01' && f.payload.slice(18, 20) === 'e5');
    expect(Boolean(finish)).toBe(Boolean(rec.handshakeInClear));
  });
});

/** Answers recorded frames in order; `aborted` runs may end early with SHUTDOWN. */
function replayTransport(frames: RecordedFrame[], aborted = false) {
  let i = 0;
  return () => ({
    transact(f: EmuFrame): EmuFrame {
      if (aborted && f.command === 0xfffe) {
        i = frames.length;
        return f;
      }
      const want = frames[i]!;
      expect({ i, dir: want.dir, command: want.command, payload: want.payload }).toEqual({
        i,
        dir: 'tx',
        command: f.command,
        payload: toHex(f.payload),
      });
      const got = frames[i + 1]!;
      i += 2;
      return frame(got);
    },
    close() {
      expect(i).toBe(frames.length);
    },
  });
}

describe.each(['b', 'b-hitc'])('interop %s: auxbus spdm connect against spdm_responder_emu, replayed', (name) => {
  const rec = load(name);
  const options = () => ({
    host: '127.0.0.1',
    port: 2323,
    trust: (rec.trust as string[]).map(fromHex),
    seed: rec.seed as string,
    version: 0x12,
    requesterFlags: DEFAULT_REQUESTER_FLAGS | (rec.handshakeInClear ? CapFlag.HANDSHAKE_IN_THE_CLEAR : 0),
  });

  it('recorded a successful run', () => {
    expect(rec.exit).toEqual({ 'auxbus spdm connect': 0, spdm_responder_emu: 0 });
    expect(rec.frames).toHaveLength(44); // … HEARTBEAT, 2 x (KEY_UPDATE + VerifyNewKey), HEARTBEAT, END_SESSION, SHUTDOWN
  });

  it('sends the recorded requests byte for byte and verifies the real responder chain, signatures and session', () => {
    const r = runSpdmClient({ ...options(), transport: replayTransport(rec.frames) });
    expect(r.discovered).toEqual([
      { vendor: 1, type: 0 },
      { vendor: 1, type: 1 },
      { vendor: 1, type: 2 },
    ]);
    expect(r.auth.version).toBe(0x12);
    expect(r.auth.certificates.map((c) => c.subjectText)).toEqual([
      'CN=DMTF libspdm ECP384 CA',
      'CN=DMTF libspdm ECP384 intermediate cert',
      'CN=DMTF libspdm ECP384 responder cert',
    ]);
    expect(r.auth.responderFlags).toBe(0x001afbf7);
    expect(r.auth.measurements).toHaveLength(8);
    expect(r.session).toEqual({ sessionId: 0xffffffff, heartbeatPeriod: 0xf0, securedMessageVersion: 0x1200 });
  });

  it('a flipped bit in the recorded CHALLENGE_AUTH signature fails with the precise message', () => {
    const frames = structuredClone(rec.frames) as RecordedFrame[];
    const idx = frames.findIndex((f) => f.dir === 'rx' && f.payload.slice(16, 20) === '1203');
    const p = fromHex(frames[idx]!.payload);
    p[p.length - 10]! ^= 1;
    frames[idx] = { ...frames[idx]!, payload: toHex(p) };
    expect(() => runSpdmClient({ ...options(), transport: replayTransport(frames, true) })).toThrow(
      "SPDM CHALLENGE_AUTH: signature does not verify with the leaf certificate's key",
    );
  });
});
