import { describe, expect, it } from 'vitest';
import { IScheduler } from '../../src/base/index.js';
import { createMachine } from '../../src/machine/index.js';
import { ToyBus, createToyMachine, errnoOf } from '../support/toy-bus.js';

describe('createMachine', () => {
  it('should resolve every service as a singleton of its own machine', () => {
    const one = createMachine({ presets: [] });
    const two = createMachine({ presets: [] });
    expect(one.core).toBe(one.core);
    expect(one.scheduler).toBe(one.get(IScheduler));
    for (const k of ['core', 'buses', 'binder', 'deferred', 'links', 'sysfs', 'devtmpfs', 'uevent', 'modules', 'taint', 'processes'] as const) {
      expect(one[k]).not.toBe(two[k]);
    }
  });

  it('should share no driver-model state between two machines', () => {
    const a = createToyMachine();
    const b = createToyMachine();
    const supplier = a.toy.add('s0');
    const consumer = a.toy.add('c0');
    a.machine.links.add(consumer, supplier, 0);
    a.machine.taint.add('USER');
    a.machine.processes.root.writeFile('/sys/bus/toy/drivers_autoprobe', '0');
    expect(b.machine.processes.root.readdir('/sys/class/devlink')).toEqual([]);
    expect(b.machine.taint.letters).toBe('');
    expect(b.machine.processes.root.readFile('/sys/bus/toy/drivers_autoprobe')).toBe('1\n');
    expect(b.machine.uevent.seqnum).toBeLessThan(a.machine.uevent.seqnum);
  });

  it('should apply the lockdown and policy options', () => {
    const m = createMachine({ presets: [], lockdown: 'confidentiality', policy: { kind: 'random', seed: 3 } });
    expect(m.lockdown.level).toBe('confidentiality');
    expect(m.options.policy).toEqual({ kind: 'random', seed: 3 });
    expect(m.options.presets).toEqual([]);
  });
});

describe('Machine.findDevice', () => {
  it('should find by bare name, bus:name or class:name; ENODEV when absent, EINVAL when ambiguous', () => {
    const { machine, toy } = createToyMachine();
    const other = new ToyBus(machine, 'other');
    const a0 = toy.add('a0');
    const dup1 = toy.add('dup');
    other.add('dup', { parent: other.add('host') });
    expect(machine.findDevice('a0')).toBe(a0);
    expect(machine.findDevice('toy:dup')).toBe(dup1);
    expect(errnoOf(() => machine.findDevice('dup'))).toBe('EINVAL');
    expect(errnoOf(() => machine.findDevice('nosuch'))).toBe('ENODEV');
    const s0 = toy.add('s0');
    machine.links.add(a0, s0, 0);
    expect(machine.findDevice('devlink:toy:s0--toy:a0').class?.name).toBe('devlink');
  });
});

describe('Machine.boot', () => {
  it('should boot once with no presets, arm the deferred-probe timeout and settle', () => {
    const m = createMachine({ presets: [], autoload: false });
    m.boot();
    expect(m.booted).toBe(true);
    expect(m.scheduler.ready).toEqual([]);
    expect(errnoOf(() => m.boot())).toBe('EBUSY');
    m.advance(10_000);
    expect(m.deferred.timeoutExpired).toBe(true);
  });
});
