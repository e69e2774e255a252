/**
 * Replays of the two interop runs against DMTF spdm-emu (shared/tools/spdm-emu), recorded by
 * `auxbus spdm serve|connect --record`. CI cannot build spdm-emu; these replays check that auxbus
 * still produces, byte for byte, what the real programs accepted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SeededRandom, ecdsaVerifyDigest, fromHex, parseCertificate, toHex } from '../../../src/protocols/crypto/index.js';
import { SpdmEmuPlatformServer, type EmuFrame } from '../../../src/protocols/spdm/emu-platform.js';
import { SpdmResponder, spdmDoeResponders, type SpdmSigner } from '../../../src/protocols/spdm/index.js';
import { runSpdmClient, type RecordedFrame } from '../../../src/cli/spdm-socket.js';
import { standaloneMeasurements } from '../../../src/cli/spdm.js';

const load = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8'));
const frame = (f: RecordedFrame): EmuFrame => ({ command: f.command, transport: f.transport, payload: fromHex(f.payload) });

describe('interop (a): spdm_requester_emu against auxbus spdm serve, replayed', () => {
  const rec = load('interop-a-requester-emu.json');

  it('recorded a successful run of the whole flow', () => {
    expect(rec.exit).toEqual({ spdm_requester_emu: 0, 'auxbus spdm serve': 0 });
    expect(rec.frames).toHaveLength(38);
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
    const responder = new SpdmResponder({ certificates, signer, random: SeededRandom.fromString(rec.seed), measurements: standaloneMeasurements() });
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
    expect(replies).toBe(19);
    expect(used).toBe(3);
    expect(responder.stats).toMatchObject({ errors: 0, sessionsOpened: 1, sessionsEnded: 1 });
  });
});

describe('interop (b): auxbus spdm connect against spdm_responder_emu, replayed', () => {
  const rec = load('interop-b-responder-emu.json');

  /** Answers recorded frames in order; `aborted` runs may end early with SHUTDOWN. */
  const replayTransport = (frames: RecordedFrame[], aborted = false) => {
    let i = 0;
    return () => ({
      transact(f: EmuFrame): EmuFrame {
        if (aborted && f.command === 0xfffe) {
          i = frames.length;
          return f;
        }
        const want = frames[i]!;
        expect({ i, dir: want.dir, command: want.command, payload: want.payload }).toEqual({ i, dir: 'tx', command: f.command, payload: toHex(f.payload) });
        const got = frames[i + 1]!;
        i += 2;
        return frame(got);
      },
      close() {
        expect(i).toBe(frames.length);
      },
    });
  };

  it('sends the recorded requests byte for byte and verifies the real responder chain, signatures and session', () => {
    const r = runSpdmClient({
      host: '127.0.0.1',
      port: 2323,
      trust: (rec.trust as string[]).map(fromHex),
      seed: rec.seed,
      version: 0x12,
      transport: replayTransport(rec.frames),
    });
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
    expect(r.session?.sessionId).toBe(0xffffffff);
  });

  it('a flipped bit in the recorded CHALLENGE_AUTH signature fails with the precise message', () => {
    const frames = structuredClone(rec.frames) as RecordedFrame[];
    const idx = frames.findIndex((f) => f.dir === 'rx' && f.payload.slice(16, 20) === '1203');
    const p = fromHex(frames[idx]!.payload);
    p[p.length - 10]! ^= 1;
    frames[idx] = { ...frames[idx]!, payload: toHex(p) };
    expect(() =>
      runSpdmClient({ host: '', port: 0, trust: (rec.trust as string[]).map(fromHex), seed: rec.seed, transport: replayTransport(frames, true) }),
    ).toThrow("SPDM CHALLENGE_AUTH: signature does not verify with the leaf certificate's key");
  });
});
