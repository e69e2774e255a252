import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DriverModelError } from '../../../src/base/index.js';
import {
  SHA256,
  SHA384,
  SeededRandom,
  ascii,
  buildCertificate,
  ecPrivateKeyToSec1,
  ecdsaSignDigest,
  ecdsaVerifyDigest,
  ecdhSharedSecret,
  ecdheExchangeData,
  fromHex,
  generatePrivateKey,
  loadEcPrivateKey,
  parseCertificate,
  pemDecode,
  pemEncode,
  publicKeyOf,
  splitConcatenated,
  toHex,
  verifyCertificateChain,
} from '../../../src/protocols/crypto/index.js';
import { FIXTURE_CERTIFICATES, FIXTURE_LEAF_KEY, FIXTURE_ROOT } from '../../../src/protocols/spdm/fixture-identity.js';
import { binConcat, combinedPrefix, deriveDataKeys, deriveHandshakeKeys } from '../../../src/protocols/spdm/index.js';

const repo = join(import.meta.dirname, '..', '..', '..');

describe('SeededRandom', () => {
  it('is the documented stream: block n = SHA-256(seed || "auxbus-drbg" || u64le(n))', () => {
    const r = SeededRandom.fromString('s');
    const b0 = SHA256.digest(new Uint8Array([...ascii('s'), ...ascii('auxbus-drbg'), 0, 0, 0, 0, 0, 0, 0, 0]));
    const b1 = SHA256.digest(new Uint8Array([...ascii('s'), ...ascii('auxbus-drbg'), 1, 0, 0, 0, 0, 0, 0, 0]));
    expect(toHex(r.bytes(10))).toBe(toHex(b0.subarray(0, 10)));
    expect(toHex(r.bytes(30))).toBe(toHex(new Uint8Array([...b0.subarray(10), ...b1.subarray(0, 8)])));
  });
});

describe('SPDM key schedule pieces', () => {
  it('BinConcat: u16le length || "spdm1.2 " || label || context', () => {
    expect(toHex(binConcat(0x12, 48, 'derived'))).toBe(`3000${toHex(ascii('spdm1.2 derived'))}`);
    expect(toHex(binConcat(0x11, 12, 'iv'))).toBe(`0c00${toHex(ascii('spdm1.1 iv'))}`);
    expect(binConcat(0x12, 48, 'req hs data', new Uint8Array(48).fill(7)).length).toBe(2 + 8 + 11 + 48);
  });

  it('handshake and data secrets follow HKDF-Extract/Expand as DSP0274 defines them', () => {
    const shared = new Uint8Array(48).fill(1);
    const th1 = new Uint8Array(48).fill(2);
    const hs = deriveHandshakeKeys(SHA384, 0x12, shared, th1);
    const hsSecret = SHA384.hkdfExtract(new Uint8Array(48), shared);
    expect(hs.handshakeSecret).toEqual(hsSecret);
    expect(hs.request.secret).toEqual(SHA384.hkdfExpand(hsSecret, binConcat(0x12, 48, 'req hs data', th1), 48));
    expect(hs.responseFinishedKey).toEqual(SHA384.hkdfExpand(hs.response.secret, binConcat(0x12, 48, 'finished'), 48));
    expect(hs.request.key).toHaveLength(32);
    expect(hs.request.iv).toHaveLength(12);
    const th2 = new Uint8Array(48).fill(3);
    const data = deriveDataKeys(SHA384, 0x12, hsSecret, th2);
    const salt1 = SHA384.hkdfExpand(hsSecret, binConcat(0x12, 48, 'derived'), 48);
    expect(data.masterSecret).toEqual(SHA384.hkdfExtract(salt1, new Uint8Array(48)));
    expect(data.response.secret).toEqual(SHA384.hkdfExpand(data.masterSecret, binConcat(0x12, 48, 'rsp app data', th2), 48));
  });

  it('combined signing prefix (1.2): four "dmtf-spdm-v1.2.*", zero padding, context right-aligned, 100 bytes', () => {
    const p = combinedPrefix(0x12, 'responder-challenge_auth signing');
    expect(p).toHaveLength(100);
    expect(new TextDecoder().decode(p.subarray(0, 64))).toBe('dmtf-spdm-v1.2.*'.repeat(4));
    expect(toHex(p.subarray(64, 68))).toBe('00000000');
    expect(new TextDecoder().decode(p.subarray(68))).toBe('responder-challenge_auth signing');
    const m = combinedPrefix(0x12, 'responder-measurements signing');
    expect(toHex(m.subarray(64, 70))).toBe('000000000000');
  });
});

