/**
 * Reference §1.14 (devres): LIFO release after remove() on unbind and on every probe failure,
 * groups release only their own nodes, and the last put is a safety net.
 */
import { describe, expect, it } from 'vitest';
import { BugIndicatingError } from '../../src/base/index.js';
import { devmAddAction, devresNames, devresOpenGroup, devresReleaseAll, devresReleaseGroup } from '../../src/bus/index.js';
import { createToyMachine } from '../support/toy-bus.js';

describe('devres', () => {
  it('should keep probe-time resources alive during remove() and release them LIFO right after', () => {
    const { machine, toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a', devres: ['clk', 'irq', 'mmio'], onRemove: (dev) => toy.log.push(`alive: ${devresNames(dev).join(',')}`) });
    toy.add('a0');
    machine.processes.root.writeFile('/sys/bus/toy/drivers/alpha/unbind', 'a0');
    expect(toy.log).toEqual(['probe alpha a0', 'remove alpha a0', 'alive: clk,irq,mmio', 'devres mmio a0', 'devres irq a0', 'devres clk a0']);
  });

  it('should release LIFO on a failed probe, so the next driver starts clean', () => {
    const { toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a', devres: ['r1', 'r2'], outcome: 'ENODEV' });
    toy.register('beta', { prefix: 'a', devres: ['b1'] });
    const dev = toy.add('a0');
    expect(toy.log).toEqual(['probe alpha a0', 'devres r2 a0', 'devres r1 a0', 'probe beta a0']);
    expect(devresNames(dev)).toEqual(['b1']);
  });

  it('should delete children created with devm after the parent remove(), before its `unbind`', () => {
    const { machine, toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a', children: (dev) => [`kid-${dev.name}-0`, `kid-${dev.name}-1`] });
    toy.add('a0');
    toy.trace();
    machine.processes.root.writeFile('/sys/bus/toy/drivers/alpha/unbind', 'a0');
    expect(toy.log.filter((l) => !l.includes('_DEVICE') && !l.includes('_DRIVER'))).toEqual([
      'remove alpha a0',
      'uevent remove /devices/a0/kid-a0-1',
      'uevent remove /devices/a0/kid-a0-0',
      'uevent unbind /devices/a0',
    ]);
  });

  it('should release only the nodes of a group, newest first', () => {
    const { toy } = createToyMachine();
    const dev = toy.add('zz0');
    const log: string[] = [];
    devmAddAction(dev, 'outer', () => log.push('outer'));
    const g = devresOpenGroup(dev);
    devmAddAction(dev, 'in1', () => log.push('in1'));
    devmAddAction(dev, 'in2', () => log.push('in2'));
    devresReleaseGroup(dev, g);
    expect(log).toEqual(['in2', 'in1']);
    expect(devresNames(dev)).toEqual(['outer']);
    expect(devresReleaseAll(dev)).toBe(1);
    expect(log).toEqual(['in2', 'in1', 'outer']);
    expect(() => devresReleaseGroup(dev, g)).toThrow(BugIndicatingError);
  });

  it('should release leftovers at the last put (device_release safety net)', () => {
    const { machine, toy } = createToyMachine();
    const dev = toy.add('zz0');
    const log: string[] = [];
    devmAddAction(dev, 'leak', () => log.push('leak'));
    dev.release = () => log.push('release');
    toy.remove(dev);
    expect(log).toEqual(['leak', 'release']);
    expect(machine.core.findByPath('/devices/zz0')).toBeUndefined();
  });
});
