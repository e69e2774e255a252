/**
 * A machine of many PCI functions for scaling tests and the benchmark, built with the fleet
 * option (src/drivers/fleet.ts): cxl-type3 and mlx5-nic mixed `cxlPerNic`:1, each preset's
 * devices behind switches of its kind (eight-function cxl-type3 devices behind CXL switches,
 * one NIC per downstream port of a PCIe switch), one switch per root port, as many PCI segments
 * as the bus numbers need. The hardware is placed at boot, before the boot scan (coldplug).
 */
import { type Machine, type MachineOptions, createMachine } from '../../src/machine/index.js';

export interface ScaleOptions extends MachineOptions {
  /** cxl-type3 functions per mlx5-nic (0: no NICs). */
  readonly cxlPerNic?: number;
}

/** How many of each preset `functions` endpoint functions are, `cxlPerNic`:1. */
export function scaleCounts(functions: number, cxlPerNic = 0): Record<string, number> {
  const nics = cxlPerNic > 0 ? Math.floor(functions / (cxlPerNic + 1)) : 0;
  return nics > 0 ? { 'cxl-type3': functions - nics, 'mlx5-nic': nics } : { 'cxl-type3': functions };
}

/** An unbooted machine with `functions` endpoint functions (plus their root and switch ports). */
export function scaleMachine(functions: number, options: ScaleOptions = {}): Machine {
  const { cxlPerNic = 0, ...machineOptions } = options;
  return createMachine({ ...machineOptions, presets: scaleCounts(functions, cxlPerNic) });
}
