/**
 * ServiceGraph: builds a machine's services from inversify ContainerModules and `@inject`
 * metadata, and keeps every service in the machine's inversify `Container` as a constant.
 *
 * Why not let the container resolve them: inversify 8's planner makes a `WeakRef` for every
 * plan node of a class, dynamic or resolved-value binding, and another for every instance
 * binding node that waits for activations (`PlanSingleBindingServiceNodeImplementation`,
 * `WeakList`). ECMAScript keeps the target of every `WeakRef` made during a job alive until the
 * job ends (KeepDuringJob), so a synchronous loop that builds and drops machines held all of
 * their plan trees — and, through the bindings' caches, the machines — until it yielded.
 * Plans are per container and bindings per machine, so no plan can be shared between machines.
 * A constant binding's plan node is not dynamically resolvable: it makes no `WeakRef`. So
 * this graph does the planner's work itself, the same way, and binds what it built as a
 * constant. The recipe of a class (its constructor's service identifiers) is read once per
 * class per process from inversify's own metadata (`getClassMetadata`, what the planner reads).
 *
 * Contract, the same as the container's singletons before:
 * - a module's bindings are recorded when it is loaded; a class or resolved value is built on
 *   its first `get` (directly or as a dependency), its dependencies first, in constructor
 *   parameter order, and then only once: creation order is the order of first use;
 * - the container answers for every service from `load` on: a constant or a service
 *   redirection as itself, a service not built yet as a placeholder dynamic value that builds
 *   it (only a caller going around `get`, straight to `container.get`, ever resolves one, and
 *   only that path makes inversify plan a `WeakRef`). Building swaps the placeholder for the
 *   constant;
 * - a binding the machine's owner put in the container for the same identifier (a test's
 *   stand-in after `container.unbind(id)`) wins over a recipe not built yet;
 * - `unload(module)` unbinds what the module bound, built or not.
 *
 * Supported binding syntax (what the project's modules use): `to(Class)` / `toSelf()` in
 * singleton scope, `toConstantValue`, `toResolvedValue(fn, [ids])`, `toService`; constructor
 * parameters `@inject(id)` with `@optional()`. Anything else is a bug in a module definition
 * and throws `BugIndicatingError` when the module is loaded or the class first built.
 */
import { type ClassElementMetadata, ClassElementMetadataKind, getClassMetadata } from '@inversifyjs/core';
import type { BindingIdentifier, Container, ContainerModule, ContainerModuleLoadOptions, Newable, ServiceIdentifier } from 'inversify';
import { BugIndicatingError } from './errors.js';

export const IServiceGraph: ServiceIdentifier<ServiceGraph> = Symbol.for('IServiceGraph');

/** One constructor or resolved-value argument: the service it takes, and whether it may be absent. */
interface Dependency {
  readonly id: ServiceIdentifier;
  readonly optional: boolean;
}

type Recipe =
  | { readonly kind: 'class'; readonly type: Newable<unknown> }
  | { readonly kind: 'resolved'; readonly factory: (...args: unknown[]) => unknown; readonly deps: readonly Dependency[] }
  | { readonly kind: 'constant'; readonly value: unknown }
  | { readonly kind: 'redirect'; readonly target: ServiceIdentifier };

interface Entry {
  readonly id: ServiceIdentifier;
  readonly recipe: Recipe;
  /**
   * The entry's binding in the container: the placeholder until built, then the constant;
   * `undefined` for a service redirection (inversify's `toService` gives no identifier).
   */
  binding: BindingIdentifier | undefined;
  state: 'pending' | 'building' | 'built';
}

/** The constructor arguments of each class, read once per process (classes are process-wide). */
const constructorDeps = new Map<Newable<unknown>, readonly Dependency[]>();

function name(id: ServiceIdentifier): string {
  return typeof id === 'function' ? id.name : String(id);
}

function dependency(owner: string, index: number, m: ClassElementMetadata | undefined): Dependency {
  if (m === undefined || m.kind !== ClassElementMetadataKind.singleInjection || m.name !== undefined || m.tags.size > 0)
    throw new BugIndicatingError(`${owner}: constructor parameter ${index} must be a plain @inject(id) (optionally @optional())`);
  if (typeof m.value === 'object')
    throw new BugIndicatingError(`${owner}: constructor parameter ${index}: lazy service identifiers are not supported`);
  return { id: m.value, optional: m.optional };
}

