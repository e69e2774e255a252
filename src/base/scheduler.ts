/**
 * The deterministic scheduler: every piece of asynchronous kernel or udev work (deferred-probe
 * retries, uevent delivery, udev workers, DOE polling and timeouts) is a task here. `settle()`
 * runs ready tasks until none is left; `advance(ms)` moves the virtual clock, releasing timed
 * tasks in deadline order. Which ready task runs next is a pluggable policy: in order (FIFO,
 * the default), seeded random, or a hook the race explorer drives.
 *
 * A task never runs inside another task: `queue()` only records it.
 */
import type { ServiceIdentifier } from 'inversify';
import { BugIndicatingError } from './errors.js';
import type { IDisposable } from './lifecycle.js';
import { SimulatedClock } from './clock.js';
import { TimerQueue } from './timer-queue.js';

export const IScheduler: ServiceIdentifier<IScheduler> = Symbol.for('IScheduler');

/** What a choice policy sees of a ready task. */
export interface ReadyTask {
  readonly id: number;
  /** Human-readable, e.g. `udev-worker add /devices/...`, `deferred-probe`. */
  readonly name: string;
  /** Optional grouping key (e.g. a devpath), for explorers that reason about conflicts. */
  readonly key: string | undefined;
}

export type ChoicePolicy =
  | { readonly kind: 'in-order' }
  | { readonly kind: 'random'; readonly seed: number }
  | { readonly kind: 'hook'; readonly choose: (ready: readonly ReadyTask[]) => number };

/**
 * A queued task; it is also the handle `queue()` returns (disposing it cancels the task), so a
 * queue allocates one object. A cancelled timer tells its queue (TimerQueue.noteCancelled).
 */
class Task implements ReadyTask, IDisposable {
  cancelled = false;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly key: string | undefined,
    readonly due: number,
    readonly run: () => void,
    /** The queue of a timer (queued with a delay); undefined for a task ready at once. */
    readonly timers: TimerQueue<Task> | undefined,
  ) {}

  dispose(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.timers?.noteCancelled();
  }
}

export interface QueueOptions {
  /** Run no earlier than this many ms from now (a timer). */
  readonly delay?: number;
  readonly key?: string;
}

/**
 * mulberry32: a tiny seeded PRNG, enough for reproducible shuffles. Its state lives in `s`, not
 * in a closure, so a machine snapshot (docs/snapshot.md) captures and restores it.
 */
