/**
 * The permission rows of reference §1.9 (kernfs open rules on top of generic_permission) and
 * §6.4 (bind/unbind rely on file mode, not a capability), plus the system-call facade's errno.
 */
import { describe, expect, it } from 'vitest';
import type { ErrnoName } from '../../src/base/index.js';
import type { Process } from '../../src/userspace/index.js';
import { createToyMachine, errnoOf } from '../support/toy-bus.js';

function fixture() {
  const { machine, toy } = createToyMachine();
  toy.register('alpha', { prefix: 'a' });
  const a0 = toy.add('a0');
  const root = machine.processes.root;
  const alice = machine.processes.spawn('alice', { uid: 1000, gid: 1000, caps: [] });
  const rootNoDac = machine.processes.spawn('root-nodac', { uid: 0, gid: 0, caps: ['CAP_SYS_ADMIN'] });
  const aliceDac = machine.processes.spawn('alice-dac', { uid: 1000, gid: 1000, caps: ['CAP_DAC_OVERRIDE'] });
  return { machine, toy, a0, root, alice, rootNoDac, aliceDac };
}

type Who = 'root' | 'alice' | 'rootNoDac' | 'aliceDac';

interface Row {
  readonly who: Who;
  readonly op: 'read' | 'write';
  readonly path: string;
  readonly expected: ErrnoName | 'ok';
}

const rows: Row[] = [
  // kernfs: no read bits / no show → EACCES even for root.
  { who: 'root', op: 'read', path: '/sys/bus/toy/drivers_probe', expected: 'EACCES' },
  { who: 'root', op: 'read', path: '/sys/bus/toy/drivers/alpha/bind', expected: 'EACCES' },
  { who: 'root', op: 'read', path: '/sys/bus/toy/uevent', expected: 'EACCES' },
  // kernfs: no write bits / no store → EACCES even for root.
  { who: 'root', op: 'write', path: '/sys/kernel/uevent_seqnum', expected: 'EACCES' },
  // Mode bits: a non-root user may not write root's 0200 or 0644 files.
  { who: 'alice', op: 'write', path: '/sys/bus/toy/drivers_probe', expected: 'EACCES' },
  { who: 'alice', op: 'write', path: '/sys/bus/toy/drivers/alpha/unbind', expected: 'EACCES' },
  { who: 'alice', op: 'write', path: '/sys/bus/toy/drivers_autoprobe', expected: 'EACCES' },
  { who: 'alice', op: 'write', path: '/sys/devices/a0/driver_override', expected: 'EACCES' },
  { who: 'alice', op: 'read', path: '/sys/bus/toy/drivers/alpha/bind', expected: 'EACCES' },
  // ... but may read 0644/0444 ones.
  { who: 'alice', op: 'read', path: '/sys/bus/toy/drivers_autoprobe', expected: 'ok' },
  { who: 'alice', op: 'read', path: '/sys/devices/a0/driver_override', expected: 'ok' },
  { who: 'alice', op: 'read', path: '/sys/kernel/uevent_seqnum', expected: 'ok' },
  // uid 0 without CAP_DAC_OVERRIDE still writes root-owned 0200 files by the owner bits.
  { who: 'rootNoDac', op: 'write', path: '/sys/bus/toy/drivers_probe', expected: 'ok' },
  { who: 'rootNoDac', op: 'write', path: '/sys/bus/toy/drivers/alpha/unbind', expected: 'ok' },
  // ... and still cannot read them (kernfs).
  { who: 'rootNoDac', op: 'read', path: '/sys/bus/toy/drivers_probe', expected: 'EACCES' },
  // CAP_DAC_OVERRIDE lets a non-root uid write them; kernfs still refuses reading.
  { who: 'aliceDac', op: 'write', path: '/sys/bus/toy/drivers/alpha/unbind', expected: 'ok' },
  { who: 'aliceDac', op: 'read', path: '/sys/bus/toy/drivers/alpha/unbind', expected: 'EACCES' },
];

