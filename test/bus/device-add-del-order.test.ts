/**
 * Reference §1.2 (device_add) and §1.3 (device_del): the exact interleaving of bus notifier
 * events, uevents and driver callbacks, plus name uniqueness (EEXIST) and the unwinding
 * `remove` uevent.
 */
import { describe, expect, it } from 'vitest';
import { Device } from '../../src/bus/index.js';
import { createToyMachine, errnoOf } from '../support/toy-bus.js';

describe('DeviceCore.add (device_add)', () => {
  it('should notify ADD_DEVICE, send `add` without DRIVER, then probe, then send `bind`', () => {
    const { toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a', devres: ['r1'] });
    toy.trace();
    toy.add('a0');
    expect(toy.log).toEqual([
      'ADD_DEVICE a0',
      'uevent add /devices/a0',
      'BIND_DRIVER a0',
      'probe alpha a0',
      'BOUND_DRIVER a0',
      'uevent bind /devices/a0 DRIVER=alpha',
    ]);
  });

  it('should have sysfs populated (bus link, subsystem, uevent, driver_override) before probe runs', () => {
    const { machine, toy } = createToyMachine();
    const seen: string[][] = [];
    toy.register('alpha', {
      prefix: 'a',
      onProbe: () => {
        seen.push(machine.processes.root.readdir('/sys/devices/a0'));
        seen.push(machine.processes.root.readdir('/sys/bus/toy/devices'));
      },
    });
    toy.add('a0');
    expect(seen).toEqual([['driver', 'driver_override', 'power', 'subsystem', 'uevent'], ['a0']]);
  });

  it("should append the device to its parent's children only after probing", () => {
    const { toy } = createToyMachine();
    const parent = toy.add('p0');
    const during: boolean[] = [];
    toy.register('kid', { onProbe: (dev) => during.push(parent.children.includes(dev)) });
    const kid = toy.add('kid0', { parent });
    expect(during).toEqual([false]);
    expect(parent.children).toEqual([kid]);
  });

  it('should not fail when every probe fails', () => {
    const { toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a', outcome: 'EIO' });
    const dev = toy.add('a0');
    expect(dev.isRegistered).toBe(true);
    expect(dev.driver).toBeUndefined();
  });

  it('should refuse a device without a name with EINVAL and send nothing', () => {
    const { machine, toy } = createToyMachine();
    const seq = machine.uevent.seqnum;
    expect(errnoOf(() => machine.core.add(new Device({ bus: toy.bus })))).toBe('EINVAL');
    expect(machine.uevent.seqnum).toBe(seq);
  });

  it('should refuse a duplicate directory with EEXIST before any uevent (kobject_add)', () => {
    const { machine, toy } = createToyMachine();
    const first = toy.add('a0');
    toy.trace();
    expect(errnoOf(() => toy.add('a0'))).toBe('EEXIST');
    expect(toy.log).toEqual([]);
    expect(first.isRegistered).toBe(true);
    expect(machine.processes.root.readdir('/sys/bus/toy/devices')).toEqual(['a0']);
  });

  it('should refuse a bus-wide duplicate name under another parent with EEXIST and a `remove` uevent', () => {
    const { machine, toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a' });
    const p0 = toy.add('p0');
    const p1 = toy.add('p1');
    const first = toy.add('a0', { parent: p0 });
    toy.trace();
    const second = toy.create('a0', { parent: p1 });
    expect(errnoOf(() => machine.core.add(second))).toBe('EEXIST');
    // Past kobject_add the kernel unwinds with a `remove` uevent; no ADD_DEVICE, no `add`, no probe.
    expect(toy.log).toEqual(['uevent remove /devices/p1/a0']);
    expect(second.isRegistered).toBe(false);
    expect(first.driver?.name).toBe('alpha');
    expect(machine.vfs.exists('/sys/devices/p1/a0')).toBe(false);
    expect(machine.processes.root.readlink('/sys/bus/toy/devices/a0')).toBe('../../../devices/p0/a0');
    expect(p1.children).toEqual([]);
  });
});

describe('DeviceCore.del (device_del)', () => {
  it('should notify DEL_DEVICE first, unbind with its uevent, then REMOVED_DEVICE and `remove`', () => {
    const { toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a', devres: ['r1', 'r2'] });
    const dev = toy.add('a0');
    toy.trace();
    toy.remove(dev);
    expect(toy.log).toEqual([
      'DEL_DEVICE a0',
      'UNBIND_DRIVER a0',
      'remove alpha a0',
      'devres r2 a0',
      'devres r1 a0',
      'UNBOUND_DRIVER a0',
      'uevent unbind /devices/a0',
      'REMOVED_DEVICE a0',
      'uevent remove /devices/a0',
    ]);
  });

  it('should send only DEL_DEVICE, REMOVED_DEVICE and `remove` for an unbound device', () => {
    const { toy } = createToyMachine();
    const dev = toy.add('zz0');
    toy.trace();
    toy.remove(dev);
    expect(toy.log).toEqual(['DEL_DEVICE zz0', 'REMOVED_DEVICE zz0', 'uevent remove /devices/zz0']);
  });

  it('should have removed the bus link, attributes and driver link before remove() runs', () => {
    const { machine, toy } = createToyMachine();
    const seen: unknown[] = [];
    toy.register('alpha', {
      prefix: 'a',
      onRemove: (dev) => {
        seen.push(machine.vfs.exists('/sys/bus/toy/devices/a0'));
        seen.push(machine.vfs.exists('/sys/bus/toy/drivers/alpha/a0'));
        seen.push(machine.processes.root.readdir('/sys/devices/a0'));
        seen.push(dev.driver?.name);
      },
    });
    toy.remove(toy.add('a0'));
    expect(seen).toEqual([false, false, [], 'alpha']);
    expect(machine.vfs.exists('/sys/devices/a0')).toBe(false);
  });

  it('should not remove children (their creator must), and drop the device from the bus', () => {
    const { machine, toy } = createToyMachine();
    const parent = toy.add('p0');
    const kid = toy.add('kid0', { parent });
    toy.remove(kid);
    toy.remove(parent);
    expect(machine.processes.root.readdir('/sys/bus/toy/devices')).toEqual([]);
    expect(toy.bus.devices).toEqual([]);
  });

  it('should run the release callback and the devres safety net at the last put', () => {
    const { machine, toy } = createToyMachine();
    const log: string[] = [];
    const dev = toy.create('zz0');
    dev.release = () => log.push('release');
    machine.core.add(dev);
    machine.core.get(dev);
    toy.remove(dev);
    expect(log).toEqual([]);
    machine.core.put(dev);
    expect(log).toEqual(['release']);
  });
});
