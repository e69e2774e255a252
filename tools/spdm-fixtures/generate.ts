/**
 * Generates auxbus's own SPDM test identity, deterministically: a P-384 root CA → intermediate CA
 * → device leaf chain (ECDSA with SHA-384), the keys drawn from SeededRandom seeds fixed below.
 * Same script, same bytes: run it again and `git diff` shows nothing.
 *
 *   npx tsx tools/spdm-fixtures/generate.ts
 *
 * Writes fixtures/spdm/{root,intermediate,leaf}.cert.{der,pem}, bundle.certchain.der (DER
 * certificates concatenated root-first, the layout of libspdm's bundle_responder.certchain.der),
 * leaf.key.pem (SEC1 "EC PRIVATE KEY") and src/protocols/spdm/fixture-identity.ts (the same bytes
 * as hex, so the browser-safe core can provision a device without reading files).
 * These are test keys, published on purpose; they protect nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_basicConstraints,
  id_ce_keyUsage,
} from '@peculiar/asn1-x509';
import { AttributeValue } from '@peculiar/asn1-x509';
import {
  SHA384,
  SeededRandom,
  ecdsaSignDigest,
  fromHex,
  generatePrivateKey,
  pemEncode,
  publicKeyOf,
  rawToDerSignature,
  toHex,
  type EcPrivateKey,
} from '../../src/protocols/crypto/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'fixtures', 'spdm');

const ECDSA_SHA384 = '1.2.840.10045.4.3.3';
const P384_PARAMS = fromHex('06052b81040022'); // OID 1.3.132.0.34
const NOT_BEFORE = new Date(Date.UTC(2026, 0, 1));
const NOT_AFTER = new Date(Date.UTC(2049, 11, 31, 23, 59, 59));

function name(cn: string): Name {
  return new Name([
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type: '2.5.4.10', value: new AttributeValue({ utf8String: 'auxbus test' }) })]),
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ utf8String: cn }) })]),
  ]);
}

function ext(id: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function certificate(o: { serial: number; subject: string; issuer: string; key: EcPrivateKey; issuerKey: EcPrivateKey; ca: boolean }): Uint8Array {
  const spki = new SubjectPublicKeyInfo({
    algorithm: new AlgorithmIdentifier({ algorithm: '1.2.840.10045.2.1', parameters: P384_PARAMS.slice().buffer }),
    subjectPublicKey: publicKeyOf(o.key).point.slice().buffer,
  });
  const usage = o.ca ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature;
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: Uint8Array.of(o.serial).buffer,
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_SHA384 }),
    issuer: name(o.issuer),
    validity: new Validity({ notBefore: NOT_BEFORE, notAfter: NOT_AFTER }),
    subject: name(o.subject),
    subjectPublicKeyInfo: spki,
    extensions: new Extensions([ext(id_ce_basicConstraints, true, new BasicConstraints({ cA: o.ca })), ext(id_ce_keyUsage, true, new KeyUsage(usage))]),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const sig = rawToDerSignature('P-384', ecdsaSignDigest(o.issuerKey, SHA384.digest(tbsDer)));
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_SHA384 }), signatureValue: sig.slice().buffer });
  return new Uint8Array(AsnConvert.serialize(cert));
}

/** SEC1 ECPrivateKey DER (RFC 5915) with the named curve and public key. */
function sec1(key: EcPrivateKey): Uint8Array {
  const pub = publicKeyOf(key).point;
  const body = [0x02, 0x01, 0x01, 0x04, key.d.length, ...key.d, 0xa0, P384_PARAMS.length, ...P384_PARAMS, 0xa1, pub.length + 3, 0x03, pub.length + 1, 0x00, ...pub];
  return Uint8Array.from([0x30, 0x81, body.length, ...body]);
}

const key = (label: string) => generatePrivateKey('P-384', SeededRandom.fromString(`auxbus spdm fixture v1 ${label}`));
const rootKey = key('root');
const interKey = key('intermediate');
const leafKey = key('leaf');

const rootCert = certificate({ serial: 1, subject: 'auxbus test root CA', issuer: 'auxbus test root CA', key: rootKey, issuerKey: rootKey, ca: true });
const interCert = certificate({ serial: 2, subject: 'auxbus test intermediate CA', issuer: 'auxbus test root CA', key: interKey, issuerKey: rootKey, ca: true });
const leafCert = certificate({ serial: 3, subject: 'auxbus test SPDM responder', issuer: 'auxbus test intermediate CA', key: leafKey, issuerKey: interKey, ca: false });

mkdirSync(out, { recursive: true });
for (const [n, der] of [
  ['root', rootCert],
  ['intermediate', interCert],
  ['leaf', leafCert],
] as const) {
  writeFileSync(join(out, `${n}.cert.der`), der);
  writeFileSync(join(out, `${n}.cert.pem`), pemEncode('CERTIFICATE', der));
}
const bundle = Uint8Array.from([...rootCert, ...interCert, ...leafCert]);
writeFileSync(join(out, 'bundle.certchain.der'), bundle);
writeFileSync(join(out, 'leaf.key.pem'), pemEncode('EC PRIVATE KEY', sec1(leafKey)));

const wrap = (h: string) => (h.match(/.{1,96}/g) ?? []).map((l) => `    '${l}'`).join(' +\n');
writeFileSync(
  join(root, 'src', 'protocols', 'spdm', 'fixture-identity.ts'),
  `/**
 * auxbus's own SPDM test identity (generated by tools/spdm-fixtures/generate.ts — do not edit):
 * a P-384 root CA → intermediate CA → leaf chain and the leaf's private key, the same bytes as
 * fixtures/spdm/. Test keys, published on purpose; they protect nothing.
 */
import { fromHex, type EcPrivateKey } from '../crypto/index.js';

/** DER certificates, root first. */
export const FIXTURE_CERTIFICATES: readonly Uint8Array[] = [
${[rootCert, interCert, leafCert].map((c) => `  fromHex(\n${wrap(toHex(c))},\n  ),`).join('\n')}
];

export const FIXTURE_ROOT: Uint8Array = FIXTURE_CERTIFICATES[0]!;

export const FIXTURE_LEAF_KEY: EcPrivateKey = { curve: 'P-384', d: fromHex('${toHex(leafKey.d)}') };
`,
);
console.log(`wrote ${out} (chain ${bundle.length} bytes) and src/protocols/spdm/fixture-identity.ts`);
