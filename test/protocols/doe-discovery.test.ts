import { describe, expect, it } from 'vitest';
import { DriverModelError } from '../../src/base/index.js';
import {
  DOE_MAX_OBJECT_DWORDS,
  bytesToDwords,
  discoveryResponder,
  doeDecodeObject,
  doeEncodeObject,
  doeProtocols,
  dwordsToBytes,
  encodeDiscoveryRequest,
} from '../../src/protocols/index.js';
import { hex, toHex } from './hex.js';

/** A whole request object through a responder, as bytes on the wire (header + payload). */
function exchange(protocols: readonly { vendor: number; type: number }[], request: Uint8Array): string | undefined {
  const obj = doeDecodeObject(bytesToDwords(request));
  const payload = discoveryResponder(protocols).respond(obj.payload);
  if (!payload) return undefined;
  return toHex(dwordsToBytes(doeEncodeObject(doeProtocols.DISCOVERY, payload)));
}

const QEMU_TYPE3 = [doeProtocols.CXL_TABLE_ACCESS];
const SPDM_EMU = [doeProtocols.CMA_SPDM, doeProtocols.SECURED_CMA_SPDM];

describe('Discovery vectors (protocols Appendix B.2)', () => {
  it.each([
    ['QEMU type-3 index 0 [a2]', QEMU_TYPE3, '01 00 00 00 03 00 00 00 00 00 00 00', '01 00 00 00 03 00 00 00 01 00 00 01'],
    ['QEMU type-3 index 1 [a2]', QEMU_TYPE3, '01 00 00 00 03 00 00 00 01 00 00 00', '01 00 00 00 03 00 00 00 98 1e 02 00'],
    ['QEMU type-3 index 2, past the end [c09]', QEMU_TYPE3, '01 00 00 00 03 00 00 00 02 00 00 00', '01 00 00 00 03 00 00 00 ff ff ff 03'],
    ['QEMU type-3 index 0xFF, next wraps [c09]', QEMU_TYPE3, '01 00 00 00 03 00 00 00 ff 00 00 00', '01 00 00 00 03 00 00 00 ff ff ff 00'],
    ['QEMU type-3 index 1 with Discovery Version 2 [c09]', QEMU_TYPE3, '01 00 00 00 03 00 00 00 01 02 00 00', '01 00 00 00 03 00 00 00 98 1e 02 00'],
    ['QEMU type-3 index 1 with reserved bits set [c09]', QEMU_TYPE3, '01 00 00 00 03 00 00 00 01 00 ff ff', '01 00 00 00 03 00 00 00 98 1e 02 00'],
    ['spdm-emu table index 0', SPDM_EMU, '01 00 00 00 03 00 00 00 00 00 00 00', '01 00 00 00 03 00 00 00 01 00 00 01'],
    ['spdm-emu table index 1', SPDM_EMU, '01 00 00 00 03 00 00 00 01 00 00 00', '01 00 00 00 03 00 00 00 01 00 01 02'],
    ['spdm-emu table index 2', SPDM_EMU, '01 00 00 00 03 00 00 00 02 00 00 00', '01 00 00 00 03 00 00 00 01 00 02 00'],
  ])('%s', (_name, protocols, request, response) => {
    expect(exchange(protocols, hex(request))).toBe(response);
  });

  it('should encode the request Linux sends on a version-2 capability', () => {
    expect(toHex(dwordsToBytes(doeEncodeObject(doeProtocols.DISCOVERY, encodeDiscoveryRequest({ index: 0, version: 2 }))))).toBe(
      '01 00 00 00 03 00 00 00 00 02 00 00',
    );
  });

  it('should drop a request without a payload dword (QEMU: Length below 3 is discarded)', () => {
    expect(discoveryResponder(QEMU_TYPE3).respond(new Uint8Array(0))).toBeUndefined();
  });
});

describe('DOE object header (protocols §1.3)', () => {
  it('should encode a 2^18-dword object with length 0 and refuse one dword more with EIO', () => {
    const max = doeEncodeObject(doeProtocols.CMA_SPDM, new Uint8Array((DOE_MAX_OBJECT_DWORDS - 2) * 4));
    expect(max[1]).toBe(0);
    expect(doeDecodeObject(max).length).toBe(DOE_MAX_OBJECT_DWORDS);
    expect(() => doeEncodeObject(doeProtocols.CMA_SPDM, new Uint8Array((DOE_MAX_OBJECT_DWORDS - 2) * 4 + 1))).toThrow(
      expect.objectContaining({ errno: 'EIO' }),
    );
  });

  it('should pad a partial last dword with zero bytes and round the length up', () => {
    expect(doeEncodeObject(doeProtocols.CMA_SPDM, hex('10 84 00'))).toEqual([0x00010001, 3, 0x00008410]);
  });

  it.each([
    ['no header', [0x00000001]],
    ['length 1', [0x00000001, 1]],
    ['truncated: 3 announced, 2 present', [0x00000001, 3]],
  ])('should refuse %s with EIO', (_n, dwords) => {
    let err: unknown;
    try {
      doeDecodeObject(dwords);
    } catch (e) {
      err = e;
    }
    expect(DriverModelError.is(err, 'EIO')).toBe(true);
  });

  it('should ignore DW1 bits 31:18 and report the reserved byte of DW0', () => {
    const obj = doeDecodeObject([0x01000001, 0xfffc0003, 0]);
    expect([obj.vendor, obj.type, obj.reserved, obj.length]).toEqual([1, 0, 1, 3]);
  });
});
