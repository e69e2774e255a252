import { describe, expect, it } from 'vitest';
import {
  IPciCore,
  type PciCore,
  PciDriver,
  pciCapIds,
  pciDevice,
  pciDoeCapabilityOffsets,
  pciExtCapIds,
  pciFindCapability,
  pciFindExtCapability,
} from '../../src/pci/index.js';
import { CXL, CXL_PATH, NIC, NIC_PATH, bootMachine, errnoOf, eventsSince, lastEventEnv } from '../support/pci-machine.js';

const pciOf = (m: ReturnType<typeof bootMachine>) => m.get<PciCore>(IPciCore);

describe('PCI enumeration at boot', () => {
  it('should add every function of the scan before attaching any, bus 0 first', () => {
    const m = bootMachine({ presets: ['cxl-type3', 'mlx5-nic'], modules: ['cxl_pci'] });
    const log = eventsSince(m, 0, ['pci', 'auxiliary']);
    expect(log.slice(0, 4)).toEqual([
      'add /devices/pci0000:00/0000:00:01.0',
      'add /devices/pci0000:00/0000:00:02.0',
      `add ${CXL_PATH}`,
      `add ${NIC_PATH}`,
    ]);
    expect(log.indexOf(`bind ${CXL_PATH} DRIVER=cxl_pci`)).toBeGreaterThan(3);
  });

  it('should register the host bridge pci0000:00 without a uevent, bus or class', () => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    const pci = pciOf(m);
    expect(pci.hostBridge.devpath).toBe('/devices/pci0000:00');
    expect(m.uevent.log.some((e) => e.devpath === '/devices/pci0000:00')).toBe(false);
    expect(m.sysfs.lookup('/sys/devices/pci0000:00').kind).toBe('dir');
    expect(m.sysfs.tryLookup('/sys/devices/pci0000:00/subsystem', true)).toBeUndefined();
    expect(m.sysfs.readlink(`/sys/bus/pci/devices/${CXL}`)).toBe(`../../../devices/pci0000:00/0000:00:01.0/${CXL}`);
  });

  it('should make root ports PCI bridges on bus 0 with nothing at 00:00.0', () => {
    const m = bootMachine({ presets: ['cxl-type3', 'mlx5-nic'] });
    const root = m.processes.root;
    expect(root.readFile('/sys/bus/pci/devices/0000:00:01.0/class')).toBe('0x060400\n');
    expect(m.sysfs.tryLookup('/sys/bus/pci/devices/0000:00:00.0')).toBeUndefined();
    expect(pciOf(m).devices.map((d) => d.name)).toEqual(['0000:00:01.0', CXL, '0000:00:02.0', NIC]);
  });

  it('should send exactly the PCI uevent variables, DRIVER only while bound', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'] });
    const common: [string, string][] = [
      ['PCI_CLASS', '50210'],
      ['PCI_ID', '8086:0D93'],
      ['PCI_SUBSYS_ID', '1AF4:1100'],
      ['PCI_SLOT_NAME', CXL],
      ['MODALIAS', 'pci:v00008086d00000D93sv00001AF4sd00001100bc05sc02i10'],
    ];
    const add = lastEventEnv(m, 'add', CXL_PATH);
    expect(add.slice(0, -1)).toEqual([['ACTION', 'add'], ['DEVPATH', CXL_PATH], ['SUBSYSTEM', 'pci'], ...common]);
    expect(add.at(-1)![0]).toBe('SEQNUM');
    const bind = lastEventEnv(m, 'bind', CXL_PATH);
    expect(bind.slice(0, -1)).toEqual([['ACTION', 'bind'], ['DEVPATH', CXL_PATH], ['SUBSYSTEM', 'pci'], ['DRIVER', 'cxl_pci'], ...common]);
    const port = lastEventEnv(m, 'add', '/devices/pci0000:00/0000:00:01.0');
    expect(port).toContainEqual(['PCI_CLASS', '60400']);
    expect(port).toContainEqual(['PCI_SUBSYS_ID', '0000:0000']);
  });

  it('should read the MLX5 function identity and modalias', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const root = m.processes.root;
    const dir = `/sys/bus/pci/devices/${NIC}`;
    expect(['vendor', 'device', 'subsystem_vendor', 'subsystem_device', 'revision', 'class'].map((a) => root.readFile(`${dir}/${a}`))).toEqual([
      '0x15b3\n',
      '0x101d\n',
      '0x15b3\n',
      '0x0016\n',
      '0x00\n',
      '0x020000\n',
    ]);
    expect(root.readFile(`${dir}/modalias`)).toBe('pci:v000015B3d0000101Dsv000015B3sd00000016bc02sc00i00\n');
    expect(root.readFile(`${dir}/irq`)).toBe('17\n');
  });
});

