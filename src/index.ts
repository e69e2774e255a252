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
export {
  Process,
  type ProcessSpec,
  type Capability,
  DoeClient,
  DevDoeTransport,
  RawConfigDoeTransport,
  type DoeTransport,
  type Sleeper,
  ComplianceClient,
  readCdat,
  spdmWalk,
  type SpdmWalk,
} from './userspace/index.js';
export { DOE_IOC, cxlCdatOf, pciCmaResultOf, ownerOf, doeMailboxOwner } from './drivers/index.js';
