/**
 * A CXL Compliance DOE client (CXL 2.0 §14.16.4; reference/protocols.md §2.1): requests by code
 * or name with their parameters, responses decoded into named fields. The response must carry
 * the request's code and be as long as its code says (else EBADMSG); a non-zero status is the
 * device's answer, returned, not thrown.
 */
import { kerr } from '../base/index.js';
import {
  type ComplianceResponse,
  type ComplianceValues,
  complianceCodes,
  decodeComplianceResponse,
  doeProtocols,
  encodeComplianceRequest,
} from '../protocols/index.js';
import type { DoeClient } from './doe-client.js';

/** What a response's status byte means (comp_status). */
export const complianceStatusNames = [
  'success',
  'not authorized',
  'unknown failure',
  'unsupported injection function',
  'internal error',
  'busy',
  'not initialized',
] as const;

export class ComplianceClient {
  constructor(readonly doe: DoeClient) {}

  /**
   * One compliance exchange. `request` is a code (0..15) or its name (`capability`, `status`,
   * `halt`, `inject-poison`…). @throws {DriverModelError} EINVAL unknown request; EBADMSG malformed response.
   */
  request(request: number | string, values: ComplianceValues = {}, version = 1): ComplianceResponse {
    const def = typeof request === 'number' ? complianceCodes[request] : complianceCodes.find((c) => c.name === request);
    if (!def) throw kerr('EINVAL', `unknown compliance request '${request}' (known: ${complianceCodes.map((c) => c.name).join(', ')})`);
    const payload = this.doe.exchange(doeProtocols.CXL_COMPLIANCE, encodeComplianceRequest(def.code, values, version));
    const rsp = decodeComplianceResponse(payload);
    if (!rsp) throw kerr('EBADMSG', `compliance ${def.name}: response of ${payload.length} bytes is malformed`);
    if (rsp.code !== def.code) throw kerr('EBADMSG', `compliance ${def.name}: response code ${rsp.code}`);
    return rsp;
  }

  /** Request code 0: which compliance capabilities exist and which are enabled. */
  capability(): { status: number; available: bigint; enabled: bigint } {
    const r = this.request('capability');
    return { status: Number(r.values.status), available: BigInt(r.values.available!), enabled: BigInt(r.values.enabled!) };
  }
}
