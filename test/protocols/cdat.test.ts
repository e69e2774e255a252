import { describe, expect, it } from 'vitest';
import {
  CDAT_SSLBIS_USP,
  TABLE_ACCESS_LAST_ENTRY,
  buildCdatTable,
  bytesToDwords,
  cdatChecksumValid,
  cdatTypes,
  decodeCdatStructure,
  doeDecodeObject,
  doeEncodeObject,
  doeProtocols,
  dwordsToBytes,
  encodeCdatStructure,
  hmatDataTypes,
  memdevCdat,
  parseCdatTable,
  tableAccessResponder,
  type CdatStructure,
  type CdatTable,
} from '../../src/protocols/index.js';
import { hex, toHex, zeros } from './hex.js';

const MiB256 = 256n << 20n;

function exchange(table: CdatTable, request: string, strict = true): string | undefined {
  const obj = doeDecodeObject(bytesToDwords(hex(request)));
  const payload = tableAccessResponder(() => table, { strict }).respond(obj.payload);
  return payload && toHex(dwordsToBytes(doeEncodeObject(doeProtocols.CXL_TABLE_ACCESS, payload)));
}

/** Appendix B.3: a 256 MiB volatile-only device (mainline QEMU volatile-memdev). */
const B3: [number, string][] = [
  [0, '98 1e 02 00 07 00 00 00 00 00 01 00 a0 00 00 00 02 0d 00 00 00 00 00 00 00 00 00 00'],
  [1, `98 1e 02 00 09 00 00 00 00 00 02 00 00 00 18 00 00 00 00 00 ${zeros(8)} 00 00 00 10 00 00 00 00`],
  [2, '98 1e 02 00 09 00 00 00 00 00 03 00 01 00 18 00 00 00 01 00 10 27 00 00 00 00 00 00 0f 00 00 00 00 00 00 00'],
  [3, '98 1e 02 00 09 00 00 00 00 00 04 00 01 00 18 00 00 00 02 00 10 27 00 00 00 00 00 00 19 00 00 00 00 00 00 00'],
  [4, '98 1e 02 00 09 00 00 00 00 00 05 00 01 00 18 00 00 00 04 00 e8 03 00 00 00 00 00 00 10 00 00 00 00 00 00 00'],
  [5, '98 1e 02 00 09 00 00 00 00 00 06 00 01 00 18 00 00 00 05 00 e8 03 00 00 00 00 00 00 10 00 00 00 00 00 00 00'],
  [6, `98 1e 02 00 09 00 00 00 00 00 ff ff 04 00 18 00 00 01 00 00 ${zeros(8)} 00 00 00 10 00 00 00 00`],
];

function request(handle: number, code = 0, tableType = 0): string {
  return `98 1e 02 00 03 00 00 00 ${toHex(new Uint8Array([code, tableType, handle & 0xff, handle >> 8]))}`;
}

describe('CDAT over Table Access (protocols Appendix B.3)', () => {
  const table = memdevCdat({ volatileSize: MiB256 });

  it('should build a 160-byte table, revision 2, checksum 0x0D, sequence 0, whose bytes sum to 0', () => {
    expect(table.header).toEqual({ length: 0xa0, revision: 2, checksum: 0x0d, sequence: 0 });
    expect(table.bytes.length).toBe(160);
    expect(cdatChecksumValid(table.bytes)).toBe(true);
  });

  it.each(B3)('handle %d', (handle, response) => {
    expect(exchange(table, request(handle))).toBe(response);
  });

  it('should walk from handle 0 following next handles until 0xFFFF, concatenating to the header Length', () => {
    const responder = tableAccessResponder(() => table, { strict: true });
    const parts: Uint8Array[] = [];
    let handle = 0;
    for (let steps = 0; steps < 10; steps++) {
      const rsp = responder.respond(new Uint8Array([0, 0, handle & 0xff, handle >> 8]))!;
      parts.push(rsp.slice(4));
      handle = rsp[2]! | (rsp[3]! << 8);
      if (handle === TABLE_ACCESS_LAST_ENTRY) break;
    }
    const walked = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (walked.set(p, at), at + p.length), 0);
    expect(walked.length).toBe(table.header.length);
    expect(toHex(walked)).toBe(toHex(table.bytes));
    expect(parseCdatTable(walked).structures.map((s) => s.type)).toEqual([0, 1, 1, 1, 1, 4]);
  });

  it('QEMU 7.2 memdev= (persistent): DSMAS flags 0x04, DSEMTS 2, checksum 0x08 [b1-cdat-read]', () => {
    const pmem = memdevCdat({ persistentSize: MiB256 });
    expect(pmem.header.checksum).toBe(0x08);
    expect(exchange(pmem, request(1))).toBe(`98 1e 02 00 09 00 00 00 00 00 02 00 00 00 18 00 00 04 00 00 ${zeros(8)} 00 00 00 10 00 00 00 00`);
    expect(exchange(pmem, request(6))).toBe(`98 1e 02 00 09 00 00 00 00 00 ff ff 04 00 18 00 00 02 00 00 ${zeros(8)} 00 00 00 10 00 00 00 00`);
  });

  it('should give the persistent region handle 1 and a DPA base after a volatile one', () => {
    const both = parseCdatTable(memdevCdat({ volatileSize: MiB256, persistentSize: MiB256 }).bytes).structures;
    expect(both.filter((s) => s.type === cdatTypes.DSMAS)).toEqual([
      { type: 0, handle: 0, flags: 0, dpaBase: 0n, dpaLength: MiB256 },
      { type: 0, handle: 1, flags: 4, dpaBase: MiB256, dpaLength: MiB256 },
    ]);
  });

  it('should discard a handle past the last entry instead of reading beyond the table [c15]', () => {
    expect(exchange(table, request(7))).toBeUndefined();
    expect(exchange(table, request(0xffff))).toBeUndefined();
  });

  it.each([
    ['Request Code 1', 1, 0],
    ['Table Type 1', 0, 1],
    ['both 0xFF', 0xff, 0xff],
  ])('%s: a strict device discards, QEMU answers as Read Entry [c14]', (_n, code, type) => {
    expect(exchange(table, request(0, code, type))).toBeUndefined();
    expect(exchange(table, request(0, code, type), false)).toBe(B3[0]![1]);
  });
});

