/**
 * A machine's snapshot/restore (issue #11, docs/snapshot.md): the roots of the walk
 * (`src/base/snapshot.ts`) are the machine and every value its container's bindings hold (each
 * resolved singleton and constant), plus whatever the caller adds (the explorer's own state).
 * The container itself is opaque; what its bindings have resolved is recorded per binding and
 * put back on restore, so a service first resolved after the snapshot is forgotten and built
 * afresh when next asked for, as on a machine that never ran past the snapshot.
 */
import { type Container, ContainerModule } from 'inversify';
import {
  BugIndicatingError,
  type Scheduler,
  type SnapshotDiff,
  type SnapshotToken,
  hiddenKeyChanges,
  kerr,
  opaque,
  opaqueClass,
  restoreSnapshot,
  snapshotDiff,
  takeSnapshot,
} from '../base/index.js';

// A module definition holds only its load function: nothing to record.
opaqueClass(ContainerModule);

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

/** The fields of an inversify binding used here (its `Binding` type, core ≥ 15; see container-release.ts). */
interface SnapshotBinding {
  readonly id: number;
  cache?: { isRight: boolean; value: unknown };
}

/** The part of inversify's `PluginContext` used here (`BindingService`, the plan cache). */
interface BindingContext {
  readonly bindingService: {
    getNonParentBoundServices(): Iterable<unknown>;
    getNonParentBindings(serviceId: unknown): Iterable<SnapshotBinding> | undefined;
    removeById(id: number): void;
    set(binding: SnapshotBinding): void;
  };
  readonly planResultCacheService: { clearCache(): void };
}

const IS_PLUGIN = Symbol.for('@inversifyjs/plugin/isPlugin');

/** `container`'s binding service and plan cache, through inversify's plugin context (the public way a plugin reaches them). */
function contextOf(container: Container): BindingContext {
  let context: BindingContext | undefined;
  class ContextPlugin {
    readonly [IS_PLUGIN] = true;
    constructor(_container: unknown, c: BindingContext) {
      context = c;
    }
    load(): void {
      // Nothing to add to the container: the context is all this plugin wants.
    }
  }
  container.register(ContextPlugin);
  return context!;
}

/** Every binding of the container (its own, not a parent's), in order. */
function bindingsOf(context: BindingContext): SnapshotBinding[] {
  const service = context.bindingService;
  const out: SnapshotBinding[] = [];
  for (const id of [...service.getNonParentBoundServices()]) for (const b of service.getNonParentBindings(id) ?? []) out.push(b);
  return out;
}

type BindingService = BindingContext['bindingService'];

/** Every method of inversify's `BindingService` that changes its bindings. */
const BINDING_MUTATORS = ['set', 'removeById', 'removeAllByModuleId', 'removeAllByServiceId'] as const;

/** The stamp of a binding service: a fresh number after each change of its bindings. */
interface BindingStamp {
  value: number;
}

const bindingStamps = new WeakMap<BindingService, BindingStamp>();
/** The last stamp handed out, process-wide: a stamp names one state of one binding service. */
let lastStamp = 0;

/**
 * The stamp of `service`, installed on first use: the service's own mutators (an instance's
 * own properties shadow its class's methods) take a fresh stamp, then do what they did. The
 * bindings change only through them (they are the only writers of `BindingService`'s private
 * maps), so an equal stamp proves equal bindings.
 */
