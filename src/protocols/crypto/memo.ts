/**
 * A bounded memo for pure, deterministic crypto (curve arithmetic, certificate parsing and chain
 * verification): the same inputs give the same bytes, so a result computed by one machine can
 * serve every other machine of the process. The race explorer boots thousands of identical
 * machines; each one's CMA authentication at enumeration would otherwise redo the same P-384
 * signatures and verifications. Results are copied out, so no caller can alter a cached value.
 * Cleared wholesale when full.
 *
 * The key is the inputs themselves, each as a length-prefixed one-byte string (a byte per
 * character): unambiguous, and built with one native call per 8 KiB rather than per byte.
 */
const MAX_ENTRIES = 4096;

/** Every memo by name, for tests that count work (a computation done once, then answered). */
const registry = new Map<string, PureMemo<unknown>>();

/** Hits and misses of the named memo so far in this process. */
export function memoStats(name: string): { readonly hits: number; readonly misses: number } {
  const m = registry.get(name);
  return { hits: m?.hits ?? 0, misses: m?.misses ?? 0 };
}

export class PureMemo<T> {
  readonly #map = new Map<string, T>();
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
    let key = '';
    for (const p of parts) key += typeof p === 'string' ? `s${p.length}:${p}` : `b${p.length}:${byteString(p)}`;
    const hit = this.#map.get(key);
    if (hit !== undefined) {
      this.hits++;
      return this.copy(hit);
    }
    this.misses++;
    const value = compute();
    if (this.#map.size >= this.maxEntries) this.#map.clear();
    this.#map.set(key, this.copy(value));
    return value;
  }
}

const CHUNK = 8192;

/** The bytes as a string of char codes 0–255, one per byte. */
export function byteString(b: Uint8Array): string {
  if (b.length <= CHUNK) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = '';
  for (let i = 0; i < b.length; i += CHUNK) s += String.fromCharCode.apply(null, b.subarray(i, i + CHUNK) as unknown as number[]);
  return s;
}

export const bytesMemo = (name: string, maxEntries?: number): PureMemo<Uint8Array> => new PureMemo(name, (b) => b.slice(), maxEntries);
export const boolMemo = (name: string): PureMemo<boolean> => new PureMemo(name, (b) => b);
