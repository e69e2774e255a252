/**
 * The kernel's CMA/SPDM requester over a DOE mailbox in virtual time (reference/protocols.md
 * §3.5): a device with auxbus's test identity authenticates against a `.cma` keyring holding
 * its root; a keyring without that root rejects it with the chain error; a mailbox that stops
 * answering fails the authentication with the DOE errno.
 */
import { describe, expect, it } from 'vitest';
import { type CmaResult, SpdmKernelCma } from '../../src/drivers/index.js';
import { cxlType3SpdmResponder, cxlType3SpdmResponders } from '../../src/drivers/hw/cxl-spdm.js';
import { toHex } from '../../src/protocols/crypto/index.js';
import { FIXTURE_CERTIFICATES, FIXTURE_ROOT } from '../../src/protocols/spdm/fixture-identity.js';
import { bench } from '../support/doe-bench.js';

function authenticate(keyring: readonly Uint8Array[], timing = { response: () => 20, abort: 1 }) {
  const b = bench({ timing, responders: [cxlType3SpdmResponder(1n)] });
  const cma = new SpdmKernelCma(keyring);
  let result: CmaResult | undefined;
  cma.authenticate(b.mb, (r) => (result = r));
  b.run();
  return { result, cma, b };
}

describe('kernel CMA/SPDM requester', () => {
  it('should authenticate a device whose chain ends in a root of the .cma keyring, in virtual time', () => {
    const { result, cma, b } = authenticate([FIXTURE_ROOT]);
    expect(result).toEqual({ authenticated: true });
    // Six exchanges (VERSION, CAPABILITIES, ALGORITHMS, DIGESTS, CERTIFICATE…, CHALLENGE_AUTH), each 20 ms away.
    expect(b.mb.tasksRun - 2).toBeGreaterThanOrEqual(6);
    expect(cma.exchanges).toBe(b.mb.tasksRun - 2); // the walk resumes where it stopped: each exchange submitted once
    expect(b.scheduler.clock.now()).toBeGreaterThan(6 * 20);
  });

  it('should reject a device whose root the keyring does not hold, with the chain errno', () => {
    const { result } = authenticate([FIXTURE_CERTIFICATES[2]!]); // the leaf, not a root of the chain
    expect(result).toEqual({
      authenticated: false,
      errno: 'ENOKEY', // as the kernel's keyring lookup (§3.5 step 5)
      message: 'certificate chain root "O=auxbus test, CN=auxbus test root CA" is not signed by a trusted root',
    });
  });

  it('should fail with the DOE errno when the mailbox stops answering', () => {
    let n = 0;
    const { result } = authenticate([FIXTURE_ROOT], { response: () => (++n <= 4 ? 1 : 'never') as number, abort: 1 });
    expect(result).toEqual({ authenticated: false, errno: 'EIO', message: 'DOE exchange failed (EIO)' });
  });

  it("should send Appendix B.4's Linux requests byte for byte through the mailbox (LNX-SPDM @0142c686)", () => {
    const [plain, secured] = cxlType3SpdmResponders(1n);
    const sent: string[] = [];
    const logging = { ...plain, respond: (payload: Uint8Array) => (sent.push(toHex(payload)), plain.respond(payload)) };
    const b = bench({ timing: { response: () => 20, abort: 1 }, responders: [logging, secured] });
    let result: CmaResult | undefined;
    new SpdmKernelCma([FIXTURE_ROOT]).authenticate(b.mb, (r) => (result = r));
    b.run();
    expect(result).toEqual({ authenticated: true });
    // What the device received, once each.
    const z = (n: number) => '00'.repeat(n);
    expect(sent.slice(0, 5)).toEqual([
      '10840000', // GET_VERSION
      '12e100000014000006000000f8ff0f00f8ff0f00', // GET_CAPABILITIES 1.2, first authentication
      `12e303002c000102b501000007000000${z(16)}02201b000320060005200100`, // NEGOTIATE_ALGORITHMS, responder with KEY_EX
      '12810000', // GET_DIGESTS
      '128200000000f811', // GET_CERTIFICATE slot 0, Length = the lowered transport size 0x1200 - 8
    ]);
    const rest = sent.slice(5);
    expect(rest.slice(0, -1).every((r) => /^12820000[0-9a-f]{4}[0-9a-f]{4}$/.test(r))).toBe(true); // the next chunks
    expect(rest.at(-1)).toMatch(/^12830000[0-9a-f]{64}$/); // CHALLENGE 1.2, slot 0, no summary, 36 bytes
  });
});
