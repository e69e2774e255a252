/**
 * A bounded memo for pure, deterministic crypto (curve arithmetic): the same inputs give the same
 * bytes, so a result computed by one machine can serve every other machine of the process. The
 * race explorer boots thousands of identical machines; each one's CMA authentication at
 * enumeration would otherwise redo the same P-384 signatures and verifications. Results are
 * copied out, so no caller can alter a cached value. Cleared wholesale when full.
 */
import { toHex } from './bytes.js';

const MAX_ENTRIES = 4096;

export class PureMemo<T> {
  readonly #map = new Map<string, T>();
  constructor(readonly copy: (value: T) => T) {}

  /** The cached value for `parts`, computing it with `compute` the first time. */
  get(parts: readonly (Uint8Array | string)[], compute: () => T): T {
    const key = parts.map((p) => (typeof p === 'string' ? p : toHex(p))).join('|');
    const hit = this.#map.get(key);
    if (hit !== undefined) return this.copy(hit);
    const value = compute();
    if (this.#map.size >= MAX_ENTRIES) this.#map.clear();
    this.#map.set(key, this.copy(value));
    return value;
  }
}

export const bytesMemo = (): PureMemo<Uint8Array> => new PureMemo((b) => b.slice());
export const boolMemo = (): PureMemo<boolean> => new PureMemo((b) => b);
