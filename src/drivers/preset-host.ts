/**
 * The preset hardware of a machine (DESIGN.md §4, "Placement"): what `plug` puts into which
 * slot, acting as platform firmware — it creates a root port on bus 0 when needed, programs its
 * bus numbers and inserts the function behind it — then raises a hot-plug event. `unplug` is a
 * surprise removal of one function (and everything below it, for a bridge).
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { IScheduler, kerr } from '../base/index.js';
import { IPciCore, type PciCore, type PciFunctionHw, parsePciName, pciHeaderType, pciLinkOf, pciRegs } from '../pci/index.js';
import {
  type FleetEnvironment,
  type FleetPlacement,
  type FleetPortSpec,
  type FleetPresetInfo,
  type FleetTopology,
  BUSES_PER_SEGMENT,
  buildRootPort,
  fleetRootPorts,
  fleetTopologyProblems,
  packRootPorts,
  placeFleet,
} from './fleet.js';
import { cxlType3SpdmResponders } from './hw/cxl-spdm.js';
import { createCxlType3 } from './hw/cxl-type3.js';
import { createMlx5Nic, createMlx5NicDual } from './hw/mlx5-nic.js';
import { createQemuCxlSwitch } from './hw/qemu-cxl-switch.js';
import { createQemuCxlType3 } from './hw/qemu-cxl-type3.js';
import { createRootPort } from './hw/root-port.js';
import { type PresetName, presetNames } from './names.js';

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
  /** Place a fleet (coldplug at boot): counts of endpoint presets, or a topology. */
  plugFleet(fleet: FleetSpec): FleetPlacement;
  /** Hot-add one endpoint preset below the (empty) bridge `portBdf` — a downstream or root port built with a link. */
  plugBelow(portBdf: string, name: string): void;
}

/** A fleet as a machine option gives it. */
export type FleetSpec = { readonly counts: Readonly<Record<string, number>> } | { readonly topology: FleetTopology };
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
  /** An endpoint preset: how it joins a fleet. */
  readonly fleet?: FleetPresetInfo;
  /**
   * What is below its root port, wired to links so that the kernel numbers the buses (the root
   * port is built with it); `create` is not used then.
   */
  readonly below?: FleetPortSpec;
}

/** Downstream ports of the `cxl-switch` preset (one cxl-type3 below each). */
export const CXL_SWITCH_PRESET_PORTS = 4;

/**
 * The presets; names and fixed addresses are part of the contract. Keyed by exactly the names of
 * `presetNames` (names.ts: the one list of them), which `satisfies` checks.
 */
const presets = {
  'cxl-type3': {
    rootPort: 0x01,
    bus: 0x0d,
    create: (env) => createCxlType3({ scheduler: env.scheduler, spdm: cxlType3SpdmResponders(0xcafe0d93n) }),
    fleet: { switch: 'cxl', functionsPerDevice: 8 },
  }, // 0000:00:01.0 → 0000:0d:00.0
  'mlx5-nic': { rootPort: 0x02, bus: 0x03, create: () => createMlx5Nic(), fleet: { switch: 'pcie', functionsPerDevice: 1 } }, // 0000:00:02.0 → 0000:03:00.0
  // A two-port NIC, multifunction without ACS (one IOMMU group for both ports): 0000:00:04.0 → 0000:05:00.0 and .1
  'mlx5-nic-dual': { rootPort: 0x04, bus: 0x05, create: (env) => createMlx5NicDual(env.bus) },
  // QEMU 7.2's type-3 at the BDF the oracle recorded (0000:0d:00.0), behind the same root port as cxl-type3.
  'qemu-cxl-type3': { rootPort: 0x01, bus: 0x0d, create: () => createQemuCxlType3(), fleet: { switch: 'cxl', functionsPerDevice: 1 } },
  // The oracle's switch topology: upstream port 0d:00.0, downstream port 0e:00.0, type-3 0f:00.0.
  'qemu-cxl-switch': { rootPort: 0x01, bus: 0x0d, buses: 3, create: (env) => createQemuCxlSwitch(env.bus) },
  // A CXL switch (upstream port, CXL_SWITCH_PRESET_PORTS downstream ports) with one cxl-type3 below each downstream port; bus numbers are the kernel's.
  'cxl-switch': {
    rootPort: 0x01,
    bus: 0x0d,
    create: () => [],
    below: { switch: 'cxl', ports: Array.from({ length: CXL_SWITCH_PRESET_PORTS }, () => ({ preset: 'cxl-type3', functions: 1 })) },
  },
} satisfies Readonly<Record<PresetName, PresetDefinition>>;
/** `presets` looked up by any name (a miss is `undefined`). */
export const presetTable: Readonly<Record<string, PresetDefinition>> = presets;

/** The presets a fleet may place as endpoints. */
export const fleetPresetNames: readonly string[] = presetNames.filter((n) => presetTable[n]!.fleet);

/** How preset `name` joins a fleet, if it can. */
export function fleetPresetInfo(name: string): FleetPresetInfo | undefined {
  return Object.prototype.hasOwnProperty.call(presetTable, name) ? presetTable[name]!.fleet : undefined;
}

