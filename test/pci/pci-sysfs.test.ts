import { describe, expect, it } from 'vitest';
import { IPciCore, type PciCore, PciDriver, pciDevice } from '../../src/pci/index.js';
import type { Machine } from '../../src/machine/index.js';
import type { SimulatedPciFunction } from '../../src/drivers/index.js';
import { CXL, NIC, bootMachine, errnoOf, privileged, storeAs, sysfsFile, unprivileged } from '../support/pci-machine.js';

const pciOf = (m: Machine) => m.get<PciCore>(IPciCore);
const dev = (bdf: string) => `/sys/bus/pci/devices/${bdf}`;
const modeOf = (m: Machine, path: string) => sysfsFile(m, path).mode;

describe('enable (reference §4.4)', () => {
  it.each([
    ['writer without CAP_SYS_ADMIN', 'unbound', '1', unprivileged, 'EPERM'],
    ['not a number', 'unbound', 'abc', privileged, 'EINVAL'],
    ['driver bound', 'bound', '0', privileged, 'EBUSY'],
    ['disabling a disabled function', 'unbound', '0', privileged, 'EIO'],
    ['enabling', 'unbound', '1', privileged, 'ok'],
  ] as const)('%s → %s', (_what, state, value, writer, expected) => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: state === 'bound' ? ['mlx5_core'] : [] });
    expect(errnoOf(() => storeAs(m, `${dev(NIC)}/enable`, value, writer))).toBe(expected);
  });

  it('should count enables, enable the root port above, and disable on the last 0', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const root = m.processes.root;
    expect(modeOf(m, `${dev(NIC)}/enable`)).toBe(0o644);
    root.writeFile(`${dev(NIC)}/enable`, '1');
    root.writeFile(`${dev(NIC)}/enable`, '1');
    expect(root.readFile(`${dev(NIC)}/enable`)).toBe('2\n');
    expect(root.readFile(`${dev('0000:00:02.0')}/enable`)).toBe('1\n');
    root.writeFile(`${dev(NIC)}/enable`, '0');
    root.writeFile(`${dev(NIC)}/enable`, '0');
    expect(root.readFile(`${dev(NIC)}/enable`)).toBe('0\n');
    expect(errnoOf(() => root.writeFile(`${dev(NIC)}/enable`, '0'))).toBe('EIO');
  });

  it('should read the count a bound driver holds', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'] });
    expect(m.processes.root.readFile(`${dev(CXL)}/enable`)).toBe('1\n');
    m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL);
    expect(m.processes.root.readFile(`${dev(CXL)}/enable`)).toBe('0\n');
  });
});

describe('remove (reference §4.4)', () => {
  it.each([
    ['not a number', 'x', 'EINVAL', true],
    ['zero does nothing', '0', 'ok', true],
    ['non-zero removes', '1', 'ok', false],
    ['any non-zero removes', '0x10', 'ok', false],
  ])('%s: %j → %s', (_what, value, expected, stillThere) => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    expect(errnoOf(() => m.processes.root.writeFile(`${dev(NIC)}/remove`, value))).toBe(expected);
    expect(pciOf(m).findDevice(NIC) !== undefined).toBe(stillThere);
  });

  it('should be 0220 and take a bound function with its auxiliary children', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core'] });
    expect(modeOf(m, `${dev(NIC)}/remove`)).toBe(0o220);
    m.processes.root.writeFile(`${dev(NIC)}/remove`, '1');
    expect(m.sysfs.tryLookup('/sys/bus/auxiliary/devices/mlx5_core.eth.0')).toBeUndefined();
    expect(m.resources.claims).toHaveLength(0);
  });
});

