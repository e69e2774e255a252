/**
 * The race explorer (issue #11, DESIGN.md §7). A scenario's steps run in order, except its
 * `concurrent:` blocks (every one of them, in order); inside a block, at every choice point the explorer lists what may happen next —
 * the next step of each lane that has steps left, every ready scheduler task (probe, deferred
 * probe, udev workers, DOE work, device responses) and, when no task is ready, the clock step to
 * the next timer — and a strategy picks one. Tasks that become ready while a lane's step sleeps
 * (a DOE exchange polls in virtual time) are choice points too, among those tasks. After a
 * block the steps up to the next block run in order. Invariants (invariants.ts) are checked after every task and step.
 *
 * A schedule is the list of choices made at points with more than one option; a point past the
 * end of the list takes option 0 (the in-order choice), so a schedule's trailing zeros are
 * dropped and its length is the number of choices it fixes. Same scenario + same schedule →
 * the same run, byte for byte (the machine is deterministic): that is what `--replay` relies on.
 *
 * Browser-safe: no node:* imports (the CLI adds threads, TTY and files).
 */
import { DriverModelError, type ReadyTask, type SnapshotToken } from '../../base/index.js';
import { type FdSlot, type LoadedScenario, type ScenarioMachine, type Step, judge, perform, summarize } from '../../scenario/index.js';
import type { Machine } from '../machine.js';
import { machineScenarioHost } from '../scenario-host.js';
import { type FdOrigins, type Footprint, GLOBAL, fdOrigins, stepFootprint } from './footprint.js';
import { DOE_REFUSALS, InvariantView, type InvariantMemo, REVOKED_ERRNOS, checkTaskInvariants, kernelDoeBusy, newMemo } from './invariants.js';
import { type RunOutcome, ScheduleTrie } from './schedule-trie.js';
import { SleepSetSearch } from './sleep-sets.js';

/** One line of the timeline: what ran, at which virtual time, and whether it was a choice. */
export interface TimelineEntry {
  readonly t: number;
  /** `lane N` (with its process) or `kernel`. */
  readonly actor: string;
  readonly what: string;
  /** Index into the schedule when this was picked at a choice point. */
  readonly choice?: number;
}

export interface Violation {
  readonly invariant: string;
  readonly message: string;
}

export interface ScheduleResult {
  /** The choices actually made (trailing zeros dropped), up to the violation if any. */
  readonly schedule: readonly number[];
  readonly violation: Violation | undefined;
  readonly timeline: readonly TimelineEntry[];
  /** Choice points met (with more than one option). */
  readonly points: number;
  /** Options at each choice point met, in order (for exhaustive backtracking). */
  readonly widths: readonly number[];
  /** Fingerprints of the state at each choice point (for state hashing). */
  readonly fingerprints: readonly string[];
  /** The run stopped early at a state already explored (exhaustive mode). */
  readonly pruned: boolean;
}

/** How the next choice is made past the forced prefix. */
export type Chooser = (width: number, point: number) => number;

export interface RunScheduleOptions {
  /** Choices taken in order at the first choice points. */
  readonly prefix?: readonly number[];
  /** Past the prefix (default: always 0). */
  readonly choose?: Chooser;
  /** Record the timeline (costs time; off in campaigns, on for reports). */
  readonly timeline?: boolean;
  /** Exhaustive mode: stop when a fingerprint past the prefix is in this set (adds the new ones). */
  readonly seen?: Set<string>;
  /**
   * Exhaustive mode with partial-order reduction: the sleep-set search whose path the prefix
   * follows; points past the prefix and above `depth` take the first option not asleep, and a
   * point whose every option is asleep ends the run (pruned).
   */
  readonly sleepSets?: { readonly search: SleepSetSearch; readonly depth: number };
  /**
   * With `timeline`: called after each timeline entry is recorded — before what it names runs, so
   * the machine shows the state after the previous entry — and once more at the end (entry
   * undefined) before the machine is disposed. `inStep` is the actor of the lane step in progress
   * (a step that sleeps, such as a polling `doe`, lets tasks run inside it). The playground's
   * scheduler panel steps through a replay with it.
   */
  readonly observe?: (machine: Machine, entry: TimelineEntry | undefined, inStep: string | undefined) => void;
  /**
   * Run from this base (see `prepareBase`) instead of a fresh machine: its machine is restored to
   * the snapshot taken before the first block and the run starts there. Not with `timeline`
   * (the timeline would lack the steps before the block).
   */
  readonly base?: ScheduleBase;
  /** Called with the machine once the run is over, before it is disposed (tests compare machines). */
  readonly end?: (machine: Machine) => void;
}

