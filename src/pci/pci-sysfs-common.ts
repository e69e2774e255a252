/**
 * More PCI function attributes (drivers/pci/pci-sysfs.c; reference §4.8, §4.9): `numa_node`,
 * `local_cpus`/`local_cpulist`, `power_state`, `d3cold_allowed`, the PCIe link files
 * (pcie_dev_attr_group: `current_link_speed`, `current_link_width`, `max_link_speed`,
 * `max_link_width`) and the bridge bus numbers (pci_bridge_attr_group:
 * `secondary_bus_number`, `subordinate_bus_number`). Link and bus-number files read config
 * space live. The machine has two online CPUs in NUMA node 0 (CONFIG_NUMA, MAX_NUMNODES 1024).
 */
import { kerr } from '../base/index.js';
import { type AnyAttribute, type AttributeAccessor, type AttributeGroup, type Device, attrRO, devicePm } from '../bus/index.js';
import { PciDevice, pciFindCapability } from './device.js';
import { pciCapIds, pciExpRegs, pciRegs } from './regs.js';

/** What the writable files call into. */
export interface PciCommonSysfsHost {
  /** numa_node_store's side effects: TAINT_FIRMWARE_WORKAROUND and the pci_alert line. */
  firmwareWorkaround(pdev: PciDevice, message: string): void;
}

/** Online CPUs of the model (cpu_online_mask), all in node 0. */
export const ONLINE_CPUS = 2;
/** MAX_NUMNODES with Debian's CONFIG_NODES_SHIFT=10. */
const MAX_NUMNODES = 1024;

/** cpumap_print_to_pagebuf(false, …): 32-bit hex groups, comma separated, most significant first. */
export function cpumaskHex(cpus: number): string {
  const groups: string[] = [];
  for (let base = 0; base < cpus; base += 32) {
    const n = Math.min(32, cpus - base);
    groups.unshift((n === 32 ? 0xffffffff : ((1 << n) - 1) >>> 0).toString(16));
  }
  // The first group is printed without padding, the others as 8 digits.
  return groups.map((g, i) => (i === 0 ? g : g.padStart(8, '0'))).join(',');
}

/** cpumap_print_to_pagebuf(true, …): ranges. */
export function cpumaskList(cpus: number): string {
  return cpus === 1 ? '0' : `0-${cpus - 1}`;
}

/** pci_speed_string over the PCIe link speed field (pcie_link_speed[]). */
const linkSpeeds: Readonly<Record<number, string>> = {
  1: '2.5 GT/s PCIe',
  2: '5.0 GT/s PCIe',
  3: '8.0 GT/s PCIe',
  4: '16.0 GT/s PCIe',
  5: '32.0 GT/s PCIe',
  6: '64.0 GT/s PCIe',
};

function speedString(code: number): string {
  return linkSpeeds[code] ?? 'Unknown';
}

function pdevOf(dev: Device): PciDevice {
  if (!(dev instanceof PciDevice)) throw kerr('ENODEV', `${dev.name}: not a PCI function`);
  return dev;
}

/** kstrtobool (the d3cold_allowed store). */
function kstrtobool(buf: string): boolean {
  const c = buf[0];
  if (c === 'y' || c === 'Y' || c === '1') return true;
  if (c === 'n' || c === 'N' || c === '0') return false;
  if ((c === 'o' || c === 'O') && (buf[1] === 'n' || buf[1] === 'N')) return true;
  if ((c === 'o' || c === 'O') && (buf[1] === 'f' || buf[1] === 'F')) return false;
  throw kerr('EINVAL', `invalid boolean '${buf}'`);
}

/** kstrtoint(buf, 0): sign, then 0x hex, 0 octal or decimal, one trailing newline; EINVAL otherwise. */
function kstrtoint(buf: string): number {
  const t = buf.endsWith('\n') ? buf.slice(0, -1) : buf;
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(t);
  if (!m) throw kerr('EINVAL', `invalid number '${buf}'`);
  const digits = m[2]!;
  const magnitude = /^0[xX]/.test(digits)
    ? parseInt(digits.slice(2), 16)
    : digits.length > 1 && digits.startsWith('0')
      ? parseInt(digits.slice(1), 8)
      : parseInt(digits, 10);
  const v = m[1] === '-' ? -magnitude : magnitude;
  if (v > 2 ** 31 - 1 || v < -(2 ** 31)) throw kerr('EINVAL', `number out of range '${buf}'`);
  return v;
}

