/**
 * The contract between a DOE mailbox (the register model in src/drivers/hw) and the protocols
 * that answer behind it (Discovery, CXL Table Access, CXL Compliance, CMA/SPDM, Secured CMA/SPDM).
 *
 * A responder sees one whole request object at a time, after the mailbox has checked its header:
 * the payload is the bytes after the two header dwords, little-endian, a multiple of 4 long.
 * It returns the response payload (the mailbox prepends the header and pads to a dword), or
 * `undefined` to drop the request without a response, as a device does with an object it
 * cannot parse. Responders are synchronous and deterministic: the mailbox model decides how
 * much virtual time the answer takes.
 */
export interface DoeProtocolResponder {
  /** PCI-SIG vendor id of the data object protocol (0x0001 PCI-SIG, 0x1E98 CXL). */
  readonly vendor: number;
  /** Data object type within the vendor's space. */
  readonly type: number;
  respond(payload: Uint8Array): Uint8Array | undefined;
  /**
   * The mutable state `respond` works on when it keeps some (an SPDM engine: its random stream,
   * transcript and sessions; a compliance device: the injections in effect), as a property so a
   * machine snapshot walks and restores it (docs/snapshot.md: state held only by a closure is
   * not seen, and a restored machine would answer from the state its last run left).
   */
  readonly state?: object;
}