describe('reset and reset_method (reference §4.4)', () => {
  it.each([
    ['2', 'EINVAL'],
    ['0', 'EINVAL'],
    ['x', 'EINVAL'],
    ['1', 'ok'],
    ['0x1\n', 'ok'],
  ])('reset %j → %s', (value, expected) => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    expect(errnoOf(() => m.processes.root.writeFile(`${dev(CXL)}/reset`, value))).toBe(expected);
  });

  it('should fail with ENOTTY once every method is disabled, and recover with default', () => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    const root = m.processes.root;
    expect(root.readFile(`${dev(CXL)}/reset_method`)).toBe('flr bus\n');
    root.writeFile(`${dev(CXL)}/reset_method`, '\n');
    expect(root.readFile(`${dev(CXL)}/reset_method`)).toBe('');
    expect(errnoOf(() => root.writeFile(`${dev(CXL)}/reset`, '1'))).toBe('ENOTTY');
    expect(errnoOf(() => root.writeFile(`${dev(CXL)}/reset_method`, 'bogus'))).toBe('EINVAL');
    expect(errnoOf(() => root.writeFile(`${dev(CXL)}/reset_method`, 'pm'))).toBe('EINVAL');
    root.writeFile(`${dev(CXL)}/reset_method`, 'bus');
    root.writeFile(`${dev(CXL)}/reset`, '1');
    root.writeFile(`${dev(CXL)}/reset_method`, 'default');
    expect(root.readFile(`${dev(CXL)}/reset_method`)).toBe('flr bus\n');
    expect((pciOf(m).findDevice(CXL)!.hw as SimulatedPciFunction).resets).toEqual(['bus']);
  });

  it('should not offer reset on a function without a method (the root port)', () => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    expect(m.sysfs.tryLookup(`${dev('0000:00:01.0')}/reset`)).toBeUndefined();
    expect(modeOf(m, `${dev(CXL)}/reset`)).toBe(0o200);
  });

  it('should keep the driver bound, run its hooks and restore the header', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const calls: string[] = [];
    const drv = new PciDriver({
      name: 'stub',
      idTable: [pciDevice(0x15b3, 0x101d)],
      probe: () => calls.push('probe'),
      resetPrepare: () => calls.push('prepare'),
      resetDone: () => calls.push('done'),
    });
    pciOf(m).registerDriver(drv);
    const before = m.processes.root.readFile(`${dev(NIC)}/resource`);
    m.processes.root.writeFile(`${dev(NIC)}/reset`, '1');
    expect(calls).toEqual(['probe', 'prepare', 'done']);
    expect(pciOf(m).findDevice(NIC)!.driver?.name).toBe('stub');
    const nic = pciOf(m).findDevice(NIC)!;
    expect(nic.configRead(0x10, 4)).toBe((nic.resources[0]!.start | 0xc) >>> 0);
    expect(m.processes.root.readFile(`${dev(NIC)}/resource`)).toBe(before);
  });
});

describe('config reads (reference §4.4)', () => {
  it.each([
    ['unprivileged: silently 64 bytes', unprivileged, 0, 256, 64],
    ['unprivileged, offset past 64: nothing', unprivileged, 100, 16, 0],
    ['privileged: the whole 4 KiB', privileged, 0, 4096, 4096],
    ['privileged, unaligned window', privileged, 3, 7, 7],
  ])('%s', (_what, reader, offset, length, expected) => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    const f = sysfsFile(m, `${dev(CXL)}/config`);
    const attr = f.attr as { read: (o: unknown, off: number, len: number, r: typeof reader) => Uint8Array };
    expect(attr.read(f.obj, offset, length, reader).length).toBe(expected);
  });

  it('should return the header bytes little-endian through the process facade', () => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    const root = m.processes.root;
    const fd = root.open(`${dev(CXL)}/config`, 'r');
    expect([...root.pread(fd, 4, 0)]).toEqual([0x86, 0x80, 0x93, 0x0d]);
    expect([...root.pread(fd, 3, 9)]).toEqual([0x10, 0x02, 0x05]);
    root.close(fd);
    expect(modeOf(m, `${dev(CXL)}/config`)).toBe(0o644);
  });
});

