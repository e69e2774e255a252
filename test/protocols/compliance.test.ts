import { describe, expect, it } from 'vitest';
import {
  bytesToDwords,
  complianceCodes,
  complianceRespond,
  complianceStatus,
  decodeComplianceRequest,
  decodeComplianceResponse,
  doeEncodeObject,
  doeProtocols,
  dwordsToBytes,
  encodeComplianceRequest,
  encodeComplianceResponse,
  type3ComplianceDevice,
} from '../../src/protocols/index.js';
import { toHex, zeros } from './hex.js';

const wire = (payload: Uint8Array) => toHex(dwordsToBytes(doeEncodeObject(doeProtocols.CXL_COMPLIANCE, payload)));

describe('CXL Compliance layouts (protocols §2.1)', () => {
  it.each([
    // code, request bytes, response bytes, request DWs, response DWs
    [0, 12, 28, 3, 7],
    [1, 12, 18, 3, 5],
    [2, 12, 12, 3, 3],
    [3, 68, 12, 17, 3],
    [4, 48, 12, 12, 3],
    [5, 18, 12, 5, 3],
    [6, 13, 12, 4, 3],
    [7, 14, 12, 4, 3],
    [8, 13, 12, 4, 3],
    [9, 13, 12, 4, 3],
    [10, 15, 12, 4, 3],
    [11, 14, 12, 4, 3],
    [12, 13, 12, 4, 3],
    [13, 16, 16, 4, 4],
    [14, 16, 16, 4, 4],
    [15, 13, 16, 4, 4],
  ])('code %d: request %d bytes, response %d bytes; DOE lengths %d and %d dwords', (code, req, rsp, reqDw, rspDw) => {
    const def = complianceCodes[code]!;
    expect([def.requestBytes, def.responseBytes]).toEqual([req, rsp]);
    const last = def.requestFields.at(-1);
    expect(last ? last.offset + last.size : 12).toBe(req);
    const request = doeEncodeObject(doeProtocols.CXL_COMPLIANCE, encodeComplianceRequest(code));
    const response = doeEncodeObject(doeProtocols.CXL_COMPLIANCE, encodeComplianceResponse(code));
    expect([request[1], response[1]]).toEqual([reqDw, rspDw]);
  });

  it('should lay out the Capability exchange byte for byte', () => {
    expect(wire(encodeComplianceRequest(0))).toBe('98 1e 00 00 03 00 00 00 00 00 00 00');
    const dev = type3ComplianceDevice();
    expect(wire(complianceRespond(dev, encodeComplianceRequest(0))!)).toBe(`98 1e 00 00 07 00 00 00 00 01 1c 00 e7 fd 00 00 00 00 00 00 ${zeros(8)}`);
  });

  it('should lay out Multiple Write Streaming parameters at their offsets', () => {
    const payload = encodeComplianceRequest(3, { protocol: 1, numLoops: 7, startAddr: 0x1122334455667788n, incPatternB: 0xa5a5a5a5 });
    const bytes = dwordsToBytes(doeEncodeObject(doeProtocols.CXL_COMPLIANCE, payload));
    expect([bytes[12], bytes[18]]).toEqual([1, 7]);
    expect(toHex(bytes.slice(20, 28))).toBe('88 77 66 55 44 33 22 11');
    expect(toHex(bytes.slice(64, 68))).toBe('a5 a5 a5 a5');
    expect(decodeComplianceRequest(payload)!.values.startAddr).toBe(0x1122334455667788n);
  });

  it('should put the Status response fields at 11, 15 and 17 and pad the last dword', () => {
    const rsp = encodeComplianceResponse(1, { capabilityBitfield: 0x01020304, cacheSize: 0x0506, cacheSizeUnits: 7 });
    expect(wire(rsp)).toBe('98 1e 00 00 05 00 00 00 01 01 12 04 03 02 01 06 05 07 00 00');
  });

  it('should write 16 in the length byte of the ALMP and bit-error responses (QEMU-COMP)', () => {
    expect(wire(encodeComplianceResponse(13))).toBe('98 1e 00 00 04 00 00 00 0d 01 10 00 00 00 00 00');
  });
});

describe('a type-3 device in compliance mode', () => {
  const status = (payload: Uint8Array | undefined) => decodeComplianceResponse(payload!)!.values.status;

  it('should enable an offered injection, report it in Capability and Status, and clear everything on Halt', () => {
    const dev = type3ComplianceDevice();
    expect(status(complianceRespond(dev, encodeComplianceRequest(6, { protocol: 2 })))).toBe(complianceStatus.SUCCESS);
    expect(decodeComplianceResponse(complianceRespond(dev, encodeComplianceRequest(0))!)!.values.enabled).toBe(1n << 6n);
    expect(decodeComplianceResponse(complianceRespond(dev, encodeComplianceRequest(1))!)!.values.capabilityBitfield).toBe(1 << 6);
    expect(status(complianceRespond(dev, encodeComplianceRequest(2)))).toBe(complianceStatus.SUCCESS);
    expect(dev.enabled).toBe(0n);
  });

  it('should turn MAC delay injection off with enable 0', () => {
    const dev = type3ComplianceDevice();
    complianceRespond(dev, encodeComplianceRequest(10, { enable: 1, mode: 0, delay: 3 }));
    complianceRespond(dev, encodeComplianceRequest(10, { enable: 0 }));
    expect(dev.enabled).toBe(0n);
  });

  it.each([3, 4, 9])('should answer code %d (a CXL.cache algorithm) with Unsupported Injection Function', (code) => {
    const dev = type3ComplianceDevice();
    expect(status(complianceRespond(dev, encodeComplianceRequest(code)))).toBe(complianceStatus.UNSUPPORTED_INJECTION_FUNCTION);
    expect(dev.enabled).toBe(0n);
  });

  it('should discard an unknown code and a request shorter than its layout', () => {
    const dev = type3ComplianceDevice();
    expect(complianceRespond(dev, new Uint8Array([16, 0, 0, 0]))).toBeUndefined();
    expect(complianceRespond(dev, encodeComplianceRequest(3).slice(0, 20))).toBeUndefined();
    expect(complianceRespond(dev, new Uint8Array([0, 0]))).toBeUndefined();
  });

  it('should accept a longer request and ignore the Version byte', () => {
    const dev = type3ComplianceDevice();
    const req = new Uint8Array(16);
    req.set(encodeComplianceRequest(0, {}, 9));
    expect(bytesToDwords(complianceRespond(dev, req)!).length).toBe(5);
  });
});
