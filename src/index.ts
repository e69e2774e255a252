/**
 * auxbus — the public API, grouped by folder. Named re-exports only.
 */
export {
  Errno,
  type ErrnoName,
  errnoName,
  DriverModelError,
  BugIndicatingError,
  Emitter,
  Event,
  type IDisposable,
  Scheduler,
  SimulatedClock,
  type ChoicePolicy,
} from './base/index.js';
export {
  Device,
  DeviceDriver,
  BusType,
  DeviceClass,
  type Uevent,
  type UeventAction,
  DL_FLAG,
  devmAddAction,
  type KernelModuleInfo,
  defineModule,
} from './bus/index.js';
export { Machine, createMachine, type MachineOptions, type DoePolicy } from './machine/index.js';
export { Process, type ProcessSpec, type Capability } from './userspace/index.js';
