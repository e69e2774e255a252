/**
 * A ready-made CMA/SPDM device identity for machines, examples and `auxbus spdm serve`: auxbus's
 * own test chain and key (fixture-identity.ts) and four DMTF measurement blocks (SHA-384 digests
 * of fixed strings: immutable ROM, mutable firmware, hardware configuration, firmware
 * configuration). Deterministic: the same seed gives the same bytes on the wire.
 */
import { ascii, SeededRandom } from '../crypto/index.js';
import { FIXTURE_CERTIFICATES, FIXTURE_LEAF_KEY } from './fixture-identity.js';
import type { MeasurementBlock } from './messages.js';
import { SpdmResponder, digestMeasurement, keySigner, type SpdmResponderConfig } from './responder.js';

export function testMeasurements(): MeasurementBlock[] {
  return [
    digestMeasurement(1, 0x00, ascii('auxbus immutable ROM')),
    digestMeasurement(2, 0x01, ascii('auxbus mutable firmware')),
    digestMeasurement(3, 0x02, ascii('auxbus hardware configuration')),
    digestMeasurement(4, 0x03, ascii('auxbus firmware configuration')),
  ];
}

/** An SPDM responder with the test identity; `seed` names its deterministic random stream. */
export function createTestSpdmResponder(seed: string, over: Partial<SpdmResponderConfig> = {}): SpdmResponder {
  return new SpdmResponder({
    certificates: FIXTURE_CERTIFICATES,
    signer: keySigner(FIXTURE_LEAF_KEY),
    random: SeededRandom.fromString(seed),
    measurements: testMeasurements(),
    ...over,
  });
}
