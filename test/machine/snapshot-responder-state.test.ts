/**
 * A device's DOE responders keep state — the SPDM engine's random stream, transcript and
 * sessions; the compliance injections in effect — behind `respond` closures. They expose it as
 * `state`, so a machine snapshot restores it: a run from a snapshot answers as a fresh machine
 * would, not from the state the previous run left.
 */
import { describe, expect, it } from 'vitest';
import { restoreSnapshot, takeSnapshot } from '../../src/base/index.js';
import { cxlType3SpdmResponders } from '../../src/drivers/hw/cxl-spdm.js';
import { prepareBase, randomChooser, runSchedule } from '../../src/machine/index.js';
import { complianceResponder, crypto, decodeComplianceResponse, encodeComplianceRequest, type3ComplianceDevice } from '../../src/protocols/index.js';
import { loadScenarioFile } from '../support/load-scenario.js';

describe('DOE responder state under snapshot/restore', () => {
  it('restores the compliance injections in effect', () => {
    const r = complianceResponder(type3ComplianceDevice());
    const enabled = () => decodeComplianceResponse(r.respond(encodeComplianceRequest(1, {}, 1))!)!.values.capabilityBitfield;
    const token = takeSnapshot([r]);
    r.respond(encodeComplianceRequest(5, {}, 1)); // an injection the device offers
    expect(enabled()).toBe(1 << 5);
    restoreSnapshot(token);
    expect(enabled()).toBe(0);
  });

  it('restores the SPDM engine (connection state and random stream)', () => {
    const [plain] = cxlType3SpdmResponders(0xcafen);
    // A request changes the engine's connection state and a CHALLENGE draws its random stream:
    // do both, restore, and the whole engine is as it was.
    const token = takeSnapshot([plain]);
    const before = JSON.stringify(plain.state, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v));
    plain.respond(new Uint8Array([0x10, 0x84, 0, 0])); // GET_VERSION 1.0
    (plain.state as { config: { random: crypto.RandomSource } }).config.random.bytes(32);
    restoreSnapshot(token);
    const after = JSON.stringify(plain.state, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v));
    expect(after).toBe(before);
  });

  it('makes a schedule run from a snapshot sign what the same schedule signed before (no new signature)', () => {
    const loaded = loadScenarioFile('examples/explore/doe-aux-exclusive.yaml');
    const base = prepareBase(loaded)!;
    try {
      runSchedule(loaded, { base, choose: randomChooser(3) });
      const signed = crypto.memoStats('ecdsa-sign').misses;
      for (let i = 0; i < 3; i++) runSchedule(loaded, { base, choose: randomChooser(3) });
      // The device's CHALLENGE_AUTH signs a transcript holding its nonce: the same nonce each time.
      expect(crypto.memoStats('ecdsa-sign').misses).toBe(signed);
    } finally {
      base.dispose();
    }
  });
});