describe('capabilities and DOE', () => {
  it('should walk the standard and extended lists of cxl-type3', () => {
    const m = bootMachine({ presets: ['cxl-type3', 'mlx5-nic'] });
    const cxl = pciOf(m).findDevice(CXL)!;
    expect(pciFindCapability(cxl, pciCapIds.PM)).toBe(0x40);
    expect(pciFindCapability(cxl, pciCapIds.MSIX)).toBe(0x50);
    expect(pciFindCapability(cxl, pciCapIds.EXP)).toBe(0x70);
    expect(pciFindExtCapability(cxl, pciExtCapIds.ERR)).toBe(0x100);
    expect(pciFindExtCapability(cxl, pciExtCapIds.DVSEC)).toBe(0x150);
    expect(pciDoeCapabilityOffsets(cxl)).toEqual([0x190, 0x1a8, 0x1c0]);
    expect(cxl.cfgSize).toBe(4096);
    expect(cxl.doeMailboxes).toEqual([{ offset: 0x190 }, { offset: 0x1a8 }, { offset: 0x1c0 }]);
    expect(pciDoeCapabilityOffsets(pciOf(m).findDevice(NIC)!)).toEqual([]);
  });

  it('should list doe_features only on functions with mailboxes, once the kernel discovered them', () => {
    const m = bootMachine({ presets: ['cxl-type3', 'mlx5-nic'], modules: ['cxl_pci', 'pci_doe'] });
    const root = m.processes.root;
    const dir = `/sys/bus/pci/devices/${CXL}/doe_features`;
    m.advance(100);
    expect(root.readdir(dir)).toEqual(['0001:01', '0001:02', '1e98:00', '1e98:02', 'doe_discovery']);
    expect(root.readFile(`${dir}/doe_discovery`)).toBe('0001:00\n');
    expect(root.readFile(`${dir}/1e98:02`)).toBe('1e98:02\n');
    expect(m.sysfs.tryLookup(`/sys/bus/pci/devices/${NIC}/doe_features`)).toBeUndefined();
  });
});

describe('BARs and resources', () => {
  it('should print 13 resource lines for endpoints and 17 for bridges, with kernel flags', () => {
    const m = bootMachine({ presets: ['cxl-type3', 'mlx5-nic'] });
    const root = m.processes.root;
    const cxlLines = root.readFile(`/sys/bus/pci/devices/${CXL}/resource`).trimEnd().split('\n');
    const nicLines = root.readFile(`/sys/bus/pci/devices/${NIC}/resource`).trimEnd().split('\n');
    const portLines = root.readFile('/sys/bus/pci/devices/0000:00:01.0/resource').trimEnd().split('\n');
    expect([cxlLines.length, nicLines.length, portLines.length]).toEqual([13, 13, 17]);
    expect(cxlLines[0]).toMatch(/^0x00000000e[0-9a-f]{7} 0x00000000e[0-9a-f]{7} 0x0000000000140204$/);
    expect(cxlLines[1]).toBe('0x0000000000000000 0x0000000000000000 0x0000000000000000');
    expect(nicLines[0]).toMatch(/ 0x000000000014220c$/);
    const [start, end] = cxlLines[0]!.split(' ').map((x) => Number(x));
    expect(end! - start! + 1).toBe(0x10000);
    expect(portLines[14]).not.toBe('0x0000000000000000 0x0000000000000000 0x0000000000000000');
  });

  it('should offer resourceN for each BAR and resourceN_wc only for prefetchable memory', () => {
    const m = bootMachine({ presets: ['cxl-type3', 'mlx5-nic'] });
    const ls = (bdf: string) => m.processes.root.readdir(`/sys/bus/pci/devices/${bdf}`).filter((n) => n.startsWith('resource'));
    expect(ls(CXL)).toEqual(['resource', 'resource0', 'resource2']);
    expect(ls(NIC)).toEqual(['resource', 'resource0', 'resource0_wc']);
    expect(
      m.sysfs.lookup(`/sys/bus/pci/devices/${NIC}/resource0`).kind === 'file' &&
        (m.sysfs.lookup(`/sys/bus/pci/devices/${NIC}/resource0`) as { mode: number }).mode,
    ).toBe(0o600);
  });

  it('should refuse a second claim of a BAR with EBUSY and list claims in iomem', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core'] });
    const pci = pciOf(m);
    const nic = pci.findDevice(NIC)!;
    expect(errnoOf(() => pci.requestRegion(nic, 0, 'intruder'))).toBe('EBUSY');
    expect(errnoOf(() => pci.requestRegions(nic, 'intruder'))).toBe('EBUSY');
    const iomem = pci.iomem();
    expect(iomem).toMatch(
      /^e0000000-febfffff : PCI Bus 0000:00\n {2}e[0-9a-f]{7}-e[0-9a-f]{7} : PCI Bus 0000:03\n {4}e[0-9a-f]{7}-e[0-9a-f]{7} : 0000:03:00.0\n {6}e[0-9a-f]{7}-e[0-9a-f]{7} : mlx5_core\n$/,
    );
    m.processes.root.writeFile(`/sys/bus/pci/drivers/mlx5_core/unbind`, NIC);
    expect(pci.iomem()).not.toContain('mlx5_core');
    expect(errnoOf(() => pci.requestRegion(nic, 0, 'now-free'))).toBe('ok');
  });
});