/** What inversify's planner would read for `type`: its constructor's dependencies (no properties, no lifecycle hooks). */
function dependenciesOf(type: Newable<unknown>): readonly Dependency[] {
  let deps = constructorDeps.get(type);
  if (deps === undefined) {
    const meta = getClassMetadata(type);
    if (meta.properties.size > 0 || meta.lifecycle.postConstructMethodNames.size > 0 || meta.lifecycle.preDestroyMethodNames.size > 0)
      throw new BugIndicatingError(`${type.name}: property injection and lifecycle hooks are not supported`);
    if (meta.scope !== undefined && meta.scope !== 'Singleton') throw new BugIndicatingError(`${type.name}: only singleton scope is supported`);
    deps = meta.constructorArguments.map((m, i) => dependency(type.name, i, m));
    constructorDeps.set(type, deps);
  }
  return deps;
}

export class ServiceGraph {
  readonly #container: Container;
  /** The recorded entries of each identifier, in binding order. */
  readonly #entries = new Map<ServiceIdentifier, Entry[]>();
  /** The entries each loaded module bound. */
  readonly #byModule = new Map<ContainerModule, Entry[]>();
  /** Entries built or being built: the chain a dependency cycle is reported with. */
  readonly #building: Entry[] = [];

  constructor(container: Container) {
    this.#container = container;
  }

