/**
 * A fleet: many preset functions in one machine, placed the way large machines wire them —
 * host bridges (one PCI segment each, `pciDDDD:00`), root ports on their root bus, PCIe or CXL
 * switches below the root ports (hw/pcie-switch.ts) and one device per downstream port. This
 * file is the platform firmware of such a machine: it builds the hardware and wires every
 * function to its bridge's link, leaves every bus number to the kernel (probe.ts numbers them
 * at scan, depth first) and describes each host bridge's memory windows (a 32-bit window sized
 * to what the hierarchy needs below 4 GiB, carved from 0x80000000 up to segment 0's
 * kernel-assigned window at 0xc0000000, and a 1 TiB 64-bit window per segment above 4 GiB,
 * where the kernel puts 64-bit prefetchable BARs).
 *
 * Two ways to describe one: counts (`{cxl-type3: 7500, mlx5-nic: 2500}`), which
 * `fleetFromCounts` lays out — each preset's devices in switches of up to 32 downstream ports,
 * one switch per root port, root ports filling a segment's 31 device numbers or its 256 bus
 * numbers, then the next segment — or an explicit topology (host bridges → root ports → switches
 * → endpoints). A cxl-type3 device is 8 functions (a multi-function device): a type-3 function's
 * two 64 KiB non-prefetchable 64-bit BARs must sit below 4 GiB (a bridge's non-prefetchable
 * window is 32-bit), and one function per downstream port would spend a 1 MiB window on each —
 * 7,500 MiB for 7,500 functions, more than a 32-bit address space holds.
 */
import { type IScheduler, kerr } from '../base/index.js';
import {
  PCI_HOST_KERNEL_WINDOWS,
  type PciCore,
  type PciFunctionHw,
  type PciLink,
  type SizingNode,
  SZ_1M,
  WindowAllocator,
  ioresource,
  pciHeaderType,
  pciLinkOf,
  pciRegs,
  sizeBridge,
} from '../pci/index.js';
import { SimulatedPciFunction, type SimulatedPciBridge } from './hw/config-space.js';
import { type SwitchKind, createLinkedRootPort, createSwitchDownstreamPort, createSwitchUpstreamPort, switchKinds } from './hw/pcie-switch.js';

/** An endpoint: `functions` functions of an endpoint preset as one (multi-function) device. */
export interface FleetEndpointSpec {
  readonly preset: string;
  /** 1..8; default the preset's own (cxl-type3: 8, others: 1). */
  readonly functions?: number;
}

/** What sits below a root port or a downstream port. */
export type FleetPortSpec = 'empty' | FleetEndpointSpec | FleetSwitchSpec;

/** A switch: its upstream port and one downstream port (device 0..31) per entry of `ports`. */
export interface FleetSwitchSpec {
  readonly switch: SwitchKind;
  readonly ports: readonly FleetPortSpec[];
}

/** A host bridge (PCI segment) and its root ports (devices 1..31 of its root bus). */
export interface FleetHostBridgeSpec {
  readonly rootPorts: readonly FleetPortSpec[];
}

export type FleetTopology = readonly FleetHostBridgeSpec[];

/** How a preset joins a fleet: the switch kind it sits behind and its functions per device. */
export interface FleetPresetInfo {
  readonly switch: SwitchKind;
  readonly functionsPerDevice: number;
}

/** Downstream ports of one switch (device numbers on the upstream port's secondary bus). */
export const SWITCH_PORTS = 32;
/** Root ports per host bridge: devices 1..31 of the root bus. */
export const ROOT_PORTS_PER_HOST = 31;
/** Bus numbers of one segment. */
export const BUSES_PER_SEGMENT = 256;
/** PCI segments (domains) a machine may have. */
export const MAX_SEGMENTS = 0x10000;

/** Root ports' interrupt lines: 24 + device number, as the platform routes them. */
const ROOT_PORT_IRQ_BASE = 24;
/** Where the 32-bit windows of segments 1… are carved (segment 0's kernel window follows). */
const MEM32_BASE = 0x80000000;
const MEM32_LIMIT = PCI_HOST_KERNEL_WINDOWS.mem[0] - 1;
/** Each segment's 64-bit window: 1 TiB from 1 TiB × (domain + 1) (segment 0's is PCI_HOST_KERNEL_WINDOWS's). */
const MEM64_SIZE = 2 ** 40;

