/**
 * userspace — what a process sees: credentials and capabilities, file descriptors, and the
 * system calls (open/read/write/ioctl/close, readdir, readlink, stat) over /sys, /dev and /proc,
 * returning errno exactly as a real process would.
 *
 * Usage: `const proc = machine.processes.spawn('alice', { uid: 1000, gid: 1000, caps: [] })`,
 * then `proc.writeFile('/sys/bus/pci/drivers_probe', '0000:0d:00.0')`; failures throw
 * DriverModelError with `.errno` such as 'EACCES'.
 */
export { capabilities, type Capability, isCapability, allCapabilities } from './capabilities.js';
export { type Credentials, checkPermission, inGroup, MAY_READ, MAY_WRITE, MAY_EXEC } from './cred.js';
export { Process, type ProcessSpec } from './process.js';
export { resolveProcessSpec, type NamedProcessSpec } from './process-spec.js';
export { ProcessTable, IProcessTable } from './process-table.js';
export { Procfs, IProcfs, type ProcFile } from './procfs.js';
export { Vfs, IVfs, type OpenMode, type OpenFileDescription, type StatResult, type Opener, normalizePath } from './vfs.js';
export { AddressSpace } from './address-space.js';
export { fwctlInfo, fwctlRpc, FWCTL_DEFAULT_BUFFER, type FwctlInfoResult, type FwctlRpcResult } from './fwctl.js';
export { userspaceModule } from './module.js';
export {
  type Sleeper,
  type DoeTransport,
  type DoeResponse,
  DevDoeTransport,
  RawConfigDoeTransport,
  DoeClient,
  parseResponseObject,
  DOE_CLIENT_POLL_MS,
  DOE_CLIENT_TIMEOUT_MS,
} from './doe-client.js';
export { PciTraceInterpreter, runPciTrace, type PciTraceHost, type PciTraceRecord } from './pci-trace/index.js';
export { ComplianceClient, complianceStatusNames } from './compliance-client.js';
export { readCdat, type CdatRead } from './cdat-client.js';
export { spdmWalk, type SpdmWalk, type SpdmWalkStep, type SpdmWalkOptions } from './spdm-client.js';
