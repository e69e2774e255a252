/**
 * machine — the composition root: `Machine` and `createMachine`, its options, and the adapters
 * that plug udev (MachineUdev) and the scenario runner (machineScenarioHost) into a machine.
 */
// inversify's decorators read Reflect metadata while each decorated class of the layers below is
// evaluated: the polyfill is this surface's first import (the CLI imports the machine lazily, per
// verb, so its entry does not load the polyfill).
import 'reflect-metadata';
export { Machine, IMachine, IBootDaemon } from './machine.js';
export { createMachine } from './container.js';
export { ServiceGraph } from './service-graph.js';
export { type MachineOptions, type ResolvedMachineOptions, IMachineOptions, resolveMachineOptions } from './machine-options.js';
export { machineScenarioHost, machineOfScenario } from './scenario-host.js';
/** How far a machine is from a snapshot, and what a restore would not reset (tests of restore's work). */
export { machineSnapshotDiff, machineHiddenKeyChanges } from './machine-snapshot.js';
// What the CLI and the test kit need of the layers below, re-exported so they import the machine only.
/** Who owns a device (DESIGN.md §3): the drivers layer answers. */
export { ownerName } from '../drivers/index.js';
/** The lockdown levels a machine boots in, and /dev paths of device nodes. */
export { Devtmpfs } from '../bus/index.js';
/** The closed sets of names a machine takes, importable without the machine (names.ts). */
export {
  type DoePolicy,
  type LockdownLevel,
  type ModuleName,
  type PresetName,
  defaultPresets,
  doePolicies,
  lockdownLevels,
  moduleNames,
  presetNames,
} from './names.js';
export { MachineUdev, IMachineUdev, machineUdev, machineUdevModule } from './machine-udev.js';
/** What a fwctl tool does in a process (FWCTL_INFO, FWCTL_RPC over its memory). */
export { fwctlInfo, fwctlRpc } from '../userspace/index.js';
export {
  machineSleeper,
  handOffDoeMailbox,
  rawDoeClient,
  doeToolAction,
  spdmSummary,
  hex as hexBytes,
  DOE_TOOL_ACTIONS,
  DEFAULT_SPDM_TRUST,
  type DoeToolAction,
  type DoeToolResult,
} from './doe-tool.js';
export { ComplianceClient, DoeClient, spdmWalk, type SpdmWalk } from '../userspace/index.js';
/** What the test kit needs to act as a process: named credentials and DOE transports. */
export { resolveProcessSpec, type NamedProcessSpec, DevDoeTransport, RawConfigDoeTransport, type Process } from '../userspace/index.js';
export { cxlCdatOf, pciCmaResultOf } from '../drivers/index.js';
export { machinePciTraceHost, runMachinePciTrace, PCI_TRACE_KERNEL_RELEASE, type PciTraceRecord } from './pci-trace.js';
export * from './explore/index.js';
export { machineSpdmMailbox, servedProtocols, type MachineSpdmMailbox, type MachineSpdmOptions, type SpdmMailboxTransport } from './spdm-mailbox.js';
export { type SpdmIdentity, fixtureSpdmIdentity } from '../drivers/index.js';
