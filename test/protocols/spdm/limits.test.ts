/**
 * The SPDM sizes of reference/protocols.md §5 the codecs enforce, one row each, at the limit and
 * one past it: NEGOTIATE_ALGORITHMS Length (0x40 at 1.0, 0x80 from 1.1), VERSION's entry count
 * (0 refused, as libspdm), OpaqueDataLength (1024), CAPABILITIES DataTransferSize (42 at 1.2),
 * and the 100-byte combined signing prefix of 1.2.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/protocols/crypto/index.js';
import {
  combinedPrefix,
  decodeKeyExchange,
  decodeNegotiateAlgorithms,
  decodeVersion,
  encodeKeyExchange,
  encodeNegotiateAlgorithms,
} from '../../../src/protocols/spdm/index.js';
import { makeResponder } from './helpers.js';

const errnoOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { errno?: string }).errno;
  }
};

/** The 32-byte fixed part of a NEGOTIATE_ALGORITHMS at `version`, no tables. */
const negotiate = (version: number): Uint8Array =>
  encodeNegotiateAlgorithms({ version, measurementSpec: 1, otherParams: 0, baseAsym: 0x80, baseHash: 2, algStructs: [] });

describe('SPDM limits (protocols §5)', () => {
  it.each([
    ['1.0, Length 64', 0x10, 64, undefined],
    ['1.0, Length 68', 0x10, 68, 'EPROTO'],
    ['1.1, Length 128', 0x11, 128, undefined],
    ['1.1, Length 132', 0x11, 132, 'EPROTO'],
  ])('NEGOTIATE_ALGORITHMS %s', (_name, version, length, errno) => {
    // Pad with ExtAsym entries (4 bytes each) to reach the Length without AlgStruct ordering rules.
    const base = negotiate(version);
    const ext = (length - base.length) / 4;
    const b = new Uint8Array(length);
    b.set(base);
    b[4] = length & 0xff;
    b[5] = length >> 8;
    b[28] = ext; // ExtAsymCount
    expect(errnoOf(() => decodeNegotiateAlgorithms(b))).toBe(errno);
  });

  it('VERSION with VersionNumberEntryCount 0 is refused (EPROTO), 1 accepted', () => {
    expect(errnoOf(() => decodeVersion(Uint8Array.of(0x10, 0x04, 0, 0, 0, 0)))).toBe('EPROTO');
    expect(decodeVersion(Uint8Array.of(0x10, 0x04, 0, 0, 0, 1, 0x00, 0x12)).entries).toEqual([0x1200]);
  });

  it.each([
    [1024, undefined],
    [1025, 'EPROTO'],
  ])('KEY_EXCHANGE OpaqueDataLength %d', (n, errno) => {
    const b = encodeKeyExchange({
      version: 0x12,
      measSummaryType: 0,
      slot: 0,
      reqSessionId: 0xffff,
      sessionPolicy: 0,
      random: new Uint8Array(32),
      exchangeData: new Uint8Array(96),
      opaque: new Uint8Array(n),
    });
    expect(errnoOf(() => decodeKeyExchange(b, 96))).toBe(errno);
  });

  it.each([
    [42, 0x61],
    [41, 0x7f],
  ])('GET_CAPABILITIES 1.2 with DataTransferSize %d answers 0x%s', (dts, code) => {
    const r = makeResponder();
    r.respond(Uint8Array.of(0x10, 0x84, 0, 0));
    const req = Uint8Array.of(0x12, 0xe1, 0, 0, 0, 20, 0, 0, 6, 0, 0, 0, dts, 0, 0, 0, dts, 0, 0, 0);
    expect(r.respond(req)[1]).toBe(code);
  });

  it('the 1.2 combined prefix is 100 bytes: "dmtf-spdm-v1.2.*" x4, zeros, the context right-aligned', () => {
    const p = combinedPrefix(0x12, 'responder-challenge_auth signing');
    expect(p).toHaveLength(100);
    expect(new TextDecoder().decode(p.subarray(0, 64))).toBe('dmtf-spdm-v1.2.*'.repeat(4));
    expect(toHex(p.subarray(64, 68))).toBe('00000000');
    expect(new TextDecoder().decode(p.subarray(68))).toBe('responder-challenge_auth signing');
  });
});
