/**
 * The machine's services as the kernel's module loader sees them: load a kernel module's
 * bindings (an inversify ContainerModule), resolve its entry, unload it. The machine implements
 * it (`ServiceGraph`, src/machine/service-graph.ts) and binds itself as `IServiceRegistry`.
 * Types only: nothing of inversify is loaded with base.
 */
import type { ContainerModule, ServiceIdentifier } from 'inversify';

export interface ServiceRegistry {
  /** Records `modules`' bindings; nothing is built until it is first resolved. */
  load(...modules: readonly ContainerModule[]): void;
  /** Unbinds every binding `module` made, built services included. */
  unload(module: ContainerModule): void;
  /** The service `id`, built on first use. */
  get<T>(id: ServiceIdentifier<T>): T;
  isBound(id: ServiceIdentifier): boolean;
}

export const IServiceRegistry: ServiceIdentifier<ServiceRegistry> = Symbol.for('IServiceRegistry');
