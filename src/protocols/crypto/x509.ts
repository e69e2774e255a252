/**
 * X.509 certificates as SPDM uses them (DSP0274 "Certificates and certificate chains"): parse
 * with @peculiar/asn1-x509, verify each ECDSA signature over the exact tbsCertificate bytes up to a
 * trusted root, and check basic constraints (every certificate but the leaf is a CA; the leaf is
 * not), the way a requester validates a responder's chain (LNX-SPDM `spdm_validate_cert_chain`).
 *
 * Validity periods are not checked: auxbus has no wall clock (virtual time only) — documented.
 * Every failure is a DriverModelError: EBADMSG for bytes that are not a certificate,
 * EKEYREJECTED for a certificate that does not verify (with which one and why), ENOKEY when no
 * trust anchor signs the root.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  Certificate,
  BasicConstraints,
  KeyUsage,
  KeyUsageFlags,
  SubjectAlternativeName,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectAltName,
} from '@peculiar/asn1-x509';
import { DriverModelError, kerr } from '../../base/index.js';
import { bytesEqual } from './bytes.js';
import { children, content, oidToString, readWhole, slice } from './der.js';
import { ecdsaVerifyDigestDer, type EcPublicKey, isValidPoint } from './ecc.js';
import { PureMemo } from './memo.js';
import { SHA256, SHA384, SHA512, type HashAlgorithm } from './hash.js';
import { OID_EC_PUBLIC_KEY, curveOfOid } from './keys.js';

const SIG_ALGS: Record<string, HashAlgorithm> = {
  '1.2.840.10045.4.3.2': SHA256, // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': SHA384, // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4': SHA512, // ecdsa-with-SHA512
};

export interface ParsedCertificate {
  readonly der: Uint8Array;
  /** The exact bytes the issuer signed. */
  readonly tbs: Uint8Array;
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  /** "CN=…" style text of the subject, for messages. */
  readonly subjectText: string;
  readonly signatureAlgorithm: string;
  readonly signature: Uint8Array;
  /** The subject's EC key; undefined for a key type auxbus does not verify with. */
  readonly publicKey: EcPublicKey | undefined;
  readonly isCa: boolean;
  /** keyUsage bits, or undefined when the extension is absent. */
  readonly keyUsage: number | undefined;
  /** subjectAltName OtherNames whose value is a UTF8String (e.g. the PCIe CMA name, type-id 2.23.147). */
  readonly otherNames: readonly { readonly typeId: string; readonly value: string }[];
}

function nameText(cert: Certificate, which: 'subject' | 'issuer'): string {
  const parts: string[] = [];
  for (const rdn of cert.tbsCertificate[which]) {
    for (const atv of rdn) {
      const short = atv.type === '2.5.4.3' ? 'CN' : atv.type === '2.5.4.10' ? 'O' : atv.type === '2.5.4.6' ? 'C' : atv.type;
      parts.push(`${short}=${atv.value.toString()}`);
    }
  }
  return parts.join(', ');
}

/** A parsed certificate whose byte fields no caller shares with the memo. */
/**
 * A copy of `c` no other caller shares: its byte fields are copied into one fresh buffer (one
 * allocation rather than one per field), each field a view of its own range of it.
 */
function copyParsed(c: ParsedCertificate): ParsedCertificate {
  const point = c.publicKey?.point;
  const fields = [c.der, c.tbs, c.issuer, c.subject, c.signature];
  let n = point?.length ?? 0;
  for (const f of fields) n += f.length;
  const buf = new Uint8Array(n);
  let o = 0;
  const copy = (f: Uint8Array): Uint8Array => {
    buf.set(f, o);
    o += f.length;
    return buf.subarray(o - f.length, o);
  };
  return {
    ...c,
    der: copy(c.der),
    tbs: copy(c.tbs),
    issuer: copy(c.issuer),
    subject: copy(c.subject),
    signature: copy(c.signature),
    publicKey: c.publicKey && { curve: c.publicKey.curve, point: copy(point!) },
    otherNames: c.otherNames.map((n) => ({ ...n })),
  };
}

