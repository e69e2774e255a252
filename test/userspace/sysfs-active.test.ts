/**
 * kernfs_get_active on an open sysfs attribute (fs/kernfs/file.c): an open file holds its node
 * (`of->kn`), and every read and write asks the node whether it is still active — no path
 * lookup. The node goes inactive when its attribute leaves sysfs (device_del, a group turning
 * invisible, a new object under the same name); it follows its device through a rename.
 */
import { describe, expect, it } from 'vitest';
import { Device, DeviceClass } from '../../src/bus/index.js';
import { createToyMachine, errnoOf } from '../support/toy-bus.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function counterMachine() {
  const { machine, toy } = createToyMachine();
  let visible = true;
  let shows = 0;
  const make = (name: string) => {
    const dev = toy.create(name);
    dev.groups.push({
      attrs: [{ name: 'counter', mode: 0o644, show: () => `${++shows}\n`, store: (_d: Device, v: string) => v.length }],
      isVisible: (_d, attr) => (visible ? attr.mode : 0),
    });
    machine.core.add(dev);
    return dev;
  };
  return {
    machine,
    make,
    root: machine.processes.root,
    hide: () => void (visible = false),
    shows: () => shows,
  };
}

describe('an open sysfs attribute holds its node (kernfs_get_active)', () => {
  it('should walk no path on pread, read or write of an open device attribute', () => {
    const { machine, make, root, shows } = counterMachine();
    make('zz0');
    const fd = root.open('/sys/devices/zz0/counter', 'rw');
    const walks = machine.sysfs.walks;
    const reads = [0, 1, 2, 3, 4].map(() => text(root.pread(fd, 16, 0)));
    root.pwrite(fd, new TextEncoder().encode('x'), 0);
    root.write(fd, 'y');
    expect(reads).toEqual(['1\n', '2\n', '3\n', '4\n', '5\n']);
    expect(shows()).toBe(5);
    expect(machine.sysfs.walks - walks).toBe(0);
    root.close(fd);
  });

  it('should walk no path on pread of an open PCI config file (the DOE client polls it)', async () => {
    const { createMachine } = await import('../../src/machine/index.js');
    const m = createMachine({ presets: ['cxl-type3'] });
    m.boot();
    m.settle();
    const fd = m.processes.root.open('/sys/bus/pci/devices/0000:0d:00.0/config', 'r');
    const walks = m.sysfs.walks;
    for (let i = 0; i < 10; i++) m.processes.root.pread(fd, 4, 0x100);
    expect(m.sysfs.walks - walks).toBe(0);
    m.processes.root.close(fd);
    m.dispose();
  });

  it('should answer ENODEV once the device is deleted, and stay so when a new device takes the name', () => {
    const { machine, make, root } = counterMachine();
    const dev = make('zz0');
    const fd = root.open('/sys/devices/zz0/counter', 'rw');
    machine.core.del(dev);
    expect(errnoOf(() => root.pread(fd, 16, 0))).toBe('ENODEV');
    expect(errnoOf(() => root.write(fd, 'x'))).toBe('ENODEV');
    make('zz0');
    expect(errnoOf(() => root.pread(fd, 16, 0))).toBe('ENODEV');
    expect(text(root.pread(root.open('/sys/devices/zz0/counter'), 16, 0))).toMatch(/^\d+\n$/);
  });

  it('should answer ENODEV once the attribute leaves the directory (its group turns invisible)', () => {
    const { make, root, hide } = counterMachine();
    make('zz0');
    const fd = root.open('/sys/devices/zz0/counter');
    expect(text(root.pread(fd, 16, 0))).toBe('1\n');
    hide();
    expect(errnoOf(() => root.pread(fd, 16, 0))).toBe('ENODEV');
  });

  it('should answer ENODEV when a child device shadows the attribute name', () => {
    const { machine, make, root } = counterMachine();
    const parent = make('zz0');
    const fd = root.open('/sys/devices/zz0/counter');
    machine.core.add(new Device({ name: 'counter', parent }));
    expect(errnoOf(() => root.pread(fd, 16, 0))).toBe('ENODEV');
  });

  it('should follow a child device renamed onto and off the attribute name (the children by name)', () => {
    const { machine, make, root } = counterMachine();
    const parent = make('zz0');
    const kid = new Device({ name: 'kid', parent });
    machine.core.add(kid);
    const fd = root.open('/sys/devices/zz0/counter');
    expect(text(root.pread(fd, 16, 0))).toBe('1\n');
    machine.core.rename(kid, 'counter');
    expect(errnoOf(() => root.pread(fd, 16, 0))).toBe('ENODEV');
    machine.core.rename(kid, 'other');
    expect(text(root.pread(fd, 16, 0))).toBe('2\n');
  });

  it('should find every group dpm_sysfs_add makes under power/ only (the lookup of another name skips them)', async () => {
    const { IDevicePower } = await import('../../src/bus/index.js');
    const { machine, make, root } = counterMachine();
    const dev = make('zz0');
    const groups = machine.get(IDevicePower).groups(dev);
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.map((g) => g.name)).toEqual(groups.map(() => 'power'));
    expect(root.readdir('/sys/devices/zz0')).toContain('power');
    expect(root.stat('/sys/devices/zz0/power').type).toBe('dir');
  });

  it('should keep an open attribute of a renamed device active (device_rename moves the node)', () => {
    const { machine, toy } = createToyMachine();
    const net = new DeviceClass({ name: 'net' });
    machine.buses.classUnregister(machine.buses.class('net')!);
    machine.buses.classRegister(net);
    const nic = toy.add('nic0');
    const eth0 = new Device({ name: 'eth0', parent: nic, class: net });
    eth0.groups.push({ attrs: [{ name: 'ifalias', mode: 0o444, show: (d: Device) => `${d.name}\n` }] });
    machine.core.add(eth0);
    const root = machine.processes.root;
    const fd = root.open('/sys/class/net/eth0/ifalias');
    machine.core.rename(eth0, 'lan0');
    expect(text(root.pread(fd, 16, 0))).toBe('lan0\n');
    machine.core.del(eth0);
    expect(errnoOf(() => root.pread(fd, 16, 0))).toBe('ENODEV');
  });

  it('should still re-walk the path of an attribute outside a device directory (bus, driver files)', () => {
    const { machine, toy } = createToyMachine();
    const alpha = toy.register('alpha', { prefix: 'a' });
    const root = machine.processes.root;
    const fd = root.open('/sys/bus/toy/drivers/alpha/uevent', 'w');
    const walks = machine.sysfs.walks;
    root.write(fd, 'change');
    expect(machine.sysfs.walks - walks).toBe(1);
    machine.buses.driverUnregister(alpha);
    expect(errnoOf(() => root.write(fd, 'change'))).toBe('ENODEV');
  });
});
