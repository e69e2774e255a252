/**
 * Invariants of the pure protocol code over random inputs: any CDAT built from random
 * structures sums to 0, parses back to the same structures, and its Table Access walk
 * concatenates to exactly the header's Length; a Discovery walk over any protocol list visits
 * Discovery then each protocol once and ends with Next 0; random request payloads never make
 * a responder throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CdatStructure,
  buildCdatTable,
  cdatChecksumValid,
  complianceRespond,
  discoveryEntry,
  discoveryResponder,
  parseCdatTable,
  tableAccessResponder,
  type3ComplianceDevice,
} from '../../src/protocols/index.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const structure: fc.Arbitrary<CdatStructure> = fc.oneof(
  fc.record({ type: fc.constant(0 as const), handle: u8, flags: u8, dpaBase: u64, dpaLength: u64 }),
  fc.record({ type: fc.constant(1 as const), handle: u8, flags: u8, dataType: u8, entryBaseUnit: u64, entries: fc.tuple(u16, u16, u16) }),
  fc.record({ type: fc.constant(2 as const), handle: u8, cacheSize: u64, cacheAttributes: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ type: fc.constant(3 as const), flags: u8, handle: u8 }),
  fc.record({ type: fc.constant(4 as const), handle: u8, efiTypeAttr: u8, dpaOffset: u64, dpaLength: u64 }),
  fc.record({
    type: fc.constant(5 as const),
    dataType: u8,
    entryBaseUnit: u64,
    entries: fc.array(fc.record({ portX: u16, portY: u16, value: u16 }), { maxLength: 4 }),
  }),
);

describe('CDAT tables (protocols §2.2)', () => {
  it('should checksum to 0, parse back, and walk to exactly the header Length', () => {
    fc.assert(
      fc.property(fc.array(structure, { maxLength: 12 }), fc.integer({ min: 0, max: 0xffffffff }), (structures, sequence) => {
        const table = buildCdatTable(structures, { sequence });
        expect(cdatChecksumValid(table.bytes)).toBe(true);
        expect(parseCdatTable(table.bytes).structures).toEqual(structures);
        const responder = tableAccessResponder(() => table, { strict: true });
        let handle = 0;
        let total = 0;
        for (let steps = 0; steps <= structures.length; steps++) {
          const rsp = responder.respond(new Uint8Array([0, 0, handle & 0xff, handle >> 8]))!;
          total += table.entries[handle]!.length;
          expect(rsp.length).toBe(4 + table.entries[handle]!.length);
          handle = rsp[2]! | (rsp[3]! << 8);
          if (handle === 0xffff) break;
        }
        expect(handle).toBe(0xffff);
        expect(total).toBe(table.header.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('Discovery (protocols §1.4)', () => {
  it('should list Discovery then each protocol once and end with Next 0', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ vendor: u16, type: u8 }), { maxLength: 20 }), (protocols) => {
        const seen: { vendor: number; type: number }[] = [];
        let index = 0;
        for (let n = 0; n < 256; n++) {
          const e = discoveryEntry(protocols, index);
          seen.push({ vendor: e.vendor, type: e.type });
          if (e.next === 0) break;
          expect(e.next).toBe(index + 1);
          index = e.next;
        }
        expect(seen).toEqual([{ vendor: 1, type: 0 }, ...protocols]);
      }),
    );
  });
});

describe('responders on random payloads', () => {
  it('should answer or drop, never throw', () => {
    const table = buildCdatTable([]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (payload) => {
        discoveryResponder([{ vendor: 0x1e98, type: 2 }]).respond(payload);
        tableAccessResponder(() => table, { strict: false }).respond(payload);
        complianceRespond(type3ComplianceDevice(), payload);
      }),
    );
  });
});
