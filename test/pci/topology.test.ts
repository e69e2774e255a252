/**
 * Topology for scale (issue #12): bus numbers the kernel assigns at scan, bridge windows sized
 * and placed as setup-bus.c does, switches, PCI segments, fleets and hotplug below a port.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpSysfs } from '../../src/cli/export-sysfs.js';
import { type FleetTopology, createMlx5Nic, fleetPortBuses, fleetProblems } from '../../src/drivers/index.js';
import { createMachine, machineUdev, type Machine, type MachineOptions } from '../../src/machine/index.js';
import {
  IPciCore,
  type PciCore,
  type PciDevice,
  SZ_1M,
  calculateMemAlign,
  ioresource,
  pbusSizeMem,
  pciLinkOf,
  pciFindDvsecCapability,
  pciPrefRegs,
  pciRegs,
  pciResourceIndex,
  sizeBridge,
} from '../../src/pci/index.js';
import { errnoOf, eventsSince } from '../support/pci-machine.js';

const M = SZ_1M;
const K = 1024;
const NIC = { preset: 'mlx5-nic' } as const;
const CXL1 = { preset: 'cxl-type3', functions: 1 } as const;

function boot(options: MachineOptions): Machine {
  const m = createMachine({ autoload: false, ...options });
  m.boot();
  return m;
}
const pciOf = (m: Machine) => m.get<PciCore>(IPciCore);

/** [primary, secondary, subordinate] of every bridge, by name. */
function busNumbers(m: Machine): Record<string, [number, number, number]> {
  const out: Record<string, [number, number, number]> = {};
  for (const d of pciOf(m).devices) {
    if (!d.isBridge) continue;
    out[d.name] = [d.configRead(pciRegs.PRIMARY_BUS, 1), d.configRead(pciRegs.SECONDARY_BUS, 1), d.configRead(pciRegs.SUBORDINATE_BUS, 1)];
  }
  return out;
}

function warnings(m: Machine): string[] {
  return m.log.records.filter((r) => r.level === 'warning' || r.level === 'error').map((r) => r.message);
}

describe('bus numbers the kernel assigns at scan (pci_scan_bridge_extend, depth first)', () => {
  const cases: { name: string; options: MachineOptions; expected: Record<string, [number, number, number]> }[] = [
    {
      name: 'two root ports, a switch with two downstream ports below the first',
      options: { topology: [{ rootPorts: [{ switch: 'pcie', ports: [NIC, NIC] }, NIC] }] },
      expected: {
        '0000:00:01.0': [0x00, 0x01, 0x04],
        '0000:01:00.0': [0x01, 0x02, 0x04],
        '0000:02:00.0': [0x02, 0x03, 0x03],
        '0000:02:01.0': [0x02, 0x04, 0x04],
        '0000:00:02.0': [0x00, 0x05, 0x05],
      },
    },
    {
      name: 'a switch cascaded below a downstream port',
      options: { topology: [{ rootPorts: [{ switch: 'pcie', ports: [{ switch: 'pcie', ports: [NIC] }, NIC] }] }] },
      expected: {
        '0000:00:01.0': [0x00, 0x01, 0x06],
        '0000:01:00.0': [0x01, 0x02, 0x06],
        '0000:02:00.0': [0x02, 0x03, 0x05],
        '0000:03:00.0': [0x03, 0x04, 0x05],
        '0000:04:00.0': [0x04, 0x05, 0x05],
        '0000:02:01.0': [0x02, 0x06, 0x06],
      },
    },
    {
      name: 'an empty root port still gets its bus',
      options: { topology: [{ rootPorts: ['empty', NIC] }] },
      expected: { '0000:00:01.0': [0x00, 0x01, 0x01], '0000:00:02.0': [0x00, 0x02, 0x02] },
    },
    {
      name: 'a bridge firmware numbered is taken as it is (pass 0); the others follow its subordinate (pass 1)',
      options: { presets: ['cxl-type3'], topology: [{ rootPorts: [NIC] }] },
      expected: { '0000:00:01.0': [0x00, 0x0d, 0x0d], '0000:00:02.0': [0x00, 0x0e, 0x0e] },
    },
  ];
  it.each(cases)('$name', ({ options, expected }) => {
    const m = boot(options);
    expect(busNumbers(m)).toEqual(expected);
    // busn_res of each child bus is the bridge's [secondary, subordinate].
    for (const [name, [, sec, sub]] of Object.entries(expected)) {
      const bus = pciOf(m).findDevice(name)!.subordinate!;
      expect([bus.number, bus.busnEnd]).toEqual([sec, sub]);
    }
    m.dispose();
  });

  it('should report an unconfigured bridge as the kernel does before numbering it', () => {
    const m = boot({ topology: [{ rootPorts: [NIC] }] });
    expect(m.log.records.map((r) => r.message)).toContain('pci 0000:00:01.0: bridge configuration invalid ([bus 00-00]), reconfiguring');
    m.dispose();
  });

  it('should scan only device 0 below a root or downstream port (only_one_child)', () => {
    const m = boot({ topology: [{ rootPorts: [NIC] }] });
    const pci = pciOf(m);
    // A function wired at device 1 of the root port's link is never found, not even by a rescan.
    pciLinkOf(pci.findDevice('0000:00:01.0')!.hw)!.insert(1 << 3, createMlx5Nic());
    pci.rescanAll();
    expect(pci.devices.map((d) => d.name)).toEqual(['0000:00:01.0', '0000:01:00.0']);
    m.dispose();
  });
});

