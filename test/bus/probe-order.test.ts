/**
 * Reference §1.5 (really_probe), §1.6 (probe return codes), §1.7 (unbind) and §1.8 (driver
 * registration): exact sequences of notifier events, callbacks, devres releases and uevents.
 */
import { describe, expect, it } from 'vitest';
import { BusType, DeviceDriver, devmAddAction, devresNames, ueventVar, ueventKeys } from '../../src/bus/index.js';
import { createToyMachine, errnoOf } from '../support/toy-bus.js';

const kernelLog = (m: ReturnType<typeof createToyMachine>['machine'], level?: string) =>
  m.log.records.filter((r) => r.source === 'kernel' && (level === undefined || r.level === level)).map((r) => r.message);

describe('DriverBinder really_probe', () => {
  it('should notify BIND_DRIVER before probe() and have the driver links while probe() runs', () => {
    const { machine, toy } = createToyMachine();
    const root = machine.processes.root;
    const seen: unknown[] = [];
    toy.register('alpha', {
      prefix: 'a',
      onProbe: (dev) => {
        seen.push(dev.driver?.name);
        seen.push(root.readlink('/sys/devices/a0/driver'));
        seen.push(root.readlink('/sys/bus/toy/drivers/alpha/a0'));
      },
    });
    toy.trace();
    toy.add('a0');
    expect(seen).toEqual(['alpha', '../../bus/toy/drivers/alpha', '../../../../devices/a0']);
    expect(toy.log.indexOf('BIND_DRIVER a0')).toBeLessThan(toy.log.indexOf('probe alpha a0'));
    expect(toy.log.slice(-2)).toEqual(['BOUND_DRIVER a0', 'uevent bind /devices/a0 DRIVER=alpha']);
  });

  it('should unwind a failed probe: DRIVER_NOT_BOUND, devres LIFO, no uevent, no links', () => {
    const { machine, toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a', devres: ['r1', 'r2', 'r3'], outcome: 'EIO' });
    toy.trace();
    const dev = toy.add('a0');
    expect(toy.log).toEqual([
      'ADD_DEVICE a0',
      'uevent add /devices/a0',
      'BIND_DRIVER a0',
      'probe alpha a0',
      'DRIVER_NOT_BOUND a0',
      'devres r3 a0',
      'devres r2 a0',
      'devres r1 a0',
    ]);
    expect(dev.driver).toBeUndefined();
    expect(dev.driverData).toBeUndefined();
    expect(machine.vfs.exists('/sys/devices/a0/driver')).toBe(false);
    expect(machine.processes.root.readdir('/sys/bus/toy/drivers/alpha')).toEqual(['bind', 'uevent', 'unbind']);
  });

  it('should refuse to probe with devres present ("Resources present before probing") → EBUSY', () => {
    const { machine, toy } = createToyMachine();
    machine.processes.root.writeFile('/sys/bus/toy/drivers_autoprobe', '0');
    toy.register('alpha', { prefix: 'a' });
    const dev = toy.add('a0');
    devmAddAction(dev, 'leftover', () => toy.log.push('leftover released'));
    toy.trace();
    expect(errnoOf(() => machine.processes.root.writeFile('/sys/bus/toy/drivers/alpha/bind', 'a0'))).toBe('EBUSY');
    expect(toy.log).toEqual([]);
    expect(devresNames(dev)).toEqual(['leftover']);
    expect(kernelLog(machine).some((m) => m.includes('Resources present before probing'))).toBe(true);
  });
});

describe('DriverBinder probe return codes (call_driver_probe)', () => {
  it('should try drivers in registration order until one succeeds; ENODEV/ENXIO quiet, others dev_err', () => {
    const { machine, toy } = createToyMachine();
    toy.register('d1', { prefix: 'a', outcome: 'ENODEV' });
    toy.register('d2', { prefix: 'a', outcome: 'ENXIO' });
    toy.register('d3', { prefix: 'a', outcome: 'EIO' });
    toy.register('d4', { prefix: 'a', outcome: 'EPROBE_DEFER' });
    toy.register('d5', { prefix: 'a' });
    toy.register('d6', { prefix: 'a' });
    const errors = kernelLog(machine, 'error').length;
    const dev = toy.add('a0');
    expect(toy.log).toEqual(['probe d1 a0', 'probe d2 a0', 'probe d3 a0', 'probe d4 a0', 'probe d5 a0']);
    expect(dev.driver?.name).toBe('d5');
    const newErrors = kernelLog(machine, 'error').slice(errors);
    expect(newErrors).toEqual(['toy a0: probe with driver d3 failed with error -5']);
    const debug = kernelLog(machine, 'debug');
    expect(debug.some((m) => m.includes('d1') && m.includes('rejects match -19'))).toBe(true);
    expect(debug.some((m) => m.includes('d2') && m.includes('rejects match -6'))).toBe(true);
    expect(debug.some((m) => m.includes('d4') && m.includes('requests probe deferral'))).toBe(true);
    // The device bound, so it left the deferred list d4 put it on.
    expect(machine.deferred.devices).toEqual([]);
  });

  it('should stop at the first driver whose match() defers and try no other', () => {
    const { machine, toy } = createToyMachine();
    toy.register('d1', { prefix: 'a' });
    toy.deferMatch.add('a0');
    const dev = toy.add('a0');
    expect(toy.log).toEqual([]);
    expect(dev.driver).toBeUndefined();
    expect(machine.deferred.devices).toEqual([dev]);
  });
});

describe('DriverBinder.releaseDriver (__device_release_driver)', () => {
  function linked() {
    const { machine, toy } = createToyMachine();
    const root = machine.processes.root;
    const seen: unknown[] = [];
    const watch = (dev: { name: string }) => {
      seen.push(`${dev.name}: driver link ${machine.vfs.exists(`/sys/devices/${dev.name}/driver`)}`);
      seen.push(`${dev.name}: devres ${devresNames(toy.device(dev.name)).join(',')}`);
    };
    toy.register('sdrv', { prefix: 's', devres: ['s1', 's2'], onRemove: watch });
    toy.register('cdrv', { prefix: 'c', devres: ['c1'], onRemove: watch });
    const s0 = toy.add('s0');
    root.writeFile('/sys/bus/toy/drivers_autoprobe', '0');
    const c0 = toy.add('c0');
    expect(machine.links.add(c0, s0, 0)).toBeDefined();
    root.writeFile('/sys/bus/toy/drivers_probe', 'c0');
    root.writeFile('/sys/bus/toy/drivers_autoprobe', '1');
    expect([s0.driver?.name, c0.driver?.name]).toEqual(['sdrv', 'cdrv']);
    return { machine, toy, root, seen, s0, c0 };
  }

  it('should force-unbind consumers first, remove links before remove(), devres LIFO after it', () => {
    const { toy, root, seen, s0, c0 } = linked();
    toy.trace();
    expect(root.writeFile('/sys/bus/toy/drivers/sdrv/unbind', 's0')).toBe(2);
    expect(toy.log).toEqual([
      'UNBIND_DRIVER c0',
      'remove cdrv c0',
      'devres c1 c0',
      'UNBOUND_DRIVER c0',
      'uevent unbind /devices/c0',
      'UNBIND_DRIVER s0',
      'remove sdrv s0',
      'devres s2 s0',
      'devres s1 s0',
      'UNBOUND_DRIVER s0',
      'uevent unbind /devices/s0',
    ]);
    expect(seen).toEqual(['c0: driver link false', 'c0: devres c1', 's0: driver link false', 's0: devres s1,s2']);
    expect([s0.driver, c0.driver]).toEqual([undefined, undefined]);
    expect(s0.p.devres).toEqual([]);
  });

  it('should send `unbind` without DRIVER or MODALIAS (zap_modalias_env) and keep dev.driver set until after remove()', () => {
    const { machine, toy, root } = linked();
    toy.spec(machine.buses.bus('toy')!.findDriver('cdrv')!).onRemove = (dev) => toy.log.push(`driver during remove: ${dev.driver?.name}`);
    root.writeFile('/sys/bus/toy/drivers/cdrv/unbind', 'c0');
    const ev = machine.uevent.log.at(-1)!;
    expect(ev.action).toBe('unbind');
    expect(ueventVar(ev, 'DRIVER')).toBeUndefined();
    expect(ueventKeys(ev)).toEqual(['ACTION', 'DEVPATH', 'SUBSYSTEM', 'SEQNUM']);
    expect(machine.uevent.log.find((e) => e.action === 'add' && e.devpath === ev.devpath)?.env.find(([k]) => k === 'MODALIAS')).toBeDefined();
    expect(toy.log).toContain('driver during remove: cdrv');
  });
});

describe('BusRegistry.driverRegister / driverUnregister', () => {
  it("should bind existing devices before the driver's own `add` uevent", () => {
    const { machine, toy } = createToyMachine();
    toy.add('a0');
    toy.add('zz0');
    toy.add('a1');
    toy.trace();
    toy.register('alpha', { prefix: 'a' });
    expect(toy.log).toEqual([
      'BIND_DRIVER a0',
      'probe alpha a0',
      'BOUND_DRIVER a0',
      'uevent bind /devices/a0 DRIVER=alpha',
      'BIND_DRIVER a1',
      'probe alpha a1',
      'BOUND_DRIVER a1',
      'uevent bind /devices/a1 DRIVER=alpha',
      'uevent add /bus/toy/drivers/alpha',
    ]);
    const ev = machine.uevent.log.at(-1)!;
    expect(ueventKeys(ev)).toEqual(['ACTION', 'DEVPATH', 'SUBSYSTEM', 'SEQNUM']);
    expect(Object.fromEntries(ev.env)).toMatchObject({ DEVPATH: '/bus/toy/drivers/alpha', SUBSYSTEM: 'drivers' });
  });

  it('should refuse a bus that is not registered with EINVAL', () => {
    const { machine } = createToyMachine();
    const bus = new BusType({ name: 'ghost' });
    expect(errnoOf(() => machine.buses.driverRegister(new DeviceDriver({ name: 'x', bus })))).toBe('EINVAL');
  });

  it('should refuse a second driver of the same name with EBUSY and leave the first alone', () => {
    const { machine, toy } = createToyMachine();
    const first = toy.register('alpha', { prefix: 'a' });
    const seq = machine.uevent.seqnum;
    expect(errnoOf(() => toy.register('alpha', { prefix: 'zz' }))).toBe('EBUSY');
    expect(machine.uevent.seqnum).toBe(seq);
    expect(toy.bus.drivers).toEqual([first]);
  });

  it("should unbind last-bound first, then send the driver's `remove`", () => {
    const { machine, toy } = createToyMachine();
    const root = machine.processes.root;
    root.writeFile('/sys/bus/toy/drivers_autoprobe', '0');
    const alpha = toy.register('alpha', { prefix: 'a' });
    toy.add('a0');
    toy.add('a1');
    toy.add('a2');
    root.writeFile('/sys/bus/toy/drivers/alpha/bind', 'a1');
    root.writeFile('/sys/bus/toy/drivers/alpha/bind', 'a2');
    root.writeFile('/sys/bus/toy/drivers/alpha/bind', 'a0');
    toy.trace();
    toy.unregister(alpha);
    expect(toy.log.filter((l) => l.startsWith('uevent'))).toEqual([
      'uevent unbind /devices/a0',
      'uevent unbind /devices/a2',
      'uevent unbind /devices/a1',
      'uevent remove /bus/toy/drivers/alpha',
    ]);
    expect(machine.vfs.exists('/sys/bus/toy/drivers/alpha')).toBe(false);
  });

  it('should let another driver take the devices only at the next probe, not at unregister', () => {
    const { toy } = createToyMachine();
    const alpha = toy.register('alpha', { prefix: 'a' });
    toy.register('beta', { prefix: 'a' });
    const dev = toy.add('a0');
    toy.unregister(alpha);
    expect(dev.driver).toBeUndefined();
    expect(toy.log).toEqual(['probe alpha a0', 'remove alpha a0']);
  });
});