describe('Vfs.open (sysfs permission rules)', () => {
  it.each(rows)('should answer $who $op $path with $expected', (row) => {
    const f = fixture();
    const proc: Process = f[row.who];
    const value = row.path.endsWith('unbind') || row.path.endsWith('drivers_probe') ? 'a0' : '1';
    const result = errnoOf(() => (row.op === 'read' ? proc.readFile(row.path) : proc.writeFile(row.path, value)));
    expect(result).toBe(row.expected);
  });

  it('should report EISDIR for a directory opened for writing and ENOENT for a missing file', () => {
    const { root } = fixture();
    expect(errnoOf(() => root.open('/sys/bus/toy', 'w'))).toBe('EISDIR');
    expect(errnoOf(() => root.open('/sys/bus/toy/nosuch', 'r'))).toBe('ENOENT');
    expect(errnoOf(() => root.open('/nowhere/at/all', 'r'))).toBe('ENOENT');
  });

  it('should answer ENODEV on a file whose object left sysfs while it was open', () => {
    const { toy, root, a0 } = fixture();
    const fd = root.open('/sys/devices/a0/driver_override', 'rw');
    toy.remove(a0);
    expect(errnoOf(() => root.read(fd))).toBe('ENODEV');
    expect(errnoOf(() => root.write(fd, 'x'))).toBe('ENODEV');
    root.close(fd);
    expect(errnoOf(() => root.close(fd))).toBe('EBADF');
  });

  it('should keep a bind file usable while its driver stays registered, ENODEV once it left', () => {
    const { toy, root, machine } = fixture();
    const drv = machine.buses.bus('toy')!.findDriver('alpha')!;
    const fd = root.open('/sys/bus/toy/drivers/alpha/unbind', 'w');
    expect(root.write(fd, 'a0')).toBe(2);
    toy.unregister(drv);
    expect(errnoOf(() => root.write(fd, 'a0'))).toBe('ENODEV');
  });
});

describe('Vfs.open (device nodes)', () => {
  it('should create nodes 0600 root:root, open for root only, and drop them with the device', () => {
    const { toy, root, alice, machine } = fixture();
    const dev = toy.add('zz0', { devt: { major: 240, minor: 0 } });
    machine.cdevs.add('zz', 240, 0, 1, { read: () => new Uint8Array([7]) }, 'zz_mod');
    expect(root.stat('/dev/zz0')).toMatchObject({ type: 'chr', mode: 0o600, uid: 0, gid: 0, rdev: { major: 240, minor: 0 } });
    expect(errnoOf(() => alice.open('/dev/zz0', 'r'))).toBe('EACCES');
    const fd = root.open('/dev/zz0', 'r');
    expect([...root.read(fd, 1)]).toEqual([7]);
    toy.remove(dev);
    expect(errnoOf(() => root.stat('/dev/zz0'))).toBe('ENOENT');
    root.close(fd);
  });

  it('should answer ENXIO for a node without a registered cdev', () => {
    const { toy, root } = fixture();
    toy.add('zz0', { devt: { major: 241, minor: 0 } });
    expect(errnoOf(() => root.open('/dev/zz0', 'r'))).toBe('ENXIO');
  });
});

describe('ProcessTable', () => {
  it('should refuse a duplicate process name with EEXIST and an unknown one with ESRCH', () => {
    const { machine } = fixture();
    expect(errnoOf(() => machine.processes.spawn('alice', { uid: 1, gid: 1, caps: [] }))).toBe('EEXIST');
    expect(errnoOf(() => machine.processes.get('bob'))).toBe('ESRCH');
    expect(machine.processes.root.cred.uid).toBe(0);
    expect(machine.processes.root.hasCapability('CAP_DAC_OVERRIDE')).toBe(true);
  });

  it('should hand out the lowest free descriptor from 3', () => {
    const { root } = fixture();
    const a = root.open('/sys/bus/toy/drivers_autoprobe');
    const b = root.open('/sys/bus/toy/drivers_autoprobe');
    root.close(a);
    const c = root.open('/sys/bus/toy/drivers_autoprobe');
    expect([a, b, c]).toEqual([3, 4, 3]);
  });
});

describe('Procfs', () => {
  it('should show the taint mask and loaded modules', () => {
    const { machine, root } = fixture();
    expect(root.readFile('/proc/sys/kernel/tainted')).toBe('0\n');
    machine.taint.add('USER');
    expect(root.readFile('/proc/sys/kernel/tainted')).toBe('64\n');
    expect(root.readFile('/proc/modules')).toBe('');
  });
});