/** What a run has built when it reaches its first `concurrent:` block. */
interface RunState {
  readonly sm: ScenarioMachine & { readonly machine: Machine };
  readonly fds: Map<string, FdSlot>;
  readonly fdPaths: Map<string, string>;
  readonly memo: InvariantMemo;
}

/**
 * A machine booted and run up to the first `concurrent:` block of a scenario, with a snapshot
 * taken there (docs/snapshot.md): each schedule restores it instead of building the machine,
 * booting it and running the steps before the block again. `dispose` when the campaign is over.
 */
export interface ScheduleBase {
  readonly loaded: LoadedScenario;
  /** Index in `steps` of the first block. */
  readonly start: number;
  readonly state: RunState;
  readonly token: SnapshotToken;
  /** Where the scenario's fd names were opened (footprints for sleep sets), made once. */
  readonly origins: () => FdOrigins;
  dispose(): void;
}

/**
 * The base of `loaded`'s schedules, or undefined when there is none to take: no block, an
 * invariant already broken before the block, or the machine not quiescent there (a DOE exchange
 * in flight keeps its progress in closures, which no snapshot can copy: `Machine.snapshot`
 * refuses with EBUSY). Then each schedule runs on a fresh machine, as before.
 */
export function prepareBase(loaded: LoadedScenario): ScheduleBase | undefined {
  let base: ScheduleBase | undefined;
  runOne(
    loaded,
    {},
    {
      atFirstBlock: (start, state) => {
        try {
          const token = state.sm.machine.snapshot([state.sm, state.fds, state.fdPaths, state.memo]);
          let origins: FdOrigins | undefined;
          base = {
            loaded,
            start,
            state,
            token,
            origins: () => (origins ??= fdOrigins(loaded.scenario.steps)),
            dispose: () => {
              try {
                state.sm.dispose?.();
              } catch {
                // a machine that fails to dispose has nothing more to report
              }
            },
          };
        } catch (e) {
          if (!DriverModelError.is(e, 'EBUSY')) throw e;
        }
        return base !== undefined;
      },
    },
  );
  return base;
}

/** Internal: `prepareBase`'s hook, called before the first block; returning true keeps the machine and stops the run. */
interface PrepareOptions {
  readonly atFirstBlock?: (start: number, state: RunState) => boolean;
}

class Stop extends Error {}
/**
 * What a run throws to unwind to its end (a broken invariant, a pruned state): one instance for
 * every run, since the reason is in the run's own variables and a stack would be thrown away.
 */
const STOP = new Stop('explorer: run stopped');

type Block = Step & { readonly verb: 'concurrent' };

/** The blocks a scenario explores: its `concurrent:` steps, in order. */
export function concurrentBlocks(loaded: LoadedScenario): readonly Block[] {
  return loaded.scenario.steps.filter((s): s is Block => s.verb === 'concurrent');
}

/** A scenario's first `concurrent:` block, if it has one. */
export function concurrentBlock(loaded: LoadedScenario): Block | undefined {
  return concurrentBlocks(loaded)[0];
}

