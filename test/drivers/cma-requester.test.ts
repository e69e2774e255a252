/**
 * The kernel's CMA/SPDM requester over a DOE mailbox in virtual time (reference/protocols.md
 * §3.5): a device with auxbus's test identity authenticates against a `.cma` keyring holding
 * its root; a keyring without that root rejects it with the chain error; a mailbox that stops
 * answering fails the authentication with the DOE errno.
 */
import { describe, expect, it } from 'vitest';
import { type CmaResult, SpdmKernelCma } from '../../src/drivers/index.js';
import { cxlType3SpdmResponder } from '../../src/drivers/hw/cxl-spdm.js';
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
    expect(cma.runs).toBe(b.mb.tasksRun - 2 + 1); // one replay per answered exchange, plus the last
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
});
