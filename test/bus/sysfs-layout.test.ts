/**
 * Reference §1.1: what sysfs shows for a bus, a driver, a device and a binding, with the modes
 * of the files userspace writes.
 */
import { describe, expect, it } from 'vitest';
import { createToyMachine } from '../support/toy-bus.js';

function fixture() {
  const { machine, toy } = createToyMachine();
  toy.register('alpha', { prefix: 'a', module: 'alpha_mod' });
  const p0 = toy.add('p0');
  toy.add('a0', { parent: p0, devt: { major: 240, minor: 1 } });
  return { machine, toy, root: machine.processes.root };
}

describe('Sysfs layout', () => {
  it('should show a bus directory with devices/, drivers/ and its three files', () => {
    const { root } = fixture();
    expect(root.readdir('/sys/bus/toy')).toEqual(['devices', 'drivers', 'drivers_autoprobe', 'drivers_probe', 'uevent']);
    expect(root.readdir('/sys/bus/toy/devices')).toEqual(['a0', 'p0']);
    expect(root.readlink('/sys/bus/toy/devices/a0')).toBe('../../../devices/p0/a0');
  });

  it('should show a driver directory with bind, unbind, uevent, module and one link per bound device', () => {
    const { root } = fixture();
    expect(root.readdir('/sys/bus/toy/drivers/alpha')).toEqual(['a0', 'bind', 'module', 'uevent', 'unbind']);
    expect(root.readlink('/sys/bus/toy/drivers/alpha/a0')).toBe('../../../../devices/p0/a0');
    expect(root.readlink('/sys/bus/toy/drivers/alpha/module')).toBe('../../../../module/alpha_mod');
  });

  it('should show a device directory below its parent with subsystem, driver, dev and uevent', () => {
    const { root } = fixture();
    expect(root.readdir('/sys/devices/p0')).toEqual(['a0', 'driver_override', 'power', 'subsystem', 'uevent']);
    expect(root.readdir('/sys/devices/p0/a0')).toEqual(['dev', 'driver', 'driver_override', 'power', 'subsystem', 'uevent']);
    expect(root.readlink('/sys/devices/p0/a0/subsystem')).toBe('../../../bus/toy');
    expect(root.readlink('/sys/devices/p0/a0/driver')).toBe('../../../bus/toy/drivers/alpha');
    expect(root.readFile('/sys/devices/p0/a0/dev')).toBe('240:1\n');
    expect(root.readlink('/sys/dev/char/240:1')).toBe('../../devices/p0/a0');
    expect(root.stat('/sys/bus/toy/drivers/alpha/a0/dev').type).toBe('file');
  });

  it.each([
    ['/sys/bus/toy/drivers_probe', 0o200],
    ['/sys/bus/toy/drivers_autoprobe', 0o644],
    ['/sys/bus/toy/uevent', 0o200],
    ['/sys/bus/toy/drivers/alpha/bind', 0o200],
    ['/sys/bus/toy/drivers/alpha/unbind', 0o200],
    ['/sys/bus/toy/drivers/alpha/uevent', 0o200],
    ['/sys/devices/p0/a0/uevent', 0o644],
    ['/sys/devices/p0/a0/driver_override', 0o644],
    ['/sys/devices/p0/a0/dev', 0o444],
  ])('should give %s mode %o', (path, mode) => {
    const { root } = fixture();
    expect(root.stat(path)).toMatchObject({ type: 'file', mode, uid: 0, gid: 0 });
  });

  it('should drop the driver link and the driver-side link together on unbind', () => {
    const { root } = fixture();
    root.writeFile('/sys/bus/toy/drivers/alpha/unbind', 'a0');
    expect(root.readdir('/sys/devices/p0/a0')).toEqual(['dev', 'driver_override', 'power', 'subsystem', 'uevent']);
    expect(root.readdir('/sys/bus/toy/drivers/alpha')).toEqual(['bind', 'module', 'uevent', 'unbind']);
  });
});
