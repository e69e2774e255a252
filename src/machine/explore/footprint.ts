/**
 * What an explorer option touches, for partial-order reduction (sleep-sets.ts). Two options are
 * independent when running them in either order from the same state reaches the same state and
 * neither enables or disables the other; the explorer approximates that with footprints: the
 * resources an option reads or writes. Options conflict when either is `global` or they share a
 * resource that at least one of them writes.
 *
 * The relation is deliberately coarse where it cannot be sure. Only lane steps whose effect is
 * known to stay inside one process and one file get a precise footprint (the rows of
 * STEP_FOOTPRINTS): `read`/`ls` read their path; `open` writes its path (an exclusive open such
 * as /dev/doe's decides who else may open), its fd slot and its process's fd table; `close`
 * writes its fd slot, that fd's file and its process's fd table. Everything else is global: a
 * sysfs write can bind, unbind or load a module (uevents take the next SEQNUM, udev work is
 * queued); a DOE exchange sleeps in virtual time; an ioctl enters a driver; scheduler tasks
 * (probe, udev workers, DOE work) and the clock step are global too — a task's effects are not
 * declared anywhere, so no task is assumed to commute with anything.
 *
 * Resources: `path:<path>`, `fd:<name>`, `proc:<name>` (the process's fd table).
 */
import type { Step } from '../../scenario/index.js';

export interface Footprint {
  /** Conflicts with every option. */
  readonly global: boolean;
  readonly reads: readonly string[];
  readonly writes: readonly string[];
}

export const GLOBAL: Footprint = { global: true, reads: [], writes: [] };

/** Where each fd name of a scenario was opened: its paths and processes (from its open steps). */
export interface FdOrigins {
  readonly paths: ReadonlyMap<string, readonly string[]>;
  readonly procs: ReadonlyMap<string, readonly string[]>;
}

/** The fd origins of `steps`, lanes of concurrent blocks included. */
export function fdOrigins(steps: readonly Step[]): FdOrigins {
  const paths = new Map<string, string[]>();
  const procs = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, k: string, v: string) => {
    const l = m.get(k) ?? [];
    if (!l.includes(v)) l.push(v);
    m.set(k, l);
  };
  const walk = (s: Step): void => {
    if (s.verb === 'concurrent') for (const lane of s.lanes) lane.forEach(walk);
    if (s.verb === 'open') {
      add(paths, s.fd, s.path);
      add(procs, s.fd, s.as ?? 'root');
    }
  };
  steps.forEach(walk);
  return { paths, procs };
}

type Row = (step: Step, fds: FdOrigins) => Footprint;

/** The lane steps with a precise footprint; any verb not here is global. */
const STEP_FOOTPRINTS: Partial<Record<Step['verb'], Row>> = {
  read: (s) => ({ global: false, reads: [`path:${(s as { path: string }).path}`], writes: [] }),
  ls: (s) => ({ global: false, reads: [`path:${(s as { path: string }).path}`], writes: [] }),
  open: (s) => {
    const o = s as Step & { verb: 'open' };
    return { global: false, reads: [], writes: [`path:${o.path}`, `fd:${o.fd}`, `proc:${o.as ?? 'root'}`] };
  },
  close: (s, fds) => {
    const fd = (s as Step & { verb: 'close' }).fd;
    const paths = fds.paths.get(fd) ?? [];
    const procs = s.as !== undefined ? [s.as] : (fds.procs.get(fd) ?? []);
    if (paths.length === 0 || procs.length === 0) return GLOBAL;
    return { global: false, reads: [], writes: [`fd:${fd}`, ...paths.map((p) => `path:${p}`), ...procs.map((p) => `proc:${p}`)] };
  },
};

/** The footprint of a lane step. */
export function stepFootprint(step: Step, fds: FdOrigins): Footprint {
  const row = STEP_FOOTPRINTS[step.verb];
  return row ? row(step, fds) : GLOBAL;
}

/** Whether `a` and `b` may not be swapped. */
export function conflicts(a: Footprint, b: Footprint): boolean {
  if (a.global || b.global) return true;
  for (const w of a.writes) if (b.writes.includes(w) || b.reads.includes(w)) return true;
  for (const w of b.writes) if (a.reads.includes(w)) return true;
  return false;
}
