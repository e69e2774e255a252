/**
 * Reference §3.1 (the auxiliary bus has no dev_groups, no new_id, no rescan; driver_override is
 * this project's Departure 2), §3.4 (auxiliary_bus_probe/remove: a failing probe is undone and
 * the next driver tried, remove() is optional) and §1.9 rows on the auxiliary bus.
 */
import { describe, expect, it } from 'vitest';
import { kerr } from '../../src/base/index.js';
import { type AuxiliaryBus, AuxiliaryDevice, AuxiliaryDriver, type AuxiliaryDriverOptions, IAuxiliaryBus } from '../../src/aux/index.js';
import { IPciCore, type PciCore } from '../../src/pci/index.js';
import type { Machine } from '../../src/machine/index.js';
import { NIC, bootMachine, errnoOf } from '../support/pci-machine.js';

const auxOf = (m: Machine) => m.get<AuxiliaryBus>(IAuxiliaryBus);

function fixture() {
  const m = bootMachine({ presets: ['mlx5-nic'] });
  const log: string[] = [];
  const add = (devname: string, id = 0) => {
    const adev = new AuxiliaryDevice({ devname, id, parent: m.get<PciCore>(IPciCore).findDevice(NIC)! });
    auxOf(m).deviceInit(adev);
    auxOf(m).deviceAdd(adev, 'par');
    return adev;
  };
  const driver = (modname: string, options: Partial<AuxiliaryDriverOptions> = {}) =>
    auxOf(m).driverRegister(
      new AuxiliaryDriver({
        name: 'x',
        idTable: [{ name: 'par.x' }],
        probe: (a) => log.push(`probe ${modname} ${a.name}`),
        remove: (a) => log.push(`remove ${modname} ${a.name}`),
        ...options,
      }),
      modname,
    );
  return { m, root: m.processes.root, log, add, driver };
}

describe('auxiliary bus sysfs (reference §3.1, §1.1)', () => {
  it('should have the core bus files and no rescan', () => {
    const { root } = fixture();
    expect(root.readdir('/sys/bus/auxiliary')).toEqual(['devices', 'drivers', 'drivers_autoprobe', 'drivers_probe', 'uevent']);
  });

  it('should give drivers bind, unbind, uevent and module, and no new_id/remove_id', () => {
    const { root, driver } = fixture();
    driver('kmod');
    expect(root.readdir('/sys/bus/auxiliary/drivers/kmod.x')).toEqual(['bind', 'module', 'uevent', 'unbind']);
  });

  it('should give a bound device only the core files: driver, driver_override, subsystem, uevent', () => {
    const { root, add, driver } = fixture();
    driver('kmod');
    const adev = add('x');
    expect(root.readdir(`/sys/bus/auxiliary/devices/${adev.name}`)).toEqual(['driver', 'driver_override', 'power', 'subsystem', 'uevent']);
    expect(root.readlink(`/sys/bus/auxiliary/devices/${adev.name}/driver`)).toBe('../../../../../bus/auxiliary/drivers/kmod.x');
  });
});

describe('auxiliary_bus_probe / auxiliary_bus_remove (reference §3.4)', () => {
  it('should undo a failing probe and try the next driver in registration order', () => {
    const { add, driver, log } = fixture();
    driver('first', {
      probe: (a) => {
        log.push(`probe first ${a.name}`);
        throw kerr('ENOMEM', 'first: no memory');
      },
    });
    driver('second');
    const adev = add('x');
    expect(log).toEqual(['probe first par.x.0', 'probe second par.x.0']);
    expect(adev.driver?.name).toBe('second.x');
  });

  it('should unbind a driver without remove() cleanly (remove is optional)', () => {
    const { root, add, driver } = fixture();
    driver('kmod', { remove: undefined });
    const adev = add('x');
    expect(root.writeFile('/sys/bus/auxiliary/drivers/kmod.x/unbind', 'par.x.0\n')).toBe(8);
    expect(adev.driver).toBeUndefined();
  });
});

describe('bind/unbind rows on the auxiliary bus (reference §1.9)', () => {
  it.each([
    ['a device whose match name is not in the id table → ENODEV', 'y', 'bind', 'ENODEV'],
    ['an unbound matching device → count', 'x', 'bind', 'ok'],
    ['a device bound to this driver → EBUSY', 'x', 'bind-twice', 'EBUSY'],
    ['unbind of an unbound device → ENODEV', 'x', 'unbind', 'ENODEV'],
  ] as const)('%s', (_what, devname, op, expected) => {
    const { root, add, driver } = fixture();
    root.writeFile('/sys/bus/auxiliary/drivers_autoprobe', '0');
    driver('kmod');
    const adev = add(devname);
    const dir = '/sys/bus/auxiliary/drivers/kmod.x';
    if (op === 'bind-twice') root.writeFile(`${dir}/bind`, adev.name);
    const file = op === 'unbind' ? 'unbind' : 'bind';
    expect(errnoOf(() => root.writeFile(`${dir}/${file}`, adev.name))).toBe(expected);
  });
});
