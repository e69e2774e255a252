/**
 * The oracle program interpreter (src/userspace/pci-trace) on a machine: the machine's root
 * process plays the oracle guest's shell — one open, pread or pwrite, close of the function's
 * sysfs `config` file per access — and waiting advances the machine's virtual clock.
 */
import { type PciTraceHost, type PciTraceRecord, PciTraceInterpreter } from '../userspace/index.js';
import type { Machine } from './machine.js';

/** What `env` reports as the kernel release: the model, not a Linux version. */
export const PCI_TRACE_KERNEL_RELEASE = 'auxbus';

export function machinePciTraceHost(machine: Machine): PciTraceHost {
  const root = machine.processes.root;
  const withFd = <T>(path: string, mode: 'r' | 'rw', f: (fd: number) => T): T => {
    const fd = root.open(path, mode);
    try {
      return f(fd);
    } finally {
      root.close(fd);
    }
  };
  return {
    readFile: (path) => root.readFile(path),
    readdir: (path) => root.readdir(path),
    readlink: (path) => root.readlink(path),
    exists: (path) => machine.vfs.exists(path),
    pread: (path, length, offset) => withFd(path, 'r', (fd) => root.pread(fd, length, offset)),
    pwrite: (path, data, offset) => withFd(path, 'rw', (fd) => root.pwrite(fd, data, offset)),
    sleep: (ms) => void machine.advance(ms),
    kernelRelease: PCI_TRACE_KERNEL_RELEASE,
  };
}

/** Run an oracle program on `machine` (first selecting `bdf`, or auto), records to `emit`. */
export function runMachinePciTrace(machine: Machine, program: string, emit: (record: PciTraceRecord) => void, bdf = 'auto'): void {
  new PciTraceInterpreter(machinePciTraceHost(machine), emit).run(program, bdf);
}

export type { PciTraceRecord } from '../userspace/index.js';
