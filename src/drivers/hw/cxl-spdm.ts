/**
 * The CMA/SPDM responder of a `cxl-type3` device (DESIGN.md §4: mailbox 2): one SPDM responder
 * engine of src/protocols/spdm answering both data object protocols of that mailbox, CMA/SPDM
 * (0001:01, plain messages) and Secured CMA/SPDM (0001:02, DSP0277 records of a session), as a
 * CMA device lists them in Discovery (PCIe r6.2 §6.31.3; spdm-emu's table {0001:00, 0001:01,
 * 0001:02}). By default it carries auxbus's own test identity (a P-384 chain root → intermediate
 * → leaf, fixtures/spdm) and signs with the leaf key; a provisioned identity (a chain and its
 * leaf's signer, e.g. `auxbus spdm serve --cert-chain --key`) replaces it. Four digest
 * measurements, and a deterministic random source seeded per device serial — so two machines,
 * or two runs, sign the same bytes.
 */
import { type DoeProtocolResponder, crypto, spdm } from '../../protocols/index.js';

const enc = new TextEncoder();

/** The device's measurement blocks: ROM, firmware, hardware and firmware configuration. */
function cxlType3Measurements() {
  return [
    spdm.digestMeasurement(1, 0x00, enc.encode('cxl-type3 immutable ROM')),
    spdm.digestMeasurement(2, 0x01, enc.encode('cxl-type3 mutable firmware')),
    spdm.digestMeasurement(3, 0x02, enc.encode('cxl-type3 hardware configuration')),
    spdm.digestMeasurement(4, 0x03, enc.encode('cxl-type3 firmware configuration')),
  ];
}

/** A device's SPDM identity: its certificate chain (DER, root first) and its leaf key's signer. */
export interface SpdmIdentity {
  readonly certificates: readonly Uint8Array[];
  readonly signer: spdm.SpdmSigner;
}

/** auxbus's own test identity (fixtures/spdm), which the `.cma` keyring of a machine trusts. */
export const fixtureSpdmIdentity = (): SpdmIdentity => ({ certificates: spdm.FIXTURE_CERTIFICATES, signer: spdm.keySigner(spdm.FIXTURE_LEAF_KEY) });

/** A fresh SPDM responder engine for the device with `serial` (its random stream seeded by it unless `seed`). */
export function cxlType3SpdmEngine(serial: bigint, identity: SpdmIdentity = fixtureSpdmIdentity(), seed?: string): spdm.SpdmResponder {
  return new spdm.SpdmResponder({
    certificates: identity.certificates,
    signer: identity.signer,
    random: crypto.SeededRandom.fromString(seed ?? `cxl-type3 ${serial.toString(16)}`),
    measurements: cxlType3Measurements(),
  });
}

/** The device's DOE responders, 0001:01 then 0001:02, sharing one engine. */
export function cxlType3SpdmResponders(serial: bigint, identity?: SpdmIdentity): [DoeProtocolResponder, DoeProtocolResponder] {
  return spdm.spdmDoeResponders(cxlType3SpdmEngine(serial, identity));
}

/** The plain CMA/SPDM responder alone (type 1), for a mailbox that lists only 0001:01. */
export function cxlType3SpdmResponder(serial: bigint): DoeProtocolResponder {
  return cxlType3SpdmResponders(serial)[0];
}