/** pcie_get_speed_cap: the Link Capabilities 2 vector's highest speed, else Link Capabilities. */
function maxSpeedCode(pdev: PciDevice, exp: number): number {
  const vector = (pdev.configRead(exp + pciExpRegs.LNKCAP2, 4) >>> 1) & 0x7f;
  if (vector) return 32 - Math.clz32(vector);
  return pdev.configRead(exp + pciExpRegs.LNKCAP, 4) & 0xf;
}

/** The groups every PCI function gets besides pci-sysfs.ts's; members hide per function. */
export function pciCommonGroups(host: PciCommonSysfsHost): AttributeGroup<Device>[] {
  const ro = (name: string, show: (p: PciDevice) => string): AnyAttribute<Device> => attrRO(name, (d: Device) => show(pdevOf(d)));
  const exp = (p: PciDevice): number => pciFindCapability(p, pciCapIds.EXP);

  const numaNode: AnyAttribute<Device> = {
    name: 'numa_node',
    mode: 0o644,
    show: (d) => `${pdevOf(d).numaNode}\n`,
    // numa_node_store: CAP_SYS_ADMIN first, then kstrtoint, range, online node.
    store: (d, buf, writer?: AttributeAccessor) => {
      const pdev = pdevOf(d);
      if (writer && !writer.hasCapability('CAP_SYS_ADMIN')) throw kerr('EPERM', `${d.name}: numa_node needs CAP_SYS_ADMIN`);
      const node = kstrtoint(buf);
      if ((node < 0 && node !== -1) || node >= MAX_NUMNODES) throw kerr('EINVAL', `numa_node: ${node} out of range`);
      if (node !== -1 && node !== 0) throw kerr('EINVAL', `numa_node: node ${node} is not online`);
      host.firmwareWorkaround(pdev, `[Firmware Bug]: Overriding NUMA node to ${node}.  Contact your vendor for updates.`);
      pdev.numaNode = node;
      return buf.length;
    },
  };

  const d3coldAllowed: AnyAttribute<Device> = {
    name: 'd3cold_allowed',
    mode: 0o644,
    show: (d) => `${pdevOf(d).d3coldAllowed ? 1 : 0}\n`,
    store: (d, buf) => {
      pdevOf(d).d3coldAllowed = kstrtobool(buf);
      return buf.length;
    },
  };

  const common: AnyAttribute<Device>[] = [
    numaNode,
    // local_cpus_show: the node's CPUs, or every online CPU for NUMA_NO_NODE (one node here).
    ro('local_cpus', () => `${cpumaskHex(ONLINE_CPUS)}\n`),
    ro('local_cpulist', () => `${cpumaskList(ONLINE_CPUS)}\n`),
    // power_state_show: pci_power_name(current_state); a runtime-suspended function is in D3hot.
    ro('power_state', (p) => (devicePm(p).disableDepth === 0 && devicePm(p).runtimeStatus === 'suspended' ? 'D3hot\n' : 'D0\n')),
    d3coldAllowed,
  ];

  const link: AnyAttribute<Device>[] = [
    ro('current_link_speed', (p) => `${speedString(p.configRead(exp(p) + pciExpRegs.LNKSTA, 2) & 0xf)}\n`),
    ro('current_link_width', (p) => `${(p.configRead(exp(p) + pciExpRegs.LNKSTA, 2) >> 4) & 0x3f}\n`),
    ro('max_link_speed', (p) => `${speedString(maxSpeedCode(p, exp(p)))}\n`),
    ro('max_link_width', (p) => `${(p.configRead(exp(p) + pciExpRegs.LNKCAP, 4) >> 4) & 0x3f}\n`),
  ];

  const bridge: AnyAttribute<Device>[] = [
    ro('secondary_bus_number', (p) => `${p.configRead(pciRegs.SECONDARY_BUS, 1)}\n`),
    ro('subordinate_bus_number', (p) => `${p.configRead(pciRegs.SUBORDINATE_BUS, 1)}\n`),
  ];

  return [
    { attrs: common },
    // pcie_dev_attrs_are_visible: PCIe functions only.
    { attrs: link, isVisible: (d, a) => (d instanceof PciDevice && exp(d) ? a.mode : 0) },
    // pci_bridge_attrs_are_visible: pci_is_bridge.
    { attrs: bridge, isVisible: (d, a) => (d instanceof PciDevice && d.isBridge ? a.mode : 0) },
  ];
}
