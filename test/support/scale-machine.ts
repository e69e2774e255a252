/**
 * A machine of many PCI functions for scaling tests and the benchmark: root ports on bus 0, each
 * with endpoints on its secondary bus (firmware numbering: the port at device d decodes bus d) —
 * up to 32 single-function devices, or with `functionsPerSlot` up to 8 functions per device
 * (function 0's header type then has the multi-function bit) — cxl-type3 and mlx5-nic mixed
 * `cxlPerNic`:1. Hardware is inserted before boot, so the boot scan finds it (coldplug). The
 * 32-bit host window (492 MiB) limits it to about 3,000 cxl-type3 or 14 mlx5-nic functions.
 */
import { createCxlType3 } from '../../src/drivers/hw/cxl-type3.js';
import { createMlx5Nic } from '../../src/drivers/hw/mlx5-nic.js';
import { createRootPort } from '../../src/drivers/hw/root-port.js';
import { type Machine, type MachineOptions, createMachine } from '../../src/machine/index.js';
import { IPciCore, pciHeaderType, pciRegs } from '../../src/pci/index.js';

/** Endpoints below one root port, and root ports on bus 0 (device numbers 1..31). */
const SLOTS = 32;
const ROOT_PORTS = 31;

export interface ScaleOptions extends MachineOptions {
  /** cxl-type3 functions per mlx5-nic (0: no NICs). */
  readonly cxlPerNic?: number;
  /** Functions per device (1..8, default 1). */
  readonly functionsPerSlot?: number;
}

/** An unbooted machine with `functions` endpoints (plus their root ports). */
export function scaleMachine(functions: number, options: ScaleOptions = {}): Machine {
  const { cxlPerNic = 0, functionsPerSlot = 1, ...machineOptions } = options;
  const perPort = SLOTS * functionsPerSlot;
  if (functions > ROOT_PORTS * perPort) throw new Error(`at most ${ROOT_PORTS * perPort} functions`);
  const m = createMachine({ presets: [], ...machineOptions });
  const pci = m.get(IPciCore);
  for (let placed = 0, port = 1; placed < functions; port++) {
    pci.insertHardware(0, port << 3, createRootPort({ secondaryBus: port, irq: 24 + port }));
    const here = Math.min(perPort, functions - placed);
    for (let i = 0; i < here; i++, placed++) {
      const nic = cxlPerNic > 0 && placed % (cxlPerNic + 1) === cxlPerNic;
      const hw = nic ? createMlx5Nic() : createCxlType3({ scheduler: m.scheduler });
      const fn = i % functionsPerSlot;
      // Function 0 of a device with further functions says so (PCI_HEADER_TYPE bit 7).
      if (fn === 0 && i + 1 < here && functionsPerSlot > 1) {
        hw.config.set(pciRegs.HEADER_TYPE, 1, hw.config.get(pciRegs.HEADER_TYPE, 1) | pciHeaderType.MULTI_FUNCTION);
        hw.config.seal();
      }
      pci.insertHardware(port, (Math.floor(i / functionsPerSlot) << 3) | fn, hw);
    }
  }
  return m;
}
