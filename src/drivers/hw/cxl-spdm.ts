/**
 * The CMA/SPDM responder of a `cxl-type3` device (DESIGN.md §4: mailbox 2, vendor 0x0001 type 1):
 * the SPDM responder engine of src/protocols/spdm with auxbus's own test identity (a P-384 chain
 * root → intermediate → leaf, fixtures/spdm), signing with the leaf key, four digest
 * measurements, and a deterministic random source seeded per device serial — so two machines,
 * or two runs, sign the same bytes. The secured-message type (0001:02) is not listed on this
 * mailbox (§4's Discovery table has one protocol per mailbox).
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

/** A fresh SPDM responder engine for the device with `serial`, as its type-1 DOE responder. */
export function cxlType3SpdmResponder(serial: bigint): DoeProtocolResponder {
  const engine = new spdm.SpdmResponder({
    certificates: spdm.FIXTURE_CERTIFICATES,
    signer: spdm.keySigner(spdm.FIXTURE_LEAF_KEY),
    random: crypto.SeededRandom.fromString(`cxl-type3 ${serial.toString(16)}`),
    measurements: cxlType3Measurements(),
  });
  return spdm.spdmDoeResponders(engine)[0];
}
