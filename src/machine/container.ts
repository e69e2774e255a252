/**
 * The single composition root: `createMachine(options)` builds a Machine with every built-in
 * subsystem. Tests and examples start here.
 */
import { Machine } from './machine.js';
import type { MachineOptions } from './machine-options.js';
import { builtinSubsystems } from './subsystems.js';

export function createMachine(options: MachineOptions = {}): Machine {
  return new Machine(options, builtinSubsystems);
}