describe('removal and rescan', () => {
  it('should unbind the whole subtree first, then delete children before the bridge', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'] });
    const before = m.uevent.seqnum;
    m.processes.root.writeFile('/sys/bus/pci/devices/0000:00:01.0/remove', '1');
    const log = eventsSince(m, before, ['pci']);
    expect(log).toEqual([
      `unbind ${CXL_PATH}`,
      'unbind /devices/pci0000:00/0000:00:01.0',
      `remove ${CXL_PATH}`,
      'remove /devices/pci0000:00/0000:00:01.0',
    ]);
    expect(m.sysfs.tryLookup(`/sys/bus/pci/devices/${CXL}`)).toBeUndefined();
  });

  it('should find removed functions again on a bus rescan and attach them', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'] });
    m.processes.root.writeFile(`/sys/bus/pci/devices/${CXL}/remove`, '1');
    const before = m.uevent.seqnum;
    m.processes.root.writeFile('/sys/bus/pci/rescan', '1');
    const log = eventsSince(m, before, ['pci']);
    expect(log).toEqual([`add ${CXL_PATH}`, `bind ${CXL_PATH} DRIVER=cxl_pci`]);
  });

  it('should rescan only below the bus of the function written to', () => {
    const m = bootMachine({ presets: ['cxl-type3', 'mlx5-nic'] });
    m.processes.root.writeFile(`/sys/bus/pci/devices/${CXL}/remove`, '1');
    m.processes.root.writeFile(`/sys/bus/pci/devices/${NIC}/remove`, '1');
    const before = m.uevent.seqnum;
    m.processes.root.writeFile('/sys/bus/pci/devices/0000:00:01.0/rescan', '1');
    // 00:01.0 sits on bus 0, so the rescan covers bus 0 and everything below it.
    expect(eventsSince(m, before, ['pci'])).toEqual([`add ${CXL_PATH}`, `add ${NIC_PATH}`]);
  });
});

describe('driver registration', () => {
  it('should bind existing functions at registration and free dynamic ids at unregistration', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const pci = pciOf(m);
    const probed: string[] = [];
    const drv = new PciDriver({ name: 'stub', idTable: [pciDevice(0x1234, 0x5678)], probe: (p) => probed.push(p.name) });
    pci.registerDriver(drv);
    expect(errnoOf(() => pci.registerDriver(new PciDriver({ name: 'stub' })))).toBe('EBUSY');
    m.processes.root.writeFile('/sys/bus/pci/drivers/stub/new_id', '15b3 101d');
    expect(probed).toEqual([NIC]);
    expect(drv.dynamicIds).toHaveLength(1);
    pci.unregisterDriver(drv);
    expect(drv.dynamicIds).toHaveLength(0);
    expect(pci.findDevice(NIC)!.driver).toBeUndefined();
  });
});
