/**
 * spdm — CMA/SPDM (DMTF DSP0274 1.0–1.2) and its secured messages (DSP0277, PCI-DOE binding):
 * message codecs, the responder engine (device side, DOE types 1 and 2), the requester engine
 * (host side, transport-agnostic), the key schedule and transcript signing. Synchronous and
 * deterministic; imports src/base and src/protocols/crypto only.
 */
export * from './constants.js';
export * from './messages.js';
export { Reader, Writer } from './reader.js';
export { combinedPrefix, signedDigest, SigningContext } from './signing.js';
export { buildCertChain, parseCertChain, type ParsedCertChain } from './cert-chain.js';
export {
  binConcat,
  deriveHandshakeKeys,
  deriveDataKeys,
  nextDirectionKeys,
  finishedKey,
  type DirectionKeys,
  type HandshakeKeys,
  type DataKeys,
} from './key-schedule.js';
export { sealSecuredMessage, openSecuredMessage, securedSessionId } from './secured-message.js';
export { encodeSupportedVersions, encodeVersionSelection, decodeSupportedVersions, decodeVersionSelection } from './opaque.js';
export { hashForBaseHash, curveForBaseAsym, signatureSize, dheExchangeSize, curveForDhe } from './algorithms.js';
export { SpdmResponder, keySigner, digestMeasurement, DEFAULT_RESPONDER_FLAGS, type SpdmResponderConfig, type SpdmSigner } from './responder.js';
export {
  SpdmRequester,
  DEFAULT_REQUESTER_FLAGS,
  driveSpdm,
  type SpdmExchange,
  type SpdmOutgoing,
  type SpdmSteps,
  type SpdmRequesterOptions,
  type AuthenticationResult,
  type NegotiatedAlgorithms,
  type SpdmSessionInfo,
} from './requester.js';
export { spdmDoeResponders, PCI_SIG_VENDOR, DOE_TYPE_SPDM, DOE_TYPE_SECURED_SPDM } from './doe-responders.js';
export { FIXTURE_CERTIFICATES, FIXTURE_ROOT, FIXTURE_LEAF_KEY } from './fixture-identity.js';
export { createTestSpdmResponder, testMeasurements } from './test-device.js';
export {
  EmuCommand,
  EmuTransport,
  FrameSplitter,
  SpdmEmuPlatformServer,
  encodeFrame,
  encodeDoe,
  decodeDoe,
  type EmuFrame,
  type DoeObject,
  type DoeObjectExchange,
  respondersExchange,
} from './emu-platform.js';
