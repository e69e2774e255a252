/**
 * Sleep sets (Godefroid, "Partial-Order Methods for the Verification of Concurrent Systems",
 * 1996, ch. 5) for the explorer's bounded-exhaustive search: partial-order reduction that skips
 * interleavings equivalent to one already explored, where equivalent means reachable from it by
 * swapping adjacent independent options (footprint.ts).
 *
 * The search is stateless: each schedule re-runs from the start with a prefix of choices, and
 * this object keeps the depth-first stack across runs. At a choice point, the options explored
 * before the one taken go to sleep for the subtree below it, as long as they stay independent of
 * what runs; an option asleep at a point is not taken there (its subtree is the reorder of one
 * already explored); a point whose every option is asleep ends the run (it is redundant).
 *
 * Options are named so a sleeping option is recognised in a later state: a lane step as
 * `b<block>.l<lane>.<position>`, a scheduler task by its id (assigned when it was queued, so a
 * task asleep since an earlier point keeps its id), the clock step as `tick`.
 */
import { type Footprint, conflicts } from './footprint.js';

/** One choice point of the current depth-first path. */
export interface SleepNode {
  readonly keys: readonly string[];
  readonly footprints: readonly Footprint[];
  /** Options asleep on entering this point (name → footprint). */
  readonly sleep: ReadonlyMap<string, Footprint>;
  /** Options taken here so far, in order; the last is the current one. */
  readonly done: number[];
}

export class SleepSetSearch {
  readonly #nodes: SleepNode[] = [];
  /** The sleep set of the state the current run is in. */
  #carry = new Map<string, Footprint>();

  /** A run starts from the initial state, where nothing sleeps. */
  begin(): void {
    this.#carry = new Map();
  }

  /**
   * A new point at depth `point` (the path above it is `#nodes[0..point-1]`): records it and
   * returns the first option not asleep, or undefined when all are (the run is redundant).
   */
  enter(point: number, keys: readonly string[], footprints: readonly Footprint[]): number | undefined {
    this.#nodes.length = point;
    const sleep = this.#carry;
    const choice = keys.findIndex((k) => !sleep.has(k));
    if (choice < 0) return undefined;
    const node: SleepNode = { keys, footprints, sleep, done: [choice] };
    this.#nodes.push(node);
    this.#carry = childSleep(node);
    return choice;
  }

  /** A run re-taking point `point` of the current path (its prefix): the state below it. */
  replay(point: number): void {
    const node = this.#nodes[point];
    if (node) this.#carry = childSleep(node);
  }

  /**
   * The only option of a state (no choice): false when it is asleep (the run is redundant),
   * else what it conflicts with wakes up.
   */
  forced(key: string, footprint: Footprint): boolean {
    if (this.#carry.has(key)) return false;
    this.#carry = filterIndependent(this.#carry, footprint);
    return true;
  }

  /** Everything wakes (steps run in order between blocks touch anything). */
  wake(): void {
    this.#carry = new Map();
  }

  /** Forget point `point` and below (its state was explored before: nothing to backtrack to). */
  drop(point: number): void {
    this.#nodes.length = Math.min(this.#nodes.length, point);
  }

  /** The sleep set of the current path's point `point`, as sorted names (for state hashing). */
  sleepingAt(point: number): string {
    const n = this.#nodes[point];
    return n ? [...n.sleep.keys()].sort().join(',') : '';
  }

  /**
   * Backtrack: the deepest point above `depth` with an option neither taken nor asleep; takes it
   * and returns the choices leading to it (the next run's prefix), or undefined when the search
   * is over.
   */
  next(depth: number): number[] | undefined {
    for (let i = Math.min(this.#nodes.length, depth) - 1; i >= 0; i--) {
      const n = this.#nodes[i]!;
      const j = n.keys.findIndex((k, idx) => !n.done.includes(idx) && !n.sleep.has(k));
      if (j < 0) continue;
      n.done.push(j);
      this.#nodes.length = i + 1;
      return this.#nodes.map((x) => x.done[x.done.length - 1]!);
    }
    return undefined;
  }
}

function filterIndependent(sleep: ReadonlyMap<string, Footprint>, t: Footprint): Map<string, Footprint> {
  const out = new Map<string, Footprint>();
  for (const [k, f] of sleep) if (!conflicts(f, t)) out.set(k, f);
  return out;
}

/** Sleep(s·t) = { u ∈ Sleep(s) ∪ Done_before(t) | u independent of t }, t the node's current option. */
function childSleep(node: SleepNode): Map<string, Footprint> {
  const t = node.done[node.done.length - 1]!;
  const tf = node.footprints[t]!;
  const out = filterIndependent(node.sleep, tf);
  for (const u of node.done.slice(0, -1)) if (!conflicts(node.footprints[u]!, tf)) out.set(node.keys[u]!, node.footprints[u]!);
  return out;
}
