/**
 * The interpreter's dense view of a compiled rule set (no twin in udev-rules.c): per file, one
 * Int32Array with five slots per line — the line's flags, its first-token memo key
 * (first-token.ts; times two, plus one for a parent-group token; -1 without), the ends of its
 * `same` and `absent` runs (runs.ts), and where a line whose only token is its first goes when
 * that token passes (`SUBSYSTEM!="block", GOTO="end"`). Most lines are decided by these numbers
 * alone (the pre-filter or a remembered first token), so the interpreter reads the line
 * objects, scattered over the heap, only for the lines it evaluates.
 *
 * Built on first use, once per rule set, with one memo per rule set reused by its events.
 */
import { FirstTokenMemo, firstTokenKey, type KeyValues, keyKindOf, ValueOutcomes } from './first-token.js';
import { fileRuns } from './runs.js';
import { isParentToken, type RuleFile } from './token.js';

/** Slots of one line in a file's table. */
export const LineSlot = {
  FLAGS: 0,
  KEY: 1,
  SAME_END: 2,
  ABSENT_END: 3,
  /** The next line when the first token passes and it is the line's only token (its GOTO target or the next line); -1 otherwise. */
  PASS_NEXT: 4,
} as const;
export const LINE_SLOTS = 5;

export interface LineTable {
  /** Per file, LINE_SLOTS numbers per line. */
  readonly files: readonly Int32Array[];
  /** The KeyKind of each distinct first-token key. */
  readonly kinds: Uint8Array;
  /** unfilteredLines() by pre-filter mask. */
  readonly unfiltered: Map<number, readonly Int32Array[]>;
  /** Outcomes of the ACTION, SUBSYSTEM, DRIVER, KERNEL and DEVPATH keys, per value, across events. */
  readonly outcomes: ValueOutcomes;
}

const tables = new WeakMap<readonly RuleFile[], LineTable>();
const memos = new WeakMap<LineTable, FirstTokenMemo>();

/** The table of a rule set (computed on first use, once per rule set). */
export function lineTable(files: readonly RuleFile[]): LineTable {
  let table = tables.get(files);
  if (table === undefined) {
    const ids = new Map<string, number>();
    const kinds: number[] = [];
    const runs = fileRuns(files);
    const out = files.map(({ lines }, f) => {
      const a = new Int32Array(lines.length * LINE_SLOTS);
      const r = runs[f]!;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        const first = line.tokens[0];
        const s = firstTokenKey(first);
        let key = -1;
        if (s !== undefined) {
          let id = ids.get(s);
          if (id === undefined) {
            ids.set(s, (id = ids.size));
            kinds.push(keyKindOf(first!));
          }
          key = id * 2 + (isParentToken(first!.type) ? 1 : 0);
        }
        const b = i * LINE_SLOTS;
        a[b + LineSlot.FLAGS] = line.flags;
        a[b + LineSlot.KEY] = key;
        a[b + LineSlot.SAME_END] = r.same[i]!;
        a[b + LineSlot.ABSENT_END] = Math.max(r.same[i]!, r.absent[i]!);
        a[b + LineSlot.PASS_NEXT] = key >= 0 && line.tokens.length === 1 ? (line.gotoLine ? line.gotoIndex : i + 1) : -1;
      }
      return a;
    });
    table = { files: out, unfiltered: new Map(), kinds: Uint8Array.from(kinds), outcomes: new ValueOutcomes(ids.size) };
    tables.set(files, table);
  }
  return table;
}

/** A memo for one rules run over `table` on `dev`, reset; release it with `busy = false`. */
export function acquireMemo(table: LineTable, dev: KeyValues): FirstTokenMemo {
  let m = memos.get(table);
  if (m === undefined || m.busy) {
    const fresh = new FirstTokenMemo(table.kinds, table.outcomes);
    if (m === undefined) memos.set(table, fresh);
    m = fresh;
  }
  m.reset(dev);
  m.busy = true;
  return m;
}

/**
 * Per file, for each line, the first line from it on whose flags meet `mask` (the line count
 * when none does): the pre-filter as a jump. Built on first use of a mask (an event's mask is
 * one of four).
 */
export function unfilteredLines(table: LineTable, files: readonly RuleFile[], mask: number): readonly Int32Array[] {
  let u = table.unfiltered.get(mask);
  if (u === undefined) {
    u = files.map(({ lines }, f) => {
      const tab = table.files[f]!;
      const n = lines.length;
      const next = new Int32Array(n);
      let j = n;
      for (let i = n - 1; i >= 0; i--) {
        if ((tab[i * LINE_SLOTS + LineSlot.FLAGS]! & mask) !== 0) j = i;
        next[i] = j;
      }
      return next;
    });
    table.unfiltered.set(mask, u);
  }
  return u;
}
