/**
 * The interpreter's dense view of a compiled rule set (no twin in udev-rules.c): per file, one
 * Int32Array with seven slots per line — the line's flags, its first-token memo key
 * (first-token.ts; times two, plus one for a parent-group token; -1 without), the ends of its
 * `same` and `absent` runs (runs.ts), where a line of remembered match tokens only goes when
 * they all pass (`SUBSYSTEM!="block", GOTO="end"`), and where its leading event-device match
 * tokens' keys start in the file's key list and how many there are (ACTION, DEVPATH, KERNEL,
 * SUBSYSTEM, DRIVER, ATTR{} leading the line in 252's order): while they are remembered as
 * passed, the next one's remembered outcome decides without evaluating it. Most lines are decided by these
 * numbers alone, so the interpreter reads the line objects, scattered over the heap, only for
 * the lines it evaluates.
 *
 * Built on first use, once per rule set, with one memo per rule set reused by its events.
 */
import { FirstTokenMemo, firstTokenKey, type KeyValues, keyKindOf, ValueOutcomes } from './first-token.js';
import { fileRuns } from './runs.js';
import { isParentToken, type RuleFile, type RuleToken, TokenType } from './token.js';

/** Slots of one line in a file's table. */
export const LineSlot = {
  FLAGS: 0,
  KEY: 1,
  SAME_END: 2,
  ABSENT_END: 3,
  /** For a line of remembered match tokens only: the next line when all pass (its GOTO target or the next line); else -1. */
  PASS_NEXT: 4,
  /** Where the line's leading keys start in the file's key list. */
  KEYS_AT: 5,
  /** How many leading tokens are remembered event-device matches (their keys). */
  KEYS_LEN: 6,
} as const;
export const LINE_SLOTS = 7;

export interface LineTable {
  /** Per file, LINE_SLOTS numbers per line. */
  readonly files: readonly Int32Array[];
  /** Per file, the memo keys of the lines' leading remembered event-device match tokens. */
  readonly keys: readonly Int32Array[];
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
    const idOf = (t: RuleToken): number => {
      const s = firstTokenKey(t);
      if (s === undefined) return -1;
      let id = ids.get(s);
      if (id === undefined) {
        ids.set(s, (id = ids.size));
        kinds.push(keyKindOf(t));
      }
      return id;
    };
    const runs = fileRuns(files);
    const keyLists: Int32Array[] = [];
    const out = files.map(({ lines }, f) => {
      const a = new Int32Array(lines.length * LINE_SLOTS);
      const r = runs[f]!;
      const keys: number[] = [];
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        const tokens = line.tokens;
        const first = tokens[0];
        const id = first === undefined ? -1 : idOf(first);
        const key = id < 0 ? -1 : id * 2 + (isParentToken(first!.type) ? 1 : 0);
        // The leading remembered event-device match tokens and their keys. The run ends at the
        // first other token: ENV{}, TAG, SYMLINK and NAME matches have no effect on the outcome
        // but may on the device (reading a property refreshes TAGS and DEVLINKS, and so their
        // order among the properties), so a line is never skipped past one of them.
        const at = keys.length;
        let len = 0;
        while (len < tokens.length && tokens[len]!.type <= TokenType.M_ATTR) {
          const k = idOf(tokens[len]!);
          if (k < 0) break;
          keys.push(k);
          len++;
        }
        const b = i * LINE_SLOTS;
        a[b + LineSlot.FLAGS] = line.flags;
        a[b + LineSlot.KEY] = key;
        a[b + LineSlot.SAME_END] = r.same[i]!;
        a[b + LineSlot.ABSENT_END] = Math.max(r.same[i]!, r.absent[i]!);
        a[b + LineSlot.PASS_NEXT] = key >= 0 && (tokens.length === 1 || len === tokens.length) ? (line.gotoLine ? line.gotoIndex : i + 1) : -1;
        a[b + LineSlot.KEYS_AT] = at;
        a[b + LineSlot.KEYS_LEN] = len;
      }
      keyLists.push(Int32Array.from(keys));
      return a;
    });
    table = { files: out, keys: keyLists, unfiltered: new Map(), kinds: Uint8Array.from(kinds), outcomes: new ValueOutcomes(ids.size) };
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
