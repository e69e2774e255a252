/**
 * Fixed parts of SPDM messages as tables (DSP0274; protocols §3.4): each layout lists, after the
 * 4-byte header, the fields in wire order — `[name, width]` for a little-endian u8/u16/u32, or a
 * number for that many reserved bytes (written as zeros, skipped when read). One table serves
 * both directions, so a request and its response (NEGOTIATE_ALGORITHMS and ALGORITHMS,
 * GET_CAPABILITIES and CAPABILITIES, GET_CERTIFICATE and CERTIFICATE) are written and read by
 * the same two functions and cannot drift apart.
 *
 * `upTo` (bytes after the header) cuts a layout where an older version's message ends (1.0/1.1
 * CAPABILITIES): fields past it are not on the wire, are read as 0 and not written.
 */
import type { Reader, Writer } from './reader.js';

export type FixedField = readonly [name: string, width: 1 | 2 | 4] | number;
export type FixedLayout = readonly FixedField[];

type FieldNames<L extends FixedLayout> = Extract<L[number], readonly [string, number]>[0];
/** The values of a layout's named fields. */
export type FixedValues<L extends FixedLayout> = { readonly [K in FieldNames<L>]: number };

/** Bytes the layout occupies after the header. */
export function fixedSize(layout: FixedLayout): number {
  return layout.reduce<number>((n, f) => n + (typeof f === 'number' ? f : f[1]), 0);
}

/** Read the fixed part (EIO "truncated" when `r` has fewer than its bytes, or than `upTo`). */
export function readFixed<L extends FixedLayout>(r: Reader, layout: L, upTo = fixedSize(layout)): FixedValues<L> {
  r.need(upTo);
  const out: Record<string, number> = {};
  let at = 0;
  for (const f of layout) {
    const width = typeof f === 'number' ? f : f[1];
    const present = at + width <= upTo;
    if (typeof f === 'number') {
      if (present) r.discard(f);
    } else {
      out[f[0]] = !present ? 0 : f[1] === 1 ? r.u8() : f[1] === 2 ? r.u16() : r.u32();
    }
    at += width;
  }
  return out as FixedValues<L>;
}

/** Write the fixed part (reserved bytes zero). */
export function writeFixed<L extends FixedLayout>(w: Writer, layout: L, values: FixedValues<L>, upTo = fixedSize(layout)): Writer {
  const v = values as Record<string, number>;
  let at = 0;
  for (const f of layout) {
    const width = typeof f === 'number' ? f : f[1];
    if (at + width > upTo) break;
    if (typeof f === 'number') w.zeros(f);
    else if (f[1] === 1) w.u8(v[f[0]]!);
    else if (f[1] === 2) w.u16(v[f[0]]!);
    else w.u32(v[f[0]]!);
    at += width;
  }
  return w;
}

/** GET_CAPABILITIES and CAPABILITIES after the header: 8 bytes at 1.1, 16 at 1.2 (1.0: none / 8). */
export const CAPABILITIES_LAYOUT = [1, ['ctExponent', 1], 2, ['flags', 4], ['dataTransferSize', 4], ['maxSpdmMsgSize', 4]] as const;

/** NEGOTIATE_ALGORITHMS after the header (28 bytes; ExtAsym, ExtHash and AlgStructs follow). */
export const NEGOTIATE_ALGORITHMS_LAYOUT = [
  ['length', 2],
  ['measurementSpec', 1],
  ['otherParams', 1],
  ['baseAsym', 4],
  ['baseHash', 4],
  12,
  ['extAsymCount', 1],
  ['extHashCount', 1],
  1,
  ['melSpec', 1], // 1.3
] as const;

/** ALGORITHMS after the header (32 bytes; the selections' ExtAsym, ExtHash and AlgStructs follow). */
export const ALGORITHMS_LAYOUT = [
  ['length', 2],
  ['measurementSpecSel', 1],
  ['otherParamsSel', 1],
  ['measurementHashAlgo', 4],
  ['baseAsymSel', 4],
  ['baseHashSel', 4],
  11,
  ['melSpecSel', 1], // 1.3
  ['extAsymSelCount', 1],
  ['extHashSelCount', 1],
  2,
] as const;

/** GET_CERTIFICATE after the header (Offset, Length). */
export const GET_CERTIFICATE_LAYOUT = [
  ['offset', 2],
  ['length', 2],
] as const;

/** CERTIFICATE after the header (PortionLength, RemainderLength; the portion follows). */
export const CERTIFICATE_LAYOUT = [
  ['portionLength', 2],
  ['remainder', 2],
] as const;
