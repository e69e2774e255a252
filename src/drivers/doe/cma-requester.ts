/**
 * The kernel's CMA/SPDM requester (reference/protocols.md §3.5-3.6; LNX-SPDM `spdm_authenticate`,
 * drivers/pci/cma.c `pci_cma_init`): when pci_doe binds a mailbox listing 0001:01 it
 * authenticates the device — GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS, GET_DIGESTS,
 * GET_CERTIFICATE for slot 0, CHALLENGE — verifying the chain against the `.cma` keyring and
 * the CHALLENGE_AUTH signature over the transcript, through the kernel's DOE mailbox.
 *
 * The requester engine (src/protocols/spdm) walks the authentication as steps (a generator
 * yielding each request); the kernel's mailbox answers in virtual time. Each request is
 * submitted to the mailbox and, when the task completes, the walk resumes with the response,
 * where it stopped: one pass through the engine per authentication, each exchange once.
 *
 * The engine is configured as the Linux requester of §3.5 (LNX-SPDM @0142c686), so the
 * requests on the wire are Appendix B.4's byte for byte: versions 1.0–1.3, GET_CAPABILITIES
 * with CTExponent 20, Flags CERT_CAP|CHAL_CAP and, at 1.2, DataTransferSize = MaxSPDMmsgSize =
 * PCI_DOE_MAX_PAYLOAD (0xFFFF8); NEGOTIATE_ALGORITHMS offering BaseAsym 0x1B5 (RSASSA
 * 2048/3072/4096, ECDSA P-256/384/521), BaseHash 0x07, OtherParams fmt1 at 1.2 and, for a
 * responder with KEY_EX_CAP, the DHE 0x1B / AEAD 0x06 / KeySchedule AlgStructs; GET_CERTIFICATE
 * asking for min(0xFFFF, transport size − 8) bytes; CHALLENGE with no measurement summary. What
 * the device selects must still be something the engine verifies (ECDSA P-256/P-384, SHA-2).
 * docs/coverage.md (§3.5) says where later revisions of the series differ.
 */
import { DriverModelError } from '../../base/index.js';
import { crypto, spdm } from '../../protocols/index.js';
import type { CmaResult, KernelCma } from './cma.js';
import { PCI_DOE_MAX_LENGTH, PCI_VENDOR_ID_PCI_SIG, type PciDoeMb } from './doe.js';

/** PCI_DOE_MAX_PAYLOAD: the transport size the kernel starts from (1,048,568 bytes). */
const PCI_DOE_MAX_PAYLOAD = (PCI_DOE_MAX_LENGTH - 2) * 4;

/** The requester options that make the engine send LNX-SPDM @0142c686's requests (Appendix B.4). */
export const LINUX_SPDM_REQUESTER = {
  versions: [0x10, 0x11, 0x12, 0x13],
  flags: 0x6, // SPDM_REQ_CAPS: CERT_CAP | CHAL_CAP
  ctExponent: 20, // SPDM_CTEXPONENT
  dataTransferSize: PCI_DOE_MAX_PAYLOAD,
  maxSpdmMsgSize: PCI_DOE_MAX_PAYLOAD,
  certificateChunk: 0xffff,
  offer: { baseAsym: 0x1b5, baseHash: 0x07, dhe: 0x1b, aead: 0x06, otherParams: 0x02 },
} as const satisfies Omit<spdm.SpdmRequesterOptions, 'random' | 'trust'>;

export class SpdmKernelCma implements KernelCma {
  /** Requests submitted to the mailbox, all authentications together (for tests counting work). */
  exchanges = 0;

  constructor(
    /** The `.cma` keyring: trusted root certificates, DER. */
    readonly keyring: readonly Uint8Array[],
    /** Seed of the kernel's nonce source. */
    readonly seed = 'auxbus kernel cma',
  ) {}

  authenticate(mb: PciDoeMb, done: (result: CmaResult) => void): void {
    const requester = new spdm.SpdmRequester({
      ...LINUX_SPDM_REQUESTER,
      random: crypto.SeededRandom.fromString(this.seed),
      trust: this.keyring,
    });
    const steps = requester.authenticateSteps({ measurements: false });
    /** Resume the walk with `response` (none at the start) and submit what it asks for next. */
    const resume = (response?: Uint8Array): void => {
      let r: IteratorResult<spdm.SpdmOutgoing, unknown>;
      try {
        r = response === undefined ? steps.next() : steps.next(response);
      } catch (e) {
        if (DriverModelError.is(e)) return done({ authenticated: false, errno: e.errno, message: e.message });
        throw e;
      }
      if (r.done) return done({ authenticated: true });
      this.exchanges++;
      mb.submit({ vendor: PCI_VENDOR_ID_PCI_SIG, type: r.value.type, request: r.value.payload, responseSize: (PCI_DOE_MAX_LENGTH - 2) * 4 }, (t) => {
        if (!t.ok) return done({ authenticated: false, errno: t.errno, message: `DOE exchange failed (${t.errno})` });
        resume(t.response);
      });
    };
    resume();
  }
}