describe('ECDSA and ECDHE', () => {
  it('signatures are RFC 6979 deterministic and verify; a different digest does not', () => {
    const d = SHA384.digest(ascii('x'));
    const s1 = ecdsaSignDigest(FIXTURE_LEAF_KEY, d);
    expect(s1).toEqual(ecdsaSignDigest(FIXTURE_LEAF_KEY, d));
    const pub = publicKeyOf(FIXTURE_LEAF_KEY);
    expect(ecdsaVerifyDigest(pub, d, s1)).toBe(true);
    expect(ecdsaVerifyDigest(pub, SHA384.digest(ascii('y')), s1)).toBe(false);
    expect(ecdsaVerifyDigest(pub, d, s1.subarray(1))).toBe(false);
  });

  it.each(['P-256', 'P-384'] as const)('ECDHE on %s agrees on both sides; an off-curve point is EPROTO', (curve) => {
    const a = generatePrivateKey(curve, SeededRandom.fromString('a'));
    const b = generatePrivateKey(curve, SeededRandom.fromString('b'));
    expect(ecdhSharedSecret(a, ecdheExchangeData(b))).toEqual(ecdhSharedSecret(b, ecdheExchangeData(a)));
    const bad = ecdheExchangeData(b);
    bad[5]! ^= 1;
    expect(() => ecdhSharedSecret(a, bad)).toThrow(DriverModelError);
  });
});

describe('keys and PEM', () => {
  it('the committed leaf.key.pem is the fixture leaf key (SEC1), and SEC1/PKCS#8 both load', () => {
    const pem = readFileSync(join(repo, 'fixtures/spdm/leaf.key.pem'), 'utf8');
    expect(loadEcPrivateKey(pem)).toEqual(FIXTURE_LEAF_KEY);
    expect(loadEcPrivateKey(new TextEncoder().encode(pem))).toEqual(FIXTURE_LEAF_KEY);
    const sec1 = ecPrivateKeyToSec1(FIXTURE_LEAF_KEY);
    // PKCS#8 wrapping of the same SEC1 key
    const alg = fromHex('301006072a8648ce3d020106052b81040022');
    const inner = [0x04, 0x81, sec1.length, ...sec1];
    const body = [0x02, 0x01, 0x00, ...alg, ...inner];
    const p8 = Uint8Array.from([0x30, 0x81, body.length, ...body]);
    expect(loadEcPrivateKey(pemEncode('PRIVATE KEY', p8))).toEqual(FIXTURE_LEAF_KEY);
    expect(pemDecode(pemEncode('CERTIFICATE', FIXTURE_ROOT), 'CERTIFICATE')).toEqual(FIXTURE_ROOT);
    expect(() => loadEcPrivateKey('no pem here')).toThrow('no PEM block "PRIVATE KEY"');
  });
});

