/**
 * Kernel initcalls (include/linux/init.h): what a subsystem does once per machine at kernel init,
 * before any device exists — register its buses and classes, install its modules. Each folder's
 * ContainerModule binds its initcalls under `IInitcall`; the machine runs them in binding order,
 * which is the order it loads the modules (the kernel's link order).
 */
import type { ServiceIdentifier } from 'inversify';

/** Resolves a service of the machine being initialised. */
export type ServiceGetter = <T>(id: ServiceIdentifier<T>) => T;

export interface Initcall {
  /** The subsystem, for diagnostics (`pci`, `auxiliary`, …). */
  readonly name: string;
  /** Runs once, at kernel init; services are resolved through `get` only now. */
  run(get: ServiceGetter): void;
}

export const IInitcall: ServiceIdentifier<Initcall> = Symbol.for('IInitcall');