/**
 * Parsing is pure (the same DER gives the same fields), and every booted machine parses the same
 * device certificates during CMA authentication: the ASN.1 decode is memoised across machines
 * (memo.ts); a malformed certificate is not cached and throws each time.
 */
const parsedMemo = new PureMemo<ParsedCertificate>('x509-parse', copyParsed);

/** Parse one DER certificate. EBADMSG if it is not one. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  return parsedMemo.get([der], () => parseCertificateUncached(der));
}

function parseCertificateUncached(der: Uint8Array): ParsedCertificate {
  let cert: Certificate;
  let tbs: Uint8Array;
  let issuer: Uint8Array;
  let subject: Uint8Array;
  try {
    const top = readWhole(der);
    const [tbsTlv] = children(der, top);
    if (!tbsTlv || tbsTlv.tag !== 0x30) throw kerr('EBADMSG', 'no tbsCertificate');
    tbs = slice(der, tbsTlv);
    const fields = children(der, tbsTlv);
    const i = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version present
    const iss = fields[i + 2];
    const sub = fields[i + 4];
    if (!iss || !sub) throw kerr('EBADMSG', 'tbsCertificate too short');
    issuer = slice(der, iss);
    subject = slice(der, sub);
    cert = AsnConvert.parse(der, Certificate);
  } catch (e) {
    if (DriverModelError.is(e)) throw kerr('EBADMSG', `not an X.509 certificate: ${e.message}`);
    throw kerr('EBADMSG', `not an X.509 certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
  const spki = cert.tbsCertificate.subjectPublicKeyInfo;
  let publicKey: EcPublicKey | undefined;
  if (spki.algorithm.algorithm === OID_EC_PUBLIC_KEY && spki.algorithm.parameters) {
    const p = new Uint8Array(spki.algorithm.parameters);
    try {
      const t = readWhole(p);
      const curve = t.tag === 0x06 ? curveOfOid(oidToString(content(p, t))) : undefined;
      const point = new Uint8Array(spki.subjectPublicKey);
      if (curve && isValidPoint(curve, point)) publicKey = { curve, point };
    } catch {
      publicKey = undefined;
    }
  }
  let isCa = false;
  let keyUsage: number | undefined;
  const otherNames: { typeId: string; value: string }[] = [];
  for (const ext of cert.tbsCertificate.extensions ?? []) {
    try {
      if (ext.extnID === id_ce_basicConstraints) isCa = AsnConvert.parse(ext.extnValue, BasicConstraints).cA;
      if (ext.extnID === id_ce_keyUsage) keyUsage = AsnConvert.parse(ext.extnValue, KeyUsage).toNumber();
      if (ext.extnID === id_ce_subjectAltName) {
        for (const gn of AsnConvert.parse(ext.extnValue, SubjectAlternativeName)) {
          if (!gn.otherName) continue;
          const v = new Uint8Array(gn.otherName.value);
          const t = readWhole(v);
          if (t.tag === 0x0c) otherNames.push({ typeId: gn.otherName.typeId, value: new TextDecoder().decode(content(v, t)) });
        }
      }
    } catch {
      throw kerr('EBADMSG', `not an X.509 certificate: malformed extension ${ext.extnID}`);
    }
  }
  return {
    der,
    tbs,
    issuer,
    subject,
    subjectText: nameText(cert, 'subject'),
    signatureAlgorithm: cert.signatureAlgorithm.algorithm,
    signature: new Uint8Array(cert.signatureValue),
    publicKey,
    isCa,
    keyUsage,
    otherNames,
  };
}

/** True if `issuer`'s key signed `cert`. */
export function isSignedBy(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const hash = SIG_ALGS[cert.signatureAlgorithm];
  if (!hash || !issuer.publicKey) return false;
  return ecdsaVerifyDigestDer(issuer.publicKey, hash.digest(cert.tbs), cert.signature);
}

