/**
 * A built-in kernel subsystem (the PCI core, the auxiliary bus, fwctl, udevd's host glue…): the
 * services it binds into the machine's container and what it does at kernel init (bus_register,
 * class_register). Subsystems initialise in list order, before any device exists.
 */
import type { Container, ContainerModule } from 'inversify';

export interface Subsystem {
  readonly name: string;
  readonly bindings: ContainerModule;
  /** Kernel init (initcalls): register buses and classes. Runs once per machine. */
  init(container: Container): void;
}