describe('bridge windows (setup-bus.c pbus_size_mem, calculate_mem_align)', () => {
  it.each([
    { name: 'two 64 KiB BARs fill one 1 MiB window', sizes: [64 * K, 64 * K], size: M, align: M },
    { name: 'a 32 MiB BAR and an 8 MiB SR-IOV BAR: head aligned to 16 MiB, size rounded to it', sizes: [32 * M, 8 * M], size: 48 * M, align: 16 * M },
    { name: '4 MiB and two 1 MiB BARs', sizes: [4 * M, M, M], size: 6 * M, align: 2 * M },
    { name: 'one 32 MiB BAR', sizes: [32 * M], size: 32 * M, align: 32 * M },
    { name: 'nothing: the window is disabled', sizes: [], size: 0, align: 0 },
  ])('$name', ({ sizes, size, align }) => {
    expect(pbusSizeMem(sizes.map((s) => ({ size: s, align: s, flags: ioresource.MEM })))).toEqual({ size, align });
  });

  it('calculate_mem_align takes the largest order when nothing smaller is present', () => {
    expect(calculateMemAlign([0, 0, 0, 0, 0, 32 * 32 * M], 5)).toBe(32 * M);
    expect(calculateMemAlign([2 * M, 0, 4 * M], 2)).toBe(2 * M);
  });

  it('routes 64-bit prefetchable resources to a 64-bit prefetchable window and the rest to the 32-bit one', () => {
    const pref = ioresource.MEM | ioresource.PREFETCH | ioresource.MEM_64;
    const w = sizeBridge({
      resources: [],
      pref64: true,
      below: [
        { resources: [{ size: 32 * M, flags: pref }] },
        { resources: [{ size: 64 * K, flags: ioresource.MEM | ioresource.MEM_64 }] },
        { resources: [{ size: M, flags: ioresource.MEM | ioresource.PREFETCH }] },
      ],
    });
    expect(w).toEqual({ pref: { size: 32 * M, align: 32 * M }, mem: { size: 2 * M, align: M } });
    // Without a prefetchable window everything is non-prefetchable memory.
    expect(sizeBridge({ resources: [], below: [{ resources: [{ size: 32 * M, flags: pref }] }] })).toEqual({
      mem: { size: 32 * M, align: 32 * M },
      pref: { size: 0, align: 0 },
    });
  });

  it('writes each window to the bridge and places an mlx5 NIC (64-bit prefetchable) above 4 GiB', () => {
    const m = boot({ modules: ['mlx5_core'], topology: [{ rootPorts: [{ switch: 'pcie', ports: [NIC, NIC] }] }] });
    const pci = pciOf(m);
    const dsp = pci.findDevice('0000:02:01.0')!;
    const pref = dsp.resources[pciResourceIndex.BRIDGE_START + 2]!;
    // BAR0 32 MiB + IOV 8 × 1 MiB → 48 MiB with a 16 MiB head; the second DSP follows the first.
    expect(pref).toEqual({ start: 2 ** 40 + 48 * M, end: 2 ** 40 + 96 * M - 1, flags: ioresource.MEM | ioresource.PREFETCH | ioresource.MEM_64 });
    expect(dsp.configRead(pciPrefRegs.PREF_MEMORY_BASE, 2)).toBe(((48 * M) >>> 16) | 1);
    expect(dsp.configRead(pciPrefRegs.PREF_MEMORY_LIMIT, 2)).toBe((((96 * M - 1) >>> 16) & 0xfff0) | 1);
    expect(dsp.configRead(pciPrefRegs.PREF_BASE_UPPER32, 4)).toBe(0x100);
    // The non-prefetchable window is disabled: base above limit.
    expect([dsp.configRead(pciRegs.MEMORY_BASE, 2), dsp.configRead(pciRegs.MEMORY_LIMIT, 2)]).toEqual([0xfff0, 0]);
    // BAR0 of the NIC: first fit, 32 MiB-aligned inside its port's window.
    const nic = pci.findDevice('0000:04:00.0')!;
    expect(nic.resources[0]!.start).toBe(2 ** 40 + 64 * M);
    expect(nic.driver?.name).toBe('mlx5_core');
    expect(warnings(m)).toEqual([]);
    m.dispose();
  });

  it('keeps every BAR inside its bridge windows, siblings apart and aligned, for any small tree (property)', () => {
    const leaf = fc.constantFrom<FleetTopology[number]['rootPorts'][number]>('empty', NIC, CXL1, { preset: 'cxl-type3', functions: 3 });
    const port = fc.letrec((tie) => ({
      port: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('sw')),
      sw: fc.record({ switch: fc.constantFrom('pcie' as const, 'cxl' as const), ports: fc.array(tie('port'), { minLength: 1, maxLength: 3 }) }),
    })).port;
    fc.assert(
      fc.property(fc.array(port, { minLength: 1, maxLength: 3 }), (rootPorts) => {
        const m = boot({ topology: [{ rootPorts: rootPorts as FleetTopology[number]['rootPorts'] }] });
        try {
          expect(warnings(m)).toEqual([]);
          const check = (dev: PciDevice) => {
            const bus = dev.subordinate;
            if (!bus) return;
            const wins = [dev.resources[pciResourceIndex.BRIDGE_START + 1]!, dev.resources[pciResourceIndex.BRIDGE_START + 2]!].filter(
              (w) => w.flags,
            );
            const inside: [number, number][] = [];
            for (const c of bus.devices) {
              const rs = c.resources.filter(
                (r, i) => r.flags & ioresource.MEM && r.end > r.start && (i < pciResourceIndex.BRIDGE_START || c.isBridge),
              );
              for (const r of rs) {
                expect(wins.some((w) => r.start >= w.start && r.end <= w.end)).toBe(true);
                inside.push([r.start, r.end]);
              }
              check(c);
            }
            inside.sort((a, b) => a[0] - b[0]);
            for (let i = 1; i < inside.length; i++) expect(inside[i]![0]).toBeGreaterThan(inside[i - 1]![1]);
            for (const w of wins) expect(w.start % M).toBe(0);
          };
          for (const d of pciOf(m).hostBridges[0]!.rootBus.devices) check(d);
        } finally {
          m.dispose();
        }
      }),
      { numRuns: 15 },
    );
  });
});