describe('config writes (reference §4.4, DESIGN.md Departures 4 and 5)', () => {
  const DOE0_CTRL = 0x190 + 0x08;
  const DOE1_CTRL = 0x1a8 + 0x08;
  const write = (m: Machine, offset: number, bytes: number[]) => () => {
    const root = m.processes.root;
    const fd = root.open(`${dev(CXL)}/config`, 'w');
    try {
      return root.pwrite(fd, new Uint8Array(bytes), offset);
    } finally {
      root.close(fd);
    }
  };
  const doeMachine = (options: Parameters<typeof bootMachine>[0] = {}) =>
    bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe'], ...options });

  it.each([
    ['aux-exclusive, DOE range claimed by pci_doe.doe', {}, DOE0_CTRL, 'EPERM', ''],
    ['aux-exclusive, a write straddling into a claimed DOE range', {}, 0x18e, 'EPERM', ''],
    ['aux-exclusive, outside every claim', {}, 0x3c, 'ok', ''],
    ['lockdown integrity, anywhere', { lockdown: 'integrity' as const }, 0x3c, 'EPERM', ''],
    ['lockdown confidentiality, anywhere', { lockdown: 'confidentiality' as const }, 0x3c, 'EPERM', ''],
    ['pci-core-shared, a DOE range', { doe: 'pci-core-shared' as const }, DOE0_CTRL, 'ok', 'U'],
    ['pci-core-shared, outside DOE', { doe: 'pci-core-shared' as const }, 0x3c, 'ok', ''],
  ])('%s', (_what, options, offset, expected, taint) => {
    const m = doeMachine(options);
    expect(errnoOf(write(m, offset, [0, 0, 0, 0]))).toBe(expected);
    expect(m.taint.letters).toBe(taint);
  });

  it('should let a write into a released DOE range through without taint, while the others stay claimed', () => {
    const m = doeMachine();
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', 'cxl_pci.doe.0');
    expect(write(m, DOE0_CTRL, [0, 0, 0, 0])()).toBe(4);
    expect(m.taint.letters).toBe('');
    expect(errnoOf(write(m, DOE1_CTRL, [0, 0, 0, 0]))).toBe('EPERM');
  });

  it('should taint U and warn once for other kernel-exclusive ranges, and still write', () => {
    const m = doeMachine();
    const pci = pciOf(m);
    const cxl = pci.findDevice(CXL)!;
    pci.requestConfigRegionExclusive(cxl, 0x3c, 2, 'some_driver');
    expect(errnoOf(() => pci.requestConfigRegionExclusive(cxl, 0x3d, 1, 'other'))).toBe('EBUSY');
    expect(write(m, 0x3c, [0x0b])()).toBe(1);
    expect(write(m, 0x3c, [0x0a])()).toBe(1);
    expect(cxl.configRead(0x3c, 1)).toBe(0x0a);
    expect(m.taint.letters).toBe('U');
    expect(m.log.records.filter((r) => r.message.includes('Unexpected write to kernel-exclusive config offset'))).toHaveLength(1);
  });

  it('should truncate writes at the end of config space', () => {
    const m = doeMachine();
    expect(write(m, 4094, [1, 2, 3, 4])()).toBe(2);
  });
});

describe('resourceN mmap rules (reference §4.4, §6.2)', () => {
  it.each([
    ['an unclaimed BAR', {}, [], 0, 0x1000, 'ok'],
    ['past the end of the 32 MiB BAR', {}, [], 0x1fff000, 0x2000, 'EINVAL'],
    ['the last page of the BAR', {}, [], 0x1fff000, 0x1000, 'ok'],
    ['a BAR a driver claimed (strict devmem)', {}, ['mlx5_core'], 0, 0x1000, 'EINVAL'],
    ['lockdown', { lockdown: 'integrity' as const }, [], 0, 0x1000, 'EPERM'],
  ])('%s', (_what, options, modules, offset, length, expected) => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules, ...options });
    const pci = pciOf(m);
    const nic = pci.findDevice(NIC)!;
    expect(errnoOf(() => pci.checkResourceMmap(nic, 0, offset, length, 'tool'))).toBe(expected);
  });
});
