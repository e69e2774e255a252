import { describe, expect, it } from 'vitest';
import { IPciCore, type PciCore } from '../../src/pci/index.js';
import { type Machine, createMachine } from '../../src/machine/index.js';
import { CXL, CXL_PATH, NIC, bootMachine, errnoOf, eventsSince } from '../support/pci-machine.js';

const pciOf = (m: Machine) => m.get<PciCore>(IPciCore);
const layout = (m: Machine) => pciOf(m).devices.map((d) => d.devpath.replace('/devices/pci0000:00/', ''));

describe('preset placement (DESIGN.md §4)', () => {
  it.each([
    [
      'both presets at their fixed addresses',
      ['cxl-type3', 'mlx5-nic'],
      ['0000:00:01.0', `0000:00:01.0/${CXL}`, '0000:00:02.0', `0000:00:02.0/${NIC}`],
    ],
    [
      'order of the list does not move them',
      ['mlx5-nic', 'cxl-type3'],
      ['0000:00:01.0', `0000:00:01.0/${CXL}`, '0000:00:02.0', `0000:00:02.0/${NIC}`],
    ],
    [
      'a second cxl-type3 beside both presets',
      ['cxl-type3', 'mlx5-nic', 'cxl-type3'],
      ['0000:00:01.0', `0000:00:01.0/${CXL}`, '0000:00:02.0', `0000:00:02.0/${NIC}`, '0000:00:03.0', '0000:00:03.0/0000:0e:00.0'],
    ],
    [
      'a second cxl-type3 alone: lowest free device number',
      ['cxl-type3', 'cxl-type3'],
      ['0000:00:01.0', `0000:00:01.0/${CXL}`, '0000:00:02.0', '0000:00:02.0/0000:0e:00.0'],
    ],
    [
      'a second mlx5-nic alone: next bus after 03',
      ['mlx5-nic', 'mlx5-nic'],
      ['0000:00:01.0', '0000:00:01.0/0000:04:00.0', '0000:00:02.0', `0000:00:02.0/${NIC}`],
    ],
  ])('%s', (_what, presets, expected) => {
    expect(layout(bootMachine({ presets }))).toEqual(expected);
  });

  it('should place a hot-plugged preset at once after boot, and attach it', () => {
    const m = bootMachine({ presets: ['cxl-type3', 'mlx5-nic'], modules: ['cxl_pci'] });
    const before = m.uevent.seqnum;
    m.hotplug('cxl-type3');
    expect(eventsSince(m, before, ['pci'])).toEqual([
      'add /devices/pci0000:00/0000:00:03.0',
      'add /devices/pci0000:00/0000:00:03.0/0000:0e:00.0',
      // pci_bus_add_devices: the bus's own functions first (the root port binds pcieport), then below.
      'bind /devices/pci0000:00/0000:00:03.0 DRIVER=pcieport',
      'bind /devices/pci0000:00/0000:00:03.0/0000:0e:00.0 DRIVER=cxl_pci',
    ]);
  });

  it('should hot-plug the first instance at its fixed address', () => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    m.hotplug('mlx5-nic');
    expect(pciOf(m).findDevice(NIC)).toBeDefined();
  });

  it('should put a preset back into its empty fixed slot after an unplug', () => {
    const m = bootMachine({ presets: ['cxl-type3', 'mlx5-nic'] });
    m.unplug(CXL);
    expect(pciOf(m).findDevice(CXL)).toBeUndefined();
    expect(pciOf(m).findDevice('0000:00:01.0')).toBeDefined();
    m.hotplug('cxl-type3');
    expect(pciOf(m).findDevice(CXL)!.devpath).toBe(CXL_PATH);
  });

  it('should find boot presets with one scan once the machine settles', () => {
    const m = createMachine({ presets: ['cxl-type3', 'mlx5-nic'], autoload: false });
    m.boot();
    expect(eventsSince(m, 0, ['pci'])).toEqual([
      'add /devices/pci0000:00/0000:00:01.0',
      'add /devices/pci0000:00/0000:00:02.0',
      `add ${CXL_PATH}`,
      'add /devices/pci0000:00/0000:00:02.0/0000:03:00.0',
      'bind /devices/pci0000:00/0000:00:01.0 DRIVER=pcieport',
      'bind /devices/pci0000:00/0000:00:02.0 DRIVER=pcieport',
    ]);
  });
});

describe('unplug', () => {
  it.each([
    ['not an address', 'zz', 'EINVAL'],
    ['empty slot', '0000:07:00.0', 'ENODEV'],
    ['another domain', '0001:0d:00.0', 'ENODEV'],
    ['the function', CXL, 'ok'],
    ['the root port with its subtree', '0000:00:01.0', 'ok'],
  ])('%s: %s → %s', (_what, bdf, expected) => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    expect(errnoOf(() => m.unplug(bdf))).toBe(expected);
  });

  it('should remove like `echo 1 > remove`, and a rescan does not find it again', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'] });
    const before = m.uevent.seqnum;
    m.unplug(CXL);
    expect(eventsSince(m, before, ['pci'])).toEqual([`unbind ${CXL_PATH}`, `remove ${CXL_PATH}`]);
    m.processes.root.writeFile('/sys/bus/pci/rescan', '1');
    expect(pciOf(m).findDevice(CXL)).toBeUndefined();
  });

  it('should empty every slot below an unplugged root port, so the preset can come back to it', () => {
    const m = bootMachine({ presets: ['cxl-type3', 'mlx5-nic'] });
    const pci = pciOf(m);
    const before = m.uevent.seqnum;
    m.unplug('0000:00:01.0');
    expect(eventsSince(m, before, ['pci'])).toEqual([
      'unbind /devices/pci0000:00/0000:00:01.0',
      `remove ${CXL_PATH}`,
      'remove /devices/pci0000:00/0000:00:01.0',
    ]);
    expect([pci.hardwareAt(0, 1 << 3), pci.hardwareAt(0x0d, 0)]).toEqual([undefined, undefined]);
    m.processes.root.writeFile('/sys/bus/pci/rescan', '1');
    expect(pci.findDevice(CXL)).toBeUndefined();
    m.hotplug('cxl-type3');
    expect(pci.findDevice(CXL)!.devpath).toBe(CXL_PATH);
  });

  it('should refuse an unknown preset with EINVAL', () => {
    const m = bootMachine({ presets: [] });
    expect(errnoOf(() => m.hotplug('nvme'))).toBe('EINVAL');
  });
});
