/**
 * pci-trace: the QEMU DOE oracle's program language, run against a PCI function's `config`
 * file, giving the oracle's JSON records (`auxbus pci-trace`).
 */
export { PciTraceInterpreter, runPciTrace, type PciTraceHost, type PciTraceRecord } from './interpreter.js';