function isSwitch(p: FleetPortSpec): p is FleetSwitchSpec {
  return typeof p === 'object' && 'switch' in p;
}

function isEndpoint(p: FleetPortSpec): p is FleetEndpointSpec {
  return typeof p === 'object' && 'preset' in p;
}

/** Bus numbers the secondary side of a port takes ([secondary, subordinate]). */
export function fleetPortBuses(p: FleetPortSpec): number {
  if (!isSwitch(p)) return 1;
  // The port's secondary bus (the upstream port), the upstream port's (the downstream ports), and each downstream port's range.
  return 2 + p.ports.reduce((n, q) => n + fleetPortBuses(q), 0);
}

/** PCI functions (endpoint functions and ports) below a port, the port excluded. */
export function fleetPortFunctions(p: FleetPortSpec, info: (preset: string) => FleetPresetInfo | undefined): number {
  if (p === 'empty') return 0;
  if (isEndpoint(p)) return p.functions ?? info(p.preset)?.functionsPerDevice ?? 1;
  return 1 + p.ports.reduce((n, q) => n + 1 + fleetPortFunctions(q, info), 0);
}

/** A problem in a fleet description, at a path of the description (`[0, 'rootPorts', 3]`). */
export interface FleetProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Every structural problem of a topology: unknown presets, function counts, more than 32
 * downstream ports or 31 root ports, more than 256 bus numbers in a segment.
 */
export function fleetTopologyProblems(
  topology: FleetTopology,
  info: (preset: string) => FleetPresetInfo | undefined,
  known: readonly string[],
): FleetProblem[] {
  const out: FleetProblem[] = [];
  const port = (p: FleetPortSpec, path: (string | number)[]) => {
    if (p === 'empty') return;
    if (isSwitch(p)) {
      if (!(switchKinds as readonly string[]).includes(p.switch))
        out.push({ path: [...path, 'switch'], message: `unknown switch kind '${p.switch}' (kinds: ${switchKinds.join(', ')})` });
      if (p.ports.length === 0 || p.ports.length > SWITCH_PORTS)
        out.push({ path: [...path, 'ports'], message: `a switch has 1 to ${SWITCH_PORTS} downstream ports, not ${p.ports.length}` });
      p.ports.forEach((q, i) => port(q, [...path, 'ports', i]));
      return;
    }
    if (!info(p.preset)) {
      out.push({ path: [...path, 'preset'], message: `'${p.preset}' is not an endpoint preset (endpoint presets: ${known.join(', ')})` });
      return;
    }
    const f = p.functions;
    if (f !== undefined && (!Number.isInteger(f) || f < 1 || f > 8))
      out.push({ path: [...path, 'functions'], message: `a device has 1 to 8 functions, not ${f}` });
  };
  if (topology.length > MAX_SEGMENTS) out.push({ path: [], message: `at most ${MAX_SEGMENTS} host bridges` });
  topology.forEach((host, h) => {
    if (host.rootPorts.length > ROOT_PORTS_PER_HOST) {
      out.push({ path: [h, 'rootPorts'], message: `a host bridge has at most ${ROOT_PORTS_PER_HOST} root ports, not ${host.rootPorts.length}` });
    }
    host.rootPorts.forEach((p, i) => port(p, [h, 'rootPorts', i]));
    const buses = 1 + host.rootPorts.reduce((n, p) => n + fleetPortBuses(p), 0);
    if (buses > BUSES_PER_SEGMENT) {
      out.push({ path: [h, 'rootPorts'], message: `host bridge ${h} needs ${buses} bus numbers; a PCI segment has ${BUSES_PER_SEGMENT}` });
    }
  });
  return out;
}

/**
 * Counts → root-port subtrees: each preset's functions grouped into devices of its
 * functionsPerDevice, the devices into switches of its kind (up to 32 downstream ports), one
 * switch per root port; presets in the order given.
 * @throws {DriverModelError} EINVAL for an unknown preset or a count that is not a whole number ≥ 0.
 */