describe('X.509 chains', () => {
  const k = (s: string) => generatePrivateKey('P-384', SeededRandom.fromString(s));
  const rootKey = k('r');
  const midKey = k('m');
  const leafKey = k('l');
  const root = buildCertificate({ serial: 1, subject: 'R', issuer: 'R', key: rootKey, issuerKey: rootKey, ca: true });

  it('the committed fixtures are what the generator makes (deterministic), and they verify', () => {
    const bundle = new Uint8Array(readFileSync(join(repo, 'fixtures/spdm/bundle.certchain.der')));
    expect(splitConcatenated(bundle)).toEqual(FIXTURE_CERTIFICATES.map((c) => Uint8Array.from(c)));
    const chain = verifyCertificateChain(FIXTURE_CERTIFICATES, [FIXTURE_ROOT]);
    expect(chain.map((c) => c.isCa)).toEqual([true, true, false]);
    expect(chain[2]!.publicKey).toEqual(publicKeyOf(FIXTURE_LEAF_KEY));
  });

  it('a parsed certificate is memoised across calls but each caller gets its own bytes', () => {
    const a = parseCertificate(root);
    a.signature.fill(0);
    a.publicKey!.point.fill(0);
    const b = parseCertificate(root);
    expect(b.signature.some((x) => x !== 0)).toBe(true);
    expect(b.publicKey).toEqual(publicKeyOf(rootKey));
    expect(() => parseCertificate(root.subarray(0, 10))).toThrow(/not an X\.509 certificate/);
    expect(() => parseCertificate(root.subarray(0, 10))).toThrow(/not an X\.509 certificate/);
  });

  it('a non-CA intermediate is rejected (basicConstraints)', () => {
    const mid = buildCertificate({ serial: 2, subject: 'M', issuer: 'R', key: midKey, issuerKey: rootKey, ca: false });
    const leaf = buildCertificate({ serial: 3, subject: 'L', issuer: 'M', key: leafKey, issuerKey: midKey, ca: false });
    expect(() => verifyCertificateChain([root, mid, leaf], [root])).toThrow(
      'certificate 1 ("O=auxbus test, CN=M"): not a CA (basicConstraints) but issues certificate 2',
    );
  });

  it('a CA leaf is rejected', () => {
    const mid = buildCertificate({ serial: 2, subject: 'M', issuer: 'R', key: midKey, issuerKey: rootKey, ca: true });
    const leaf = buildCertificate({ serial: 3, subject: 'L', issuer: 'M', key: leafKey, issuerKey: midKey, ca: true });
    expect(() => verifyCertificateChain([root, mid, leaf], [root])).toThrow(
      'leaf certificate ("O=auxbus test, CN=L") is a CA (basicConstraints cA=TRUE)',
    );
  });

  it('an issuer name mismatch and a wrong signing key are rejected with the certificate named', () => {
    const wrongName = buildCertificate({ serial: 2, subject: 'M', issuer: 'X', key: midKey, issuerKey: rootKey, ca: true });
    expect(() => verifyCertificateChain([root, wrongName], [root])).toThrow(
      'certificate 1 ("O=auxbus test, CN=M"): issuer is not the subject of certificate 0',
    );
    const wrongKey = buildCertificate({ serial: 2, subject: 'M', issuer: 'R', key: midKey, issuerKey: midKey, ca: true });
    expect(() => verifyCertificateChain([root, wrongKey], [root])).toThrow(
      'certificate 1 ("O=auxbus test, CN=M"): signature does not verify under "O=auxbus test, CN=R"',
    );
  });

  it('a subjectAltName OtherName (the PCIe CMA name) is built and read back', () => {
    const leaf = buildCertificate({
      serial: 7,
      subject: 'dev',
      issuer: 'R',
      key: leafKey,
      issuerKey: rootKey,
      ca: false,
      otherName: { typeId: '2.23.147', utf8: 'Vendor=8086:Device=0d93:CC=050210:REV=01' },
    });
    expect(verifyCertificateChain([root, leaf], [root])[1]!.otherNames).toEqual([
      { typeId: '2.23.147', value: 'Vendor=8086:Device=0d93:CC=050210:REV=01' },
    ]);
    expect(verifyCertificateChain(FIXTURE_CERTIFICATES, [FIXTURE_ROOT])[2]!.otherNames).toEqual([]);
  });

  it('a chain rooted below a trust anchor (root signed by the anchor) is accepted; P-256 works too', () => {
    const k256 = generatePrivateKey('P-256', SeededRandom.fromString('p256'));
    const leaf = buildCertificate({ serial: 9, subject: 'L256', issuer: 'R', key: k256, issuerKey: rootKey, ca: false });
    expect(verifyCertificateChain([leaf], [root])[0]!.publicKey?.curve).toBe('P-256');
  });
});