  /** Records `modules`' bindings, in order, and binds each in the container; builds nothing. */
  load(...modules: readonly ContainerModule[]): void {
    for (const module of modules) {
      if (this.#byModule.has(module)) throw new BugIndicatingError(`container module ${module.id} is already loaded`);
      const entries: Entry[] = [];
      this.#byModule.set(module, entries);
      const result = module.load(this.#loadOptions(entries));
      if (result !== undefined) throw new BugIndicatingError(`container module ${module.id}: asynchronous modules are not supported`);
    }
  }

  /** Unbinds every binding `module` made (built services included) and forgets its recipes. */
  unload(module: ContainerModule): void {
    const entries = this.#byModule.get(module);
    if (entries === undefined) return;
    this.#byModule.delete(module);
    for (const entry of entries) {
      this.#container.unbind(entry.binding ?? entry.id);
      const rest = (this.#entries.get(entry.id) ?? []).filter((e) => e !== entry);
      if (rest.length > 0) this.#entries.set(entry.id, rest);
      else this.#entries.delete(entry.id);
    }
  }

  /** Unbinds everything in the container (whoever bound it) and forgets every recipe: nothing can be resolved afterwards. */
  clear(): void {
    this.#entries.clear();
    this.#byModule.clear();
    this.#container.unbindAll();
  }

  isBound(id: ServiceIdentifier): boolean {
    return this.#container.isBound(id);
  }

  /**
   * The service `id`, built on first use (its dependencies first).
   * @throws {Error} inversify's own error when nothing is bound to `id`, or more than one binding is.
   */
  get<T>(id: ServiceIdentifier<T>): T {
    const entries = this.#entries.get(id);
    if (entries?.length === 1) this.#ensure(entries[0]!);
    return this.#container.get(id);
  }

  /** Every service bound to `id`, in binding order (each built first). */
  getAll<T>(id: ServiceIdentifier<T>): T[] {
    for (const entry of this.#entries.get(id) ?? []) this.#ensure(entry);
    return this.#container.getAll(id);
  }

  /** Builds `entry` if it is pending and still the container's answer for its identifier. */
  #ensure(entry: Entry): void {
    if (entry.state === 'built') return;
    const { recipe } = entry;
    if (recipe.kind === 'constant') return;
    if (recipe.kind === 'redirect') {
      // inversify resolves the redirection through the target's binding: build the target.
      const target = this.#entries.get(recipe.target);
      if (target?.length === 1) this.#ensure(target[0]!);
      return;
    }
    if (entry.state === 'building') {
      const chain = [...this.#building.slice(this.#building.indexOf(entry)), entry].map((e) => name(e.id));
      throw new BugIndicatingError(`circular dependency: ${chain.join(' -> ')}`);
    }
    this.#container.unbind(entry.binding!);
    // A stand-in the machine's owner bound after unbinding the placeholder wins.
    if (this.#entries.get(entry.id)?.length === 1 && this.#container.isBound(entry.id)) {
      entry.binding = undefined;
      entry.state = 'built';
      return;
    }
    entry.state = 'building';
    this.#building.push(entry);
    let value: unknown;
    try {
      value =
        recipe.kind === 'class'
          ? new recipe.type(...dependenciesOf(recipe.type).map((d) => this.#resolve(d)))
          : recipe.factory(...recipe.deps.map((d) => this.#resolve(d)));
    } catch (e) {
      entry.state = 'pending';
      entry.binding = this.#placeholder(entry);
      throw e;
    } finally {
      this.#building.pop();
    }
    entry.binding = this.#container.bind(entry.id).toConstantValue(value).getIdentifier();
    entry.state = 'built';
  }

  #resolve(dep: Dependency): unknown {
    if (dep.optional && !this.#container.isBound(dep.id)) return undefined;
    return this.get(dep.id);
  }

  /** A dynamic value standing for `entry` until it is built: a `container.get` on it builds it. */
  #placeholder(entry: Entry): BindingIdentifier {
    return this.#container
      .bind(entry.id)
      .toDynamicValue(() => {
        this.#ensure(entry);
        return this.#container.get(entry.id);
      })
      .getIdentifier();
  }

  #record(entries: Entry[], id: ServiceIdentifier, recipe: Recipe): void {
    const entry: Entry = { id, recipe, binding: undefined, state: 'pending' };
    entries.push(entry);
    const list = this.#entries.get(id);
    if (list === undefined) this.#entries.set(id, [entry]);
    else list.push(entry);
    const container = this.#container;
    switch (recipe.kind) {
      case 'constant':
        entry.binding = container.bind(id).toConstantValue(recipe.value).getIdentifier();
        entry.state = 'built';
        break;
      case 'redirect':
        container.bind(id).toService(recipe.target);
        break;
      default:
        entry.binding = this.#placeholder(entry);
    }
  }

  /** The options a ContainerModule's load function gets: `bind` records; unbinding and activation hooks are not supported. */
  #loadOptions(entries: Entry[]): ContainerModuleLoadOptions {
    const scoped = (what: string) => strict(what, { inSingletonScope: () => strict(what, {}) });
    const bind = (id: ServiceIdentifier) => {
      const what = `bind(${name(id)})`;
      return strict(what, {
        to: (type: Newable<unknown>) => {
          this.#record(entries, id, { kind: 'class', type });
          return scoped(`${what}.to(${type.name})`);
        },
        toSelf: () => {
          if (typeof id !== 'function') throw new BugIndicatingError(`${what}.toSelf(): not a class`);
          this.#record(entries, id, { kind: 'class', type: id as Newable<unknown> });
          return scoped(`${what}.toSelf()`);
        },
        toConstantValue: (value: unknown) => {
          this.#record(entries, id, { kind: 'constant', value });
          return strict(`${what}.toConstantValue()`, {});
        },
        toResolvedValue: (factory: (...args: never[]) => unknown, injects: readonly unknown[] = []) => {
          const deps = injects.map((d, i): Dependency => {
            if (typeof d !== 'symbol' && typeof d !== 'string' && typeof d !== 'function')
              throw new BugIndicatingError(`${what}.toResolvedValue(): argument ${i} must be a service identifier`);
            return { id: d as ServiceIdentifier, optional: false };
          });
          this.#record(entries, id, { kind: 'resolved', factory: factory as (...args: unknown[]) => unknown, deps });
          return scoped(`${what}.toResolvedValue()`);
        },
        toService: (target: ServiceIdentifier) => {
          this.#record(entries, id, { kind: 'redirect', target });
        },
      });
    };
    const unsupported = (what: string) => () => {
      throw new BugIndicatingError(`container module: ${what} is not supported by ServiceGraph`);
    };
    return {
      bind: bind as unknown as ContainerModuleLoadOptions['bind'],
      isBound: (id) => this.#container.isBound(id),
      onActivation: unsupported('onActivation'),
      onDeactivation: unsupported('onDeactivation'),
      rebind: unsupported('rebind'),
      rebindAsync: unsupported('rebindAsync'),
      unbind: unsupported('unbind'),
      unbindAsync: unsupported('unbindAsync'),
    };
  }
}

/** `methods`, failing loudly on any other member of inversify's fluent syntax a module might call. */
function strict<T extends object>(what: string, methods: T): T {
  return new Proxy(methods, {
    get(target, prop, receiver) {
      if (typeof prop === 'symbol' || prop in target) return Reflect.get(target, prop, receiver) as unknown;
      throw new BugIndicatingError(`${what}.${prop}(): not supported by ServiceGraph`);
    },
  });
}
