/**
 * DOE framing for the `doe` verb: the protocol names of SCENARIOS.md with their (vendor, type)
 * pairs, the named requests a file may use instead of hex, and the two-dword data object header
 * the runner builds around a request and checks on a response (reference/protocols.md §1.3).
 * Payload bytes themselves are the machine's business.
 */
import { bytesToHex } from './hex.js';

export const DOE_PROTOCOLS = {
  discovery: { vendor: 0x0001, type: 0x00 }, // DOE Discovery (protocols.md §1.4)
  compliance: { vendor: 0x1e98, type: 0x00 }, // CXL Compliance (§2.1)
  cdat: { vendor: 0x1e98, type: 0x02 }, // CXL Table Access (§2.2)
  spdm: { vendor: 0x0001, type: 0x01 }, // CMA/SPDM (§3.1)
} as const;
export type DoeProtocol = keyof typeof DOE_PROTOCOLS;

export function isDoeProtocol(s: string): s is DoeProtocol {
  return Object.prototype.hasOwnProperty.call(DOE_PROTOCOLS, s);
}

/** Named requests per protocol: canonical hex of the payload after the DOE header. */
const NAMED: Record<DoeProtocol, Readonly<Record<string, string>>> = {
  discovery: {}, // a number is the index instead (below)
  compliance: {
    capability: '00010000', // request code 0, version 1 (§2.1)
    status: '01010000', // request code 1
    halt: '02010000', // request code 2
  },
  cdat: {
    header: '00000000', // Read Entry, table type 0 (CDAT), handle 0 (§2.2)
  },
  spdm: {
    get_version: '10840000', // GET_VERSION, always version 0x10 (§3.2, B.4)
    get_capabilities: '12e1000000140000' + '06000000' + 'f8ff0f00' + 'f8ff0f00', // at 1.2, as Linux sends (B.4)
    get_digests: '12810000', // at 1.2 (B.4)
    get_certificate: '128200000000ffff', // slot 0, first chunk (B.4)
  },
};

/** Names `request:` accepts for `protocol`, for messages. */
export function doeRequestNames(protocol: DoeProtocol): string[] {
  const names = Object.keys(NAMED[protocol]);
  if (protocol === 'discovery') names.push('<index number>');
  if (protocol === 'cdat') names.push('read_entry_<handle>');
  return names;
}

/** Canonical payload hex of a named request, or undefined when `protocol` has no such name. */
export function namedDoeRequest(protocol: DoeProtocol, name: string): string | undefined {
  const named = NAMED[protocol][name];
  if (named !== undefined) return named;
  const entry = /^read_entry_(\d{1,5})$/.exec(name);
  if (protocol === 'cdat' && entry) {
    const handle = Number(entry[1]);
    if (handle <= 0xffff) return bytesToHex(new Uint8Array([0, 0, handle & 0xff, handle >> 8]));
  }
  return undefined;
}

/** Canonical payload hex of a Discovery request for entry `index` (version byte 0). */
export function discoveryRequest(index: number): string {
  return bytesToHex(new Uint8Array([index, 0, 0, 0]));
}

/** The whole DOE data object for `payload`: header, then the payload zero-padded to dwords. */
export function buildDoeObject(protocol: DoeProtocol, payload: Uint8Array): Uint8Array {
  const { vendor, type } = DOE_PROTOCOLS[protocol];
  const dwords = 2 + Math.ceil(payload.length / 4);
  const out = new Uint8Array(dwords * 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, vendor | (type << 16), true);
  view.setUint32(4, dwords === 1 << 18 ? 0 : dwords, true);
  out.set(payload, 8);
  return out;
}

/**
 * The payload of a response object, or a description of what is wrong with its header: it must
 * carry the request's (vendor, type) and a length (in dwords, 0 meaning 2^18) equal to its size.
 */
export function unwrapDoeResponse(protocol: DoeProtocol, object: Uint8Array): { payload: Uint8Array } | { problem: string } {
  const { vendor, type } = DOE_PROTOCOLS[protocol];
  const want = `${hex4(vendor)}:${hex2(type)}`;
  if (object.length < 8 || object.length % 4 !== 0) {
    return { problem: `response of ${object.length} bytes is not a DOE data object (whole dwords, header included)` };
  }
  const view = new DataView(object.buffer, object.byteOffset, object.byteLength);
  const dw0 = view.getUint32(0, true);
  const got = `${hex4(dw0 & 0xffff)}:${hex2((dw0 >>> 16) & 0xff)}`;
  if (got !== want) return { problem: `response header is for ${got}, not ${protocol} (${want})` };
  const length = view.getUint32(4, true) & 0x3ffff;
  const dwords = length === 0 ? 1 << 18 : length;
  if (dwords * 4 !== object.length) {
    return { problem: `response header says ${dwords} dwords but the object has ${object.length / 4}` };
  }
  return { payload: object.subarray(8) };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
