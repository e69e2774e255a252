/**
 * Release of a disposed machine's container: every binding forgets the value it holds.
 *
 * Why: inversify 8's planner wraps each plan node of a class, dynamic or resolved-value binding
 * in a `WeakRef` (`PlanSingleBindingServiceNodeImplementation`, and the `WeakList` of
 * activation subscribers). ECMAScript keeps every `WeakRef` target made during a job alive
 * until that job ends (KeepDuringJob), and a plan node reaches its binding, whose singleton
 * cache (or constant value) reaches the whole machine. A synchronous loop that builds and
 * disposes machines therefore kept every machine alive until it yielded. Clearing the
 * bindings cuts that chain: what stays until the job ends is inversify's plan nodes only.
 *
 * How: through inversify's plugin context (the public way a plugin reaches the container's
 * `BindingService`), each of the container's own bindings gets an empty cache, and a constant
 * binding drops its value. The container must not be used afterwards (`Machine.dispose`).
 */
import type { Container } from 'inversify';

/** The fields of an inversify binding this module touches (its `Binding` type, core ≥ 15). */
interface ReleasableBinding {
  readonly type: string;
  /** Absent on a service redirection (`toService`), which holds no value. */
  cache?: { isRight: boolean; value: unknown };
  value?: unknown;
}

/** The part of inversify's `PluginContext` used here. */
interface ReleaseContext {
  readonly bindingService: {
    getNonParentBoundServices(): Iterable<unknown>;
    getNonParentBindings(serviceId: unknown): Iterable<ReleasableBinding> | undefined;
  };
  readonly planResultCacheService: { clearCache(): void };
}

/** inversify's plugin brand (`@inversifyjs/plugin` `isPlugin`, a registered symbol). */
const IS_PLUGIN = Symbol.for('@inversifyjs/plugin/isPlugin');

/** Counts of what one release cleared (for tests). */
export interface ContainerRelease {
  readonly cachesCleared: number;
  readonly constantsDropped: number;
}

/** Drops every cached instance and constant value `container`'s own bindings hold. */
export function releaseContainer(container: Container): ContainerRelease {
  let cachesCleared = 0;
  let constantsDropped = 0;
  class ReleasePlugin {
    readonly [IS_PLUGIN] = true;
    constructor(_container: unknown, context: ReleaseContext) {
      const bindings = context.bindingService;
      for (const serviceId of [...bindings.getNonParentBoundServices()]) {
        for (const binding of bindings.getNonParentBindings(serviceId) ?? []) {
          if (binding.cache === undefined) continue;
          if (binding.cache.isRight) cachesCleared++;
          binding.cache = { isRight: false, value: undefined };
          if (binding.type === 'ConstantValue' && binding.value !== undefined) {
            binding.value = undefined;
            constantsDropped++;
          }
        }
      }
      context.planResultCacheService.clearCache();
    }
    load(): void {
      // No container methods to define: the work is done once, at registration.
    }
  }
  container.register(ReleasePlugin);
  return { cachesCleared, constantsDropped };
}
