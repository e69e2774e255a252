/**
 * di — the composition root: Machine, its options, and the subsystem/boot-hook contracts.
 */
export { Machine, IMachine } from './machine.js';
export { createMachine } from './container.js';
export { type MachineOptions, type ResolvedMachineOptions, type DoePolicy, doePolicies, IMachineOptions, resolveMachineOptions } from './machine-options.js';
export { type Subsystem } from './subsystem.js';
export { IPresetHost, IUdevDaemonHost } from './hooks.js';
export { machineScenarioHost, ownerName } from './scenario-host.js';
export { MachineUdev, IMachineUdev, IUdevNetifRenamer, machineUdev, udevSubsystem } from './udev-subsystem.js';
