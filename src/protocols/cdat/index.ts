/**
 * CDAT: the structures, the table with its header and checksum, the table a type-3 device
 * builds for its memory, and the CXL Table Access DOE protocol that serves it.
 */
export {
  cdatTypes,
  type CdatType,
  cdatStructureSize,
  CDAT_SSLBIS_HEADER_SIZE,
  CDAT_SSLBIS_ENTRY_SIZE,
  CDAT_SSLBIS_USP,
  dsmasFlags,
  hmatDataTypes,
  type Dsmas,
  type Dslbis,
  type Dsmscis,
  type Dsis,
  type Dsemts,
  type Sslbis,
  type SslbisEntry,
  type CdatStructure,
  encodeCdatStructure,
  decodeCdatStructure,
} from './structures.js';
export {
  CDAT_HEADER_SIZE,
  CDAT_REVISION,
  type CdatHeader,
  type CdatTable,
  buildCdatTable,
  decodeCdatHeader,
  cdatChecksumValid,
  parseCdatTable,
} from './table.js';
export { type MemdevRegions, memdevCdat } from './memdev.js';
export {
  TABLE_ACCESS_REQ_CODE_READ,
  TABLE_ACCESS_TABLE_TYPE_CDAT,
  TABLE_ACCESS_LAST_ENTRY,
  type TableAccessRequest,
  type TableAccessResponse,
  type TableAccessOptions,
  encodeTableAccessRequest,
  decodeTableAccessRequest,
  encodeTableAccessResponse,
  decodeTableAccessResponse,
  tableAccessResponder,
} from './table-access.js';
