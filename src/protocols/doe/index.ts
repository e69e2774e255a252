/**
 * DOE data objects: the header codec, Discovery, and the responder contract every protocol
 * behind a mailbox implements.
 */
export type { DoeProtocolResponder } from './responder.js';
export {
  type DoeProtocolId,
  type DoeObject,
  DOE_HEADER_DWORDS,
  DOE_MAX_OBJECT_DWORDS,
  DOE_MAX_PAYLOAD_BYTES,
  DOE_LENGTH_MASK,
  doeVendors,
  doeProtocols,
  doeHeaderDw0,
  doeEncodeLength,
  doeDecodeLength,
  doeEncodeObject,
  doeDecodeObject,
  doeProtocolName,
  bytesToDwords,
  dwordsToBytes,
} from './data-object.js';
export {
  type DiscoveryRequest,
  type DiscoveryEntry,
  encodeDiscoveryRequest,
  decodeDiscoveryRequest,
  encodeDiscoveryResponse,
  decodeDiscoveryResponse,
  discoveryEntry,
  discoveryResponder,
} from './discovery.js';
