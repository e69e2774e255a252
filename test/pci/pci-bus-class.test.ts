/**
 * Issue #9 absence "pci_bus class devices" (probe.c pcibus_class, pci_alloc_child_bus,
 * pci_remove_bus; pci-sysfs.c pcibus_attrs; reference §4.8).
 */
import { describe, expect, it } from 'vitest';
import { bootMachine, errnoOf, eventsSince } from '../support/pci-machine.js';

describe('pci_bus class devices', () => {
  it('should add the root bus before anything on it and each child bus right after its bridge', () => {
    const m = bootMachine();
    const adds = eventsSince(m, 0, ['pci', 'pci_bus']).filter((e) => e.startsWith('add'));
    expect(adds.slice(0, 4)).toEqual([
      'add /devices/pci0000:00/pci_bus/0000:00',
      'add /devices/pci0000:00/0000:00:01.0',
      'add /devices/pci0000:00/0000:00:01.0/pci_bus/0000:0d',
      'add /devices/pci0000:00/0000:00:01.0/0000:0d:00.0',
    ]);
    const ev = m.uevent.log.find((e) => e.devpath === '/devices/pci0000:00/0000:00:01.0/pci_bus/0000:0d')!;
    expect(ev.env.map(([k]) => k)).toEqual(['ACTION', 'DEVPATH', 'SUBSYSTEM', 'SEQNUM']);
  });

  it('should show /sys/class/pci_bus with rescan, cpuaffinity, cpulistaffinity, device and power/', () => {
    const m = bootMachine();
    const root = m.processes.root;
    expect(root.readdir('/sys/class/pci_bus')).toEqual(['0000:00', '0000:0d']);
    const dir = '/sys/class/pci_bus/0000:0d';
    expect(root.readdir(dir)).toEqual(['cpuaffinity', 'cpulistaffinity', 'device', 'power', 'rescan', 'subsystem', 'uevent']);
    expect(root.readlink('/sys/class/pci_bus/0000:0d')).toBe('../../devices/pci0000:00/0000:00:01.0/pci_bus/0000:0d');
    expect(root.readlink(`${dir}/device`)).toBe('../../../0000:00:01.0');
    expect(root.readFile(`${dir}/cpuaffinity`)).toBe('3\n');
    expect(root.readFile(`${dir}/cpulistaffinity`)).toBe('0-1\n');
    expect(root.readFile(`${dir}/power/control`)).toBe('auto\n');
    expect(root.readFile(`${dir}/uevent`)).toBe('');
    expect(errnoOf(() => root.writeFile(`${dir}/rescan`, 'maybe'))).toBe('EINVAL');
    expect(root.writeFile(`${dir}/rescan`, '1')).toBe(1);
  });

  it('should remove a bus after its functions and before its bridge (pci_remove_bus)', () => {
    const m = bootMachine();
    const since = m.uevent.seqnum;
    m.processes.root.writeFile('/sys/bus/pci/devices/0000:00:01.0/remove', '1');
    expect(eventsSince(m, since, ['pci', 'pci_bus']).filter((e) => e.startsWith('remove'))).toEqual([
      'remove /devices/pci0000:00/0000:00:01.0/0000:0d:00.0',
      'remove /devices/pci0000:00/0000:00:01.0/pci_bus/0000:0d',
      'remove /devices/pci0000:00/0000:00:01.0',
    ]);
    expect(m.processes.root.readdir('/sys/class/pci_bus')).toEqual(['0000:00']);
  });
});

describe('/sys/bus/pci/slots (pci_slot_init)', () => {
  it('should exist and be empty while no slot was created', () => {
    const m = bootMachine();
    expect(m.processes.root.readdir('/sys/bus/pci/slots')).toEqual([]);
  });
});