describe('switches: sysfs, pcieport, uevent order', () => {
  it('puts a device behind a switch at the kernel’s sysfs path, every port bound to pcieport', () => {
    const m = boot({ modules: ['cxl_pci'], topology: [{ rootPorts: [{ switch: 'cxl', ports: [CXL1, CXL1] }] }] });
    const path = '/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:01.0/0000:04:00.0';
    expect(m.sysfs.lookup(path).kind).toBe('dir');
    expect(m.sysfs.readlink('/sys/bus/pci/devices/0000:04:00.0')).toBe(`../../..${path.slice(4)}`);
    const pci = pciOf(m);
    for (const name of ['0000:00:01.0', '0000:01:00.0', '0000:02:00.0', '0000:02:01.0']) expect(pci.findDevice(name)!.driver?.name).toBe('pcieport');
    expect(pci.findDevice('0000:04:00.0')!.driver?.name).toBe('cxl_pci');
    // Root ports get PME and AER service devices; switch ports none (no hot-plug slot, DPC or bandwidth notification).
    expect(m.sysfs.lookup('/sys/devices/pci0000:00/0000:00:01.0/0000:00:01.0:pcie001').kind).toBe('dir');
    expect(m.sysfs.tryLookup('/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:01:00.0:pcie001')).toBeUndefined();
    // The pci_bus class device of each child bus below its bridge.
    expect(m.sysfs.lookup('/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/pci_bus/0000:02').kind).toBe('dir');
    // CXL switch ports carry the CXL DVSECs (Extensions for Ports, Flex Bus Port, Register Locator).
    const dsp = pci.findDevice('0000:02:00.0')!;
    expect([3, 7, 8].map((id) => pciFindDvsecCapability(dsp, 0x1e98, id))).toEqual([0x148, 0x170, 0x184]);
    m.dispose();
  });

  it('sends a switch scan’s add uevents bus by bus, depth first, before any bind', () => {
    const m = boot({ topology: [{ rootPorts: [{ switch: 'pcie', ports: [NIC, NIC] }] }] });
    const adds = eventsSince(m, 0, ['pci', 'pci_bus']).filter((l) => l.startsWith('add '));
    expect(adds).toEqual([
      'add /devices/pci0000:00/pci_bus/0000:00',
      'add /devices/pci0000:00/0000:00:01.0',
      'add /devices/pci0000:00/0000:00:01.0/pci_bus/0000:01',
      'add /devices/pci0000:00/0000:00:01.0/0000:01:00.0',
      'add /devices/pci0000:00/0000:00:01.0/0000:01:00.0/pci_bus/0000:02',
      'add /devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0',
      'add /devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:01.0',
      'add /devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0/pci_bus/0000:03',
      'add /devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0/0000:03:00.0',
      'add /devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:01.0/pci_bus/0000:04',
      'add /devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:01.0/0000:04:00.0',
    ]);
    const log = eventsSince(m, 0, ['pci']);
    const lastAdd = log.findLastIndex((l) => l.startsWith('add '));
    const binds = log.filter((l) => l.startsWith('bind ')).map((l) => l.split(' ')[1]!.split('/').pop());
    expect(log.findIndex((l) => l.startsWith('bind '))).toBeGreaterThan(lastAdd);
    // pci_bus_add_devices: a bus's functions, then the buses below them.
    expect(binds).toEqual(['0000:00:01.0', '0000:01:00.0', '0000:02:00.0', '0000:02:01.0']);
    m.dispose();
  });

  it('boots the cxl-switch preset: four type-3 devices below one CXL switch', () => {
    const m = boot({ presets: ['cxl-switch'], modules: ['cxl_pci'] });
    const pci = pciOf(m);
    const eps = pci.devices.filter((d) => d.driver?.name === 'cxl_pci').map((d) => d.devpath);
    expect(eps).toEqual([0, 1, 2, 3].map((i) => `/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:0${i}.0/0000:0${3 + i}:00.0`));
    expect(pci.findDevice('0000:01:00.0')!.vendor).toBe(0x19e5);
    m.dispose();
  });
});

