/**
 * Replays of the real DMTF spdm_requester_emu against `auxbus spdm serve --preset cxl-type3`
 * (recorded by tools/spdm-interop/record.sh: interop-a-machine through /dev/doe, interop-a-machine-raw
 * through the function's sysfs config file, with KEY_UPDATE). Every recorded frame goes again
 * through a freshly booted machine's CMA/SPDM DOE mailbox — Discovery, SPDM and secured SPDM
 * objects through the register model in virtual time — and the mailbox must answer byte for
 * byte what the real requester accepted. The device was provisioned with libspdm's sample chain,
 * whose key is not in the repository: the recorded signatures are checked against the leaf
 * certificate instead of re-made.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordedFrame } from '../../src/cli/spdm-socket.js';
import { machineSpdmMailbox } from '../../src/machine/index.js';
import { ecdsaVerifyDigest, fromHex, parseCertificate, toHex } from '../../src/protocols/crypto/index.js';
import { SpdmEmuPlatformServer, type SpdmSigner } from '../../src/protocols/spdm/index.js';

const load = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'protocols', 'spdm', 'fixtures', `interop-${name}.json`), 'utf8'));

describe.each([
  ['a-machine', 'dev-doe', 38],
  ['a-machine-raw', 'raw-config', 42],
] as const)('interop %s: spdm_requester_emu against a machine mailbox (%s), replayed', (name, transport, frameCount) => {
  const rec = load(name);

  it('recorded a successful run of the whole flow against the machine', () => {
    expect(rec.exit).toEqual({ spdm_requester_emu: 0, 'auxbus spdm serve': 0 });
    expect([rec.preset, rec.doe, rec.transport]).toEqual(['cxl-type3', 'aux-exclusive', transport]);
    expect(rec.frames).toHaveLength(frameCount);
    expect(rec.signatures).toHaveLength(3); // CHALLENGE_AUTH, MEASUREMENTS, KEY_EXCHANGE_RSP
  });

  it("the machine's mailbox answers every recorded request with the recorded bytes", () => {
    const certificates = (rec.certificates as string[]).map(fromHex);
    const leaf = parseCertificate(certificates.at(-1)!).publicKey!;
    const sigs = (rec.signatures as string[]).map(fromHex);
    let used = 0;
    const signer: SpdmSigner = {
      curve: 'P-384',
      sign(digest) {
        const sig = sigs[used++];
        if (!sig || !ecdsaVerifyDigest(leaf, digest, sig)) throw new Error(`signature ${used - 1} does not cover the digest the device computed`);
        return sig;
      },
    };
    const mb = machineSpdmMailbox({ preset: rec.preset, transport, identity: { certificates, signer }, ...(rec.seed ? { seed: rec.seed } : {}) });
    // The kernel authenticated first, and refused libspdm's chain before any CHALLENGE (no signature).
    expect(mb.kernelCma).toMatch(/^failed: certificate chain root "CN=DMTF libspdm ECP384 CA" is not signed by a trusted root \(ENOKEY\)$/);
    const platform = new SpdmEmuPlatformServer(mb.exchange);
    const frames = rec.frames as RecordedFrame[];
    const start = mb.machine.clock.now();
    for (let i = 0; i < frames.length; i += 2) {
      const rx = frames[i]!;
      const want = frames[i + 1]!;
      expect([rx.dir, want.dir]).toEqual(['rx', 'tx']);
      const r = platform.handle({ command: rx.command, transport: rx.transport, payload: fromHex(rx.payload) });
      expect({ i, command: r.frame!.command, payload: toHex(r.frame!.payload) }).toEqual({ i, command: want.command, payload: want.payload });
    }
    expect(used).toBe(3);
    expect(mb.stats).toMatchObject({ answered: frameCount / 2 - 2, unanswered: 0 }); // all but TEST and SHUTDOWN
    expect(mb.engine!.stats).toMatchObject({ errors: 0, sessionsOpened: 1, sessionsEnded: 1 });
    // Every object took the device's time: at least 20 virtual ms per SPDM answer.
    expect(mb.machine.clock.now() - start).toBeGreaterThanOrEqual(20 * (frameCount / 2 - 6));
    mb.close();
  });
});
