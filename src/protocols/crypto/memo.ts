/**
 * A bounded memo for pure, deterministic crypto (curve arithmetic, certificate parsing and chain
 * verification): the same inputs give the same bytes, so a result computed by one machine can
 * serve every other machine of the process. The race explorer boots thousands of identical
 * machines; each one's CMA authentication at enumeration would otherwise redo the same P-384
 * signatures and verifications. Results are copied out, so no caller can alter a cached value.
 * Cleared wholesale when full.
 *
 * The key is the inputs themselves, kept as copies: a lookup fingerprints the parts (their kinds,
 * lengths and contents, a word at a time) into a 32-bit bucket number and compares the parts with
 * each entry of that bucket byte for byte, so two keys are the same entry exactly when their
 * parts are equal, and no input is ever copied into a string.
 */
const MAX_ENTRIES = 4096;

/** Every memo by name, for tests that count work (a computation done once, then answered). */
const registry = new Map<string, PureMemo<unknown>>();

/** Hits and misses of the named memo so far in this process. */
export function memoStats(name: string): { readonly hits: number; readonly misses: number } {
  const m = registry.get(name);
  return { hits: m?.hits ?? 0, misses: m?.misses ?? 0 };
}

/** A remembered value under its key; entries whose keys share a fingerprint are chained. */
interface Entry<T> {
  readonly key: readonly (Uint8Array | string)[];
  readonly value: T;
  readonly next: Entry<T> | undefined;
}

export class PureMemo<T> {
  readonly #map = new Map<number, Entry<T>>();
  #entries = 0;
  /** Lookups answered from the memo, and computed (for tests counting work, never time). */
  hits = 0;
  misses = 0;
  constructor(
    readonly name: string,
    readonly copy: (value: T) => T,
    readonly maxEntries = MAX_ENTRIES,
  ) {
    registry.set(name, this as PureMemo<unknown>);
  }

  /** The cached value for `parts`, computing it with `compute` the first time. */
  get(parts: readonly (Uint8Array | string)[], compute: () => T): T {
    const fp = fingerprint(parts);
    const head = this.#map.get(fp);
    for (let e = head; e !== undefined; e = e.next) {
      if (sameParts(e.key, parts)) {
        this.hits++;
        return this.copy(e.value);
      }
    }
    this.misses++;
    const value = compute();
    if (this.#entries >= this.maxEntries) {
      this.#map.clear();
      this.#entries = 0;
    }
    const key = parts.map((p) => (typeof p === 'string' ? p : p.slice()));
    this.#map.set(fp, { key, value: this.copy(value), next: this.#map.get(fp) });
    this.#entries++;
    return value;
  }
}

/** FNV-1a's prime: the mixing step of the fingerprint. */
const PRIME = 0x01000193;

/** Whether an Int32Array reads a word's bytes little-endian (then an aligned word is read in one load). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Whether `p`'s words can be read through an Int32Array: aligned, on a little-endian machine. */
const wordAligned = (p: Uint8Array): boolean => LITTLE_ENDIAN && (p.byteOffset & 3) === 0;

/**
 * A 32-bit fingerprint of the parts: each part's kind and length, then its characters, or its
 * bytes as little-endian words (then the last 0–3 bytes one by one). Only equal parts must give
 * equal fingerprints; a collision costs a comparison, never a wrong answer.
 */
export function fingerprint(parts: readonly (Uint8Array | string)[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    if (typeof p === 'string') {
      h = Math.imul(h ^ 0x73, PRIME);
      h = Math.imul(h ^ p.length, PRIME);
      for (let i = 0; i < p.length; i++) h = Math.imul(h ^ p.charCodeAt(i), PRIME);
      continue;
    }
    const n = p.length;
    h = Math.imul(h ^ 0x62, PRIME);
    h = Math.imul(h ^ n, PRIME);
    const end = n & ~3;
    if (wordAligned(p)) {
      const w = new Int32Array(p.buffer, p.byteOffset, end >>> 2);
      for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w[i]!, PRIME);
    } else {
      for (let i = 0; i < end; i += 4) h = Math.imul(h ^ (p[i]! | (p[i + 1]! << 8) | (p[i + 2]! << 16) | (p[i + 3]! << 24)), PRIME);
    }
    for (let i = end; i < n; i++) h = Math.imul(h ^ p[i]!, PRIME);
  }
  return h;
}

/** Whether two keys have the same parts: the same kinds, lengths and contents, in order. */
function sameParts(a: readonly (Uint8Array | string)[], b: readonly (Uint8Array | string)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (typeof x === 'string' || typeof y === 'string') {
      if (x !== y) return false;
    } else if (!sameBytes(x, y)) return false;
  }
  return true;
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  const n = x.length;
  if (n !== y.length) return false;
  let i = 0;
  if (wordAligned(x) && wordAligned(y)) {
    const words = n >>> 2;
    const wx = new Int32Array(x.buffer, x.byteOffset, words);
    const wy = new Int32Array(y.buffer, y.byteOffset, words);
    for (let k = 0; k < words; k++) if (wx[k] !== wy[k]) return false;
    i = words << 2;
  }
  for (; i < n; i++) if (x[i] !== y[i]) return false;
  return true;
}

export const bytesMemo = (name: string, maxEntries?: number): PureMemo<Uint8Array> => new PureMemo(name, (b) => b.slice(), maxEntries);
export const boolMemo = (name: string): PureMemo<boolean> => new PureMemo(name, (b) => b);
