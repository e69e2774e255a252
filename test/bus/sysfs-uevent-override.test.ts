/**
 * Reference §1.9 (uevent files, synthetic uevent syntax), §1.10 (driver_override) and §1.12
 * (suppress_bind_attrs), through the userspace facade.
 */
import { describe, expect, it } from 'vitest';
import { BusType, Device, PAGE_SIZE, ueventKeys } from '../../src/bus/index.js';
import { createToyMachine, errnoOf } from '../support/toy-bus.js';

const UUID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

function fixture() {
  const { machine, toy } = createToyMachine();
  const root = machine.processes.root;
  const alpha = toy.register('alpha', { prefix: 'a' });
  const a0 = toy.add('a0');
  return { machine, toy, root, alpha, a0 };
}

describe('bus and driver uevent files', () => {
  it.each(['/sys/bus/toy/uevent', '/sys/bus/toy/drivers/alpha/uevent'])('should refuse reading %s even for root → EACCES', (path) => {
    const { root } = fixture();
    expect(errnoOf(() => root.readFile(path))).toBe('EACCES');
  });

  it('should send a synthetic event on the bus kobject (SUBSYSTEM=bus)', () => {
    const { machine, root } = fixture();
    expect(root.writeFile('/sys/bus/toy/uevent', 'change')).toBe(6);
    const ev = machine.uevent.log.at(-1)!;
    expect(ueventKeys(ev)).toEqual(['ACTION', 'DEVPATH', 'SUBSYSTEM', 'SYNTH_UUID', 'SEQNUM']);
    expect(Object.fromEntries(ev.env)).toMatchObject({ ACTION: 'change', DEVPATH: '/bus/toy', SUBSYSTEM: 'bus', SYNTH_UUID: '0' });
  });

  it('should send a synthetic event on the driver kobject (SUBSYSTEM=drivers)', () => {
    const { machine, root } = fixture();
    root.writeFile('/sys/bus/toy/drivers/alpha/uevent', 'add\n');
    const ev = machine.uevent.log.at(-1)!;
    expect(Object.fromEntries(ev.env)).toMatchObject({ ACTION: 'add', DEVPATH: '/bus/toy/drivers/alpha', SUBSYSTEM: 'drivers', SYNTH_UUID: '0' });
  });
});

describe('device uevent file', () => {
  it('should list the env without ACTION, DEVPATH, SUBSYSTEM or SEQNUM', () => {
    const { root, a0 } = fixture();
    expect(a0.driver?.name).toBe('alpha');
    expect(root.readFile('/sys/devices/a0/uevent')).toBe('DRIVER=alpha\nMODALIAS=toy:a0\n');
  });

  it('should list MAJOR, MINOR, DEVNAME first for a device with a devt', () => {
    const { root, toy } = fixture();
    toy.add('zz0', { devt: { major: 240, minor: 3 } });
    expect(root.readFile('/sys/devices/zz0/uevent')).toBe('MAJOR=240\nMINOR=3\nDEVNAME=zz0\nMODALIAS=toy:zz0\n');
  });

  it('should not re-probe on a synthetic add (it only emits the event)', () => {
    const { machine, toy, root } = fixture();
    const zz = toy.add('zz0');
    const before = toy.log.length;
    const seq = machine.uevent.seqnum;
    root.writeFile('/sys/devices/zz0/uevent', 'add');
    expect(toy.log.length).toBe(before);
    expect(zz.driver).toBeUndefined();
    expect(machine.uevent.seqnum).toBe(seq + 1);
  });

  const accepted: [string, Record<string, string>][] = [
    ['change', { SYNTH_UUID: '0' }],
    ['change\n', { SYNTH_UUID: '0' }],
    ['change\0', { SYNTH_UUID: '0' }],
    ['online', { SYNTH_UUID: '0' }],
    [`change ${UUID}`, { SYNTH_UUID: UUID }],
    [`change ${UUID}\n`, { SYNTH_UUID: UUID }],
    [`add ${UUID} A=1 key2=Value3`, { SYNTH_UUID: UUID, SYNTH_ARG_A: '1', SYNTH_ARG_key2: 'Value3' }],
    [`bind ${UUID} X=y\n`, { SYNTH_UUID: UUID, SYNTH_ARG_X: 'y' }],
  ];

  it.each(accepted)('should accept %j and carry %j', (text, keys) => {
    const { machine, root } = fixture();
    expect(root.writeFile('/sys/devices/a0/uevent', text)).toBe(text.length);
    const ev = machine.uevent.log.at(-1)!;
    expect(Object.fromEntries(ev.env)).toMatchObject(keys);
    expect(ev.action).toBe(text.split(/[ \n\0]/)[0]);
    // Caller keys come right after ACTION/DEVPATH/SUBSYSTEM, before the device's own keys.
    expect(ueventKeys(ev)).toEqual(['ACTION', 'DEVPATH', 'SUBSYSTEM', ...Object.keys(keys), 'DRIVER', 'MODALIAS', 'SEQNUM']);
  });

  const rejected: [string, string][] = [
    ['unknown action', 'frobnicate'],
    ['prefix of an action', 'ad'],
    ['action with a suffix', 'adds'],
    ['upper-case action', 'ADD'],
    ['two trailing newlines', 'add\n\n'],
    ['empty after the newline', '\n'],
    ['trailing space (empty argument list)', 'add '],
    ['invalid UUID', 'add not-a-uuid'],
    ['short UUID', 'add 3fa85f64-5717-4562-b3fc-2c963f66afa'],
    ['UUID followed by garbage', `add ${UUID}x`],
    ['argument without =', `add ${UUID} KEY`],
    ['empty value', `add ${UUID} KEY=`],
    ['empty key', `add ${UUID} =v`],
    ['non-alphanumeric key', `add ${UUID} K_1=v`],
    ['non-alphanumeric value', `add ${UUID} K=v-1`],
    ['value with =', `add ${UUID} K=a=b`],
    ['two spaces between arguments', `add ${UUID}  K=v`],
    ['trailing space after an argument', `add ${UUID} K=v `],
  ];

  it.each(rejected)('should reject %s → EINVAL and send nothing', (_why, text) => {
    const { machine, root } = fixture();
    const seq = machine.uevent.seqnum;
    expect(errnoOf(() => root.writeFile('/sys/devices/a0/uevent', text))).toBe('EINVAL');
    expect(machine.uevent.seqnum).toBe(seq);
  });
});

