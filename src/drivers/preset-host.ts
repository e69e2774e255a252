/**
 * The preset hardware of a machine (DESIGN.md §4, "Placement"): what `plug` puts into which
 * slot, acting as platform firmware — it creates a root port on bus 0 when needed, programs its
 * bus numbers and inserts the function behind it — then raises a hot-plug event. `unplug` is a
 * surprise removal of one function (and everything below it, for a bridge).
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { kerr } from '../base/index.js';
import { IPciCore, type PciCore, type PciFunctionHw, parsePciName, pciHeaderType, pciRegs } from '../pci/index.js';
import { createCxlType3 } from './hw/cxl-type3.js';
import { createMlx5Nic } from './hw/mlx5-nic.js';
import { createRootPort } from './hw/root-port.js';

/** Preset hardware: names are part of the contract (DESIGN.md §4). */
export interface IPresetHost {
  readonly names: readonly string[];
  /** Add one instance of a preset at the next free bus number (coldplug at boot, hotplug later). */
  plug(name: string): void;
  /** Surprise removal of a PCI function by BDF, as `echo 1 > remove`. */
  unplug(bdf: string): void;
}
export const IPresetHost: ServiceIdentifier<IPresetHost> = Symbol.for('IPresetHost');

export interface PresetDefinition {
  /** Device number of the root port on bus 0 the first instance sits behind. */
  readonly rootPort: number;
  /** Bus number behind that root port. */
  readonly bus: number;
  readonly create: () => PciFunctionHw;
}

/** The presets; names and fixed addresses are part of the contract. */
export const presetTable: Readonly<Record<string, PresetDefinition>> = {
  'cxl-type3': { rootPort: 0x01, bus: 0x0d, create: () => createCxlType3() }, // 0000:00:01.0 → 0000:0d:00.0
  'mlx5-nic': { rootPort: 0x02, bus: 0x03, create: () => createMlx5Nic() }, // 0000:00:02.0 → 0000:03:00.0
};

/** Root ports' interrupt lines: 24 + device number, as the platform routes them. */
const ROOT_PORT_IRQ_BASE = 24;

@injectable()
export class PresetHost implements IPresetHost {
  readonly names: readonly string[] = Object.keys(presetTable);

  constructor(@inject(IPciCore) private readonly pci: PciCore) {}

  /**
   * Add one instance of `name`. The first goes to its fixed address (or back into its fixed root
   * port when that slot is empty); any further instance goes to the bus after the highest in
   * use, behind a new root port at the lowest free device number from 1 on bus 0.
   * @throws {DriverModelError} EINVAL for an unknown preset; ENOSPC when bus 0 or the bus
   *   numbers are exhausted.
   */
  plug(name: string): void {
    const preset = presetTable[name];
    if (!preset) throw kerr('EINVAL', `unknown preset '${name}' (known: ${this.names.join(', ')})`);
    const placement = this.#place(preset);
    if (placement.newRootPort) {
      this.pci.insertHardware(
        0,
        placement.rootPort << 3,
        createRootPort({ secondaryBus: placement.bus, irq: ROOT_PORT_IRQ_BASE + placement.rootPort }),
      );
    }
    this.pci.insertHardware(placement.bus, 0, preset.create());
    this.pci.hotplugRescan();
  }

  /** Where the next instance of `preset` goes. */
  #place(preset: PresetDefinition): { rootPort: number; bus: number; newRootPort: boolean } {
    const fixedPort = this.pci.hardwareAt(0, preset.rootPort << 3);
    const busesInUse = this.#busesInUse();
    if (!fixedPort && !busesInUse.has(preset.bus)) return { rootPort: preset.rootPort, bus: preset.bus, newRootPort: true };
    if (fixedPort && secondaryBus(fixedPort) === preset.bus && !this.pci.hardwareAt(preset.bus, 0)) {
      return { rootPort: preset.rootPort, bus: preset.bus, newRootPort: false };
    }
    const bus = Math.max(...busesInUse) + 1;
    if (bus > 0xff) throw kerr('ENOSPC', 'no free PCI bus number');
    for (let slot = 1; slot < 32; slot++) {
      if (!this.pci.hardwareAt(0, slot << 3)) return { rootPort: slot, bus, newRootPort: true };
    }
    throw kerr('ENOSPC', 'no free device number on bus 0');
  }

  /** Bus 0, every bus a present bridge decodes, and every bus a present function sits on. */
  #busesInUse(): Set<number> {
    const used = new Set<number>([0]);
    for (const [bus, , hw] of this.pci.presentHardware) {
      used.add(bus);
      if ((hw.configRead(pciRegs.HEADER_TYPE, 1) & 0x7f) === pciHeaderType.BRIDGE) used.add(secondaryBus(hw));
    }
    return used;
  }

  /**
   * Surprise removal of the function `bdf` (`DDDD:BB:DD.F`), as `echo 1 > remove` plus the
   * hardware leaving its slot.
   * @throws {DriverModelError} EINVAL for a malformed address; ENODEV when nothing is there.
   */
  unplug(bdf: string): void {
    const addr = parsePciName(bdf);
    if (!addr) throw kerr('EINVAL', `'${bdf}' is not a PCI address`);
    if (addr.domain !== 0) throw kerr('ENODEV', `no PCI domain ${addr.domain}`);
    this.pci.surpriseRemove(addr.bus, addr.devfn);
  }
}

function secondaryBus(hw: PciFunctionHw): number {
  return hw.configRead(pciRegs.SECONDARY_BUS, 1);
}
