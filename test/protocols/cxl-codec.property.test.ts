/**
 * The CXL byte codecs the mailbox path uses (src/protocols/cxl/mbox.ts) against the obvious
 * definitions they replace: the printed UUID is the bytes in lowercase hex grouped 8-4-4-4-12,
 * parsing it gives the bytes back, uuidEquals is equality of the printed forms, the
 * little-endian readers and writers agree with DataView, and a feature entry encodes to the
 * DataView layout of struct cxl_feat_entry and decodes back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CXL_FEAT_ENTRY_SIZE,
  cxlLe16,
  cxlLe32,
  cxlPutLe16,
  cxlPutLe32,
  decodeFeatEntry,
  decodeFeatEntryAt,
  encodeFeatEntry,
  encodeFeatEntryInto,
  uuidBytes,
  uuidEquals,
  uuidEqualsAt,
  uuidString,
  uuidStringAt,
} from '../../src/protocols/index.js';

const uuid16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** The printed form by its definition: hex of each byte, dashes after bytes 4, 6, 8 and 10. */
function printed(b: Uint8Array): string {
  const h = [...b.subarray(0, 16)].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

describe('CXL UUID codec', () => {
  it('should print 16 bytes as lowercase 8-4-4-4-12 hex and parse the text (either case) back', () => {
    fc.assert(
      fc.property(uuid16, (b) => {
        const s = uuidString(b);
        expect(s).toBe(printed(b));
        expect([...uuidBytes(s)]).toEqual([...b]);
        expect([...uuidBytes(s.toUpperCase())]).toEqual([...b]);
      }),
    );
  });

  it('should call two UUIDs equal exactly when their printed forms are equal', () => {
    fc.assert(
      fc.property(uuid16, uuid16, fc.nat(15), (a, b, i) => {
        expect(uuidEquals(a, b)).toBe(printed(a) === printed(b));
        const c = a.slice();
        c[i] = c[i]! ^ 1;
        expect(uuidEquals(c, a)).toBe(false);
        expect(uuidEquals(a.slice(), a)).toBe(true);
      }),
    );
  });
});

describe('CXL little-endian fields', () => {
  it('should read and write as DataView does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), u16, u32, fc.nat(4), (bytes, a, b, at) => {
        const view = new DataView(bytes.buffer);
        expect(cxlLe16(bytes, at)).toBe(view.getUint16(at, true));
        expect(cxlLe32(bytes, at)).toBe(view.getUint32(at, true));
        const mine = new Uint8Array(8);
        const ref = new Uint8Array(8);
        cxlPutLe16(mine, at, a);
        new DataView(ref.buffer).setUint16(at, a, true);
        cxlPutLe32(mine, at + 2 <= 4 ? at + 2 : 0, b);
        new DataView(ref.buffer).setUint32(at + 2 <= 4 ? at + 2 : 0, b, true);
        expect([...mine]).toEqual([...ref]);
      }),
    );
  });
});

describe('struct cxl_feat_entry', () => {
  it('should encode to the DataView layout and decode back', () => {
    fc.assert(
      fc.property(uuid16, u16, u16, u16, u32, fc.nat(0xff), fc.nat(0xff), u16, (id16, id, get, set, flags, gv, sv, eff) => {
        const e = { uuid: uuidString(id16), id, getSize: get, setSize: set, flags, getVersion: gv, setVersion: sv, effects: eff };
        const b = encodeFeatEntry(e);
        const ref = new Uint8Array(CXL_FEAT_ENTRY_SIZE);
        const v = new DataView(ref.buffer);
        ref.set(id16, 0);
        v.setUint16(16, id, true);
        v.setUint16(18, get, true);
        v.setUint16(20, set, true);
        v.setUint32(22, flags, true);
        ref[26] = gv;
        ref[27] = sv;
        v.setUint16(28, eff, true);
        expect([...b]).toEqual([...ref]);
        expect(decodeFeatEntry(b)).toEqual(e);
      }),
    );
  });
});

describe('the offset forms and the printed-UUID memo', () => {
  it('should read a UUID and an entry at any offset as the subarray would, whatever was printed before', () => {
    fc.assert(
      fc.property(fc.array(uuid16, { minLength: 1, maxLength: 6 }), fc.nat(40), (uuids, pad) => {
        // Every UUID is printed twice (the second time from the memo) at an odd offset of a
        // larger buffer, and both prints are the definition's.
        for (const id of uuids) {
          const buf = new Uint8Array(pad + 16 + 3);
          buf.set(id, pad);
          expect(uuidStringAt(buf, pad)).toBe(printed(id));
          expect(uuidStringAt(buf, pad)).toBe(printed(id));
          expect(uuidEqualsAt(buf, pad, id)).toBe(true);
          expect(uuidEqualsAt(buf, pad + 1, id)).toBe(uuidEquals(buf.subarray(pad + 1), id));
        }
      }),
    );
  });

  it('should give the same string object for the same bytes, and another text for other bytes', () => {
    const a = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
    const b = a.slice();
    b[15] = b[15]! ^ 1;
    const first = uuidString(a);
    expect(uuidString(a.slice())).toBe(first);
    expect(uuidString(b)).toBe(printed(b));
    expect(uuidString(b)).not.toBe(first);
  });

  it('should encode into and decode from an offset as the standalone entry', () => {
    fc.assert(
      fc.property(uuid16, u16, u32, fc.nat(64), (id16, id, flags, at) => {
        const e = { uuid: uuidString(id16), id, getSize: id ^ 1, setSize: id >> 1, flags, getVersion: 1, setVersion: 2, effects: id };
        const out = new Uint8Array(at + CXL_FEAT_ENTRY_SIZE);
        encodeFeatEntryInto(out, at, e);
        expect([...out.subarray(at)]).toEqual([...encodeFeatEntry(e)]);
        expect(decodeFeatEntryAt(out, at)).toEqual(decodeFeatEntry(out.subarray(at)));
      }),
    );
  });
});