/** A deterministic PRNG (mulberry32) for seeded schedules. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The chooser of random schedule `seed`. */
export function randomChooser(seed: number): Chooser {
  const r = seededRandom(seed);
  return (width) => Math.floor(r() * width);
}

/**
 * Runs one schedule of `loaded` on a fresh machine, or from `options.base` (the same run: the
 * snapshot property test checks it). Throws DriverModelError for a bad scenario.
 */
export function runSchedule(loaded: LoadedScenario, options: RunScheduleOptions = {}): ScheduleResult {
  return runOne(loaded, options, NO_PREPARE);
}

const NO_PREPARE: PrepareOptions = {};

function runOne(loaded: LoadedScenario, options: RunScheduleOptions, { atFirstBlock }: PrepareOptions): ScheduleResult {
  const prefix = options.prefix ?? [];
  const choose = options.choose ?? (() => 0);
  const base = options.base?.loaded === loaded && options.timeline !== true ? options.base : undefined;
  let state: RunState;
  if (base) {
    base.state.sm.machine.restore(base.token);
    state = base.state;
  } else {
    const sm = machineScenarioHost().createMachine(loaded.machineOptions) as RunState['sm'];
    for (const [name, spec] of loaded.processes) sm.addProcess(name, spec);
    state = { sm, fds: new Map(), fdPaths: new Map(), memo: newMemo() };
  }
  const { sm, fds, fdPaths, memo } = state;
  const m = sm.machine;
  /** The machine outlives the run (a base's, or the one `atFirstBlock` kept). */
  let keep = base !== undefined;
  const timeline: TimelineEntry[] = [];
  const schedule: number[] = [];
  const widths: number[] = [];
  const fingerprints: string[] = [];
  let violation: Violation | undefined;
  let pruned = false;
  let exploring = false;
  let forced: number | undefined;
  let lanePos: number[] = [];
  let blockIndex = -1;
  let origins: FdOrigins | undefined;
  const originsOf = (): FdOrigins => (origins ??= base ? base.origins() : fdOrigins(loaded.scenario.steps));
  const por = options.sleepSets;
  por?.search.begin();
  /** While a lane's raw DOE exchange runs: notes whether the kernel's mailbox is busy meanwhile. */
  let watching: (() => void) | undefined;
  const record = options.timeline === true;
  /** The actor of the lane step in progress, for `observe`. */
  let inStep: string | undefined;
  /**
   * Whether the invariants held at the last check and nothing has run on the machine since: a
   * task, a step, the clock step or an observer may change what they read, so each clears it;
   * listing options and reading state do not. A check on an unchanged machine is skipped (the
   * checks are functions of the machine and of the memo, which only records what they saw).
   */
  let checked = false;
  const note = (entry: TimelineEntry): void => {
    timeline.push(entry);
    checked = false;
    options.observe?.(m, entry, inStep);
  };

  const fail = (invariant: string, message: string): never => {
    violation = { invariant, message };
    throw STOP;
  };
  const view = new InvariantView(m);
  const checkAll = (): void => {
    if (checked) return;
    const broken = checkTaskInvariants(view, memo);
    if (broken) fail(broken.name, broken.message);
    checked = true;
  };
  /** The ready tasks the hook was offered at the choice point in progress. */
  let hookReady: readonly ReadyTask[] = [];
  /** The lanes with steps left at the block's choice point in progress (the first `lanesLeft`). */
  const laneOf: number[] = [];
  let lanesLeft = 0;
  /** The current block while one runs. */
  let block: Block | undefined;
  /** Option `o` of a block's choice point: a lane (below `lanesLeft`), a ready task, then the clock step. */
  const blockKey = (o: number, ready: readonly ReadyTask[]): string => {
    if (o < lanesLeft) return `b${blockIndex}.l${laneOf[o]}.${lanePos[laneOf[o]!]}`;
    return o - lanesLeft < ready.length ? `t${ready[o - lanesLeft]!.id}` : 'tick';
  };
  const keysAt = (nested: boolean, width: number): string[] => {
    const out: string[] = [];
    if (nested) for (const t of hookReady) out.push(`t${t.id}`);
    else {
      const ready = m.scheduler.ready;
      for (let o = 0; o < width; o++) out.push(blockKey(o, ready));
    }
    return out;
  };
  const footprintsAt = (nested: boolean, width: number): Footprint[] => {
    const out: Footprint[] = [];
    for (let o = 0; o < width; o++) {
      const lane = !nested && o < lanesLeft ? laneOf[o]! : -1;
      out.push(lane >= 0 ? stepFootprint(block!.lanes[lane]![lanePos[lane]!]!, originsOf()) : GLOBAL);
    }
    return out;
  };
  /**
   * A choice among `width` options — the hook's ready tasks (`nested`) or the block's options —
   * named and footprinted on demand (for sleep sets and state hashing); returns the pick (0 when
   * there is only one).
   */
  const pick = (width: number, nested: boolean): number => {
    if (!exploring) return 0;
    const point = widths.length;
    const tracking = por !== undefined && point < por.depth;
    if (width <= 1) {
      // No choice, but the option runs: it may wake sleeping options, or be asleep itself.
      if (tracking && !por.search.forced(keysAt(nested, width)[0]!, footprintsAt(nested, width)[0]!)) {
        pruned = true;
        throw STOP;
      }
      return 0;
    }
    let reduced: number | undefined;
    if (tracking && point < prefix.length) por.search.replay(point);
    else if (tracking) {
      reduced = por.search.enter(point, keysAt(nested, width), footprintsAt(nested, width));
      if (reduced === undefined) {
        // Every option is asleep: each continuation reorders one already explored.
        pruned = true;
        throw STOP;
      }
    }
    if (options.seen && point >= prefix.length) {
      // With sleep sets the same state is only the same search node under the same sleep set.
      const fp = `${stateKey(nested ? 'nested' : 'block')}|${por ? por.search.sleepingAt(point) : ''}`;
      if (options.seen.has(fp)) {
        por?.search.drop(point);
        pruned = true;
        throw STOP;
      }
      options.seen.add(fp);
      fingerprints.push(fp);
    }
    const c = point < prefix.length ? prefix[point]! : (reduced ?? choose(width, point));
    const choice = Math.min(Math.max(0, c), width - 1);
    widths.push(width);
    schedule.push(choice);
    return choice;
  };
  const stateKey = (extra: string): string =>
    `${blockIndex}:${lanePos.join(',')}|${m.clock.now()}|${m.scheduler.ready.map((t) => t.name).join(';')}|${m.uevent.log.length}|${extra}`;

  m.scheduler.setPolicy({
    kind: 'hook',
    choose: (ready) => {
      checkAll();
      watching?.();
      let i: number;
      if (forced !== undefined) {
        i = forced;
        forced = undefined;
      } else {
        hookReady = ready;
        i = pick(ready.length, true);
        hookReady = [];
      }
      if (record && exploring)
        note({
          t: m.clock.now(),
          actor: 'kernel',
          what: ready[i]!.name,
          ...(exploring && ready.length > 1 ? { choice: schedule.length - 1 } : {}),
        });
      // Task `i` runs now.
      checked = false;
      return i;
    },
  });

  const runStep = (step: Step, actor: string, choice: number | undefined): void => {
    const userDoe = step.verb === 'doe' && 'config' in step.target ? step.target : undefined;
    const fdName = step.verb === 'ioctl' || step.verb === 'close' ? step.fd : step.verb === 'doe' && 'fd' in step.target ? step.target.fd : undefined;
    const revokedBefore = fdName !== undefined && fdPaths.has(fdName) && !m.vfs.exists(fdPaths.get(fdName)!);
    let kernelInFlight = userDoe !== undefined && kernelDoeBusy(m, userDoe.config, userDoe.mailbox);
    let watch: (() => void) | undefined;
    if (userDoe) watch = () => void (kernelInFlight ||= kernelDoeBusy(m, userDoe.config, userDoe.mailbox));
    const proc = step.as ?? (fdName !== undefined ? fds.get(fdName)?.proc : undefined) ?? 'root';
    if (record) note({ t: m.clock.now(), actor: `${actor} (${proc})`, what: summarize(step), ...(choice !== undefined ? { choice } : {}) });
    watching = watch;
    inStep = actor;
    checked = false;
    const outcome = perform(sm, step, fds);
    inStep = undefined;
    watching = undefined;
    // An invariant that failed inside the step (a task it waited for) stopped it: report that.
    if (violation || pruned) throw STOP;
    if (userDoe) watch!();
    if (step.verb === 'open' && outcome.kind === 'done') fdPaths.set(step.fd, step.path);
    if (outcome.kind === 'bug') fail('no-internal-error', `${summarize(step)}: internal error: ${outcome.message}`);
    if (userDoe && kernelInFlight && !(outcome.kind === 'errno' && DOE_REFUSALS.has(outcome.errno))) {
      fail(
        'kernel-doe-vs-userspace',
        `userspace (${proc}) ran a DOE exchange on mailbox ${userDoe.mailbox} of ${userDoe.config} while the kernel had an exchange in flight on it`,
      );
    }
    if (revokedBefore && step.verb !== 'close' && !(outcome.kind === 'errno' && REVOKED_ERRNOS.has(outcome.errno))) {
      fail(
        'revoked-file-enodev',
        `${summarize(step)} on a revoked file returned ${outcome.kind === 'errno' ? outcome.errno : 'success'}, not ENODEV`,
      );
    }
    if (record && outcome.kind === 'errno') note({ t: m.clock.now(), actor: `${actor} (${proc})`, what: `  → ${outcome.errno}` });
    // A lane step's own expect: is not judged (any outcome is a legal interleaving's outcome).
    if (actor === 'step') void judge(step.expect, outcome);
    checkAll();
  };

  try {
    const steps = loaded.scenario.steps;
    for (let si = base ? base.start : 0; si < steps.length; si++) {
      const step = steps[si]!;
      if (step.verb === 'check') continue;
      if (step.verb === 'concurrent' && blockIndex === -1 && atFirstBlock?.(si, state)) {
        keep = true;
        break;
      }
      if (step.verb !== 'concurrent') {
        runStep(step, 'step', undefined);
        if (step.settle) m.settle();
        continue;
      }
      // A block: every one is explored, in order; choice points are numbered across blocks.
      blockIndex++;
      const labels = step.lanes.map((_, l) => (blockIndex === 0 ? `lane ${l + 1}` : `b${blockIndex + 1} lane ${l + 1}`));
      exploring = true;
      block = step;
      lanePos = step.lanes.map(() => 0);
      for (;;) {
        watching?.();
        // The options, in order: each lane with steps left, each ready task, the clock step
        // when no task is ready and a timer is pending.
        lanesLeft = 0;
        for (let l = 0; l < step.lanes.length; l++) if (lanePos[l]! < step.lanes[l]!.length) laneOf[lanesLeft++] = l;
        if (lanesLeft === 0) break;
        const readyN = m.scheduler.readyCount;
        const width = lanesLeft + readyN + (readyN === 0 && m.scheduler.nextDue !== undefined ? 1 : 0);
        const c = pick(width, false);
        const choice = width > 1 ? schedule.length - 1 : undefined;
        if (c < lanesLeft) {
          const l = laneOf[c]!;
          const s = step.lanes[l]![lanePos[l]!]!;
          lanePos[l]!++;
          runStep(s, labels[l]!, choice);
        } else if (c === lanesLeft + readyN) {
          checked = false;
          m.scheduler.tick();
          if (record)
            note({
              t: m.clock.now(),
              actor: 'clock',
              what: `timers due at ${m.clock.now()}ms`,
              ...(choice !== undefined ? { choice } : {}),
            });
        } else {
          forced = c - lanesLeft;
          if (record && choice !== undefined) {
            // The hook records the task; mark it as this choice.
            m.scheduler.runOne();
            const last = timeline[timeline.length - 1];
            if (last) timeline[timeline.length - 1] = { ...last, choice };
          } else m.scheduler.runOne();
          checkAll();
        }
      }
      exploring = false;
      block = undefined;
      por?.search.wake();
      if (step.settle) m.settle();
      checkAll();
    }
    checkAll();
  } catch (e) {
    if (e !== STOP) {
      if (DriverModelError.is(e)) violation = { invariant: 'no-internal-error', message: `${e.errno}: ${e.message}` };
      else violation = { invariant: 'no-internal-error', message: e instanceof Error ? e.message : String(e) };
    }
  } finally {
    if (record) options.observe?.(m, undefined, undefined);
    options.end?.(m);
    if (!keep) {
      try {
        sm.dispose?.();
      } catch {
        // disposing a machine stopped mid-task: nothing more to report
      }
    }
  }
  while (schedule.length > 0 && schedule[schedule.length - 1] === 0) schedule.pop();
  return { schedule, violation, timeline, points: widths.length, widths, fingerprints, pruned };
}

