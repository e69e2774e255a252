import { describe, expect, it } from 'vitest';
import { UeventEnv } from '../../src/bus/index.js';
import { IPciCore, type PciCore, type PciDeviceId, PciDriver, pciDevice, pciDeviceIdAny, pciUevent } from '../../src/pci/index.js';
import type { Machine } from '../../src/machine/index.js';
import { CXL, NIC, bootMachine, errnoOf } from '../support/pci-machine.js';

const pciOf = (m: Machine) => m.get<PciCore>(IPciCore);

/** A driver that records which id each probe got. */
function recordingDriver(m: Machine, name: string, idTable: PciDeviceId[] = []): { drv: PciDriver; ids: Map<string, PciDeviceId> } {
  const ids = new Map<string, PciDeviceId>();
  const drv = new PciDriver({ name, idTable, probe: (pdev, id) => ids.set(pdev.name, id) });
  pciOf(m).registerDriver(drv);
  return { drv, ids };
}

describe('new_id (reference §4.3)', () => {
  const write = (m: Machine, drv: string, value: string) => () => m.processes.root.writeFile(`/sys/bus/pci/drivers/${drv}/new_id`, value);

  it.each([
    ['no field', '\n', 'EINVAL'],
    ['one field', '15b3', 'EINVAL'],
    ['unparsable second field', '15b3 zz', 'EINVAL'],
    ['fewer than 7 fields the driver already matches', '15b3 101d', 'EEXIST'],
    ['driver_data of no static entry', '15b3 101f ffffffff ffffffff 0 0 5', 'EINVAL'],
    ['a new vendor/device', '15b3 101f', 'ok'],
    ['7 fields skip the EEXIST check', '15b3 101d ffffffff ffffffff 0 0 0', 'ok'],
  ])('%s: %j → %s', (_what, value, expected) => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core'] });
    expect(errnoOf(write(m, 'mlx5_core', value))).toBe(expected);
  });

  it('should attach every unbound matching function, not just one', () => {
    const m = bootMachine({ presets: ['cxl-type3', 'cxl-type3'] });
    const { ids } = recordingDriver(m, 'stub');
    expect(m.processes.root.writeFile('/sys/bus/pci/drivers/stub/new_id', '8086 0d93\n')).toBe(10);
    expect([...ids.keys()]).toEqual([CXL, '0000:0e:00.0']);
    expect(pciOf(m).findDevice('0000:0e:00.0')!.driver?.name).toBe('stub');
  });
});

describe('remove_id (reference §4.3)', () => {
  it.each([
    ['no field', '\n', 'EINVAL'],
    ['one field', '8086', 'EINVAL'],
    ['no such dynamic id', '8086 1234', 'ENODEV'],
    ['a static id is not removable', '15b3 101d', 'ENODEV'],
    ['the dynamic id', '8086 0d93', 'ok'],
    ['the dynamic id, subsystem ANY', '8086 0d93 ffffffff ffffffff', 'ok'],
    ['the dynamic id, other subvendor', '8086 0d93 1af4', 'ENODEV'],
  ])('%s: %j → %s', (_what, value, expected) => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    recordingDriver(m, 'stub', [pciDevice(0x15b3, 0x101d)]);
    m.processes.root.writeFile('/sys/bus/pci/drivers/stub/new_id', '8086 0d93');
    expect(errnoOf(() => m.processes.root.writeFile('/sys/bus/pci/drivers/stub/remove_id', value))).toBe(expected);
  });

  it('should leave functions bound through a removed id bound', () => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    const { drv } = recordingDriver(m, 'stub');
    m.processes.root.writeFile('/sys/bus/pci/drivers/stub/new_id', '8086 0d93');
    m.processes.root.writeFile('/sys/bus/pci/drivers/stub/remove_id', '8086 0d93');
    expect(drv.dynamicIds).toHaveLength(0);
    expect(pciOf(m).findDevice(CXL)!.driver?.name).toBe('stub');
  });

  it('should make both files write-only (0200)', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'] });
    for (const f of ['new_id', 'remove_id']) {
      const node = m.sysfs.lookup(`/sys/bus/pci/drivers/cxl_pci/${f}`);
      expect(node.kind === 'file' ? node.mode : 0).toBe(0o200);
      expect(errnoOf(() => m.processes.root.readFile(`/sys/bus/pci/drivers/cxl_pci/${f}`))).toBe('EACCES');
    }
  });
});

