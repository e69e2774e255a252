/**
 * machineSpdmMailbox (`auxbus spdm serve`'s backend): a machine's CMA/SPDM mailbox behind the
 * spdm-emu platform protocol, in-process. What goes through it is the device's own answer: its
 * Discovery table, a provisioned identity, nothing for an object the mailbox does not take; under
 * pci-core-shared only raw config access exists, and it taints the kernel.
 */
import { describe, expect, it } from 'vitest';
import { runSpdmClient } from '../../src/cli/spdm-socket.js';
import { machineSpdmMailbox, type MachineSpdmOptions } from '../../src/machine/index.js';
import { SeededRandom, buildCertificate, generatePrivateKey } from '../../src/protocols/crypto/index.js';
import { encodeDoe, FIXTURE_ROOT, keySigner, SpdmEmuPlatformServer, type EmuFrame } from '../../src/protocols/spdm/index.js';

/** A two-certificate P-384 chain of its own (root → leaf) and the leaf key. */
function ownChain() {
  const rootKey = generatePrivateKey('P-384', SeededRandom.fromString('provisioned root'));
  const leafKey = generatePrivateKey('P-384', SeededRandom.fromString('provisioned leaf'));
  const root = buildCertificate({ serial: 1, subject: 'provisioned root', issuer: 'provisioned root', key: rootKey, issuerKey: rootKey, ca: true });
  const leaf = buildCertificate({
    serial: 2,
    subject: 'provisioned device',
    issuer: 'provisioned root',
    key: leafKey,
    issuerKey: rootKey,
    ca: false,
  });
  return { certificates: [root, leaf], leafKey };
}

function serveInProcess(o: MachineSpdmOptions) {
  const mb = machineSpdmMailbox(o);
  const platform = new SpdmEmuPlatformServer(mb.exchange);
  const transport = () => ({ transact: (f: EmuFrame) => platform.handle(f).frame!, close() {} });
  return { mb, platform, transport };
}

describe('a machine CMA/SPDM mailbox served to the spdm-emu protocol', () => {
  it('under pci-core-shared: drives the registers through the config file, the kernel is tainted U', () => {
    const { mb, transport } = serveInProcess({ doe: 'pci-core-shared' });
    expect([mb.transport, mb.auxDevice, mb.kernelCma]).toEqual(['raw-config', undefined, 'authenticated']);
    expect(mb.machine.taint.letters).toBe('');
    const r = runSpdmClient({ host: 'machine', port: 0, trust: [FIXTURE_ROOT], transport });
    expect(r.session?.sessionId).toBe(0xffffffff);
    expect(mb.machine.taint.letters).toBe('U');
  });

  it('refuses the dev-doe transport under pci-core-shared (no auxiliary DOE devices)', () => {
    expect(() => machineSpdmMailbox({ doe: 'pci-core-shared', transport: 'dev-doe' })).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
  });

  it('answers an object of a protocol the mailbox does not list with an empty NORMAL frame (doe_user: EINVAL)', () => {
    const { mb, platform } = serveInProcess({});
    const r = platform.handle({ command: 1, transport: 2, payload: encodeDoe(1, 5, Uint8Array.of(0x12, 0x84, 0, 0)) });
    expect(r.frame).toEqual({ command: 1, transport: 2, payload: new Uint8Array(0) });
    expect(mb.stats).toMatchObject({ answered: 0, unanswered: 1, lastError: expect.stringMatching(/^EINVAL: /) });
  });

  it("serves a provisioned identity: the requester verifies that chain; the kernel's .cma keyring did not trust it", () => {
    const chain = ownChain();
    const { mb, transport } = serveInProcess({ identity: { certificates: chain.certificates, signer: keySigner(chain.leafKey) } });
    expect(mb.kernelCma).toMatch(/\(ENOKEY\)$/);
    const r = runSpdmClient({ host: 'machine', port: 0, trust: [chain.certificates[0]!], transport, session: false });
    expect(r.auth.certificates.map((c) => c.der)).toEqual(chain.certificates);
    expect(mb.engine!.stats.errors).toBe(0);
  });

  it('installs the given udev rules in the served machine: they run on the hand-off (the /dev/doe node gets its symlink)', () => {
    const rules = [{ name: '70-served.rules', text: 'SUBSYSTEM=="doe", SYMLINK+="served-mailbox"\n' }];
    const mb = machineSpdmMailbox({ rules });
    expect(mb.machine.processes.root.readlink('/dev/served-mailbox')).toBe(`doe/${mb.auxDevice}`);
    const bare = machineSpdmMailbox({});
    expect(() => bare.machine.processes.root.readlink('/dev/served-mailbox')).toThrow(expect.objectContaining({ errno: 'ENOENT' }));
  });
});