describe('fleets: counts, segments, bad descriptions', () => {
  it('boots a fleet of 200 PCI functions, every endpoint bound, no resource left unassigned', () => {
    const m = boot({ presets: { 'cxl-type3': 120, 'mlx5-nic': 40 }, modules: ['cxl_pci', 'mlx5_core'] });
    const pci = pciOf(m);
    const byDriver = new Map<string, number>();
    for (const d of pci.devices) byDriver.set(d.driver?.name ?? '-', (byDriver.get(d.driver?.name ?? '-') ?? 0) + 1);
    // 120 cxl-type3 in 15 eight-function devices behind one CXL switch; 40 NICs behind two PCIe switches (32 + 8 ports).
    expect(Object.fromEntries(byDriver)).toEqual({ cxl_pci: 120, mlx5_core: 40, pcieport: 3 + 3 + 15 + 40 });
    expect(pci.devices.length).toBe(221);
    expect(warnings(m)).toEqual([]);
    for (const d of pci.devices) for (let i = 0; i < 6; i++) if (d.resources[i]!.flags) expect(d.resources[i]!.start).not.toBe(0);
    m.dispose();
  });

  it('spreads a fleet over PCI segments when one bus range is not enough', () => {
    const m = boot({ topology: [{ rootPorts: [NIC] }, { rootPorts: [NIC, NIC] }] });
    const pci = pciOf(m);
    expect(pci.hostBridges.map((h) => h.device.devpath)).toEqual(['/devices/pci0000:00', '/devices/pci0001:00']);
    expect(m.sysfs.lookup('/sys/devices/pci0001:00/0001:00:02.0/0001:02:00.0').kind).toBe('dir');
    expect(m.sysfs.lookup('/sys/devices/pci0001:00/pci_bus/0001:00').kind).toBe('dir');
    // Each segment numbers its buses from 0.
    expect(busNumbers(m)['0001:00:01.0']).toEqual([0, 1, 1]);
    expect(pci.iomem()).toMatch(/^10000000000-1ffffffffff : PCI Bus 0000:00$/m);
    expect(pci.iomem()).toMatch(/^20000000000-2ffffffffff : PCI Bus 0001:00$/m);
    m.dispose();
  });

  it('packs counts into segments by device numbers and bus numbers', () => {
    const m = createMachine({ autoload: false, presets: { 'mlx5-nic': 8 * 32 } });
    m.boot();
    const pci = pciOf(m);
    // Eight switches of 32 NICs: 34 bus numbers each, seven fit a segment (1 + 7 × 34 = 239).
    expect(pci.hostBridges.map((h) => h.rootBus.devices.length)).toEqual([7, 1]);
    expect(pci.findDevice('0001:03:00.0')?.vendor).toBe(0x15b3);
    m.dispose();
  }, 60_000);

  it.each<{ name: string; topology: FleetTopology; problem: string }>([
    {
      name: 'unknown preset',
      topology: [{ rootPorts: [{ preset: 'nope' }] }],
      problem: "0.rootPorts.0.preset: 'nope' is not an endpoint preset (endpoint presets: cxl-type3, mlx5-nic, qemu-cxl-type3)",
    },
    {
      name: 'a switch preset as an endpoint',
      topology: [{ rootPorts: [{ preset: 'cxl-switch' }] }],
      problem: "0.rootPorts.0.preset: 'cxl-switch' is not an endpoint preset (endpoint presets: cxl-type3, mlx5-nic, qemu-cxl-type3)",
    },
    {
      name: 'nine functions',
      topology: [{ rootPorts: [{ preset: 'cxl-type3', functions: 9 }] }],
      problem: '0.rootPorts.0.functions: a device has 1 to 8 functions, not 9',
    },
    {
      name: '33 downstream ports',
      topology: [{ rootPorts: [{ switch: 'pcie', ports: Array(33).fill('empty') }] }],
      problem: '0.rootPorts.0.ports: a switch has 1 to 32 downstream ports, not 33',
    },
    {
      name: 'a switch without ports',
      topology: [{ rootPorts: [{ switch: 'cxl', ports: [] }] }],
      problem: '0.rootPorts.0.ports: a switch has 1 to 32 downstream ports, not 0',
    },
    {
      name: '32 root ports',
      topology: [{ rootPorts: Array(32).fill(NIC) }],
      problem: '0.rootPorts: a host bridge has at most 31 root ports, not 32',
    },
    {
      name: 'more than 256 bus numbers',
      topology: [{ rootPorts: Array(8).fill({ switch: 'pcie', ports: Array(32).fill(NIC) }) }],
      problem: '0.rootPorts: host bridge 0 needs 273 bus numbers; a PCI segment has 256',
    },
  ])('rejects a topology with $name', ({ topology, problem }) => {
    expect(fleetProblems(topology).map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual([problem]);
    const m = createMachine({ autoload: false, topology });
    expect(errnoOf(() => m.boot())).toBe('EINVAL');
    m.dispose();
  });

  it.each([
    [{ nope: 3 }, 'EINVAL'],
    [{ 'cxl-type3': -1 }, 'EINVAL'],
    [{ 'cxl-type3': 1.5 }, 'EINVAL'],
    [{ 'qemu-cxl-switch': 1 }, 'EINVAL'],
  ])('rejects counts %o with %s', (counts, errno) => {
    const m = createMachine({ autoload: false, presets: counts });
    expect(errnoOf(() => m.boot())).toBe(errno);
    m.dispose();
  });

  it('counts a port’s bus numbers as the kernel will use them', () => {
    expect(fleetPortBuses(NIC)).toBe(1);
    expect(fleetPortBuses({ switch: 'pcie', ports: [NIC, { switch: 'cxl', ports: [CXL1] }] })).toBe(2 + 1 + (2 + 1));
  });
});

describe('hotplug below a downstream port', () => {
  const topology: FleetTopology = [{ rootPorts: [{ switch: 'cxl', ports: ['empty', CXL1] }] }];

  it('re-adds a function at the same address after a surprise removal, inside the window it had', () => {
    const m = boot({ modules: ['cxl_pci'], topology });
    const path = '/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:01.0/0000:04:00.0';
    const before = pciOf(m).findDevice('0000:04:00.0')!.resources[0]!.start;
    m.unplug('0000:04:00.0');
    m.settle();
    expect(pciOf(m).findDevice('0000:04:00.0')).toBeUndefined();
    const seq = m.uevent.log.at(-1)!.seqnum;
    m.hotplugBelow('0000:02:01.0', 'cxl-type3');
    m.settle();
    const again = pciOf(m).findDevice('0000:04:00.0')!;
    expect(again.devpath).toBe(path);
    expect(again.driver?.name).toBe('cxl_pci');
    expect(again.resources[0]!.start).toBe(before);
    expect(eventsSince(m, seq, ['pci'])).toEqual([`add ${path}`, `bind ${path} DRIVER=cxl_pci`]);
    expect(warnings(m)).toEqual([]);
    m.dispose();
  });

  it('finds a function hot-added below an empty port but has no window space for it (no hot-plug reservation)', () => {
    const m = boot({ modules: ['cxl_pci'], topology });
    m.hotplugBelow('0000:02:00.0', 'cxl-type3');
    m.settle();
    expect(pciOf(m).findDevice('0000:03:00.0')?.devpath).toBe('/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0/0000:03:00.0');
    expect(warnings(m)).toContain("pci 0000:02:00.0: bridge window [mem size 0x00100000]: can't assign; no space");
    m.dispose();
  });

  it.each([
    ['0000:02:01.0', 'cxl-type3', 'EBUSY'],
    ['0000:04:00.0', 'cxl-type3', 'ENODEV'],
    ['0000:02:00.0', 'cxl-switch', 'EINVAL'],
  ])('refuses %s ← %s with %s', (bdf, preset, errno) => {
    const m = boot({ topology });
    expect(errnoOf(() => m.hotplugBelow(bdf, preset))).toBe(errno);
    m.dispose();
  });
});

describe('a fleet as real lspci sees it (Debian pciutils)', () => {
  const has = spawnSync('sh', ['-c', 'command -v lspci']).status === 0;
  const tmp = mkdtempSync(join(tmpdir(), 'auxbus-topo-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.skipIf(!has)('prints the switch tree with lspci -tv on an export', () => {
    const m = boot({ modules: ['cxl_pci'], topology: [{ rootPorts: [{ switch: 'cxl', ports: [CXL1, 'empty'] }, NIC] }, { rootPorts: [NIC] }] });
    dumpSysfs(machineUdev(m).sysfs, join(tmp, 'sys'));
    const r = spawnSync('lspci', ['-A', 'linux-sysfs', '-O', `sysfs.path=${tmp}/sys/bus/pci`, '-t'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        '-+-[0000:00]-+-01.0-[01-04]----00.0-[02-04]--+-00.0-[03]----00.0',
        ' |           |                               \\-01.0-[04]--',
        ' |           \\-02.0-[05]----00.0',
        ' \\-[0001:00]---01.0-[01]----00.0',
        '',
      ].join('\n'),
    );
    const v = spawnSync('lspci', ['-A', 'linux-sysfs', '-O', `sysfs.path=${tmp}/sys/bus/pci`, '-vv', '-s', '0000:02:00.0'], {
      encoding: 'utf8',
    }).stdout;
    expect(v).toContain('Bus: primary=02, secondary=03, subordinate=03');
    expect(v).toContain('Express (v2) Downstream Port');
    expect(v).toContain('Kernel driver in use: pcieport');
    m.dispose();
  });
});