function bindingStampOf(service: BindingService): BindingStamp {
  let stamp = bindingStamps.get(service);
  if (stamp !== undefined) return stamp;
  const s: BindingStamp = { value: ++lastStamp };
  stamp = s;
  for (const name of BINDING_MUTATORS) {
    const method = (service as unknown as Record<string, (...args: unknown[]) => unknown>)[name];
    if (typeof method !== 'function') throw new BugIndicatingError(`snapshot: inversify's binding service has no ${name}()`);
    Object.defineProperty(service, name, {
      value: function (this: unknown, ...args: unknown[]): unknown {
        s.value = ++lastStamp;
        return method.apply(this, args);
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  bindingStamps.set(service, stamp);
  return stamp;
}

class MachineToken implements SnapshotToken {
  constructor(
    readonly context: BindingContext | undefined,
    /** The binding service the bindings were recorded from, and its stamp then. */
    readonly service: BindingService | undefined,
    readonly stamp: number,
    readonly graph: SnapshotToken,
    readonly bindings: readonly SnapshotBinding[],
    /**
     * Each binding's cache object as it was (inversify replaces a binding's cache object when it
     * resolves or unbinds, never changes one in place: `cacheResolvedValue`), so restore puts the
     * same object back and compares by identity.
     */
    readonly caches: readonly (SnapshotBinding['cache'] | undefined)[],
  ) {}
  get objects(): number {
    return this.graph.objects;
  }
}

/**
 * Records the state of the machine whose container is `container` (and of `roots`): its bindings
 * (a module loaded later binds its services; rmmod unbinds them), what each has resolved, and
 * the graph reachable from the resolved values.
 */
export function snapshotContainer(container: Container | undefined, roots: readonly unknown[]): SnapshotToken {
  if (container) opaque(container);
  const context = container ? contextOf(container) : undefined;
  const bindings = context ? bindingsOf(context) : [];
  const caches = bindings.map((b) => b.cache);
  const values = caches.flatMap((c) => (c?.isRight ? [c.value] : []));
  const service = context?.bindingService;
  const stamp = service ? bindingStampOf(service).value : 0;
  return new MachineToken(context, service, stamp, takeSnapshot([...roots, ...values]), bindings, caches);
}

/** Puts the state `token` recorded back, in place: the bindings, their resolved values, the graph. */
export function restoreContainer(token: SnapshotToken): void {
  if (!(token instanceof MachineToken)) throw new TypeError('restore: not a machine snapshot');
  if (token.context) restoreBindings(token, token.context);
  restoreSnapshot(token.graph);
}

/** Whether the container holds exactly `token`'s bindings, in order (no modprobe or rmmod since). */
function sameBindings(token: MachineToken, context: BindingContext): boolean {
  const service = context.bindingService;
  const want = token.bindings;
  let i = 0;
  for (const id of service.getNonParentBoundServices()) {
    const bs = service.getNonParentBindings(id);
    if (bs === undefined) continue;
    for (const b of bs) if (want[i++] !== b) return false;
  }
  return i === want.length;
}

function restoreBindings(token: MachineToken, context: BindingContext): void {
  // An unchanged stamp proves the bindings are the recorded ones (no modprobe or rmmod since).
  const service = context.bindingService;
  const stamp = service === token.service ? bindingStampOf(service) : undefined;
  if (stamp?.value !== token.stamp && !sameBindings(token, context)) {
    const now = bindingsOf(context);
    const want = new Set(token.bindings);
    let changed = false;
    for (const b of now) {
      if (want.has(b)) continue;
      service.removeById(b.id);
      changed = true;
    }
    const present = new Set(now);
    for (const b of token.bindings) {
      if (present.has(b)) continue;
      service.set(b);
      changed = true;
    }
    if (changed) context.planResultCacheService.clearCache();
  }
  // The bindings are the recorded ones again: so is the stamp.
  if (stamp !== undefined) stamp.value = token.stamp;
  const { bindings, caches } = token;
  for (let i = 0; i < bindings.length; i++) {
    const b = bindings[i]!;
    if (b.cache !== caches[i]) b.cache = caches[i];
  }
}

/** `snapshotDiff` of a machine token's graph (for tests of restore's work). */
export function machineSnapshotDiff(token: SnapshotToken): SnapshotDiff {
  if (!(token instanceof MachineToken)) throw new TypeError('machineSnapshotDiff: not a machine snapshot');
  return snapshotDiff(token.graph);
}

/** `hiddenKeyChanges` of a machine token's graph: objects a restore would not fully reset (for tests). */
export function machineHiddenKeyChanges(token: SnapshotToken): object[] {
  if (!(token instanceof MachineToken)) throw new TypeError('machineHiddenKeyChanges: not a machine snapshot');
  return hiddenKeyChanges(token.graph);
}