describe('driver_override', () => {
  const path = '/sys/bus/toy/devices/a0/driver_override';

  it('should read "(null)\\n" when unset', () => {
    const { root } = fixture();
    expect(root.readFile(path)).toBe('(null)\n');
  });

  it.each([
    ['name\n', 'name\n'],
    ['name', 'name\n'],
    ['name\nrest', 'name\n'],
    ['name\0\0\0', 'name\n'],
    ['\n', '(null)\n'],
    ['\nname', '(null)\n'],
    ['\0\0\0', '(null)\n'],
    ['none', 'none\n'],
    ['a b,c', 'a b,c\n'],
  ])('should store %j and show %j', (value, shown) => {
    const { root } = fixture();
    root.writeFile(path, 'previous');
    expect(root.writeFile(path, value)).toBe(value.length);
    expect(root.readFile(path)).toBe(shown);
  });

  it('should do nothing on a 0-byte write', () => {
    const { root } = fixture();
    root.writeFile(path, 'keep');
    expect(root.writeFile(path, '')).toBe(0);
    expect(root.readFile(path)).toBe('keep\n');
  });

  it.each([
    [PAGE_SIZE - 2, 'ok'],
    [PAGE_SIZE - 1, 'EINVAL'],
    [PAGE_SIZE, 'EINVAL'],
    // kernfs_fop_write_iter cuts a longer write to PAGE_SIZE: driver_set_override then says EINVAL.
    [PAGE_SIZE + 1, 'EINVAL'],
  ])('should answer a write of %i bytes with %s', (n, expected) => {
    const { root } = fixture();
    root.writeFile(path, 'keep');
    expect(errnoOf(() => root.writeFile(path, 'x'.repeat(n)))).toBe(expected);
    expect(root.readFile(path)).toBe(expected === 'ok' ? `${'x'.repeat(n)}\n` : 'keep\n');
  });

  it('should never unbind the current driver and never probe', () => {
    const { toy, root, a0 } = fixture();
    toy.register('other', { prefix: 'zz' });
    const before = [...toy.log];
    root.writeFile(path, 'other\n');
    root.writeFile(path, '\n');
    root.writeFile(path, 'nosuch');
    expect(a0.driver?.name).toBe('alpha');
    expect(toy.log).toEqual(before);
  });

  it('should take effect at the next drivers_probe, and make other drivers refuse', () => {
    const { toy, root, a0 } = fixture();
    toy.register('other', { prefix: 'zz' });
    root.writeFile(path, 'other');
    root.writeFile('/sys/bus/toy/drivers/alpha/unbind', 'a0');
    expect(errnoOf(() => root.writeFile('/sys/bus/toy/drivers/alpha/bind', 'a0'))).toBe('ENODEV');
    root.writeFile('/sys/bus/toy/drivers_probe', 'a0');
    expect(a0.driver?.name).toBe('other');
  });

  it('should not be persisted across delete and re-add', () => {
    const { toy, root, a0 } = fixture();
    root.writeFile(path, 'nosuch');
    toy.remove(a0);
    expect(errnoOf(() => root.readFile(path))).toBe('ENOENT');
    const again = toy.add('a0');
    expect(root.readFile(path)).toBe('(null)\n');
    expect(again.driver?.name).toBe('alpha');
  });

  it('should not exist on a bus that does not opt in', () => {
    const { machine, toy } = createToyMachine();
    toy.add('a0');
    const plain = new BusType({ name: 'plain' });
    machine.buses.busRegister(plain);
    machine.core.add(new Device({ name: 'p0', bus: plain }));
    expect(machine.processes.root.readdir('/sys/devices/p0')).toEqual(['power', 'subsystem', 'uevent']);
    expect(machine.processes.root.readdir('/sys/devices/a0')).toEqual(['driver_override', 'power', 'subsystem', 'uevent']);
  });
});

describe('suppress_bind_attrs', () => {
  it('should leave out bind and unbind, so opening them fails with ENOENT', () => {
    const { machine, toy } = createToyMachine();
    const root = machine.processes.root;
    toy.register('quiet', { prefix: 'a', suppressBindAttrs: true });
    toy.add('a0');
    expect(root.readdir('/sys/bus/toy/drivers/quiet')).toEqual(['a0', 'uevent']);
    expect(errnoOf(() => root.writeFile('/sys/bus/toy/drivers/quiet/bind', 'a0'))).toBe('ENOENT');
    expect(errnoOf(() => root.writeFile('/sys/bus/toy/drivers/quiet/unbind', 'a0'))).toBe('ENOENT');
    expect(toy.device('a0').driver?.name).toBe('quiet');
  });

  it('should list bind, unbind and uevent for an ordinary driver', () => {
    const { machine, toy } = createToyMachine();
    toy.register('loud', { prefix: 'a', module: 'loud_mod' });
    expect(machine.processes.root.readdir('/sys/bus/toy/drivers/loud')).toEqual(['bind', 'module', 'uevent', 'unbind']);
  });
});
