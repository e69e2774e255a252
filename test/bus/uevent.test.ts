/**
 * Reference §2.1/§2.2 (uevent actions and environment composition) and §1.15 (bus notifier
 * scope): key order, SEQNUM, DRIVER only while bound, dropped events.
 */
import { describe, expect, it } from 'vitest';
import { Device, DeviceClass, ueventVar, ueventKeys } from '../../src/bus/index.js';
import { createToyMachine } from '../support/toy-bus.js';

describe('KobjectUevent.send (kobject_uevent_env)', () => {
  it('should order keys ACTION, DEVPATH, SUBSYSTEM, dev_uevent keys, bus keys, SEQNUM', () => {
    const { machine, toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a' });
    const mark = machine.uevent.log.length;
    toy.add('a0', { devt: { major: 240, minor: 1 } });
    const [add, bind] = machine.uevent.log.slice(mark);
    expect(ueventKeys(add!)).toEqual(['ACTION', 'DEVPATH', 'SUBSYSTEM', 'MAJOR', 'MINOR', 'DEVNAME', 'MODALIAS', 'SEQNUM']);
    expect(ueventKeys(bind!)).toEqual(['ACTION', 'DEVPATH', 'SUBSYSTEM', 'MAJOR', 'MINOR', 'DEVNAME', 'DRIVER', 'MODALIAS', 'SEQNUM']);
    expect(Object.fromEntries(bind!.env)).toMatchObject({
      ACTION: 'bind',
      DEVPATH: '/devices/a0',
      SUBSYSTEM: 'toy',
      DRIVER: 'alpha',
      MODALIAS: 'toy:a0',
      DEVNAME: 'a0',
    });
  });

  it('should put DEVTYPE after DEVNAME and before DRIVER, then class and type keys', () => {
    const { machine, toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a' });
    const dev = toy.create('a0', { devt: { major: 240, minor: 2 } });
    dev.type = { name: 'widget', uevent: (_d, env) => env.add('TYPE_KEY', '1') };
    const mark = machine.uevent.log.length;
    machine.core.add(dev);
    expect(ueventKeys(machine.uevent.log[mark + 1]!)).toEqual([
      'ACTION',
      'DEVPATH',
      'SUBSYSTEM',
      'MAJOR',
      'MINOR',
      'DEVNAME',
      'DEVTYPE',
      'DRIVER',
      'MODALIAS',
      'TYPE_KEY',
      'SEQNUM',
    ]);
  });

  it('should carry DRIVER only while bound: on bind and change, not on add, unbind, remove', () => {
    const { machine, toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a' });
    const mark = machine.uevent.log.length;
    const dev = toy.add('a0');
    machine.processes.root.writeFile('/sys/devices/a0/uevent', 'change');
    toy.remove(dev);
    const seen = machine.uevent.log.slice(mark).map((e) => `${e.action}:${ueventVar(e, 'DRIVER') ?? '-'}`);
    expect(seen).toEqual(['add:-', 'bind:alpha', 'change:alpha', 'unbind:-', 'remove:-']);
  });

  it('should number events with a strictly increasing SEQNUM, shown in /sys/kernel/uevent_seqnum', () => {
    const { machine, toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a' });
    for (const n of ['a0', 'a1', 'zz']) toy.add(n);
    machine.processes.root.writeFile('/sys/bus/toy/uevent', 'change');
    const seqs = machine.uevent.log.map((e) => e.seqnum);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(machine.uevent.log.every((e) => ueventVar(e, 'SEQNUM') === String(e.seqnum))).toBe(true);
    expect(machine.processes.root.readFile('/sys/kernel/uevent_seqnum')).toBe(`${seqs.length}\n`);
  });

  it('should drop (not fail) events of a device with neither bus nor class, without using a SEQNUM', () => {
    const { machine } = createToyMachine();
    const seq = machine.uevent.seqnum;
    machine.core.add(new Device({ name: 'orphan' }));
    expect(machine.uevent.seqnum).toBe(seq);
    expect(machine.vfs.exists('/sys/devices/orphan')).toBe(true);
  });

  it('should send class devices with SUBSYSTEM=<class> below /devices/virtual or a glue dir', () => {
    const { machine, toy } = createToyMachine();
    const cls = new DeviceClass({ name: 'widget' });
    machine.buses.classRegister(cls);
    const parent = toy.add('zz0');
    const mark = machine.uevent.log.length;
    machine.core.add(new Device({ name: 'w0', class: cls, parent }));
    machine.core.add(new Device({ name: 'w1', class: cls }));
    expect(machine.uevent.log.slice(mark).map((e) => [e.devpath, e.subsystem])).toEqual([
      ['/devices/zz0/widget/w0', 'widget'],
      ['/devices/virtual/widget/w1', 'widget'],
    ]);
    expect(machine.processes.root.readlink('/sys/class/widget/w0')).toBe('../../devices/zz0/widget/w0');
  });
});

describe('BusNotifier', () => {
  it('should notify only for devices on a bus (class devices are not bus devices)', () => {
    const { machine, toy } = createToyMachine();
    const seen: string[] = [];
    machine.notifier.onDidAddDevice((d) => seen.push(`add ${d.name}`));
    machine.notifier.onWillRemoveDevice((d) => seen.push(`del ${d.name}`));
    machine.notifier.onDidRemoveDevice((d) => seen.push(`removed ${d.name}`));
    const cls = new DeviceClass({ name: 'widget' });
    machine.buses.classRegister(cls);
    const w = new Device({ name: 'w0', class: cls });
    machine.core.add(w);
    const s0 = toy.add('s0');
    const c0 = toy.add('c0');
    machine.links.add(c0, s0, 0); // a devlink class device
    machine.core.unregister(w);
    expect(seen).toEqual(['add s0', 'add c0']);
  });
});
