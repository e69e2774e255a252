/**
 * The kernel's CMA/SPDM requester (reference/protocols.md §3.5-3.6; LNX-SPDM `spdm_authenticate`,
 * drivers/pci/cma.c `pci_cma_init`): when pci_doe binds a mailbox listing 0001:01 it
 * authenticates the device — GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS, GET_DIGESTS,
 * GET_CERTIFICATE for slot 0, CHALLENGE — verifying the chain against the `.cma` keyring and
 * the CHALLENGE_AUTH signature over the transcript, through the kernel's DOE mailbox.
 *
 * The requester engine (src/protocols/spdm) is synchronous; the kernel's mailbox answers in
 * virtual time. The walk therefore resumes by replay: each run of the engine gets the recorded
 * responses of the exchanges done so far, and the first request without one is submitted to the
 * mailbox; when it completes, the engine runs again from the start with the same seeded random
 * source, so it makes the same requests and picks up where it stopped. Deterministic; O(n²) in
 * the ~6 exchanges of an authentication.
 *
 * Departure: the engine's messages are libspdm-like (its CAPABILITIES flags and sizes, its
 * NEGOTIATE_ALGORITHMS offer), not byte-identical to the @0142c686 Linux requester of §3.5/B.4.
 */
import { DriverModelError } from '../../base/index.js';
import { crypto, spdm } from '../../protocols/index.js';
import type { CmaResult, KernelCma } from './cma.js';
import { PCI_DOE_MAX_LENGTH, PCI_VENDOR_ID_PCI_SIG, type PciDoeMb } from './doe.js';

/** Raised inside the engine when it needs an answer the mailbox has not given yet. */
class Pending {
  constructor(
    readonly type: 1 | 2,
    readonly payload: Uint8Array,
  ) {}
}

export class SpdmKernelCma implements KernelCma {
  /** Authentications completed (for tests counting work). */
  runs = 0;

  constructor(
    /** The `.cma` keyring: trusted root certificates, DER. */
    readonly keyring: readonly Uint8Array[],
    /** Seed of the kernel's nonce source. */
    readonly seed = 'auxbus kernel cma',
  ) {}

  authenticate(mb: PciDoeMb, done: (result: CmaResult) => void): void {
    const answers: Uint8Array[] = [];
    const attempt = (): void => {
      this.runs++;
      let next = 0;
      const requester = new spdm.SpdmRequester({
        random: crypto.SeededRandom.fromString(this.seed),
        trust: this.keyring,
        exchange: (type, payload) => {
          if (next < answers.length) return answers[next++]!;
          throw new Pending(type, payload);
        },
      });
      try {
        requester.authenticate({ measurements: false });
        done({ authenticated: true });
      } catch (e) {
        if (e instanceof Pending) {
          mb.submit({ vendor: PCI_VENDOR_ID_PCI_SIG, type: e.type, request: e.payload, responseSize: (PCI_DOE_MAX_LENGTH - 2) * 4 }, (r) => {
            if (!r.ok) return done({ authenticated: false, errno: r.errno, message: `DOE exchange failed (${r.errno})` });
            answers.push(r.response);
            attempt();
          });
          return;
        }
        if (DriverModelError.is(e)) return done({ authenticated: false, errno: e.errno, message: e.message });
        throw e;
      }
    };
    attempt();
  }
}
