/**
 * The single composition root: `createMachine(options)` builds a Machine with every built-in
 * layer's ContainerModule, in kernel link order (buses before the drivers that use them, then
 * userspace, then the udev adapter). Tests and examples start here.
 */
import { auxiliaryModule } from '../aux/index.js';
import { driversModule } from '../drivers/index.js';
import { pciModule } from '../pci/index.js';
import { userspaceModule } from '../userspace/index.js';
import { Machine } from './machine.js';
import type { MachineOptions } from './machine-options.js';
import { machineUdevModule } from './machine-udev.js';

export function createMachine(options: MachineOptions = {}): Machine {
  return new Machine(options, [pciModule, auxiliaryModule, driversModule, userspaceModule, machineUdevModule]);
}
