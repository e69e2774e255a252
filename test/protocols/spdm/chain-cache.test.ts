/**
 * What the SPDM engines compute once and keep (src/protocols/spdm/responder.ts `slot0Chain`,
 * requester.ts `chainDigest`): slot 0's chain and digest under the hash negotiated, rebuilt when
 * a renegotiation picks another hash; and the message Writer, which copies long byte strings
 * once at `finish`.
 */
import { describe, expect, it } from 'vitest';
import { BaseHash, FIXTURE_CERTIFICATES, Writer, buildCertChain, decodeDigests, encodeGetDigests } from '../../../src/protocols/spdm/index.js';
import { SHA256, SHA384, SHA512, toHex, type HashAlgorithm } from '../../../src/protocols/crypto/index.js';
import { doeExchange, makeRequester, makeResponder } from './helpers.js';

const hashes: [number, HashAlgorithm][] = [
  [BaseHash.SHA_384, SHA384],
  [BaseHash.SHA_256, SHA256],
  [BaseHash.SHA_512, SHA512],
  [BaseHash.SHA_384, SHA384],
];

describe('SPDM chain built once per negotiated hash', () => {
  it('should answer DIGESTS, CERTIFICATE and CHALLENGE_AUTH under the hash of each renegotiation on one responder', () => {
    const responder = makeResponder();
    const exchange = doeExchange(responder);
    for (const [sel, hash] of hashes) {
      const requester = makeRequester(exchange, { offer: { baseHash: sel } });
      // The requester checks DIGESTS against Hash(chain) and CHALLENGE_AUTH's CertChainHash: a
      // chain or digest kept from another hash fails it (EKEYREJECTED).
      const result = requester.authenticate({ measurements: false });
      expect(result.algorithms.baseHash).toBe(sel);
      const digests = decodeDigests(exchange(1, encodeGetDigests(requester.negotiatedVersion)), hash.size);
      expect(toHex(digests.digests[0]!)).toBe(toHex(hash.digest(buildCertChain(hash, FIXTURE_CERTIFICATES))));
    }
  });

  it('should open a session after renegotiating, its transcript over the new hash of the chain', () => {
    const responder = makeResponder();
    const exchange = doeExchange(responder);
    for (const [sel] of hashes) {
      const requester = makeRequester(exchange, { offer: { baseHash: sel } });
      requester.authenticate({ measurements: false });
      requester.openSession();
      requester.endSession();
    }
  });
});

describe('SPDM message Writer', () => {
  it('should lay out scalars, short and long byte strings and zeros in order, once per finish', () => {
    const long = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
    const w = new Writer()
      .u8(0x1ff)
      .u16(0x0302)
      .bytes(Uint8Array.of(9, 8))
      .zeros(3)
      .bytes(long)
      .u24(0x070605)
      .u32(0x0b0a0908)
      .bytes(long.subarray(0, 16));
    const expected = [0xff, 0x02, 0x03, 9, 8, 0, 0, 0, ...long, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, ...long.subarray(0, 16)];
    expect(w.length).toBe(expected.length);
    const a = w.finish();
    expect([...a]).toEqual(expected);
    a.fill(0);
    expect([...w.finish()]).toEqual(expected);
    expect([...new Writer().finish()]).toEqual([]);
  });
});
