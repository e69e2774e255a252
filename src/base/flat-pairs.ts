/**
 * Ordered KEY/value lists kept compactly: one flat array `[key0, value0, key1, value1, …]` instead
 * of an array of two-element arrays. The logs a machine keeps for its whole life (the kernel's
 * uevents, udevd's broadcasts, the monitor) store their messages this way — one array per
 * message instead of one per variable plus one — and hand out pairs, decoded on each read.
 * A flat list is never changed after it is made; keys may repeat (a uevent may carry a key
 * twice), and order is preserved.
 */

/** `[key0, value0, key1, value1, …]`. */
export type FlatPairs = readonly string[];

/** The flat form of `pairs` (a new array). */
export function flattenPairs(pairs: Iterable<readonly [string, string]>): string[] {
  const out: string[] = [];
  for (const [k, v] of pairs) out.push(k, v);
  return out;
}

/** The pairs of a flat list, in order (new arrays on every call). */
export function pairsOfFlat(flat: FlatPairs): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = new Array<readonly [string, string]>(flat.length >> 1);
  for (let i = 0; i < flat.length; i += 2) out[i >> 1] = [flat[i]!, flat[i + 1]!];
  return out;
}

/** The first value of `key`, or undefined. */
export function flatValue(flat: FlatPairs, key: string): string | undefined {
  for (let i = 0; i < flat.length; i += 2) if (flat[i] === key) return flat[i + 1];
  return undefined;
}

/** The keys in order. */
export function flatKeys(flat: FlatPairs): string[] {
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push(flat[i]!);
  return out;
}
