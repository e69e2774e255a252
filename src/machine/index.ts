/**
 * machine — the composition root: `Machine` and `createMachine`, its options, and the adapters
 * that plug udev (MachineUdev) and the scenario runner (machineScenarioHost) into a machine.
 */
export { Machine, IMachine, IBootDaemon } from './machine.js';
export { createMachine } from './container.js';
export { type MachineOptions, type ResolvedMachineOptions, type DoePolicy, doePolicies, IMachineOptions, resolveMachineOptions } from './machine-options.js';
export { machineScenarioHost } from './scenario-host.js';
/** Who owns a device (DESIGN.md §3), for the CLI: the drivers layer answers. */
export { ownerName } from '../drivers/index.js';
export { MachineUdev, IMachineUdev, machineUdev, machineUdevModule } from './machine-udev.js';
