/**
 * Issue #9 absence "pcieport" (drivers/pci/pcie/portdrv.c; reference §4.7): the built-in
 * `pcieport` binds the root ports and creates PME and AER service devices on `pci_express`.
 */
import { describe, expect, it } from 'vitest';
import { bootMachine, eventsSince } from '../support/pci-machine.js';

const RP = '/devices/pci0000:00/0000:00:01.0';

describe('pcieport and the pci_express port services', () => {
  it('should bind each root port, its service devices (children first) before the port itself', () => {
    const m = bootMachine();
    const seen = eventsSince(m, 0, ['pci', 'pci_express']).filter((e) => !e.includes('0000:0d:00.0'));
    expect(seen).toEqual([
      `add ${RP}`,
      `add ${RP}/0000:00:01.0:pcie001`,
      `bind ${RP}/0000:00:01.0:pcie001 DRIVER=pcie_pme`,
      `add ${RP}/0000:00:01.0:pcie002`,
      `bind ${RP}/0000:00:01.0:pcie002 DRIVER=aer`,
      `bind ${RP} DRIVER=pcieport`,
    ]);
    const add = m.uevent.log.find((e) => e.devpath === `${RP}/0000:00:01.0:pcie002` && e.action === 'add')!;
    expect(add.env.map(([k]) => k)).toEqual(['ACTION', 'DEVPATH', 'SUBSYSTEM', 'SEQNUM']);
  });

  it('should show the bus, the drivers and the service devices in sysfs', () => {
    const m = bootMachine();
    const root = m.processes.root;
    expect(root.readdir('/sys/bus/pci_express/drivers')).toEqual(['aer', 'pcie_pme']);
    expect(root.readdir('/sys/bus/pci_express/devices')).toEqual(['0000:00:01.0:pcie001', '0000:00:01.0:pcie002']);
    expect(root.readlink('/sys/bus/pci/devices/0000:00:01.0/driver')).toBe('../../../bus/pci/drivers/pcieport');
    expect(root.readdir('/sys/bus/pci/drivers/pcieport')).toEqual(['0000:00:01.0', 'bind', 'new_id', 'remove_id', 'uevent', 'unbind']);
    // A service device has runtime PM "no callbacks": power/ without control or the times.
    expect(root.readdir(`/sys${RP}/0000:00:01.0:pcie001`)).toEqual(['driver', 'power', 'subsystem', 'uevent']);
    expect(root.readdir(`/sys${RP}/0000:00:01.0:pcie001/power`)).toEqual([
      'async',
      'runtime_active_kids',
      'runtime_enabled',
      'runtime_status',
      'runtime_usage',
    ]);
    // The port: runtime PM allowed with a 100 ms autosuspend delay.
    expect(root.readFile(`/sys${RP}/power/control`)).toBe('auto\n');
    expect(root.readFile(`/sys${RP}/power/autosuspend_delay_ms`)).toBe('100\n');
    expect(root.readFile(`/sys${RP}/enable`)).toBe('1\n');
  });

  it("should unregister the service devices in order on unbind, then send the port's own unbind", () => {
    const m = bootMachine();
    const since = m.uevent.seqnum;
    m.processes.root.writeFile('/sys/bus/pci/drivers/pcieport/unbind', '0000:00:01.0');
    expect(eventsSince(m, since)).toEqual([
      `unbind ${RP}/0000:00:01.0:pcie001`,
      `remove ${RP}/0000:00:01.0:pcie001`,
      `unbind ${RP}/0000:00:01.0:pcie002`,
      `remove ${RP}/0000:00:01.0:pcie002`,
      `unbind ${RP}`,
    ]);
    expect(m.processes.root.readFile(`/sys${RP}/power/control`)).toBe('on\n');
    expect(m.processes.root.readFile(`/sys${RP}/power/runtime_usage`)).toBe('1\n');
  });

  it('should leave an endpoint to its own driver (pcieport matches bridge classes only)', () => {
    const m = bootMachine();
    expect(m.findDevice('0000:0d:00.0').driver).toBeUndefined();
  });
});