/** Structural problems of a topology against the preset table (see fleetTopologyProblems). */
export function fleetProblems(topology: FleetTopology): ReturnType<typeof fleetTopologyProblems> {
  return fleetTopologyProblems(topology, fleetPresetInfo, fleetPresetNames);
}

/** Root ports' interrupt lines: 24 + device number, as the platform routes them. */
const ROOT_PORT_IRQ_BASE = 24;

@injectable()
export class PresetHost implements IPresetHost {
  readonly names: readonly string[] = presetNames;

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
    if (preset.below) {
      // Firmware wires the root port and what is below it; the kernel numbers the buses.
      let slot = preset.rootPort;
      if (this.pci.hardwareAt(0, slot << 3)) slot = this.#freeSlot();
      this.pci.hostBridges[0]!.link.insert(slot << 3, buildRootPort(this.#fleetEnv(), preset.below, slot));
      this.pci.hotplugRescan();
      return;
    }
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
    return { rootPort: this.#freeSlot(), bus, newRootPort: true };
  }

  /** The lowest free device number from 1 on bus 0. @throws {DriverModelError} ENOSPC. */
  #freeSlot(): number {
    for (let slot = 1; slot < 32; slot++) if (!this.pci.hardwareAt(0, slot << 3)) return slot;
    throw kerr('ENOSPC', 'no free device number on bus 0');
  }

  /** Bus 0, every bus range a present bridge decodes (secondary to subordinate), and every bus a present function sits on. */
  #busesInUse(): Set<number> {
    const used = new Set<number>([0]);
    for (const [bus, , hw] of this.pci.presentHardware) {
      used.add(bus);
      if ((hw.configRead(pciRegs.HEADER_TYPE, 1) & 0x7f) !== pciHeaderType.BRIDGE) continue;
      const secondary = secondaryBus(hw);
      const subordinate = hw.configRead(pciRegs.SUBORDINATE_BUS, 1);
      used.add(secondary);
      for (let b = secondary + 1; b <= subordinate; b++) used.add(b);
    }
    return used;
  }

  #fleetEnv(): FleetEnvironment {
    return {
      pci: this.pci,
      scheduler: this.scheduler,
      info: fleetPresetInfo,
      createEndpoint: (name) => {
        const created = presetTable[name]!.create({ scheduler: this.scheduler, bus: 0 });
        if (Array.isArray(created)) throw kerr('EINVAL', `'${name}' is not an endpoint preset`);
        return created as PciFunctionHw;
      },
    };
  }

  /**
   * Place a fleet before the boot scan (or hot-add it after: the kernel then numbers the new
   * root ports' buses on the rescan). Counts are laid out by fleetRootPorts and packed into
   * segments after what segment 0 holds already.
   * @throws {DriverModelError} EINVAL for a bad description; ENOSPC when it does not fit.
   */
  plugFleet(fleet: FleetSpec): FleetPlacement {
    let topology: FleetTopology;
    if ('counts' in fleet) {
      const rootPorts = fleetRootPorts(fleet.counts, fleetPresetInfo, fleetPresetNames);
      const used = this.#busesInUse();
      let slots = 0;
      for (let slot = 1; slot < 32; slot++) if (!this.pci.hardwareAt(0, slot << 3)) slots++;
      topology = packRootPorts(rootPorts, { slots, buses: BUSES_PER_SEGMENT - 1 - Math.max(...used) });
    } else {
      const problems = fleetProblems(fleet.topology);
      if (problems.length > 0)
        throw kerr(
          'EINVAL',
          `topology${problems[0]!.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}: ${problems[0]!.message}`,
        );
      topology = fleet.topology;
    }
    const placed = placeFleet(this.#fleetEnv(), topology);
    this.pci.hotplugRescan();
    return placed;
  }

  /**
   * Hot-add an endpoint preset below the bridge `portBdf` (devfn 0 of its link), then rescan.
   * @throws {DriverModelError} EINVAL for a bad address or a preset that is not an endpoint;
   *   ENODEV when no such bridge has a link; EBUSY when something is below it already.
   */
  plugBelow(portBdf: string, name: string): void {
    const info = fleetPresetInfo(name);
    if (!info) throw kerr('EINVAL', `'${name}' is not an endpoint preset`);
    const port = this.pci.findDevice(portBdf);
    const link = port?.isBridge ? pciLinkOf(port.hw) : undefined;
    if (!port || !link) throw kerr('ENODEV', `${portBdf}: no PCIe port with a link`);
    if (link.get(0)) throw kerr('EBUSY', `${portBdf}: its link has a device already`);
    link.insert(0, this.#fleetEnv().createEndpoint(name));
    this.pci.hotplugRescan();
  }

  /**
   * Surprise removal of the function `bdf` (`DDDD:BB:DD.F`), as `echo 1 > remove` plus the
   * hardware leaving its slot.
   * @throws {DriverModelError} EINVAL for a malformed address; ENODEV when nothing is there.
   */
  unplug(bdf: string): void {
    const addr = parsePciName(bdf);
    if (!addr) throw kerr('EINVAL', `'${bdf}' is not a PCI address`);
    this.pci.surpriseRemove(addr.bus, addr.devfn, addr.domain);
  }
}

function secondaryBus(hw: PciFunctionHw): number {
  return hw.configRead(pciRegs.SECONDARY_BUS, 1);
}