describe('driver_override precedence (reference §4.2)', () => {
  const dir = `/sys/bus/pci/devices/${CXL}`;
  const overrideOnly = pciDevice(0x8086, 0x0d93, { overrideOnly: true, driverData: 7 });

  it.each([
    ['no override: static table matches', undefined, [pciDevice(0x8086, 0x0d93, { driverData: 3 })], 3],
    ['override names another driver: static table ignored', 'other', [pciDevice(0x8086, 0x0d93, { driverData: 3 })], undefined],
    ['override-only entry without override', undefined, [overrideOnly], undefined],
    ['override-only entry with the override', 'stub', [overrideOnly], 7],
    ['no id matches but the override names us: dummy id', 'stub', [pciDevice(0x1234, 0x5678)], pciDeviceIdAny.driverData],
  ])('%s', (_what, override, table, expectedData) => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    if (override) m.processes.root.writeFile(`${dir}/driver_override`, override);
    const { ids } = recordingDriver(m, 'stub', table);
    m.processes.root.writeFile('/sys/bus/pci/drivers_probe', CXL);
    expect(ids.get(CXL)?.driverData).toBe(expectedData);
  });

  it('should pass the all-ANY dummy id itself when only the override matched', () => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    m.processes.root.writeFile(`${dir}/driver_override`, 'stub');
    const { ids } = recordingDriver(m, 'stub');
    expect(ids.get(CXL)).toBe(pciDeviceIdAny);
  });

  it('should try dynamic ids before the static table', () => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    m.processes.root.writeFile(`${dir}/driver_override`, 'none');
    const { ids } = recordingDriver(m, 'stub', [pciDevice(0x8086, 0x0d93, { driverData: 0 }), pciDevice(1, 2, { driverData: 9 })]);
    m.processes.root.writeFile('/sys/bus/pci/drivers/stub/new_id', '8086 0d93 ffffffff ffffffff 0 0 9');
    m.processes.root.writeFile(`${dir}/driver_override`, '\n');
    m.processes.root.writeFile('/sys/bus/pci/drivers_probe', CXL);
    expect(ids.get(CXL)?.driverData).toBe(9);
  });

  it('should keep cxl_pci away from a function whose override names mlx5_core', () => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    m.processes.root.writeFile(`${dir}/driver_override`, 'mlx5_core\n');
    expect(m.processes.root.readFile(`${dir}/driver_override`)).toBe('mlx5_core\n');
    m.modprobe('cxl_pci');
    expect(pciOf(m).findDevice(CXL)!.driver).toBeUndefined();
    expect(errnoOf(() => m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/bind', CXL))).toBe('ENODEV');
  });
});

describe('/sys/bus/pci/rescan', () => {
  it.each([
    ['x', 'EINVAL'],
    ['-1', 'EINVAL'],
    ['0', 'ok'],
    ['1\n', 'ok'],
  ])('%j → %s', (value, expected) => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    expect(errnoOf(() => m.processes.root.writeFile('/sys/bus/pci/rescan', value))).toBe(expected);
  });

  it('should be write-only 0200 and rediscover a removed function', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const node = m.sysfs.lookup('/sys/bus/pci/rescan');
    expect(node.kind === 'file' ? node.mode : 0).toBe(0o200);
    m.processes.root.writeFile(`/sys/bus/pci/devices/${NIC}/remove`, '1');
    m.processes.root.writeFile('/sys/bus/pci/rescan', '0');
    expect(pciOf(m).findDevice(NIC)).toBeUndefined();
    m.processes.root.writeFile('/sys/bus/pci/rescan', '1');
    expect(pciOf(m).findDevice(NIC)).toBeDefined();
  });
});

describe('pci_uevent', () => {
  const env = (pdev: Parameters<typeof pciUevent>[0]) => {
    const e = new UeventEnv();
    pciUevent(pdev, e);
    return Object.fromEntries(e.entries());
  };

  it('should print the ids a function has now, after printing them once (the texts are kept per function)', () => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    const pdev = pciOf(m).findDevice(CXL)!;
    const first = env(pdev);
    expect(first).toMatchObject({ PCI_CLASS: '50210', PCI_ID: '8086:0D93', PCI_SLOT_NAME: CXL });
    expect(env(pdev)).toEqual(first);
    // An id that changes (a quirk rewriting the class, say) is printed anew.
    pdev.classCode = 0x0c0330;
    pdev.subsystemDevice = 0xbeef;
    expect(env(pdev)).toMatchObject({
      PCI_CLASS: 'C0330',
      PCI_SUBSYS_ID: expect.stringMatching(/:BEEF$/),
      MODALIAS: expect.stringMatching(/sd0000BEEFbc0Csc03i30$/),
    });
  });
});
