/**
 * Reference §1.9 (bind, unbind, drivers_probe, drivers_autoprobe), one row per row of the
 * reference table, driven through the userspace facade as `echo … > file` would.
 */
import { describe, expect, it } from 'vitest';
import type { ErrnoName } from '../../src/base/index.js';
import type { Device, DeviceDriver } from '../../src/bus/index.js';
import type { Machine } from '../../src/machine/index.js';
import { type ProbeOutcome, type ToyBus, createToyMachine, errnoOf } from '../support/toy-bus.js';

interface Ctx {
  machine: Machine;
  toy: ToyBus;
  alpha: DeviceDriver;
  beta: DeviceDriver;
  write(path: string, value: string): number;
  read(path: string): string;
}

const BIND = '/sys/bus/toy/drivers/alpha/bind';
const UNBIND = '/sys/bus/toy/drivers/alpha/unbind';
const PROBE = '/sys/bus/toy/drivers_probe';
const AUTOPROBE = '/sys/bus/toy/drivers_autoprobe';

/**
 * Two drivers that both match names starting with "a" (alpha registered first), registered
 * while the bus does not autoprobe so devices start unbound; then autoprobe is back on.
 */
function setup(alphaOutcome: ProbeOutcome = 'ok'): Ctx {
  const { machine, toy } = createToyMachine();
  const root = machine.processes.root;
  root.writeFile(AUTOPROBE, '0');
  const alpha = toy.register('alpha', { prefix: 'a', outcome: alphaOutcome, devres: ['alpha-res'] });
  const beta = toy.register('beta', { prefix: 'a' });
  toy.add('a0');
  toy.add('zz0');
  root.writeFile(AUTOPROBE, '1');
  return {
    machine,
    toy,
    alpha,
    beta,
    write: (p, v) => root.writeFile(p, v),
    read: (p) => root.readFile(p),
  };
}

function driverName(dev: Device): string | undefined {
  return dev.driver?.name;
}

interface Row {
  readonly name: string;
  readonly outcome?: ProbeOutcome;
  readonly arrange?: (c: Ctx) => void;
  readonly path: string;
  readonly value: string;
  /** errno, or the byte count the write returns. */
  readonly expected: ErrnoName | number;
  readonly check?: (c: Ctx) => void;
}

const bindRows: Row[] = [
  { name: 'unknown device → ENODEV', path: BIND, value: 'nosuch', expected: 'ENODEV' },
  { name: 'device the bus does not match → ENODEV', path: BIND, value: 'zz0', expected: 'ENODEV' },
  {
    name: 'driver_override naming another driver → ENODEV',
    arrange: (c) => c.write('/sys/bus/toy/devices/a0/driver_override', 'beta'),
    path: BIND,
    value: 'a0',
    expected: 'ENODEV',
    check: (c) => expect(driverName(c.toy.device('a0'))).toBeUndefined(),
  },
  {
    name: 'already bound to another driver → EBUSY',
    arrange: (c) => c.write('/sys/bus/toy/drivers/beta/bind', 'a0'),
    path: BIND,
    value: 'a0',
    expected: 'EBUSY',
    check: (c) => expect(driverName(c.toy.device('a0'))).toBe('beta'),
  },
  {
    name: 'already bound to the same driver → EBUSY (not a rebind)',
    arrange: (c) => c.write(BIND, 'a0'),
    path: BIND,
    value: 'a0',
    expected: 'EBUSY',
    check: (c) => expect(c.toy.log.filter((l) => l === 'probe alpha a0')).toHaveLength(1),
  },
  {
    name: 'probe deferral → EAGAIN, not queued for retry',
    outcome: 'EPROBE_DEFER',
    path: BIND,
    value: 'a0',
    expected: 'EAGAIN',
    check: (c) => {
      expect(c.machine.deferred.devices).toEqual([]);
      expect(c.machine.scheduler.pending).toBe(0);
      expect(driverName(c.toy.device('a0'))).toBeUndefined();
    },
  },
  { name: 'probe error EIO is returned', outcome: 'EIO', path: BIND, value: 'a0', expected: 'EIO' },
  { name: 'probe error ENODEV is returned', outcome: 'ENODEV', path: BIND, value: 'a0', expected: 'ENODEV' },
  { name: 'probe error ENXIO is returned', outcome: 'ENXIO', path: BIND, value: 'a0', expected: 'ENXIO' },
  { name: 'probe error ENOMEM is returned', outcome: 'ENOMEM', path: BIND, value: 'a0', expected: 'ENOMEM' },
  {
    name: 'success returns the byte count',
    path: BIND,
    value: 'a0',
    expected: 2,
    check: (c) => expect(driverName(c.toy.device('a0'))).toBe('alpha'),
  },
  {
    name: 'a trailing newline is tolerated',
    path: BIND,
    value: 'a0\n',
    expected: 3,
    check: (c) => expect(driverName(c.toy.device('a0'))).toBe('alpha'),
  },
  {
    name: 'two trailing newlines are not tolerated → ENODEV',
    path: BIND,
    value: 'a0\n\n',
    expected: 'ENODEV',
  },
];

