import { describe, expect, it } from 'vitest';
import { type AuxiliaryBus, AuxiliaryDevice, type AuxiliaryDeviceId, AuxiliaryDriver, IAuxiliaryBus } from '../../src/aux/index.js';
import { IPciCore, type PciCore } from '../../src/pci/index.js';
import type { Machine } from '../../src/machine/index.js';
import { NIC, bootMachine, errnoOf } from '../support/pci-machine.js';

const auxOf = (m: Machine) => m.get<AuxiliaryBus>(IAuxiliaryBus);

function addDevice(m: Machine, modname: string, devname: string, id = 0): AuxiliaryDevice {
  const adev = new AuxiliaryDevice({ devname, id, parent: m.get<PciCore>(IPciCore).findDevice(NIC)! });
  auxOf(m).deviceInit(adev);
  auxOf(m).deviceAdd(adev, modname);
  return adev;
}

describe('__auxiliary_driver_register (reference §3.4)', () => {
  it.each([
    ['no probe', { name: 'x', idTable: [{ name: 'a.b' }] }, 'EINVAL'],
    ['no id table', { name: 'x', probe: () => {} }, 'EINVAL'],
    ['probe and an empty id table', { name: 'x', idTable: [], probe: () => {} }, 'ok'],
  ])('%s → %s', (_what, options, expected) => {
    const m = bootMachine({ presets: [] });
    expect(errnoOf(() => auxOf(m).driverRegister(new AuxiliaryDriver(options), 'mod'))).toBe(expected);
  });

  it('should name drivers <modname>.<name>, or <modname> alone, and refuse duplicates with EBUSY', () => {
    const m = bootMachine({ presets: [] });
    const aux = auxOf(m);
    const named = new AuxiliaryDriver({ name: 'mlx5_fwctl', idTable: [], probe: () => {} });
    const bare = new AuxiliaryDriver({ idTable: [], probe: () => {} });
    aux.driverRegister(named, 'mlx5_fwctl');
    aux.driverRegister(bare, 'irdma');
    expect(aux.bus.drivers.map((d) => d.name)).toEqual(['mlx5_fwctl.mlx5_fwctl', 'irdma']);
    expect(errnoOf(() => aux.driverRegister(new AuxiliaryDriver({ idTable: [], probe: () => {} }), 'irdma'))).toBe('EBUSY');
    expect(m.sysfs.readlink('/sys/bus/auxiliary/drivers/irdma/module')).toBe('../../../../module/irdma');
  });

  it('should bind existing devices at registration, by name up to the last dot, passing the id', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const seen: [string, string | undefined][] = [];
    addDevice(m, 'mlx5_core', 'eth');
    addDevice(m, 'mlx5_core', 'eth-rep');
    const ids: AuxiliaryDeviceId[] = [{ name: 'mlx5_core.eth', driverData: 5 }];
    auxOf(m).driverRegister(new AuxiliaryDriver({ name: 'eth', idTable: ids, probe: (a, id) => seen.push([a.name, id?.name]) }), 'mlx5_core');
    expect(seen).toEqual([['mlx5_core.eth.0', 'mlx5_core.eth']]);
    expect(auxOf(m).findDevice('mlx5_core.eth-rep.0')!.driver).toBeUndefined();
  });
});

describe('driver_override on the auxiliary bus (DESIGN.md Departure 2)', () => {
  const table: AuxiliaryDeviceId[] = [{ name: 'par.doe' }];
  const overrideOnly: AuxiliaryDeviceId[] = [{ name: 'par.doe', overrideOnly: true }];

  it.each([
    ['no override: the id table decides', undefined, 'kern', table, 'kern'],
    ['override names another driver: no match', 'other.x', 'kern', table, undefined],
    ['override-only table without override', undefined, 'user', overrideOnly, undefined],
    ['override-only table with the override', 'user.doe', 'user', overrideOnly, 'user'],
    ['no id matches but the override names the driver', 'user.doe', 'user', [{ name: 'else.where' }], 'user'],
  ])('%s', (_what, override, modname, idTable, boundTo) => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const adev = addDevice(m, 'par', 'doe');
    if (override) m.processes.root.writeFile(`/sys/bus/auxiliary/devices/${adev.name}/driver_override`, override);
    auxOf(m).driverRegister(new AuxiliaryDriver({ name: 'doe', idTable, probe: () => {} }), modname);
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers_probe', adev.name);
    expect(adev.driver?.name.split('.')[0]).toBe(boundTo);
  });

  it('should expose driver_override (0644, "(null)" when unset) on every auxiliary device', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const adev = addDevice(m, 'par', 'doe');
    const path = `/sys/bus/auxiliary/devices/${adev.name}/driver_override`;
    expect(m.processes.root.readFile(path)).toBe('(null)\n');
    const node = m.sysfs.lookup(path);
    expect(node.kind === 'file' ? node.mode : 0).toBe(0o644);
  });

  it('should never unbind or probe by itself when written', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const adev = addDevice(m, 'par', 'doe');
    auxOf(m).driverRegister(new AuxiliaryDriver({ name: 'doe', idTable: [{ name: 'par.doe' }], probe: () => {} }), 'kern');
    m.processes.root.writeFile(`/sys/bus/auxiliary/devices/${adev.name}/driver_override`, 'user.doe');
    expect(adev.driver?.name).toBe('kern.doe');
  });
});
