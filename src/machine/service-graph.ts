/**
 * ServiceGraph: a machine's services, built from inversify ContainerModules and `@inject`
 * metadata by this graph rather than by inversify's planner, and kept in an inversify
 * `Container` as constants.
 *
 * Why not let the container resolve them: inversify 8's planner makes a `WeakRef` for every
 * plan node of a class, dynamic or resolved-value binding, and another for every instance
 * binding node that waits for activations (`PlanSingleBindingServiceNodeImplementation`,
 * `WeakList`). ECMAScript keeps the target of every `WeakRef` made during a job alive until the
 * job ends (KeepDuringJob), so a synchronous loop that builds and drops machines held all of
 * their plan trees — and, through the bindings' caches, the machines — until it yielded.
 * Plans are per container and bindings per machine, so no plan can be shared between machines.
 * A constant binding's plan node is not dynamically resolvable and makes no `WeakRef`. So the
 * graph does the planner's work, the same way, and a service it built is a constant to the
 * container. What the planner reads for a class (its constructor's service identifiers, from
 * inversify's own `getClassMetadata`) is read once per class per process.
 *
 * Contract, the same as the container's singletons before:
 * - a module's bindings are recorded when it is loaded; a class or resolved value is built on
 *   its first `get` (directly or as a dependency), its dependencies first, in constructor
 *   parameter order, and only once: creation order is the order of first use;
 * - `container` answers for every service: a constant or a service redirection as itself, a
 *   service not built yet as a placeholder dynamic value that builds it (only a caller that goes
 *   straight to `container.get` resolves a placeholder, and only that makes inversify plan a
 *   `WeakRef`); building swaps the placeholder for the constant;
 * - the container is made on first access to `container` (binding and unbinding in an inversify
 *   container is most of what it would cost a machine to keep one): until then the graph is the
 *   only registry; from then on the container is the authority, and a binding the machine's
 *   owner put there (a test's stand-in after `container.unbind(id)`) is what `get` returns, and
 *   wins over a recipe not built yet;
 * - `unload(module)` unbinds what the module bound, built or not.
 *
 * Supported binding syntax (what the project's modules use): `to(Class)` / `toSelf()` in
 * singleton scope, `toConstantValue`, `toResolvedValue(fn, [ids])`, `toService`; constructor
 * parameters `@inject(id)` with `@optional()`. Anything else is a bug in a module definition
 * and throws `BugIndicatingError` when the module is loaded or the class first built.
 */
import { type ClassElementMetadata, ClassElementMetadataKind, getClassMetadata } from '@inversifyjs/core';
import {
  type BindingIdentifier,
  Container,
  type ContainerModule,
  type ContainerModuleLoadOptions,
  type Newable,
  type ServiceIdentifier,
} from 'inversify';
import { BugIndicatingError, type ServiceRegistry, nextSnapshotStamp } from '../base/index.js';

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
  state: 'pending' | 'building' | 'built';
  /** What a class or resolved value built. */
  value?: unknown;
  /**
   * The entry's binding once the container exists: the placeholder until built, then the
   * constant; `undefined` for a service redirection (inversify's `toService` gives no
   * identifier) and for a recipe a stand-in replaced.
   */
  binding?: BindingIdentifier | undefined;
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

export class ServiceGraph implements ServiceRegistry {
  #container: Container | undefined;
  /** The recorded entries of each identifier, in binding order. */
  readonly #entries = new Map<ServiceIdentifier, Entry[]>();
  /** The entries each loaded module bound. */
  readonly #byModule = new Map<ContainerModule, Entry[]>();
  /** Entries being built, outermost first: the chain a dependency cycle is reported with. */
  readonly #building: Entry[] = [];
  /**
   * Taken anew before every change of the container field, the two maps, their arrays, the
   * entries and `#building` (snapshotStamp): `container` when it makes the container, `load`,
   * `unload`, `clear`, `#record` and `#ensure` when it builds.
   */
  #stamp = nextSnapshotStamp();

