/**
 * Issue #9 absences "Common PCI attributes" and bridge attributes (pci-sysfs.c; reference §4.8,
 * §4.9): numa_node, local_cpus/local_cpulist, power_state, d3cold_allowed, the PCIe link files
 * and the bridge bus numbers.
 */
import { describe, expect, it } from 'vitest';
import { cpumaskHex, cpumaskList } from '../../src/pci/pci-sysfs-common.js';
import { bootMachine, errnoOf, storeAs, unprivileged } from '../support/pci-machine.js';

const EP = '/sys/bus/pci/devices/0000:0d:00.0';
const RP = '/sys/bus/pci/devices/0000:00:01.0';

describe('common PCI function attributes', () => {
  it('should show the NUMA, CPU, power and link files with the kernel texts', () => {
    const m = bootMachine();
    const read = (p: string) => m.processes.root.readFile(p);
    expect(read(`${EP}/numa_node`)).toBe('-1\n');
    expect(read(`${EP}/local_cpus`)).toBe('3\n');
    expect(read(`${EP}/local_cpulist`)).toBe('0-1\n');
    expect(read(`${EP}/power_state`)).toBe('D0\n');
    expect(read(`${EP}/d3cold_allowed`)).toBe('1\n');
    expect(read(`${EP}/current_link_speed`)).toBe('16.0 GT/s PCIe\n');
    expect(read(`${EP}/current_link_width`)).toBe('16\n');
    expect(read(`${EP}/max_link_speed`)).toBe('16.0 GT/s PCIe\n');
    expect(read(`${EP}/max_link_width`)).toBe('16\n');
    expect(m.processes.root.readdir(EP)).not.toContain('secondary_bus_number');
  });

  it("should show a bridge's secondary and subordinate bus numbers from config space", () => {
    const m = bootMachine();
    expect(m.processes.root.readFile(`${RP}/secondary_bus_number`)).toBe('13\n');
    expect(m.processes.root.readFile(`${RP}/subordinate_bus_number`)).toBe('13\n');
  });

  it.each([
    ['0', 'ok'],
    ['-1\n', 'ok'],
    ['-2', 'EINVAL'],
    ['1', 'EINVAL'], // node 1 is not online
    ['1024', 'EINVAL'],
    ['zero', 'EINVAL'],
  ])('should answer numa_node = %j with %s (numa_node_store)', (value, expected) => {
    const m = bootMachine();
    expect(errnoOf(() => m.processes.root.writeFile(`${EP}/numa_node`, value))).toBe(expected);
    expect(m.taint.letters).toBe(expected === 'ok' ? 'I' : '');
  });

  it('should check CAP_SYS_ADMIN before parsing numa_node, and log the override as an alert', () => {
    const m = bootMachine();
    expect(errnoOf(() => storeAs(m, `${EP}/numa_node`, 'zero', unprivileged))).toBe('EPERM');
    m.processes.root.writeFile(`${EP}/numa_node`, '0');
    expect(m.processes.root.readFile(`${EP}/numa_node`)).toBe('0\n');
    const rec = m.log.records.find((r) => r.message.includes('Overriding NUMA node'));
    expect(rec).toMatchObject({
      level: 'alert',
      message: 'pci 0000:0d:00.0: [Firmware Bug]: Overriding NUMA node to 0.  Contact your vendor for updates.',
    });
  });

  it('should report D3hot in power_state once runtime PM suspended the function, and parse d3cold_allowed as kstrtobool', () => {
    const m = bootMachine();
    m.processes.root.writeFile(`${EP}/power/control`, 'auto');
    m.settle();
    expect(m.processes.root.readFile(`${EP}/power_state`)).toBe('D3hot\n');
    m.processes.root.writeFile(`${EP}/d3cold_allowed`, 'off');
    expect(m.processes.root.readFile(`${EP}/d3cold_allowed`)).toBe('0\n');
    expect(errnoOf(() => m.processes.root.writeFile(`${EP}/d3cold_allowed`, 'maybe'))).toBe('EINVAL');
  });

  it.each([
    [1, '1', '0'],
    [2, '3', '0-1'],
    [32, 'ffffffff', '0-31'],
    [36, 'f,ffffffff', '0-35'],
  ])('should print %i CPUs as %s / %s (cpumap_print_to_pagebuf)', (n, hex, list) => {
    expect(cpumaskHex(n)).toBe(hex);
    expect(cpumaskList(n)).toBe(list);
  });
});

describe('msi_irqs/ (pci_alloc_irq_vectors, msi_sysfs_populate_desc)', () => {
  it('should show one msix file per vector cxl_pci allocated, and drop them when it unbinds', () => {
    const m = bootMachine({ modules: ['cxl_pci'] });
    const root = m.processes.root;
    // Four MSI-X table entries; IRQ 25 is the root port's INTx, so it is skipped.
    expect(root.readdir(`${EP}/msi_irqs`)).toEqual(['24', '26', '27', '28']);
    expect(root.readFile(`${EP}/msi_irqs/26`)).toBe('msix\n');
    root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', '0000:0d:00.0');
    expect(m.vfs.exists(`${EP}/msi_irqs`)).toBe(false);
    root.writeFile('/sys/bus/pci/drivers/cxl_pci/bind', '0000:0d:00.0');
    expect(root.readdir(`${EP}/msi_irqs`)).toEqual(['24', '26', '27', '28']);
  });

  it('should have no msi_irqs/ on a function whose driver set up no vectors', () => {
    const m = bootMachine();
    expect(m.vfs.exists(`${EP}/msi_irqs`)).toBe(false);
  });
});
