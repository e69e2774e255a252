/**
 * The preset hardware of a machine (DESIGN.md §4, "Placement"): what `plug` puts into which
 * slot, acting as platform firmware — it creates a root port on bus 0 when needed, programs its
 * bus numbers and inserts the function behind it — then raises a hot-plug event. `unplug` is a
 * surprise removal of one function (and everything below it, for a bridge).
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { IScheduler, kerr } from '../base/index.js';
import { IPciCore, type PciCore, type PciFunctionHw, parsePciName, pciHeaderType, pciRegs } from '../pci/index.js';
import { cxlType3SpdmResponders } from './hw/cxl-spdm.js';
import { createCxlType3 } from './hw/cxl-type3.js';
import { createMlx5Nic } from './hw/mlx5-nic.js';
import { createQemuCxlSwitch } from './hw/qemu-cxl-switch.js';
import { createQemuCxlType3 } from './hw/qemu-cxl-type3.js';
import { createRootPort } from './hw/root-port.js';

/** What a preset's hardware may use of the machine: its scheduler, for devices that take time. */
export interface PresetEnvironment {
  readonly scheduler: IScheduler;
  /** The bus the preset's first function sits on (behind its root port). */
  readonly bus: number;
}

/** One function a preset inserts, at an absolute bus number. */
export interface PresetFunction {
  readonly bus: number;
  readonly devfn: number;
  readonly hw: PciFunctionHw;
}
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
  /** One function at 00.0 of the bus, or several functions (a switch and what is below it). */
  readonly create: (env: PresetEnvironment) => PciFunctionHw | readonly PresetFunction[];
  /** Bus numbers the preset spans below its root port (default 1). */
  readonly buses?: number;
}

/** The presets; names and fixed addresses are part of the contract. */
export const presetTable: Readonly<Record<string, PresetDefinition>> = {
  'cxl-type3': {
    rootPort: 0x01,
    bus: 0x0d,
    create: (env) => createCxlType3({ scheduler: env.scheduler, spdm: cxlType3SpdmResponders(0xcafe0d93n) }),
  }, // 0000:00:01.0 → 0000:0d:00.0
  'mlx5-nic': { rootPort: 0x02, bus: 0x03, create: () => createMlx5Nic() }, // 0000:00:02.0 → 0000:03:00.0
  // QEMU 7.2's type-3 at the BDF the oracle recorded (0000:0d:00.0), behind the same root port as cxl-type3.
  'qemu-cxl-type3': { rootPort: 0x01, bus: 0x0d, create: () => createQemuCxlType3() },
  // The oracle's switch topology: upstream port 0d:00.0, downstream port 0e:00.0, type-3 0f:00.0.
  'qemu-cxl-switch': { rootPort: 0x01, bus: 0x0d, buses: 3, create: (env) => createQemuCxlSwitch(env.bus) },
};

/** Root ports' interrupt lines: 24 + device number, as the platform routes them. */
const ROOT_PORT_IRQ_BASE = 24;

@injectable()
export class PresetHost implements IPresetHost {
  readonly names: readonly string[] = Object.keys(presetTable);

  constructor(
    @inject(IPciCore) private readonly pci: PciCore,
    @inject(IScheduler) private readonly scheduler: IScheduler,
  ) {}

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
        createRootPort({
          secondaryBus: placement.bus,
          subordinateBus: placement.bus + (preset.buses ?? 1) - 1,
          irq: ROOT_PORT_IRQ_BASE + placement.rootPort,
        }),
      );
    }
    const created = preset.create({ scheduler: this.scheduler, bus: placement.bus });
    const functions: readonly PresetFunction[] = Array.isArray(created) ? created : [{ bus: placement.bus, devfn: 0, hw: created as PciFunctionHw }];
    for (const f of functions) this.pci.insertHardware(f.bus, f.devfn, f.hw);
    this.pci.hotplugRescan();
  }

  /** Where the next instance of `preset` goes. */
  #place(preset: PresetDefinition): { rootPort: number; bus: number; newRootPort: boolean } {
    const fixedPort = this.pci.hardwareAt(0, preset.rootPort << 3);
    const busesInUse = this.#busesInUse();
    const span = preset.buses ?? 1;
    const free = (first: number) => Array.from({ length: span }, (_, i) => first + i).every((b) => !busesInUse.has(b));
    if (!fixedPort && free(preset.bus)) return { rootPort: preset.rootPort, bus: preset.bus, newRootPort: true };
    if (
      fixedPort &&
      secondaryBus(fixedPort) === preset.bus &&
      fixedPort.configRead(pciRegs.SUBORDINATE_BUS, 1) >= preset.bus + span - 1 &&
      !this.pci.hardwareAt(preset.bus, 0)
    ) {
      return { rootPort: preset.rootPort, bus: preset.bus, newRootPort: false };
    }
    const bus = Math.max(...busesInUse) + 1;
    if (bus + span - 1 > 0xff) throw kerr('ENOSPC', 'no free PCI bus number');
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
