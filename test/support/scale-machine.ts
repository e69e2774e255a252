/**
 * A machine of many PCI functions for scaling tests and the benchmark: root ports on bus 0, each
 * with up to 32 single-function endpoints on its secondary bus (firmware numbering: the port at
 * device d decodes bus d), cxl-type3 and mlx5-nic mixed `cxlPerNic`:1. Hardware is inserted
 * before boot, so the boot scan finds it (coldplug).
 */
import { createCxlType3 } from '../../src/drivers/hw/cxl-type3.js';
import { createMlx5Nic } from '../../src/drivers/hw/mlx5-nic.js';
import { createRootPort } from '../../src/drivers/hw/root-port.js';
import { type Machine, type MachineOptions, createMachine } from '../../src/machine/index.js';
import { IPciCore } from '../../src/pci/index.js';

/** Endpoints below one root port, and root ports on bus 0 (device numbers 1..31). */
export const ENDPOINTS_PER_PORT = 32;
export const MAX_SCALE_FUNCTIONS = 31 * ENDPOINTS_PER_PORT;

export interface ScaleOptions extends MachineOptions {
  /** cxl-type3 functions per mlx5-nic (0: no NICs). */
  readonly cxlPerNic?: number;
}

/** An unbooted machine with `functions` endpoints (plus their root ports). */
export function scaleMachine(functions: number, options: ScaleOptions = {}): Machine {
  if (functions > MAX_SCALE_FUNCTIONS) throw new Error(`at most ${MAX_SCALE_FUNCTIONS} functions`);
  const { cxlPerNic = 0, ...machineOptions } = options;
  const m = createMachine({ presets: [], ...machineOptions });
  const pci = m.get(IPciCore);
  for (let placed = 0, port = 1; placed < functions; port++) {
    pci.insertHardware(0, port << 3, createRootPort({ secondaryBus: port, irq: 24 + port }));
    for (let slot = 0; slot < ENDPOINTS_PER_PORT && placed < functions; slot++, placed++) {
      const nic = cxlPerNic > 0 && placed % (cxlPerNic + 1) === cxlPerNic;
      pci.insertHardware(port, slot << 3, nic ? createMlx5Nic() : createCxlType3({ scheduler: m.scheduler }));
    }
  }
  return m;
}