const unbindRows: Row[] = [
  { name: 'unknown device → ENODEV', path: UNBIND, value: 'nosuch', expected: 'ENODEV' },
  { name: 'unbound device → ENODEV', path: UNBIND, value: 'a0', expected: 'ENODEV' },
  {
    name: 'device bound to another driver → ENODEV',
    arrange: (c) => c.write('/sys/bus/toy/drivers/beta/bind', 'a0'),
    path: UNBIND,
    value: 'a0',
    expected: 'ENODEV',
    check: (c) => expect(driverName(c.toy.device('a0'))).toBe('beta'),
  },
  {
    name: 'bound to this driver → byte count, unbound, newline tolerated',
    arrange: (c) => c.write(BIND, 'a0'),
    path: UNBIND,
    value: 'a0\n',
    expected: 3,
    check: (c) => expect(driverName(c.toy.device('a0'))).toBeUndefined(),
  },
];

const driversProbeRows: Row[] = [
  { name: 'unknown device → ENODEV', path: PROBE, value: 'nosuch', expected: 'ENODEV' },
  {
    name: 'match deferral → EINVAL',
    arrange: (c) => c.toy.deferMatch.add('a0'),
    path: PROBE,
    value: 'a0',
    expected: 'EINVAL',
  },
  {
    name: 'supplier-link deferral → EINVAL',
    arrange: (c) => {
      const supplier = c.toy.add('zz1');
      expect(c.machine.links.add(c.toy.device('a0'), supplier, 0)).toBeDefined();
    },
    path: PROBE,
    value: 'a0',
    expected: 'EINVAL',
  },
  {
    name: 'nothing matches → success anyway',
    path: PROBE,
    value: 'zz0',
    expected: 3,
    check: (c) => expect(driverName(c.toy.device('zz0'))).toBeUndefined(),
  },
  {
    name: 'every probe fails → success anyway',
    arrange: (c) => {
      c.toy.spec(c.beta).outcome = 'EIO';
    },
    outcome: 'ENOMEM',
    path: PROBE,
    value: 'a0\n',
    expected: 3,
    check: (c) => expect(driverName(c.toy.device('a0'))).toBeUndefined(),
  },
  {
    name: 'binds the first matching driver in registration order',
    path: PROBE,
    value: 'a0',
    expected: 2,
    check: (c) => expect(driverName(c.toy.device('a0'))).toBe('alpha'),
  },
  {
    name: 'a bound device is left alone',
    arrange: (c) => c.write('/sys/bus/toy/drivers/beta/bind', 'a0'),
    path: PROBE,
    value: 'a0',
    expected: 2,
    check: (c) => {
      expect(driverName(c.toy.device('a0'))).toBe('beta');
      expect(c.toy.log.filter((l) => l.startsWith('probe'))).toEqual(['probe beta a0']);
      expect(c.toy.log.filter((l) => l.startsWith('remove'))).toEqual([]);
    },
  },
];

function runRow(row: Row): void {
  const c = setup(row.outcome);
  row.arrange?.(c);
  let result: ErrnoName | number = 'EINVAL';
  const errno = errnoOf(() => {
    result = c.write(row.path, row.value);
  });
  expect(errno === 'ok' ? result : errno).toBe(row.expected);
  row.check?.(c);
  // A failed bind never leaves a driver, devres or a `driver` link behind.
  for (const dev of c.toy.bus.devices) {
    if (!dev.driver) {
      expect(c.machine.vfs.exists(`/sys${dev.devpath}/driver`)).toBe(false);
      expect(dev.p.devres).toEqual([]);
    }
  }
}