export { KeyUsageFlags };

/**
 * Verify a chain given root-first (SPDM order) against trust anchors. Checks, in order: every
 * certificate parses; the root is a trust anchor (byte-equal) or is signed by one (else ENOKEY);
 * each certificate's issuer name equals the previous one's subject and its signature verifies
 * under the previous one's key (else EKEYREJECTED naming the certificate); every certificate but
 * the leaf is a CA and the leaf is not (EKEYREJECTED); the leaf has an EC key auxbus can verify
 * with. Returns the parsed chain, leaf last.
 */
export function verifyCertificateChain(certs: readonly Uint8Array[], anchors: readonly Uint8Array[]): ParsedCertificate[] {
  return chainMemo.get([`${certs.length}`, ...certs, ...anchors], () => verifyCertificateChainUncached(certs, anchors));
}

/**
 * Verification is pure too (the same chain and anchors give the same answer): a chain that
 * verified is remembered with its parse, so the CMA authentication every machine runs verifies
 * the device's chain once per process. A chain that fails is not cached and fails each time.
 */
const chainMemo = new PureMemo<ParsedCertificate[]>('x509-chain', (chain) => chain.map(copyParsed));

function verifyCertificateChainUncached(certs: readonly Uint8Array[], anchors: readonly Uint8Array[]): ParsedCertificate[] {
  if (certs.length === 0) throw kerr('EKEYREJECTED', 'certificate chain is empty');
  const parsed = certs.map((c, i) => {
    try {
      return parseCertificate(c);
    } catch (e) {
      throw kerr('EBADMSG', `certificate ${i} of the chain: ${(e as Error).message}`);
    }
  });
  const trusted = anchors.map((a) => parseCertificate(a));
  const root = parsed[0]!;
  const anchored = trusted.some((t) => bytesEqual(t.der, root.der)) || trusted.some((t) => bytesEqual(t.subject, root.issuer) && isSignedBy(root, t));
  if (!anchored) throw kerr('ENOKEY', `certificate chain root "${root.subjectText}" is not signed by a trusted root`);
  if (bytesEqual(root.issuer, root.subject) && !isSignedBy(root, root)) {
    throw kerr('EKEYREJECTED', `certificate 0 ("${root.subjectText}"): self-signature does not verify`);
  }
  for (let i = 1; i < parsed.length; i++) {
    const c = parsed[i]!;
    const up = parsed[i - 1]!;
    if (!bytesEqual(c.issuer, up.subject))
      throw kerr('EKEYREJECTED', `certificate ${i} ("${c.subjectText}"): issuer is not the subject of certificate ${i - 1}`);
    if (!SIG_ALGS[c.signatureAlgorithm])
      throw kerr('EKEYREJECTED', `certificate ${i} ("${c.subjectText}"): unsupported signature algorithm ${c.signatureAlgorithm}`);
    if (!isSignedBy(c, up)) throw kerr('EKEYREJECTED', `certificate ${i} ("${c.subjectText}"): signature does not verify under "${up.subjectText}"`);
  }
  for (let i = 0; i < parsed.length - 1; i++) {
    if (!parsed[i]!.isCa)
      throw kerr('EKEYREJECTED', `certificate ${i} ("${parsed[i]!.subjectText}"): not a CA (basicConstraints) but issues certificate ${i + 1}`);
  }
  const leaf = parsed[parsed.length - 1]!;
  if (parsed.length > 1 && leaf.isCa) throw kerr('EKEYREJECTED', `leaf certificate ("${leaf.subjectText}") is a CA (basicConstraints cA=TRUE)`);
  if (!leaf.publicKey) throw kerr('EKEYREJECTED', `leaf certificate ("${leaf.subjectText}"): no P-256/P-384 public key`);
  return parsed;
}