describe('QEMU 7.2 switch upstream port CDAT (protocols Appendix B.3, d1-switch-usp-cdat)', () => {
  const usp = buildCdatTable([
    {
      type: cdatTypes.SSLBIS,
      dataType: hmatDataTypes.ACCESS_LATENCY,
      entryBaseUnit: 10000n,
      entries: [{ portX: CDAT_SSLBIS_USP, portY: 0, value: 15 }],
    },
    {
      type: cdatTypes.SSLBIS,
      dataType: hmatDataTypes.ACCESS_BANDWIDTH,
      entryBaseUnit: 1000n,
      entries: [{ portX: CDAT_SSLBIS_USP, portY: 0, value: 16 }],
    },
  ]);
  it.each([
    [0, '98 1e 02 00 07 00 00 00 00 00 01 00 40 00 00 00 02 3e 00 00 00 00 00 00 00 00 00 00'],
    [1, '98 1e 02 00 09 00 00 00 00 00 02 00 05 00 18 00 00 00 00 00 10 27 00 00 00 00 00 00 00 01 00 00 0f 00 00 00'],
    [2, '98 1e 02 00 09 00 00 00 00 00 ff ff 05 00 18 00 03 00 00 00 e8 03 00 00 00 00 00 00 00 01 00 00 10 00 00 00'],
  ])('handle %d', (handle, response) => {
    expect(exchange(usp, request(handle))).toBe(response);
  });
});

describe('CDAT structures (protocols §2.2)', () => {
  const samples: [string, CdatStructure, number][] = [
    ['DSMSCIS', { type: 2, handle: 3, cacheSize: 0x4000000n, cacheAttributes: 0x0102_0304 }, 20],
    ['DSIS', { type: 3, flags: 1, handle: 2 }, 8],
    [
      'SSLBIS with two entries',
      {
        type: 5,
        dataType: 3,
        entryBaseUnit: 1000n,
        entries: [
          { portX: 0x100, portY: 0, value: 16 },
          { portX: 0x100, portY: 1, value: 8 },
        ],
      },
      32,
    ],
  ];
  it.each(samples)('%s round-trips at its size', (_n, s, size) => {
    const bytes = encodeCdatStructure(s);
    expect([bytes[0], bytes[1], bytes[2]! | (bytes[3]! << 8), bytes.length]).toEqual([s.type, 0, size, size]);
    expect(decodeCdatStructure(bytes)).toEqual(s);
  });

  it('should lay DSMSCIS and DSIS out byte for byte', () => {
    expect(toHex(encodeCdatStructure(samples[0]![1]))).toBe('02 00 14 00 03 00 00 00 00 00 00 04 00 00 00 00 04 03 02 01');
    expect(toHex(encodeCdatStructure(samples[1]![1]))).toBe('03 00 08 00 01 02 00 00');
  });

  it.each([
    ['a reserved type', '06 00 08 00 00 00 00 00'],
    ['a DSIS of the wrong length', '03 00 0c 00 00 00 00 00 00 00 00 00'],
    ['a length past the bytes', '03 00 10 00 00 00 00 00'],
    ['an SSLBIS with a partial entry', `05 00 14 00 ${zeros(16)}`],
  ])('should refuse %s with EINVAL', (_n, bytes) => {
    expect(() => decodeCdatStructure(hex(bytes))).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
  });

  it('should refuse a table whose checksum does not sum to 0', () => {
    const bytes = memdevCdat({ volatileSize: MiB256 }).bytes.slice();
    bytes[5] = (bytes[5]! + 1) & 0xff;
    expect(() => parseCdatTable(bytes)).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
  });
});
