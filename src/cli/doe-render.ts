/**
 * How `auxbus doe` and the shell's `doe` print a DOE tool result: discovery as protocol names,
 * CDAT as its header and structures, compliance as its fields, SPDM as the walk. Browser-safe.
 */
import { type DoeToolResult, hexBytes } from '../machine/index.js';

/** Protocol names for `discover`'s listing. */
export const DOE_PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  '0001:00': 'DOE Discovery',
  '0001:01': 'CMA/SPDM',
  '0001:02': 'Secured CMA/SPDM',
  '1e98:00': 'CXL Compliance',
  '1e98:02': 'CXL Table Access (CDAT)',
};

export function renderDoeResult(r: DoeToolResult): string {
  if ('features' in r) return r.features.map((f) => `${f.name}  ${DOE_PROTOCOL_NAMES[f.name] ?? 'unknown'}\n`).join('');
  if ('structures' in r) {
    const lines = [`CDAT length ${r.length}, revision ${r.revision}, checksum ${r.checksum}, ${r.structures.length} structures`];
    for (const s of r.structures) lines.push(`  ${JSON.stringify(s, jsonBigint)}`);
    return `${lines.join('\n')}\n`;
  }
  if ('values' in r) {
    const fields = Object.entries(r.values).map(([k, v]) => `  ${k} ${v}`);
    return `compliance ${r.request}${r.status === null ? '' : `: ${r.status}`}\n${fields.join('\n')}\n`;
  }
  return [
    `SPDM ${r.version}`,
    ...r.steps.map((st) => `  ${st}`),
    `certificate chain (verified to the trusted root): ${r.certificates.join(' → ')}`,
    `CHALLENGE nonce ${r.nonce}`,
    `CHALLENGE_AUTH signature ${r.signature}: verified with the leaf's public key`,
    ...r.measurements.map((m) => `  measurement ${m}`),
    '',
  ].join('\n');
}

/** JSON.stringify's replacer for DOE results: bigints and bytes as hex. */
export function jsonBigint(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `0x${value.toString(16)}` : value instanceof Uint8Array ? hexBytes(value) : value;
}
