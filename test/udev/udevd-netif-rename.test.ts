/**
 * NAME= for a network interface on the machine: the udev worker renames the interface through
 * the network layer's hook (rtnl_set_link_name), the kernel's device_rename sends `move` with
 * DEVPATH_OLD, udevd runs that event after the add it came from, and the move finds the add
 * event's database entry (keyed by ifindex, n<IFINDEX>): its tags carry over, its properties do
 * not (252 copies no property on move; conformance case 129).
 */
import { describe, expect, it } from 'vitest';
import { kerr } from '../../src/base/index.js';
import { Device, DeviceClass, IUdevNetifRenamer } from '../../src/bus/index.js';
import { type Machine, machineUdev } from '../../src/machine/index.js';
import { createToyMachine } from '../support/toy-bus.js';

function netMachine(rules: string, up = false) {
  const { machine, toy } = createToyMachine({ rules: [{ name: '70-net.rules', text: rules }] });
  machine.boot();
  const ifindex = new Map<Device, number>();
  const net = new DeviceClass({
    name: 'net',
    devUevent: (dev, env) => {
      env.add('INTERFACE', dev.name);
      env.add('IFINDEX', String(ifindex.get(dev)));
    },
  });
  // The machine's own class `net` (net/core) gives way to this test's stand-in.
  machine.buses.classUnregister(machine.buses.class('net')!);
  machine.buses.classRegister(net);
  const renames: string[] = [];
  machine.container.unbind(IUdevNetifRenamer);
  machine.container.bind(IUdevNetifRenamer).toConstantValue({
    rename(index: number, oldName: string, newName: string) {
      const dev = [...ifindex].find(([, i]) => i === index)?.[0];
      if (!dev || dev.name !== oldName) throw kerr('ENODEV', `no interface ${index} named ${oldName}`);
      if (up) throw kerr('EBUSY', `${oldName} is up`);
      renames.push(`${oldName}→${newName}`);
      machine.core.rename(dev, newName);
    },
  });
  const nic = toy.add('nic0');
  const addNetdev = (name: string, index: number) => {
    const dev = new Device({ name, parent: nic, class: net });
    ifindex.set(dev, index);
    machine.core.add(dev);
    machine.settle();
    return dev;
  };
  return { machine, addNetdev, renames };
}

const processed = (m: Machine) =>
  machineUdev(m)
    .daemon.processed.filter((p) => p.devpath.includes('/net/'))
    .map((p) => `${p.action} ${p.devpath}`);

describe('udevd: NAME= renames a network interface', () => {
  it('should rename through the network layer, then process the kernel move event', () => {
    const { machine, addNetdev, renames } = netMachine(
      'SUBSYSTEM=="net", ACTION=="add", NAME="lan0", ENV{ID_SEEN}="1", TAG+="seen"\n' +
        'SUBSYSTEM=="net", ACTION=="move", TAG=="seen", ENV{SEEN_BEFORE_MOVE}="$env{DEVPATH_OLD}"\n',
    );
    const eth0 = addNetdev('eth0', 2);
    expect(renames).toEqual(['eth0→lan0']);
    expect(eth0.name).toBe('lan0');
    expect(machine.processes.root.readdir('/sys/class/net')).toEqual(['lan0']);
    const move = machine.uevent.log.find((e) => e.action === 'move')!;
    expect(Object.fromEntries(move.env)).toMatchObject({
      DEVPATH: '/devices/nic0/net/lan0',
      DEVPATH_OLD: '/devices/nic0/net/eth0',
      INTERFACE: 'lan0',
    });
    // The add event ends under the new path; the move event runs after it.
    expect(processed(machine)).toEqual(['add /devices/nic0/net/lan0', 'move /devices/nic0/net/lan0']);
    const entry = machineUdev(machine).daemon.db.get('n2');
    expect(entry?.properties).toContainEqual(['SEEN_BEFORE_MOVE', '/devices/nic0/net/eth0']);
    expect(entry?.properties.some(([k]) => k === 'ID_SEEN')).toBe(false);
    expect(entry?.tags).toEqual(['seen']);
    expect(machineUdev(machine).daemon.isIdle).toBe(true);
  });

  it('should leave the interface named as it was when the rename fails, and log why', () => {
    const { machine, addNetdev, renames } = netMachine('SUBSYSTEM=="net", ACTION=="add", NAME="lan0"\n', true);
    const eth0 = addNetdev('eth0', 2);
    expect(renames).toEqual([]);
    expect(eth0.name).toBe('eth0');
    expect(machine.uevent.log.some((e) => e.action === 'move')).toBe(false);
    const journal = machineUdev(machine)
      .daemon.journal.map((d) => d.text)
      .join('\n');
    expect(journal).toMatch(/eth0.*lan0|lan0.*eth0/);
  });
});
