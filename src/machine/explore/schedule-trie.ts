/**
 * The schedules a random campaign has run, as a tree of choice points (issue #11: equivalent
 * interleavings are not re-run). A run is deterministic: the same choices at the same points give
 * the same run, byte for byte. So a seed whose chooser, asked at each point with the width a run
 * before it met there, walks down to the end of a run already made, *is* that run — its result
 * is the recorded one. A seed that leaves the tree runs, with the choices made on the way down as
 * its prefix and the same chooser after them (its random state has already advanced past them,
 * as it would have inside the run).
 *
 * A small scenario has few distinct schedules (the DOE hand-off race: 668 in 1,000 seeds), so a
 * campaign of many seeds runs each at most once; its counts, first violation and report are those
 * of running every seed.
 */
import type { Chooser, Violation } from './explorer.js';

/** What a finished run reports to the campaign. */
export interface RunOutcome {
  readonly schedule: readonly number[];
  readonly violation: Violation | undefined;
}

/** Where a seed's walk ended: a run already made, or the prefix to run from. */
export type TrieWalk = { readonly kind: 'known'; readonly outcome: RunOutcome } | { readonly kind: 'run'; readonly prefix: readonly number[] };

/**
 * The tree is flat: node `n` is an index into typed arrays — its width, where its block of child
 * slots starts, and its run's end — and a block holds one slot per option, the child's index or 0
 * (the root, index 0, is nobody's child). A walk down a path reads two integers a level from a
 * few contiguous arrays, and the tree is no graph of small objects for the collector to trace and
 * copy: a campaign's tree lives as long as the campaign.
 */
export class ScheduleTrie {
  /** Options at node n's choice point (0 until a run has met it). */
  #width = new Int32Array(256);
  /** Where node n's child slots start in #child; -1 until a run goes on below it. */
  #base = new Int32Array(256).fill(-1);
  /** How many child slots node n's block has (its width when the block was made). */
  #slots = new Int32Array(256);
  /** 1 + the index in #ends of the run that ended at node n; 0 when none did. */
  #end = new Int32Array(256);
  /** Child slots, a block of `width` per node that has children: the child's index, 0 for none. */
  #child = new Int32Array(1024);
  #childUsed = 0;
  #ends: RunOutcome[] = [];
  #nodes = 1;

  /**
   * @param maxNodes the tree stops growing here (runs past it are not recorded; walks still use
   *   what is there), so a long campaign's memory stays bounded.
   */
  constructor(private readonly maxNodes = 1 << 20) {}

  /** Nodes in the tree. */
  get size(): number {
    return this.#nodes;
  }

  /** Asks `choose` down the recorded points until a recorded end, or a point no run has met. */
  walk(choose: Chooser): TrieWalk {
    const prefix: number[] = [];
    for (let n = 0; ;) {
      const end = this.#end[n]!;
      if (end !== 0) return { kind: 'known', outcome: this.#ends[end - 1]! };
      const width = this.#width[n]!;
      if (width === 0) return { kind: 'run', prefix };
      const c = Math.min(Math.max(0, choose(width, prefix.length)), width - 1);
      prefix.push(c);
      n = c < this.#slots[n]! ? this.#child[this.#base[n]! + c]! : 0;
      if (n === 0) return { kind: 'run', prefix };
    }
  }

  /**
   * Records a finished run: `widths[i]` options at its i-th choice point, `schedule` its choices
   * (trailing zeros dropped). Keeps only the outcome's `schedule` and `violation`, not the object
   * passed (a run's whole result — timeline, widths, fingerprints — would live as long as the
   * campaign).
   */
  record(widths: readonly number[], outcome: RunOutcome): void {
    let n = 0;
    for (let i = 0; i < widths.length; i++) {
      const width = widths[i]!;
      this.#width[n] = width;
      const c = outcome.schedule[i] ?? 0;
      let base = this.#base[n]!;
      let next = c < this.#slots[n]! ? this.#child[base + c]! : 0;
      if (next === 0) {
        if (this.#nodes >= this.maxNodes) return;
        // A width that grew since the block was made (no deterministic run does that) gets a bigger one.
        if (c >= this.#slots[n]!) base = this.#newBlock(n, Math.max(width, c + 1));
        next = this.#newNode();
        this.#child[base + c] = next;
      }
      n = next;
    }
    this.#ends.push({ schedule: outcome.schedule.slice(), violation: outcome.violation });
    this.#end[n] = this.#ends.length;
  }

  /** A block of `size` empty slots for node n, keeping the children it had. */
  #newBlock(n: number, size: number): number {
    const old = this.#base[n]!;
    const oldSize = this.#slots[n]!;
    if (this.#childUsed + size > this.#child.length) this.#child = grow(this.#child, this.#childUsed + size, 0);
    const base = this.#childUsed;
    this.#childUsed += size;
    if (old >= 0) this.#child.copyWithin(base, old, old + oldSize);
    this.#base[n] = base;
    this.#slots[n] = size;
    return base;
  }

  #newNode(): number {
    const n = this.#nodes++;
    if (n >= this.#width.length) {
      const size = this.#width.length * 2;
      this.#width = grow(this.#width, size, 0);
      this.#base = grow(this.#base, size, -1);
      this.#end = grow(this.#end, size, 0);
      this.#slots = grow(this.#slots, size, 0);
    }
    return n;
  }
}

/** `a` copied into an array of at least `min` elements (doubling), the new ones `fill`. */
function grow(a: Int32Array<ArrayBuffer>, min: number, fill: number): Int32Array<ArrayBuffer> {
  let size = a.length * 2;
  while (size < min) size *= 2;
  const b = new Int32Array(size);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}
