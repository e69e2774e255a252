/**
 * Rows and orderings of reference §1.2, §1.3, §1.4, §1.5, §1.7, §1.8, §1.9 and §2.2 that the
 * per-concern files do not reach: the devt step of device_add/device_del, driver dev_groups,
 * match() errors other than a deferral, drivers_probe on a dying device, the "needs updating"
 * warning, and DEVMODE/DEVUID/DEVGID and uevent_suppress in the uevent environment.
 */
import { describe, expect, it } from 'vitest';
import { kerr } from '../../src/base/index.js';
import { BusType, Device, DeviceClass, DeviceDriver, type DeviceDriverOptions, attrRO, ueventVar, ueventKeys } from '../../src/bus/index.js';
import type { Machine } from '../../src/machine/index.js';
import { createToyMachine, errnoOf } from '../support/toy-bus.js';

const kernelWarnings = (m: Machine) => m.log.records.filter((r) => r.source === 'kernel' && r.level === 'warning').map((r) => r.message);

/** Whether the three devt artefacts of /dev/a0 (240:7) exist right now. */
function devtState(m: Machine): string {
  return `dev=${m.vfs.exists('/sys/devices/a0/dev')} link=${m.vfs.exists('/sys/dev/char/240:7')} node=${m.devtmpfs.lookup('/dev/a0') !== undefined}`;
}

describe('device_add step 8 / device_del step 3 (devt: dev attribute, /sys/dev link, devtmpfs node)', () => {
  it('should create the dev attribute, the /sys/dev/char link and the node before ADD_DEVICE and the `add` uevent', () => {
    const { machine, toy } = createToyMachine();
    const seen: string[] = [];
    machine.notifier.onDidAddDevice((d) => d.name === 'a0' && seen.push(`ADD_DEVICE: ${devtState(machine)}`));
    machine.uevent.onDidSend((e) => e.devpath === '/devices/a0' && seen.push(`uevent ${e.action}: ${devtState(machine)}`));
    toy.add('a0', { devt: { major: 240, minor: 7 } });
    expect(seen).toEqual(['ADD_DEVICE: dev=true link=true node=true', 'uevent add: dev=true link=true node=true']);
  });

  it('should remove them after DEL_DEVICE and before the driver is unbound (remove() runs)', () => {
    const { machine, toy } = createToyMachine();
    const seen: string[] = [];
    toy.register('alpha', { prefix: 'a', onRemove: () => seen.push(`remove(): ${devtState(machine)}`) });
    const dev = toy.add('a0', { devt: { major: 240, minor: 7 } });
    machine.notifier.onWillRemoveDevice((d) => d === dev && seen.push(`DEL_DEVICE: ${devtState(machine)}`));
    toy.remove(dev);
    expect(seen).toEqual(['DEL_DEVICE: dev=true link=true node=true', 'remove(): dev=false link=false node=false']);
  });
});

/** A bus of its own whose match() answers from a table (device name → verdict), default 1. */
function scripted(verdicts: Record<string, number> = {}, busOptions: { probe?: (dev: Device) => void } = {}) {
  const { machine } = createToyMachine();
  const log: string[] = [];
  const bus = new BusType({ name: 'scr', match: (dev, drv) => verdicts[`${drv.name}/${dev.name}`] ?? verdicts[dev.name] ?? 1, ...busOptions });
  machine.buses.busRegister(bus);
  const driver = (name: string, options: Partial<DeviceDriverOptions> = {}): DeviceDriver => {
    const drv = new DeviceDriver({
      name,
      bus,
      probe: (dev) => log.push(`probe ${name} ${dev.name}`),
      remove: (dev) => log.push(`remove ${name} ${dev.name}`),
      ...options,
    });
    machine.buses.driverRegister(drv);
    return drv;
  };
  const add = (name: string): Device => {
    const dev = new Device({ name, bus });
    machine.core.add(dev);
    return dev;
  };
  return { machine, root: machine.processes.root, bus, log, driver, add };
}

