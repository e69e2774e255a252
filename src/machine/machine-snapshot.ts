/**
 * A machine's snapshot/restore (issue #11, docs/snapshot.md): the roots of the walk
 * (`src/base/snapshot.ts`) are the machine and every value its container's bindings hold (each
 * resolved singleton and constant), plus whatever the caller adds (the explorer's own state).
 * The container itself is opaque; what its bindings have resolved is recorded per binding and
 * put back on restore, so a service first resolved after the snapshot is forgotten and built
 * afresh when next asked for, as on a machine that never ran past the snapshot.
 */
import type { Container } from 'inversify';
import { type Scheduler, type SnapshotToken, kerr, opaque, restoreSnapshot, takeSnapshot } from '../base/index.js';

/**
 * Tasks that may be pending when a snapshot is taken: each one's closure holds only `this` and
 * objects the walk reaches anyway (a device, a queued udev event), so restoring those objects
 * restores the task. Any other pending task — a DOE exchange's work item, poll or timeout, whose
 * continuation keeps the exchange's progress in closure variables — makes `snapshot` refuse with
 * EBUSY: take it once the exchange is over (advance time first).
 */
const RESTORABLE_TASKS: readonly { readonly name: RegExp; readonly why: string }[] = [
  { name: /^rpm_idle$/, why: 'power.ts: closes over the device and its PM info (a side table)' },
  { name: /^deferred_probe_work$/, why: 'dd.ts: runs this.#runWork()' },
  { name: /^deferred_probe_timeout_work$/, why: 'dd.ts: touches only its own fields' },
  { name: /^pci_subsys_init$/, why: 'probe.ts: scans the hosts it holds' },
  { name: /^udevd: on_uevent$/, why: 'udevd.ts: reads its inbox' },
  { name: /^udev-worker /, why: 'udevd.ts: closes over the queued event, which the event queue holds' },
];

/** Throws EBUSY when a task whose state lives in a closure is pending (see RESTORABLE_TASKS). */
export function checkQuiescent(scheduler: Scheduler): void {
  for (const t of scheduler.pendingTasks) {
    if (!RESTORABLE_TASKS.some((r) => r.name.test(t.name))) throw kerr('EBUSY', `snapshot: task '${t.name}' is in flight`);
  }
}

/** The fields of an inversify binding read here (its `Binding` type, core ≥ 15; see container-release.ts). */
interface SnapshotBinding {
  cache?: { isRight: boolean; value: unknown };
}

interface BindingContext {
  readonly bindingService: {
    getNonParentBoundServices(): Iterable<unknown>;
    getNonParentBindings(serviceId: unknown): Iterable<SnapshotBinding> | undefined;
  };
}

const IS_PLUGIN = Symbol.for('@inversifyjs/plugin/isPlugin');

/** Every binding of `container` (its own, not a parent's). */
function bindingsOf(container: Container): SnapshotBinding[] {
  const out: SnapshotBinding[] = [];
  class ListPlugin {
    readonly [IS_PLUGIN] = true;
    constructor(_container: unknown, context: BindingContext) {
      const service = context.bindingService;
      for (const id of [...service.getNonParentBoundServices()]) for (const b of service.getNonParentBindings(id) ?? []) out.push(b);
    }
    load(): void {
      // Nothing to add to the container: the bindings are read once, at registration.
    }
  }
  container.register(ListPlugin);
  return out;
}

class MachineToken implements SnapshotToken {
  constructor(
    readonly graph: SnapshotToken,
    readonly caches: readonly (readonly [SnapshotBinding, SnapshotBinding['cache']])[],
  ) {}
  get objects(): number {
    return this.graph.objects;
  }
}

/** Records the state of the machine whose container is `container` (and of `roots`). */
export function snapshotContainer(container: Container, roots: readonly unknown[]): SnapshotToken {
  opaque(container);
  const caches = bindingsOf(container)
    .filter((b) => b.cache !== undefined)
    .map((b) => [b, b.cache ? { ...b.cache } : undefined] as const);
  const values = caches.flatMap(([, c]) => (c?.isRight ? [c.value] : []));
  return new MachineToken(takeSnapshot([...roots, ...values]), caches);
}

/** Puts the state `token` recorded back, in place. */
export function restoreContainer(token: SnapshotToken): void {
  if (!(token instanceof MachineToken)) throw new TypeError('restore: not a machine snapshot');
  for (const [b, c] of token.caches) b.cache = c ? { ...c } : c;
  restoreSnapshot(token.graph);
}
