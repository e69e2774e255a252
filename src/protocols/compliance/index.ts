/** CXL Compliance DOE: request/response layouts per request code, and a device's compliance mode. */
export {
  COMPLIANCE_HEADER_BYTES,
  COMPLIANCE_RESPONSE_HEADER_BYTES,
  COMPLIANCE_VERSION,
  complianceStatus,
  complianceCodes,
  type ComplianceCode,
  type ComplianceField,
  type ComplianceValues,
  type ComplianceRequest,
  type ComplianceResponse,
  encodeComplianceRequest,
  decodeComplianceRequest,
  encodeComplianceResponse,
  decodeComplianceResponse,
} from './compliance.js';
export { type ComplianceDevice, type3ComplianceDevice, complianceRespond, complianceResponder } from './responder.js';
