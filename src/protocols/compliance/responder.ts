/**
 * The compliance mode of a device behind a Compliance DOE mailbox (CXL 2.0 §14.16.4). The
 * device keeps which injection functions it offers and which are in effect:
 * - Capability (0) answers status 0 with the Available and Enabled bitmasks, bit N standing for
 *   request code N (model convention; the reference gives the fields, not their bit meaning).
 * - Status (1) answers the enabled bitmask's low 32 bits and the cache size (0 for a device
 *   without a CXL.cache cache).
 * - Halt (2) stops every injection: the enabled mask becomes 0.
 * - A code the device does not offer answers Unsupported Injection Function (3); an offered
 *   one succeeds and is recorded as enabled (Inject MAC Delay with enable 0 and Toggle Cache
 *   Flush with control 0 clear their bit).
 * - Unknown codes (16 and up) and requests shorter than their code's layout are discarded; QEMU's
 *   staging responder instead raises Data Object Ready over an empty response (protocols §2.1,
 *   "a simulator should instead silently discard").
 */
import { type DoeProtocolResponder, doeProtocols } from '../doe/index.js';
import { complianceStatus, decodeComplianceRequest, encodeComplianceResponse } from './compliance.js';

export interface ComplianceDevice {
  /** Bit N: request code N is offered. */
  available: bigint;
  /** Bit N: the function of request code N is in effect. */
  enabled: bigint;
  cacheSize: number;
  cacheSizeUnits: number;
}

/** A CXL type-3 memory device: CXL.io and CXL.mem, no CXL.cache (codes 3, 4 and 9 are cache algorithms). */
export function type3ComplianceDevice(): ComplianceDevice {
  const offered = [0, 1, 2, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15];
  return { available: offered.reduce((m, c) => m | (1n << BigInt(c)), 0n), enabled: 0n, cacheSize: 0, cacheSizeUnits: 0 };
}

/** Apply one request to `device`; the response payload, or undefined to discard. */
export function complianceRespond(device: ComplianceDevice, payload: Uint8Array): Uint8Array | undefined {
  const req = decodeComplianceRequest(payload);
  if (!req) return undefined;
  const bit = 1n << BigInt(req.code);
  switch (req.code) {
    case 0:
      return encodeComplianceResponse(0, { status: complianceStatus.SUCCESS, available: device.available, enabled: device.enabled });
    case 1:
      return encodeComplianceResponse(1, {
        capabilityBitfield: Number(device.enabled & 0xffffffffn),
        cacheSize: device.cacheSize,
        cacheSizeUnits: device.cacheSizeUnits,
      });
    case 2:
      device.enabled = 0n;
      return encodeComplianceResponse(2, { status: complianceStatus.SUCCESS });
    default: {
      if (!(device.available & bit)) return encodeComplianceResponse(req.code, { status: complianceStatus.UNSUPPORTED_INJECTION_FUNCTION });
      const off = (req.code === 10 && req.values.enable === 0) || (req.code === 9 && req.values.cacheFlushControl === 0);
      device.enabled = off ? device.enabled & ~bit : device.enabled | bit;
      return encodeComplianceResponse(req.code, { status: complianceStatus.SUCCESS });
    }
  }
}

export function complianceResponder(device: ComplianceDevice): DoeProtocolResponder {
  return {
    vendor: doeProtocols.CXL_COMPLIANCE.vendor,
    type: doeProtocols.CXL_COMPLIANCE.type,
    state: device,
    respond: (payload) => complianceRespond(device, payload),
  };
}