  /** The inversify container holding every service (made on first access, see above). */
  get container(): Container {
    if (this.#container === undefined) {
      this.#stamp = nextSnapshotStamp();
      this.#container = new Container({ defaultScope: 'Singleton' });
      for (const entries of this.#entries.values()) for (const entry of entries) this.#mirror(entry);
    }
    return this.#container;
  }

  /** The container if it has been made (a snapshot records its bindings then; docs/snapshot.md). */
  get builtContainer(): Container | undefined {
    return this.#container;
  }

  /** Records `modules`' bindings, in order; builds nothing. */
  load(...modules: readonly ContainerModule[]): void {
    for (const module of modules) {
      if (this.#byModule.has(module)) throw new BugIndicatingError(`container module ${module.id} is already loaded`);
      this.#stamp = nextSnapshotStamp();
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
    this.#stamp = nextSnapshotStamp();
    this.#byModule.delete(module);
    for (const entry of entries) {
      this.#container?.unbind(entry.binding ?? entry.id);
      const rest = (this.#entries.get(entry.id) ?? []).filter((e) => e !== entry);
      if (rest.length > 0) this.#entries.set(entry.id, rest);
      else this.#entries.delete(entry.id);
    }
  }

  /** Forgets every recipe and unbinds everything in the container, whoever bound it: nothing resolves afterwards. */
  clear(): void {
    this.#stamp = nextSnapshotStamp();
    this.#entries.clear();
    this.#byModule.clear();
    this.#container?.unbindAll();
  }

  isBound(id: ServiceIdentifier): boolean {
    return this.#container === undefined ? this.#entries.has(id) : this.#container.isBound(id);
  }

  /**
   * The service `id`, built on first use (its dependencies first).
   * @throws {Error} inversify's own error when nothing is bound to `id`, or more than one binding is.
   */
  get<T>(id: ServiceIdentifier<T>): T {
    const entries = this.#entries.get(id);
    if (this.#container === undefined && entries?.length === 1) return this.#valueOf(entries[0]!) as T;
    if (entries?.length === 1) this.#ensure(entries[0]!);
    return this.container.get(id);
  }

  /** Every service bound to `id`, in binding order (each built first). */
  getAll<T>(id: ServiceIdentifier<T>): T[] {
    const entries = this.#entries.get(id);
    if (this.#container === undefined && entries !== undefined) return entries.map((e) => this.#valueOf(e) as T);
    for (const entry of entries ?? []) this.#ensure(entry);
    return this.container.getAll(id);
  }

  /** An entry's service while there is no container. */
  #valueOf(entry: Entry): unknown {
    const { recipe } = entry;
    if (recipe.kind === 'constant') return recipe.value;
    if (recipe.kind === 'redirect') return this.get(recipe.target);
    this.#ensure(entry);
    return entry.value;
  }

  /** Builds `entry` if it is pending (and, with a container, still the container's answer for its identifier). */
  #ensure(entry: Entry): void {
    if (entry.state === 'built') return;
    const { recipe } = entry;
    if (recipe.kind === 'constant') return;
    if (recipe.kind === 'redirect') {
      // inversify resolves a redirection through the target's binding: build the target.
      const target = this.#entries.get(recipe.target);
      if (target?.length === 1) this.#ensure(target[0]!);
      return;
    }
    if (entry.state === 'building') {
      const chain = [...this.#building.slice(this.#building.indexOf(entry)), entry].map((e) => name(e.id));
      throw new BugIndicatingError(`circular dependency: ${chain.join(' -> ')}`);
    }
    this.#stamp = nextSnapshotStamp();
    const container = this.#container;
    if (container !== undefined) {
      container.unbind(entry.binding!);
      entry.binding = undefined;
      // A stand-in the machine's owner bound after unbinding the placeholder wins.
      if (this.#entries.get(entry.id)?.length === 1 && container.isBound(entry.id)) {
        entry.state = 'built';
        return;
      }
    }
    entry.state = 'building';
    this.#building.push(entry);
    try {
      entry.value =
        recipe.kind === 'class'
          ? new recipe.type(...dependenciesOf(recipe.type).map((d) => this.#resolve(d)))
          : recipe.factory(...recipe.deps.map((d) => this.#resolve(d)));
    } catch (e) {
      this.#stamp = nextSnapshotStamp();
      entry.state = 'pending';
      if (this.#container !== undefined) this.#mirror(entry);
      throw e;
    } finally {
      this.#building.pop();
    }
    // Building ran other code (constructors that build their dependencies): a stamp of its own.
    this.#stamp = nextSnapshotStamp();
    entry.state = 'built';
    if (this.#container !== undefined) this.#mirror(entry);
  }

  #resolve(dep: Dependency): unknown {
    if (dep.optional && !this.isBound(dep.id)) return undefined;
    return this.get(dep.id);
  }

  /** Binds `entry` in the container as what it is now: a constant, a redirection or a placeholder. */
  #mirror(entry: Entry): void {
    const container = this.#container!;
    const { recipe } = entry;
    if (recipe.kind === 'redirect') container.bind(entry.id).toService(recipe.target);
    else if (recipe.kind === 'constant') entry.binding = container.bind(entry.id).toConstantValue(recipe.value).getIdentifier();
    else if (entry.state === 'built') entry.binding = container.bind(entry.id).toConstantValue(entry.value).getIdentifier();
    else
      entry.binding = container
        .bind(entry.id)
        .toDynamicValue(() => {
          this.#ensure(entry);
          return this.#container!.get(entry.id);
        })
        .getIdentifier();
  }

  #record(entries: Entry[], id: ServiceIdentifier, recipe: Recipe): void {
    // A recipe never changes once recorded: frozen, so a machine snapshot neither records nor
    // compares it (docs/snapshot.md).
    this.#stamp = nextSnapshotStamp();
    const entry: Entry = { id, recipe: Object.freeze(recipe), state: recipe.kind === 'constant' ? 'built' : 'pending' };
    entries.push(entry);
    const list = this.#entries.get(id);
    if (list === undefined) this.#entries.set(id, [entry]);
    else list.push(entry);
    if (this.#container !== undefined) this.#mirror(entry);
  }

  /** The options a ContainerModule's load function gets: `bind` records; unbinding and activation hooks are not supported. */
  #loadOptions(entries: Entry[]): ContainerModuleLoadOptions {
    const record = (id: ServiceIdentifier, recipe: Recipe) => this.#record(entries, id, recipe);
    const unsupported = (what: string) => () => {
      throw new BugIndicatingError(`container module: ${what} is not supported by ServiceGraph`);
    };
    return {
      bind: ((id: ServiceIdentifier) => new BindSyntax(id, record)) as unknown as ContainerModuleLoadOptions['bind'],
      isBound: (id) => this.isBound(id),
      onActivation: unsupported('onActivation'),
      onDeactivation: unsupported('onDeactivation'),
      rebind: unsupported('rebind'),
      rebindAsync: unsupported('rebindAsync'),
      unbind: unsupported('unbind'),
      unbindAsync: unsupported('unbindAsync'),
    };
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#container, this.#entries, this.#byModule, this.#building, this.#stamp];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#container = v[0] as never;
    this.#stamp = v[4] as never;
  }
  snapshotStamp(): number {
    return this.#stamp;
  }
}

/**
 * A member of inversify's fluent binding syntax not listed in the classes below — another scope,
 * `when*`, `on*`, `toDynamicValue`, `toFactory` — is looked up on this prototype and throws.
 */
const unsupportedSyntax = new Proxy(
  {},
  {
    get(_target, prop) {
      if (typeof prop === 'symbol') return undefined;
      throw new BugIndicatingError(`container module: binding syntax .${prop}() is not supported by ServiceGraph`);
    },
  },
);

/** After `to`, `toSelf` or `toResolvedValue`: the scope, which must be the singleton one. */
class ScopeSyntax {
  inSingletonScope(): object {
    return Object.create(unsupportedSyntax) as object;
  }
}
Object.setPrototypeOf(ScopeSyntax.prototype, unsupportedSyntax);

/** `bind(id)` in a module: records the recipe its `to…` names. */
class BindSyntax {
  constructor(
    private readonly id: ServiceIdentifier,
    private readonly record: (id: ServiceIdentifier, recipe: Recipe) => void,
  ) {}

  to(type: Newable<unknown>): ScopeSyntax {
    this.record(this.id, { kind: 'class', type });
    return new ScopeSyntax();
  }

  toSelf(): ScopeSyntax {
    if (typeof this.id !== 'function') throw new BugIndicatingError(`bind(${name(this.id)}).toSelf(): not a class`);
    return this.to(this.id as Newable<unknown>);
  }

  toConstantValue(value: unknown): object {
    this.record(this.id, { kind: 'constant', value });
    return Object.create(unsupportedSyntax) as object;
  }

  toResolvedValue(factory: (...args: never[]) => unknown, injects: readonly unknown[] = []): ScopeSyntax {
    const deps = injects.map((d, i): Dependency => {
      if (typeof d !== 'symbol' && typeof d !== 'string' && typeof d !== 'function')
        throw new BugIndicatingError(`bind(${name(this.id)}).toResolvedValue(): argument ${i} must be a service identifier`);
      return Object.freeze({ id: d as ServiceIdentifier, optional: false });
    });
    this.record(this.id, { kind: 'resolved', factory: factory as (...args: unknown[]) => unknown, deps: Object.freeze(deps) });
    return new ScopeSyntax();
  }

  toService(target: ServiceIdentifier): void {
    this.record(this.id, { kind: 'redirect', target });
  }
}
Object.setPrototypeOf(BindSyntax.prototype, unsupportedSyntax);