/** `1.0.3` ↔ [1, 0, 3]; the empty schedule is `-`. */
export function formatSchedule(s: readonly number[]): string {
  return s.length === 0 ? '-' : s.join('.');
}

export function parseSchedule(text: string): number[] | undefined {
  if (text === '-' || text === '') return [];
  if (!/^\d+(\.\d+)*$/.test(text)) return undefined;
  return text.split('.').map(Number);
}

/** The timeline as text, one line per event; choices marked with their index in the schedule. */
export function formatTimeline(t: readonly TimelineEntry[]): string {
  return t
    .map((e) => `${`t=${e.t}ms`.padStart(10)}  ${e.choice !== undefined ? `#${e.choice}`.padStart(4) : '    '}  ${e.actor.padEnd(16)} ${e.what}`)
    .join('\n');
}

/**
 * Shrinking: the shortest schedule found that still violates the same invariant. Greedy passes:
 * drop each choice (later choices shift up), then set each to 0, until a pass changes nothing or
 * `budget` runs are spent. Returns the schedule and its run (with the timeline).
 */
export function shrink(loaded: LoadedScenario, schedule: readonly number[], invariant: string, budget = 200): ScheduleResult {
  let best = [...schedule];
  let runs = 0;
  const base = prepareBase(loaded);
  const violates = (s: number[]): ScheduleResult | undefined => {
    runs++;
    const r = runSchedule(loaded, { prefix: s, ...(base ? { base } : {}) });
    return r.violation?.invariant === invariant ? r : undefined;
  };
  let improved = true;
  while (improved && runs < budget) {
    improved = false;
    for (let i = best.length - 1; i >= 0 && runs < budget; i--) {
      const dropped = [...best.slice(0, i), ...best.slice(i + 1)];
      const r = violates(dropped);
      if (r && r.schedule.length <= best.length - 1) {
        best = [...r.schedule];
        improved = true;
        continue;
      }
      if (best[i] !== 0) {
        const zeroed = best.map((c, j) => (j === i ? 0 : c));
        const z = violates(zeroed);
        if (z && (z.schedule.length < best.length || z.schedule.reduce((a, b) => a + b, 0) < best.reduce((a, b) => a + b, 0))) {
          best = [...z.schedule];
          improved = true;
        }
      }
    }
  }
  base?.dispose();
  return runSchedule(loaded, { prefix: best, timeline: true });
}

export interface CampaignOptions {
  /** Random mode: seeds `seed`, `seed + 1`, … (`schedules` of them). */
  readonly schedules: number;
  readonly seed: number;
  /**
   * Exhaustive mode: every schedule whose first `depth` choices vary, up to reordering of
   * independent options (sleep sets, default on) and repeated states (state hashing, default on).
   */
  readonly exhaustive?: { readonly depth: number; readonly sleepSets?: boolean; readonly stateHashing?: boolean };
  /** `[i, n]`: this shard runs seeds (or first-choice subtrees) congruent to i mod n. */
  readonly shard?: readonly [number, number];
  /** Stop at the first violation (default true). */
  readonly stopAtFirst?: boolean;
  readonly onProgress?: (done: number, total: number | undefined) => void;
  /**
   * Run schedules from a snapshot taken before the first block when the machine is quiescent
   * there (default true; see prepareBase). The results are the same either way.
   */
  readonly snapshot?: boolean;
}

export interface CampaignResult {
  readonly schedules: number;
  readonly violations: number;
  /** The first violating schedule, as found (before shrinking), and its seed in random mode. */
  readonly found: { readonly schedule: readonly number[]; readonly violation: Violation; readonly seed?: number } | undefined;
  /** Runs stopped at an already-explored state (exhaustive mode). */
  readonly pruned: number;
  /** Exhaustive mode: the whole bounded tree was covered. */
  readonly complete: boolean;
  /**
   * Random mode: schedules actually run; the others repeated the choices of one already run and
   * share its result (schedule-trie.ts). Exhaustive mode: undefined (every schedule is run).
   */
  readonly runs?: number;
  /**
   * Exhaustive mode: runs counted per first choice (the DFS explores first choice 0's subtree,
   * then 1's, …), so shards' counts add up to a whole campaign's (see mergeCampaigns).
   */
  readonly perFirstChoice?: readonly number[];
}

/** Runs a campaign (random or bounded-exhaustive) and reports the first violation. */
export function explore(loaded: LoadedScenario, o: CampaignOptions): CampaignResult {
  // Errors are outcomes here, never reported with a stack: skip capturing stacks (V8 honours
  // Error.stackTraceLimit; elsewhere the assignment is harmless).
  const E = Error as { stackTraceLimit?: number };
  const limit = E.stackTraceLimit;
  E.stackTraceLimit = 0;
  // Boot and the steps before the first block run once; each schedule restores their snapshot.
  const base = o.snapshot === false ? undefined : prepareBase(loaded);
  try {
    return exploreCampaign(loaded, o, base);
  } finally {
    base?.dispose();
    E.stackTraceLimit = limit;
  }
}

function exploreCampaign(loaded: LoadedScenario, o: CampaignOptions, base: ScheduleBase | undefined): CampaignResult {
  const from = base ? { base } : {};
  const stopAtFirst = o.stopAtFirst ?? true;
  const [shardI, shardN] = o.shard ?? [0, 1];
  let schedules = 0;
  let violations = 0;
  let pruned = 0;
  let found: CampaignResult['found'];
  if (!o.exhaustive) {
    // A seed whose choices repeat a run already made is that run (schedule-trie.ts).
    const trie = new ScheduleTrie();
    let runs = 0;
    for (let k = 0; k < o.schedules; k++) {
      const seed = o.seed + k;
      if (k % shardN !== shardI) continue;
      const choose = randomChooser(seed);
      const walk = trie.walk(choose);
      let r: RunOutcome;
      if (walk.kind === 'known') r = walk.outcome;
      else {
        const run = runOne(loaded, base ? { prefix: walk.prefix, choose, base } : { prefix: walk.prefix, choose }, NO_PREPARE);
        trie.record(run.widths, run);
        runs++;
        r = run;
      }
      schedules++;
      o.onProgress?.(schedules, o.schedules);
      if (r.violation) {
        violations++;
        found ??= { schedule: r.schedule, violation: r.violation, seed };
        if (stopAtFirst) break;
      }
    }
    return { schedules, violations, found, pruned, complete: false, runs };
  }
  // Stateless DFS over choice prefixes up to `depth`, with sleep sets and state hashing.
  const depth = o.exhaustive.depth;
  const seen = o.exhaustive.stateHashing === false ? undefined : new Set<string>();
  const search = o.exhaustive.sleepSets === false ? undefined : new SleepSetSearch();
  const perFirstChoice: number[] = [];
  let prefix: number[] = [];
  let complete = true;
  for (;;) {
    if (schedules >= o.schedules) {
      complete = false;
      break;
    }
    const r = runSchedule(loaded, { prefix, ...from, ...(seen ? { seen } : {}), ...(search ? { sleepSets: { search, depth } } : {}) });
    // A run belongs to the subtree of the first choice it made (the first run's is 0).
    const first = r.schedule[0] ?? 0;
    if (first % shardN === shardI) {
      schedules++;
      perFirstChoice[first] = (perFirstChoice[first] ?? 0) + 1;
      if (r.pruned) pruned++;
      o.onProgress?.(schedules, undefined);
      if (r.violation) {
        violations++;
        found ??= { schedule: r.schedule, violation: r.violation };
        if (stopAtFirst) {
          complete = false;
          break;
        }
      }
    }
    if (search) {
      const next = search.next(depth);
      if (next === undefined) break;
      prefix = next;
      continue;
    }
    // Backtrack: the deepest point within `depth` with an untried option.
    const made = [...prefix, ...new Array<number>(Math.max(0, r.widths.length - prefix.length)).fill(0)].slice(0, r.widths.length);
    for (let i = 0; i < made.length; i++) if (i >= prefix.length) made[i] = 0;
    let i = Math.min(made.length, depth) - 1;
    while (i >= 0 && made[i]! + 1 >= r.widths[i]!) i--;
    if (i < 0) break;
    prefix = [...made.slice(0, i), made[i]! + 1];
  }
  return { schedules, violations, found, pruned, complete, perFirstChoice: Array.from(perFirstChoice, (n) => n ?? 0) };
}

/**
 * The result of a campaign run as `parts`, each a sub-shard of it (`--jobs`): the counts a single
 * run of the whole campaign reports. Without stopping at the first violation they add up. When
 * stopping, each part stopped at its own first violation; the whole campaign stops at the
 * earliest of them — the lowest seed (random mode), or the lowest first choice (exhaustive mode,
 * whose depth-first order explores first choice 0's subtree, then 1's, …) — and counts only
 * what it would have run up to it: seeds up to that seed (`seedsUpTo`), or the runs of subtrees
 * up to that first choice.
 */
export function mergeCampaigns(parts: readonly CampaignResult[], stopAtFirst: boolean, seedsUpTo: (seed: number) => number): CampaignResult {
  const exhaustive = parts.some((p) => p.perFirstChoice !== undefined);
  const sum = (f: (p: CampaignResult) => number) => parts.reduce((a, p) => a + f(p), 0);
  const founds = parts.map((p) => p.found).filter((f) => f !== undefined);
  const key = (f: NonNullable<CampaignResult['found']>) => (exhaustive ? (f.schedule[0] ?? 0) : (f.seed ?? 0));
  const found = founds.sort((a, b) => key(a) - key(b))[0];
  const base = { pruned: sum((p) => p.pruned), complete: parts.every((p) => p.complete) };
  if (!stopAtFirst || !found) {
    const runs = exhaustive ? {} : { runs: sum((p) => p.runs ?? p.schedules) };
    return { schedules: sum((p) => p.schedules), violations: sum((p) => p.violations), found, ...base, ...runs };
  }
  if (!exhaustive) return { schedules: seedsUpTo(found.seed ?? 0), violations: 1, found, ...base, complete: false };
  const upTo = key(found);
  const schedules = sum((p) => (p.perFirstChoice ?? []).slice(0, upTo + 1).reduce((a, n) => a + n, 0));
  return { schedules, violations: 1, found, ...base, complete: false };
}