function mulberry32Next(s: { a: number }): number {
  s.a = (s.a + 0x6d2b79f5) >>> 0;
  let t = s.a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * Shortens `a` to `n` elements by popping. Not by storing `a.length`: in V8 that is a call into
 * the runtime even when nothing changes, and storing 0 drops the backing store, so the next push
 * allocates a new one (a ready list empties and refills at nearly every settle).
 */
function dropAfter(a: unknown[], n: number): void {
  while (a.length > n) a.pop();
}

export interface IScheduler {
  readonly clock: SimulatedClock;
  queue(name: string, run: () => void, options?: QueueOptions): IDisposable;
  settle(): number;
  advance(ms: number): number;
  advanceUntil(ms: number, done: () => boolean): boolean;
  runOne(): boolean;
  readonly pending: number;
  setPolicy(policy: ChoicePolicy): void;
}

export class Scheduler implements IScheduler {
  readonly clock: SimulatedClock;
  /** Ready tasks in queue order from `#head` on (the ones before it ran already). */
  #ready: Task[] = [];
  #head = 0;
  #timers = new TimerQueue<Task>();
  #nextId = 1;
  #running = false;
  #policy: ChoicePolicy = { kind: 'in-order' };
  #random = { a: 0 };
  /** Safety valve: a settle that runs this many tasks is a livelock in the model. */
  static readonly MAX_TASKS_PER_SETTLE = 1_000_000;

  constructor(clock: SimulatedClock = new SimulatedClock()) {
    this.clock = clock;
  }

  setPolicy(policy: ChoicePolicy): void {
    this.#policy = policy;
    if (policy.kind === 'random') this.#random = { a: policy.seed >>> 0 };
  }

  /** Record a task; it runs at the next settle (or when its delay has passed). */
  queue(name: string, run: () => void, options?: QueueOptions): IDisposable {
    const delay = options?.delay ?? 0;
    const timer = delay > 0;
    const task = new Task(this.#nextId++, name, options?.key, this.clock.now() + delay, run, timer ? this.#timers : undefined);
    // Timers fire by (due, id): equal deadlines in queue order.
    if (timer) this.#timers.push(task);
    else this.#ready.push(task);
    return task;
  }

  get pending(): number {
    return this.#live().length + this.#timers.live().length;
  }

  /** Every pending task, ready ones first then timers by deadline (a snapshot checks what is in flight). */
  get pendingTasks(): readonly ReadyTask[] {
    return [...this.#live(), ...this.#timers.live()];
  }

  /** Ready tasks (due now), for explorers: a copy. */
  get ready(): readonly ReadyTask[] {
    return this.#live();
  }

  /** How many tasks are ready (`ready.length`, without copying them). */
  get readyCount(): number {
    let n = 0;
    for (let i = this.#head; i < this.#ready.length; i++) if (!this.#ready[i]!.cancelled) n++;
    return n;
  }

  /** The ready tasks not cancelled, in queue order. */
  #live(): Task[] {
    const out: Task[] = [];
    for (let i = this.#head; i < this.#ready.length; i++) if (!this.#ready[i]!.cancelled) out.push(this.#ready[i]!);
    return out;
  }

  #pick(): Task | undefined {
    if (this.#policy.kind === 'in-order') {
      // The first task not cancelled, taken from the head: O(1) amortised however many are
      // ready (filtering and splicing the whole list per task made long bursts quadratic).
      const ready = this.#ready;
      while (this.#head < ready.length && ready[this.#head]!.cancelled) this.#head++;
      if (this.#head === ready.length) {
        dropAfter(ready, 0);
        this.#head = 0;
        return undefined;
      }
      const task = ready[this.#head++]!;
      if (this.#head >= 1024 && this.#head * 2 >= ready.length) {
        ready.splice(0, this.#head);
        this.#head = 0;
      }
      return task;
    }
    // The live tasks, compacted to the front of the same array (a policy sees them from 0).
    const ready = this.#ready;
    const n = ready.length;
    let live = 0;
    for (let i = this.#head; i < n; i++) {
      const t = ready[i]!;
      if (t.cancelled) continue;
      if (live !== i) ready[live] = t;
      live++;
    }
    dropAfter(ready, live);
    this.#head = 0;
    if (live === 0) return undefined;
    let index = 0;
    switch (this.#policy.kind) {
      case 'random':
        index = Math.floor(mulberry32Next(this.#random) * live);
        break;
      case 'hook':
        index = this.#policy.choose(ready);
        if (!Number.isInteger(index) || index < 0 || index >= ready.length) {
          throw new BugIndicatingError(`scheduler: policy chose ${index} of ${ready.length} ready tasks`);
        }
        break;
      default: {
        const never: never = this.#policy;
        throw new BugIndicatingError(`scheduler: unknown policy ${String(never)}`);
      }
    }
    const task = ready[index]!;
    // Taking the first leaves it behind the head; any other closes the gap.
    if (index === 0) this.#head = 1;
    else {
      for (let i = index + 1; i < ready.length; i++) ready[i - 1] = ready[i]!;
      ready.pop();
    }
    return task;
  }

  /** The deadline of the earliest pending timer, if any. */
  get nextDue(): number | undefined {
    return this.#timers.peek()?.due;
  }

  /** Make every timer due by now ready, earliest first. */
  #releaseDue(): void {
    for (let t = this.#timers.peek(); t && t.due <= this.clock.now(); t = this.#timers.peek()) this.#ready.push(this.#timers.shift()!);
  }

  /**
   * The race explorer's clock step: move to the earliest timer's deadline and make every timer
   * then due ready, without running anything. False when no timer is pending.
   */
  tick(): boolean {
    const due = this.nextDue;
    if (due === undefined) return false;
    this.clock.set(Math.max(due, this.clock.now()));
    this.#releaseDue();
    return true;
  }

  /** Run one ready task; false if none was ready. */
  runOne(): boolean {
    if (this.#running) throw new BugIndicatingError('scheduler: runOne() called from inside a task');
    const task = this.#pick();
    if (!task) return false;
    this.#running = true;
    try {
      task.run();
    } finally {
      this.#running = false;
    }
    return true;
  }

  /** Run ready tasks until none is left; returns how many ran. Timers in the future stay. */
  settle(): number {
    if (this.#running) return 0; // nested settle from inside a task: the outer loop continues
    let n = 0;
    while (this.runOne()) {
      if (++n > Scheduler.MAX_TASKS_PER_SETTLE) {
        throw new BugIndicatingError('scheduler: settle() did not converge (livelock in the model)');
      }
    }
    return n;
  }

  /**
   * wait_for_completion_timeout: advance at most `ms`, firing timers in deadline order, and stop
   * as soon as `done()` holds after a settle (the clock then stays at that moment). Returns
   * whether `done()` held.
   */
  advanceUntil(ms: number, done: () => boolean): boolean {
    const target = this.clock.now() + Math.max(0, ms);
    this.settle();
    if (done()) return true;
    for (;;) {
      const next = this.#timers.peek();
      if (!next || next.due > target) break;
      this.clock.set(next.due);
      this.#releaseDue();
      this.settle();
      if (done()) return true;
    }
    this.clock.set(target);
    return done();
  }

  /** Timers not yet due, earliest first, with their deadline (for the playground's scheduler panel). */
  get timers(): readonly (ReadyTask & { readonly due: number })[] {
    return this.#timers.live();
  }

  /**
   * Move the clock to the earliest timer's deadline and make every timer due then ready, running
   * nothing (a stepper then runs them with runOne). False when no timer is pending.
   */
  fireNextTimer(): boolean {
    const next = this.#timers.peek();
    if (!next) return false;
    if (next.due > this.clock.now()) this.clock.set(next.due);
    this.#releaseDue();
    return true;
  }

  /** Advance virtual time by `ms`, firing timers in deadline order and settling at each. */
  advance(ms: number): number {
    const target = this.clock.now() + Math.max(0, ms);
    let n = this.settle();
    for (;;) {
      const next = this.#timers.peek();
      if (!next || next.due > target) break;
      this.clock.set(next.due);
      this.#releaseDue();
      n += this.settle();
    }
    this.clock.set(target);
    return n;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#ready, this.#head, this.#timers, this.#nextId, this.#running, this.#policy, this.#random];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#ready = v[0] as never;
    this.#head = v[1] as never;
    this.#timers = v[2] as never;
    this.#nextId = v[3] as never;
    this.#running = v[4] as never;
    this.#policy = v[5] as never;
    this.#random = v[6] as never;
  }
}