describe('bind_store (/sys/bus/B/drivers/D/bind)', () => {
  it.each(bindRows)('should answer $name', (row) => runRow(row));

  it('should refuse a device whose device_del has started → ENODEV', () => {
    const c = setup();
    const seen: string[] = [];
    c.machine.notifier.onWillRemoveDevice((dev) => {
      if (dev.name === 'a0') seen.push(errnoOf(() => c.write(BIND, 'a0')));
    });
    c.toy.remove(c.toy.device('a0'));
    expect(seen).toEqual(['ENODEV']);
    expect(c.toy.log.filter((l) => l.startsWith('probe'))).toEqual([]);
  });

  it('should refuse a device already removed from the bus → ENODEV', () => {
    const c = setup();
    c.toy.remove(c.toy.device('a0'));
    expect(errnoOf(() => c.write(BIND, 'a0'))).toBe('ENODEV');
  });

  it('should not be readable, even by root → EACCES', () => {
    const c = setup();
    expect(errnoOf(() => c.read(BIND))).toBe('EACCES');
    expect(errnoOf(() => c.read(UNBIND))).toBe('EACCES');
  });
});

describe('unbind_store (/sys/bus/B/drivers/D/unbind)', () => {
  it.each(unbindRows)('should answer $name', (row) => runRow(row));
});

describe('drivers_probe_store (/sys/bus/B/drivers_probe)', () => {
  it.each(driversProbeRows)('should answer $name', (row) => runRow(row));

  it('should queue a device whose driver deferred (unlike bind) and still succeed', () => {
    const c = setup('EPROBE_DEFER');
    c.toy.spec(c.beta).outcome = 'ENODEV';
    expect(c.write(PROBE, 'a0')).toBe(2);
    expect(c.machine.deferred.devices.map((d) => d.name)).toEqual(['a0']);
  });

  it('should not be readable, even by root → EACCES', () => {
    const c = setup();
    expect(errnoOf(() => c.read(PROBE))).toBe('EACCES');
  });
});

describe('drivers_autoprobe (/sys/bus/B/drivers_autoprobe)', () => {
  it('should read "1\\n" after bus_register', () => {
    const { machine } = createToyMachine();
    expect(machine.processes.root.readFile(AUTOPROBE)).toBe('1\n');
  });

  it.each([
    ['0', '0\n'],
    ['0\n', '0\n'],
    ['0junk', '0\n'],
    ['1', '1\n'],
    ['2', '1\n'],
    ['x', '1\n'],
    ['no', '1\n'],
    ['\n', '1\n'],
    [' 0', '1\n'],
  ])('should map a write of %j to %j and return the byte count', (value, shown) => {
    const { machine } = createToyMachine();
    const root = machine.processes.root;
    root.writeFile(AUTOPROBE, value === '0' ? '1' : '0');
    expect(root.writeFile(AUTOPROBE, value)).toBe(value.length);
    expect(root.readFile(AUTOPROBE)).toBe(shown);
  });

  describe('when 0', () => {
    function off() {
      const { machine, toy } = createToyMachine();
      const root = machine.processes.root;
      root.writeFile(AUTOPROBE, '0');
      return { machine, toy, root };
    }

    it('should not probe at device_add', () => {
      const { toy } = off();
      toy.register('alpha', { prefix: 'a' });
      const dev = toy.add('a0');
      expect(dev.driver).toBeUndefined();
      expect(toy.log).toEqual([]);
    });

    it('should not attach existing devices at driver register', () => {
      const { toy } = off();
      const dev = toy.add('a0');
      toy.register('alpha', { prefix: 'a' });
      expect(dev.driver).toBeUndefined();
      expect(toy.log).toEqual([]);
    });

    it('should make deferred retries do nothing', () => {
      const { machine, toy, root } = off();
      root.writeFile(AUTOPROBE, '1');
      const alpha = toy.register('alpha', { prefix: 'a', outcome: 'EPROBE_DEFER' });
      toy.register('beta', { prefix: 'b' });
      toy.add('a0');
      expect(machine.deferred.devices.map((d) => d.name)).toEqual(['a0']);
      root.writeFile(AUTOPROBE, '0');
      toy.spec(alpha).outcome = 'ok';
      toy.add('b0');
      root.writeFile('/sys/bus/toy/drivers/beta/bind', 'b0'); // a successful bind triggers retries
      machine.settle();
      expect(toy.log.filter((l) => l === 'probe alpha a0')).toHaveLength(1);
      expect(toy.device('a0').driver).toBeUndefined();
    });

    it('should still bind through sysfs bind and drivers_probe', () => {
      const { toy, root } = off();
      toy.register('alpha', { prefix: 'a' });
      const a0 = toy.add('a0');
      const a1 = toy.add('a1');
      expect(root.writeFile('/sys/bus/toy/drivers/alpha/bind', 'a0')).toBe(2);
      expect(root.writeFile(PROBE, 'a1')).toBe(2);
      expect([a0.driver?.name, a1.driver?.name]).toEqual(['alpha', 'alpha']);
    });
  });
});