describe('defer_all_probes (really_probe step 1)', () => {
  it('should defer before probe() is called: queued from device_add, EAGAIN from sysfs bind', () => {
    const { machine, toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a' });
    machine.binder.deferAllProbes = true;
    const a0 = toy.add('a0');
    expect(toy.log).toEqual([]);
    expect(machine.deferred.devices).toEqual([a0]);
    toy.add('a1');
    expect(errnoOf(() => machine.processes.root.writeFile('/sys/bus/toy/drivers/alpha/bind', 'a1'))).toBe('EAGAIN');
    expect(toy.log).toEqual([]);
  });
});

describe('driver dev_groups (really_probe step 9, __device_release_driver step 5)', () => {
  it('should create driver device attributes only after probe() returned, and drop them before remove()', () => {
    const s = scripted();
    const seen: string[] = [];
    const look = (when: string) => seen.push(`${when}: state=${s.machine.vfs.exists('/sys/devices/a0/state')}`);
    s.driver('grp', {
      devGroups: [{ attrs: [attrRO('state', () => 'on\n')] }],
      probe: () => look('probe()'),
      remove: () => look('remove()'),
    });
    const dev = s.add('a0');
    look('bound');
    expect(s.root.readFile('/sys/devices/a0/state')).toBe('on\n');
    s.root.writeFile('/sys/bus/scr/drivers/grp/unbind', 'a0');
    look('unbound');
    expect(seen).toEqual(['probe(): state=false', 'bound: state=true', 'remove(): state=false', 'unbound: state=false']);
    expect(dev.driver).toBeUndefined();
  });

  it('should never create them when probe() fails', () => {
    const s = scripted();
    s.driver('grp', {
      devGroups: [{ attrs: [attrRO('state', () => 'on\n')] }],
      probe: () => {
        throw kerr('EIO', 'grp: scripted failure');
      },
    });
    s.add('a0');
    expect(s.root.readdir('/sys/devices/a0')).toEqual(['power', 'subsystem', 'uevent']);
  });
});

describe('match() errors other than -EPROBE_DEFER (reference §1.4)', () => {
  const EIO = -5;

  it('should stop device-side attach at the error: no later driver is tried, nothing is queued', () => {
    const s = scripted({ 'd1/a0': EIO });
    s.driver('d1');
    s.driver('d2');
    const dev = s.add('a0');
    expect(s.log).toEqual([]);
    expect(dev.driver).toBeUndefined();
    expect(s.machine.deferred.devices).toEqual([]);
  });

  it('should skip the device in driver-side attach and go on with the next device', () => {
    const s = scripted({ 'd1/a0': EIO });
    s.add('a0');
    s.add('a1');
    s.driver('d1');
    expect(s.log).toEqual(['probe d1 a1']);
  });

  it.each([
    ['drivers_probe: device_attach < 0 → EINVAL', '/sys/bus/scr/drivers_probe', 'EINVAL', []],
    // bind_store tests driver_match_device() for truth: a negative verdict is true in C, so the
    // probe is attempted (the sysfs write binds).
    ['bind: a negative match is "true" → probe attempted', '/sys/bus/scr/drivers/d1/bind', 'ok', ['probe d1 a0']],
  ])('%s', (_what, path, expected, probes) => {
    const s = scripted({ 'd1/a0': EIO });
    s.root.writeFile('/sys/bus/scr/drivers_autoprobe', '0');
    s.driver('d1');
    s.driver('d2');
    s.add('a0');
    expect(errnoOf(() => s.root.writeFile(path, 'a0'))).toBe(expected);
    expect(s.log).toEqual(probes);
  });
});

describe('drivers_probe on a device whose device_del has started (reference §1.9)', () => {
  // __device_attach checks dev->p->dead first and returns 0 ("nothing bound"), so the write
  // succeeds like any drivers_probe that binds nothing; it never probes. (__driver_probe_device's
  // -ENODEV for dead devices is what sysfs `bind` reports, see sysfs-bind.test.ts.)
  it('should return the byte count and probe nothing', () => {
    const { machine, toy } = createToyMachine();
    const root = machine.processes.root;
    root.writeFile('/sys/bus/toy/drivers_autoprobe', '0');
    toy.register('alpha', { prefix: 'a' });
    const dev = toy.add('a0');
    root.writeFile('/sys/bus/toy/drivers_autoprobe', '1');
    const seen: string[] = [];
    machine.notifier.onWillRemoveDevice((d) => d === dev && seen.push(errnoOf(() => root.writeFile('/sys/bus/toy/drivers_probe', 'a0\n'))));
    toy.remove(dev);
    expect(seen).toEqual(['ok']);
    expect(toy.log).toEqual([]);
  });
});

describe('driver_register "needs updating" (reference §1.8)', () => {
  it('should warn when both the bus and the driver have probe, register anyway and call the bus probe', () => {
    const busProbes: string[] = [];
    const s = scripted({}, { probe: (dev) => busProbes.push(dev.name) });
    const before = kernelWarnings(s.machine).length;
    s.driver('both');
    expect(kernelWarnings(s.machine).slice(before)).toEqual(["Driver 'both' needs updating - please use bus_type methods"]);
    s.add('a0');
    expect(busProbes).toEqual(['a0']);
    expect(s.log).toEqual([]);
  });

  it('should not warn for a driver that leaves probe to a bus that has none', () => {
    const s = scripted();
    const before = kernelWarnings(s.machine).length;
    s.driver('plain');
    expect(kernelWarnings(s.machine).slice(before)).toEqual([]);
  });

  it('should warn before refusing a duplicate name with EBUSY', () => {
    const s = scripted({}, { probe: () => {} });
    s.driver('dup', { probe: undefined });
    const before = kernelWarnings(s.machine).length;
    expect(errnoOf(() => s.driver('dup'))).toBe('EBUSY');
    expect(kernelWarnings(s.machine).slice(before)).toEqual(["Driver 'dup' needs updating - please use bus_type methods"]);
  });
});

describe('dev_uevent DEVMODE / DEVUID / DEVGID (reference §2.2)', () => {
  function classDevice(info: { mode?: number; uid?: number; gid?: number }) {
    const { machine } = createToyMachine();
    const cls = new DeviceClass({ name: 'widget', devnode: (dev) => ({ name: `widget/${dev.name}`, ...info }) });
    machine.buses.classRegister(cls);
    const mark = machine.uevent.log.length;
    machine.core.add(new Device({ name: 'w0', class: cls, devt: { major: 241, minor: 0 } }));
    return machine.uevent.log[mark]!;
  }

  it.each([
    [
      'mode, uid and gid',
      { mode: 0o666, uid: 5, gid: 6 },
      [
        ['DEVMODE', '0666'],
        ['DEVUID', '5'],
        ['DEVGID', '6'],
      ],
    ],
    ['only a mode', { mode: 0o640 }, [['DEVMODE', '0640']]],
    ['a mode with file-type bits', { mode: 0o20600 }, [['DEVMODE', '0600']]],
    ['mode 0: no DEVMODE', { mode: 0 }, []],
    ['root uid/gid: no DEVUID/DEVGID', { uid: 0, gid: 0 }, []],
    ['nothing', {}, []],
  ] as const)('%s', (_what, info, keys) => {
    const ev = classDevice(info);
    const order = ueventKeys(ev);
    expect(order.slice(0, 6)).toEqual(['ACTION', 'DEVPATH', 'SUBSYSTEM', 'MAJOR', 'MINOR', 'DEVNAME']);
    expect(ueventVar(ev, 'DEVNAME')).toBe('widget/w0');
    expect(order.slice(6, -1).map((k) => [k, ueventVar(ev, k)])).toEqual(keys);
  });
});

describe('uevent_suppress (reference §2.2: dropped, not an error)', () => {
  it('should send nothing for a suppressed device, use no SEQNUM, and still bind it', () => {
    const { machine, toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a' });
    const dev = toy.create('a0');
    dev.p.ueventSuppress = true;
    const seq = machine.uevent.seqnum;
    machine.core.add(dev);
    machine.processes.root.writeFile('/sys/bus/toy/drivers/alpha/unbind', 'a0');
    toy.remove(dev);
    expect(machine.uevent.seqnum).toBe(seq);
    expect(toy.log).toEqual(['probe alpha a0', 'remove alpha a0']);
  });
});