export function fleetRootPorts(
  counts: Readonly<Record<string, number>>,
  info: (preset: string) => FleetPresetInfo | undefined,
  known: readonly string[],
): FleetPortSpec[] {
  const rootPorts: FleetPortSpec[] = [];
  for (const [preset, count] of Object.entries(counts)) {
    const pi = info(preset);
    if (!pi) throw kerr('EINVAL', `'${preset}' is not an endpoint preset (endpoint presets: ${known.join(', ')})`);
    if (!Number.isInteger(count) || count < 0) throw kerr('EINVAL', `count of '${preset}' must be a whole number ≥ 0, not ${count}`);
    const devices: FleetEndpointSpec[] = [];
    for (let left = count; left > 0; left -= pi.functionsPerDevice) devices.push({ preset, functions: Math.min(left, pi.functionsPerDevice) });
    for (let i = 0; i < devices.length; i += SWITCH_PORTS) rootPorts.push({ switch: pi.switch, ports: devices.slice(i, i + SWITCH_PORTS) });
  }
  return rootPorts;
}

/**
 * Pack root-port subtrees into host bridges: a segment takes root ports while it has device
 * numbers and bus numbers left. `first` is what segment 0 has free (its legacy occupants).
 */
export function packRootPorts(rootPorts: readonly FleetPortSpec[], first: { readonly slots: number; readonly buses: number }): FleetTopology {
  const hosts: { rootPorts: FleetPortSpec[] }[] = [];
  let cur: { rootPorts: FleetPortSpec[] } | undefined;
  let slots = 0;
  let buses = 0;
  for (const p of rootPorts) {
    const need = fleetPortBuses(p);
    if (!cur || slots === 0 || need > buses) {
      cur = { rootPorts: [] };
      hosts.push(cur);
      const isFirst = hosts.length === 1;
      slots = isFirst ? first.slots : ROOT_PORTS_PER_HOST;
      buses = isFirst ? first.buses : BUSES_PER_SEGMENT - 1;
      if (slots === 0 || need > buses) {
        // Segment 0 has no room: it stays as it is and the fleet starts at segment 1.
        if (isFirst) {
          cur = { rootPorts: [] };
          hosts.push(cur);
          slots = ROOT_PORTS_PER_HOST;
          buses = BUSES_PER_SEGMENT - 1;
        }
        if (need > buses)
          throw kerr('ENOSPC', `a root port's hierarchy needs ${need} bus numbers; a PCI segment has ${BUSES_PER_SEGMENT - 1} below its root bus`);
      }
    }
    cur.rootPorts.push(p);
    slots--;
    buses -= need;
  }
  return hosts;
}

/** What placing a fleet built. */
export interface FleetPlacement {
  /** Endpoint functions placed. */
  readonly endpoints: number;
  /** Every PCI function placed: endpoints, root ports and switch ports. */
  readonly functions: number;
  /** Host bridges used, by domain. */
  readonly domains: readonly number[];
}

export interface FleetEnvironment {
  readonly pci: PciCore;
  readonly scheduler: IScheduler;
  /** A new function of an endpoint preset. */
  readonly createEndpoint: (preset: string) => PciFunctionHw;
  readonly info: (preset: string) => FleetPresetInfo | undefined;
}

/**
 * Build and wire a topology. Host bridge 0 is domain 0 (its root ports take the lowest free
 * device numbers from 1, after whatever firmware placed there); host bridge i > 0 is domain i.
 * @throws {DriverModelError} ENOSPC when domain 0 lacks device numbers for its root ports or
 *   the 32-bit windows do not fit below 4 GiB.
 */
