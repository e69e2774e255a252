/**
 * Builds X.509 v3 certificates with ECDSA (P-256/P-384) keys, signed synchronously: enough to
 * make test identities (tools/spdm-fixtures) and the malformed chains negative tests need
 * (a non-CA intermediate, a CA leaf). Encoding through @peculiar/asn1-x509; names are O + CN.
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  GeneralName,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  OtherName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectAltName,
} from '@peculiar/asn1-x509';
import { fromHex } from './bytes.js';
import { ecdsaSignDigest, publicKeyOf, rawToDerSignature, type EcPrivateKey } from './ecc.js';
import { SHA256, SHA384 } from './hash.js';
import { OID_EC_PUBLIC_KEY } from './keys.js';

const CURVE_PARAMS = { 'P-256': fromHex('06082a8648ce3d030107'), 'P-384': fromHex('06052b81040022') } as const;
const SIG = { 'P-256': ['1.2.840.10045.4.3.2', SHA256], 'P-384': ['1.2.840.10045.4.3.3', SHA384] } as const;

export interface CertificateSpec {
  readonly serial: number;
  readonly subject: string;
  readonly issuer: string;
  readonly organization?: string;
  readonly key: EcPrivateKey;
  readonly issuerKey: EcPrivateKey;
  /** basicConstraints cA. */
  readonly ca: boolean;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /**
   * A subjectAltName holding one OtherName { typeId, UTF8String } — e.g. the PCIe CMA name a
   * kernel requester checks (PCIe r6.2 6.31.3; LNX-SPDM `pci_cma_validate`, protocols §3.5).
   */
  readonly otherName?: { readonly typeId: string; readonly utf8: string };
}

/** DER UTF8String (short or long form length). */
function utf8String(text: string): Uint8Array {
  const b = new TextEncoder().encode(text);
  const len = b.length < 128 ? [b.length] : b.length < 256 ? [0x81, b.length] : [0x82, b.length >> 8, b.length & 0xff];
  return Uint8Array.from([0x0c, ...len, ...b]);
}

function name(org: string, cn: string): Name {
  return new Name([
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type: '2.5.4.10', value: new AttributeValue({ utf8String: org }) })]),
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ utf8String: cn }) })]),
  ]);
}

function ext(id: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** DER of a certificate for `spec`, signed by `issuerKey` with ECDSA over SHA-256 (P-256) or SHA-384 (P-384). */
export function buildCertificate(spec: CertificateSpec): Uint8Array {
  const org = spec.organization ?? 'auxbus test';
  const spki = new SubjectPublicKeyInfo({
    algorithm: new AlgorithmIdentifier({ algorithm: OID_EC_PUBLIC_KEY, parameters: CURVE_PARAMS[spec.key.curve].slice().buffer }),
    subjectPublicKey: publicKeyOf(spec.key).point.slice().buffer,
  });
  const usage = spec.ca ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature;
  const [sigOid, hash] = SIG[spec.issuerKey.curve];
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: Uint8Array.of(spec.serial).buffer,
    signature: new AlgorithmIdentifier({ algorithm: sigOid }),
    issuer: name(org, spec.issuer),
    validity: new Validity({
      notBefore: spec.notBefore ?? new Date(Date.UTC(2026, 0, 1)),
      notAfter: spec.notAfter ?? new Date(Date.UTC(2049, 11, 31, 23, 59, 59)),
    }),
    subject: name(org, spec.subject),
    subjectPublicKeyInfo: spki,
    extensions: new Extensions([
      ext(id_ce_basicConstraints, true, new BasicConstraints({ cA: spec.ca })),
      ext(id_ce_keyUsage, true, new KeyUsage(usage)),
      ...(spec.otherName
        ? [
            ext(
              id_ce_subjectAltName,
              false,
              new SubjectAlternativeName([
                new GeneralName({
                  otherName: new OtherName({ typeId: spec.otherName.typeId, value: utf8String(spec.otherName.utf8).slice().buffer }),
                }),
              ]),
            ),
          ]
        : []),
    ]),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const sig = rawToDerSignature(spec.issuerKey.curve, ecdsaSignDigest(spec.issuerKey, hash.digest(tbsDer)));
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: sigOid }),
    signatureValue: sig.slice().buffer,
  });
  return new Uint8Array(AsnConvert.serialize(cert));
}

/** SEC1 ECPrivateKey DER (RFC 5915) with the named curve and the public key. */
export function ecPrivateKeyToSec1(key: EcPrivateKey): Uint8Array {
  const pub = publicKeyOf(key).point;
  const params = CURVE_PARAMS[key.curve];
  const body = [
    0x02,
    0x01,
    0x01,
    0x04,
    key.d.length,
    ...key.d,
    0xa0,
    params.length,
    ...params,
    0xa1,
    pub.length + 3,
    0x03,
    pub.length + 1,
    0x00,
    ...pub,
  ];
  return Uint8Array.from(body.length < 128 ? [0x30, body.length, ...body] : [0x30, 0x81, body.length, ...body]);
}
