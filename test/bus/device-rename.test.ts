/**
 * device_rename (reference §2.1 `move`): the class link and the sysfs directory follow the new
 * name, children move along, and one `move` uevent carries DEVPATH_OLD right after SUBSYSTEM
 * and before the class's own variables. Failures (EEXIST, EINVAL) change nothing.
 */
import { describe, expect, it } from 'vitest';
import { Device, DeviceClass, ueventKeys } from '../../src/bus/index.js';
import { createToyMachine, errnoOf } from '../support/toy-bus.js';

function netMachine() {
  const { machine, toy } = createToyMachine();
  const net = new DeviceClass({
    name: 'net',
    devUevent: (dev, env) => {
      env.add('INTERFACE', dev.name);
      env.add('IFINDEX', dev.name === 'eth1' ? '3' : '2');
    },
  });
  // The machine's own class `net` (net/core) gives way to this test's stand-in.
  machine.buses.classUnregister(machine.buses.class('net')!);
  machine.buses.classRegister(net);
  const parent = toy.add('nic0');
  const add = (name: string, p: Device = parent) => {
    const d = new Device({ name, parent: p, class: net });
    machine.core.add(d);
    return d;
  };
  return { machine, net, parent, add, root: machine.processes.root };
}

describe('device_rename', () => {
  it('should send one move uevent with DEVPATH_OLD after SUBSYSTEM and the class variables after it', () => {
    const { machine, add } = netMachine();
    const eth0 = add('eth0');
    const mark = machine.uevent.log.length;
    machine.core.rename(eth0, 'lan0');
    const events = machine.uevent.log.slice(mark);
    expect(events.map((e) => `${e.action} ${e.devpath}`)).toEqual(['move /devices/nic0/net/lan0']);
    expect(ueventKeys(events[0]!)).toEqual(['ACTION', 'DEVPATH', 'SUBSYSTEM', 'DEVPATH_OLD', 'INTERFACE', 'IFINDEX', 'SEQNUM']);
    expect(Object.fromEntries(events[0]!.env)).toMatchObject({ DEVPATH_OLD: '/devices/nic0/net/eth0', INTERFACE: 'lan0' });
  });

  it('should move the sysfs directory, the class link and the children', () => {
    const { machine, add, root } = netMachine();
    const eth0 = add('eth0');
    const queue = new Device({ name: 'eth0q', parent: eth0, class: new DeviceClass({ name: 'queues' }) });
    machine.buses.classRegister(queue.class!);
    machine.core.add(queue);
    machine.core.rename(eth0, 'lan0');
    expect(root.readdir('/sys/class/net')).toEqual(['lan0']);
    expect(root.readlink('/sys/class/net/lan0')).toBe('../../devices/nic0/net/lan0');
    expect(errnoOf(() => root.stat('/sys/devices/nic0/net/eth0'))).toBe('ENOENT');
    expect(machine.core.findByPath('/devices/nic0/net/lan0')).toBe(eth0);
    expect(machine.core.findByPath(queue.devpath)).toBe(queue);
    expect(queue.devpath.startsWith('/devices/nic0/net/lan0/')).toBe(true);
    // The moved devices can still be deleted cleanly, children first.
    machine.core.del(queue);
    machine.core.del(eth0);
    expect(root.readdir('/sys/class/net')).toEqual([]);
  });

  it.each([
    ['a name taken in the class', 'eth1', 'EEXIST'],
    ['an empty name', '', 'EINVAL'],
    ['a name with a slash', 'a/b', 'EINVAL'],
  ] as const)('should refuse %s with %s and change nothing', (_what, name, errno) => {
    const { machine, add } = netMachine();
    const eth0 = add('eth0');
    add('eth1');
    const mark = machine.uevent.log.length;
    expect(errnoOf(() => machine.core.rename(eth0, name))).toBe(errno);
    expect(eth0.name).toBe('eth0');
    expect(machine.core.findByPath('/devices/nic0/net/eth0')).toBe(eth0);
    expect(machine.uevent.log.length).toBe(mark);
  });

  it('should refuse EINVAL for a device that is not in sysfs', () => {
    const { machine, add } = netMachine();
    const eth0 = add('eth0');
    machine.core.del(eth0);
    expect(errnoOf(() => machine.core.rename(eth0, 'lan0'))).toBe('EINVAL');
  });
});

describe('Device.devpath', () => {
  it('should follow a rename and a class change of any ancestor, and give the same string while nothing changed', () => {
    const { add, parent, net } = netMachine();
    const eth0 = add('eth0');
    const child = new Device({ name: 'q0', parent: eth0 });
    const first = child.devpath;
    expect(child.devpath).toBe(first);
    expect(Object.is(child.devpath, first)).toBe(true);
    parent.name = 'nic9';
    expect(child.devpath).toBe('/devices/nic9/net/eth0/q0');
    eth0.name = 'lan0';
    expect(child.devpath).toBe('/devices/nic9/net/lan0/q0');
    child.class = net;
    expect(child.devpath).toBe('/devices/nic9/net/lan0/q0');
    child.parent = undefined;
    expect(child.devpath).toBe('/devices/virtual/net/q0');
  });
});
