/** `01 00 00 00` ↔ bytes, for the byte-exact vectors of protocols Appendix B. */
export function hex(s: string): Uint8Array {
  const parts = s.trim().split(/\s+/).filter(Boolean);
  return new Uint8Array(parts.map((p) => Number.parseInt(p, 16)));
}

export function toHex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

export function zeros(n: number): string {
  return Array(n).fill('00').join(' ');
}
