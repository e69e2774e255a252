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

interface TrieNode {
  /** Options at this choice point (0 until a run has met it). */
  width: number;
  /** By choice; made when the first run goes on below this point (a run's last node has none). */
  children: (TrieNode | undefined)[] | undefined;
  /** A run ended here (after the choices on the way down). */
  end: RunOutcome | undefined;
}

const node = (): TrieNode => ({ width: 0, children: undefined, end: undefined });

/** Where a seed's walk ended: a run already made, or the prefix to run from. */
export type TrieWalk = { readonly kind: 'known'; readonly outcome: RunOutcome } | { readonly kind: 'run'; readonly prefix: readonly number[] };

export class ScheduleTrie {
  readonly #root = node();
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
    for (let n: TrieNode | undefined = this.#root; ;) {
      if (n.end) return { kind: 'known', outcome: n.end };
      if (n.width === 0) return { kind: 'run', prefix };
      const c = Math.min(Math.max(0, choose(n.width, prefix.length)), n.width - 1);
      prefix.push(c);
      n = n.children?.[c];
      if (!n) return { kind: 'run', prefix };
    }
  }

  /**
   * Records a finished run: `widths[i]` options at its i-th choice point, `schedule` its choices
   * (trailing zeros dropped). Keeps only the outcome's `schedule` and `violation`, not the object
   * passed (a run's whole result — timeline, widths, fingerprints — would live as long as the
   * campaign).
   */
  record(widths: readonly number[], outcome: RunOutcome): void {
    let n = this.#root;
    for (let i = 0; i < widths.length; i++) {
      n.width = widths[i]!;
      const c = outcome.schedule[i] ?? 0;
      const children = (n.children ??= []);
      let next = children[c];
      if (!next) {
        if (this.#nodes >= this.maxNodes) return;
        next = children[c] = node();
        this.#nodes++;
      }
      n = next;
    }
    n.end = { schedule: outcome.schedule.slice(), violation: outcome.violation };
  }
}
