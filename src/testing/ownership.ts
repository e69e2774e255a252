/**
 * Ownership as the public kit states it (DESIGN.md §3 "Who is the owner"): `ownerOf` answers what
 * `check: owner` reports — `kernel`, `none`, or the process holding the device — and `holders`
 * lists the processes with a file open at a path, like `lsof PATH`.
 */
import type { Device } from '../bus/index.js';
import { type Machine, ownerName } from '../machine/index.js';

/** A device: its object, or a name `Machine.findDevice` resolves (`0000:0d:00.0`, `cxl_pci.doe.1`, `eth0`). */
export type DeviceRef = Device | string;

/** The device a reference names. @throws {DriverModelError} ENODEV or EINVAL as findDevice does. */
export function deviceOf(machine: Machine, ref: DeviceRef): Device {
  return typeof ref === 'string' ? machine.findDevice(ref) : ref;
}

/** The owner of `resource` as `check: owner` reports it: `kernel`, `none`, or a process name. */
export function ownerOf(machine: Machine, resource: DeviceRef): string {
  return ownerName(deviceOf(machine, resource));
}

/** One open file of a process at a path. */
export interface Holder {
  readonly process: string;
  readonly pid: number;
  readonly fd: number;
}

/** The processes with `path` open (as opened), in process-table then fd order. */
export function holders(machine: Machine, path: string): Holder[] {
  return machine.processes.holders(path).map(({ process, fd }) => ({ process: process.name, pid: process.pid, fd }));
}