export function placeFleet(env: FleetEnvironment, topology: FleetTopology): FleetPlacement {
  const count = { endpoints: 0, functions: 0 };
  const build = (p: FleetPortSpec, link: PciLink) => buildBelow(env, p, link, count);
  const domains: number[] = [];
  let mem32 = MEM32_BASE;
  topology.forEach((host, domain) => {
    const rootPorts: { slot: number; port: SimulatedPciBridge; node: SizingNode }[] = [];
    let slot = 1;
    for (const p of host.rootPorts) {
      while (slot < 32 && domain === 0 && env.pci.hardwareAt(0, slot << 3)) slot++;
      if (slot >= 32) throw kerr('ENOSPC', `no free device number on bus ${hex(domain, 4)}:00 for root port ${rootPorts.length + 1}`);
      const port = createLinkedRootPort(ROOT_PORT_IRQ_BASE + slot);
      rootPorts.push({ slot, port, node: bridgeNode(port, build(p, port.link)) });
      count.functions += 1;
      slot++;
    }
    // Firmware's 32-bit window for the segment: what its root ports' non-prefetchable windows
    // take, first fit, largest alignment first, as the kernel will place them. Segment 0 has its
    // window already (PCI_HOST_KERNEL_WINDOWS); the others are carved one after the other.
    const base = domain === 0 ? PCI_HOST_KERNEL_WINDOWS.mem[0] : mem32;
    const limit = domain === 0 ? PCI_HOST_KERNEL_WINDOWS.mem[1] : MEM32_LIMIT;
    const carve = new WindowAllocator(base, limit);
    let end = base - 1;
    const wins = rootPorts.map((r) => sizeBridge(r.node).mem).filter((w) => w.size > 0);
    for (const w of wins.sort((a, b) => b.align - a.align)) {
      const start = carve.alloc(w.size, w.align);
      if (start === undefined) throw kerr('ENOSPC', `the fleet's non-prefetchable windows do not fit below 4 GiB (segment ${hex(domain, 4)})`);
      end = Math.max(end, start + w.size - 1);
    }
    let link: PciLink;
    if (domain === 0) link = env.pci.hostBridges[0]!.link;
    else {
      const memEnd = Math.ceil((end + 1) / SZ_1M) * SZ_1M - 1;
      link = env.pci.addHostBridge(domain, {
        mem: [mem32, memEnd],
        mem64: [MEM64_SIZE * (domain + 1), MEM64_SIZE * (domain + 2) - 1],
      });
      mem32 = memEnd + 1;
    }
    for (const r of rootPorts) link.insert(r.slot << 3, r.port);
    domains.push(domain);
  });
  return { ...count, domains };
}

/** Wire what `p` describes to `link`; returns the sizing view of what was wired. */
function buildBelow(env: FleetEnvironment, p: FleetPortSpec, link: PciLink, count: { endpoints: number; functions: number }): SizingNode[] {
  if (p === 'empty') return [];
  if (isEndpoint(p)) {
    const n = p.functions ?? env.info(p.preset)?.functionsPerDevice ?? 1;
    const nodes: SizingNode[] = [];
    for (let fn = 0; fn < n; fn++) {
      const hw = env.createEndpoint(p.preset);
      if (fn === 0 && n > 1) markMultiFunction(hw);
      link.insert(fn, hw);
      nodes.push(hwSizingNode(hw));
    }
    count.endpoints += n;
    count.functions += n;
    return nodes;
  }
  const usp = createSwitchUpstreamPort(p.switch);
  link.insert(0, usp);
  count.functions += 1;
  const dsps = p.ports.map((q, i) => {
    const dsp = createSwitchDownstreamPort(p.switch);
    usp.link.insert(i << 3, dsp);
    count.functions += 1;
    return bridgeNode(dsp, buildBelow(env, q, dsp.link, count));
  });
  return [bridgeNode(usp, dsps)];
}

/** A root port with `p` below it, for a root bus at device `slot` (the `cxl-switch` preset). */
export function buildRootPort(env: FleetEnvironment, p: FleetPortSpec, slot: number): SimulatedPciBridge {
  const port = createLinkedRootPort(ROOT_PORT_IRQ_BASE + slot);
  buildBelow(env, p, port.link, { endpoints: 0, functions: 0 });
  return port;
}

/** Function 0 of a device with further functions says so (PCI_HEADER_TYPE bit 7). */
function markMultiFunction(hw: PciFunctionHw): void {
  if (!(hw instanceof SimulatedPciFunction)) throw kerr('EINVAL', 'a multi-function device needs a simulated function');
  hw.config.set(pciRegs.HEADER_TYPE, 1, hw.config.get(pciRegs.HEADER_TYPE, 1) | pciHeaderType.MULTI_FUNCTION);
  hw.config.seal();
}

function hwResources(hw: PciFunctionHw): { size: number; flags: number }[] {
  return hw.bars.flatMap((b) =>
    b && b.kind === 'mem'
      ? [{ size: b.size, flags: ioresource.MEM | (b.prefetchable ? ioresource.PREFETCH : 0) | (b.is64 ? ioresource.MEM_64 : 0) }]
      : [],
  );
}

/** The sizing view of a function before the kernel sees it: its declared BARs (SR-IOV BARs are 64-bit prefetchable in every preset, so they never count towards a 32-bit window). */
function hwSizingNode(hw: PciFunctionHw): SizingNode {
  return { resources: hwResources(hw) };
}

function bridgeNode(hw: PciFunctionHw, below: SizingNode[]): SizingNode {
  return { resources: hwResources(hw), below, pref64: pciLinkOf(hw) !== undefined };
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
