/**
 * Hex byte strings as scenario files write them (SCENARIOS.md "Hex"): bytes in wire order, any
 * case, whitespace allowed between digits. The canonical form, used in output and for
 * `response_match`, is lower-case with no spaces.
 */

/** The canonical form of `text`, or undefined when it is not an even number of hex digits. */
export function normalizeHex(text: string): string | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(compact) || compact.length % 2 !== 0) return undefined;
  return compact.toLowerCase();
}

/** Bytes of a canonical hex string (as `normalizeHex` returns). */
export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Canonical hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
