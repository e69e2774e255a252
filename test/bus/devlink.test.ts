/**
 * Reference §1.13 (device links): creation rules, the status state machine as the
 * /sys/class/devlink/<link>/status file shows it, probe gating, force-unbind of consumers,
 * AUTOREMOVE_* and AUTOPROBE_CONSUMER, purge on delete.
 */
import { describe, expect, it } from 'vitest';
import { DL_FLAG, type Device } from '../../src/bus/index.js';
import { createToyMachine, errnoOf } from '../support/toy-bus.js';

const LINK = '/sys/class/devlink/toy:s0--toy:c0';

/** s0 (driver sdrv) supplies c0 (driver cdrv); the link exists before either probes. */
function fixture(flags = 0, options: { consumerDriver?: boolean } = {}) {
  const { machine, toy } = createToyMachine();
  const root = machine.processes.root;
  root.writeFile('/sys/bus/toy/drivers_autoprobe', '0');
  const sdrv = toy.register('sdrv', { prefix: 's' });
  const cdrv = options.consumerDriver === false ? undefined : toy.register('cdrv', { prefix: 'c' });
  const s0 = toy.add('s0');
  const c0 = toy.add('c0');
  const link = machine.links.add(c0, s0, flags);
  expect(link).toBeDefined();
  root.writeFile('/sys/bus/toy/drivers_autoprobe', '1');
  const status = () => root.readFile(`${LINK}/status`);
  return { machine, toy, root, sdrv, cdrv, s0, c0, link: link!, status };
}

describe('DeviceLinks.add (device_link_add)', () => {
  it('should create a devlink class device with its files, symlinks and an `add` uevent', () => {
    const { machine, root } = fixture();
    expect(root.readdir('/sys/class/devlink')).toEqual(['toy:s0--toy:c0']);
    expect(root.readdir(LINK)).toEqual(['auto_remove_on', 'consumer', 'runtime_pm', 'status', 'subsystem', 'supplier', 'sync_state_only', 'uevent']);
    expect(root.readlink('/sys/devices/virtual/devlink/toy:s0--toy:c0/supplier')).toBe('../../../s0');
    expect(root.readlink('/sys/devices/virtual/devlink/toy:s0--toy:c0/consumer')).toBe('../../../c0');
    expect(root.readlink('/sys/devices/s0/consumer:toy:c0')).toBe('../virtual/devlink/toy:s0--toy:c0');
    expect(root.readlink('/sys/devices/c0/supplier:toy:s0')).toBe('../virtual/devlink/toy:s0--toy:c0');
    expect(root.readFile(`${LINK}/auto_remove_on`)).toBe('never\n');
    const add = machine.uevent.log.find((e) => e.subsystem === 'devlink')!;
    expect(add).toMatchObject({ action: 'add', devpath: '/devices/virtual/devlink/toy:s0--toy:c0' });
  });

  it('should give the same link names on two machines (no state shared between machines)', () => {
    const one = fixture();
    const two = fixture();
    expect(one.root.readdir('/sys/class/devlink')).toEqual(['toy:s0--toy:c0']);
    expect(two.root.readdir('/sys/class/devlink')).toEqual(['toy:s0--toy:c0']);
    expect(one.link).not.toBe(two.link);
  });

  it('should return the existing link for the same pair and merge its flags', () => {
    const { machine, c0, s0, link, root } = fixture();
    const again = machine.links.add(c0, s0, DL_FLAG.AUTOREMOVE_CONSUMER);
    expect(again).toBe(link);
    expect(root.readFile(`${LINK}/auto_remove_on`)).toBe('consumer unbind\n');
    expect(root.readdir('/sys/class/devlink')).toEqual(['toy:s0--toy:c0']);
  });

  it('should let a child consume its parent', () => {
    const { machine, toy } = createToyMachine();
    const parent = toy.add('p0');
    const child = toy.add('k0', { parent });
    expect(machine.links.add(child, parent, 0)).toBeDefined();
  });

  const refused: [string, (d: Record<string, Device>) => [Device, Device, number]][] = [
    ['identical endpoints', (d) => [d.a!, d.a!, 0]],
    ['an unknown flag', (d) => [d.a!, d.b!, 1 << 12]],
    ['the internal MANAGED flag', (d) => [d.a!, d.b!, DL_FLAG.MANAGED]],
    ['STATELESS with AUTOREMOVE_CONSUMER', (d) => [d.a!, d.b!, DL_FLAG.STATELESS | DL_FLAG.AUTOREMOVE_CONSUMER]],
    ['STATELESS with AUTOPROBE_CONSUMER', (d) => [d.a!, d.b!, DL_FLAG.STATELESS | DL_FLAG.AUTOPROBE_CONSUMER]],
    ['AUTOPROBE with AUTOREMOVE_CONSUMER', (d) => [d.a!, d.b!, DL_FLAG.AUTOPROBE_CONSUMER | DL_FLAG.AUTOREMOVE_CONSUMER]],
    ['AUTOPROBE with AUTOREMOVE_SUPPLIER', (d) => [d.a!, d.b!, DL_FLAG.AUTOPROBE_CONSUMER | DL_FLAG.AUTOREMOVE_SUPPLIER]],
    ['a supplier not yet registered', (d) => [d.a!, d.unregistered!, 0]],
    ['a reverse dependency (cycle)', (d) => [d.b!, d.a!, 0]],
    ['a transitive cycle', (d) => [d.c!, d.a!, 0]],
    ['a supplier that is a descendant of the consumer', (d) => [d.parent!, d.kid!, 0]],
  ];

  it.each(refused)('should refuse %s (NULL)', (_why, pick) => {
    const { machine, toy } = createToyMachine();
    const d: Record<string, Device> = { a: toy.add('a0'), b: toy.add('b0'), c: toy.add('c0'), parent: toy.add('p0') };
    d.kid = toy.add('k0', { parent: d.parent });
    d.unregistered = toy.create('u0');
    expect(machine.links.add(d.a!, d.b!, 0)).toBeDefined(); // a consumes b
    expect(machine.links.add(d.b!, d.c!, 0)).toBeDefined(); // b consumes c
    const [consumer, supplier, flags] = pick(d);
    const before = machine.uevent.seqnum;
    expect(machine.links.add(consumer, supplier, flags)).toBeUndefined();
    expect(machine.uevent.seqnum).toBe(before);
  });

  it('should let AUTOREMOVE_SUPPLIER win over AUTOREMOVE_CONSUMER', () => {
    const { root } = fixture(DL_FLAG.AUTOREMOVE_CONSUMER | DL_FLAG.AUTOREMOVE_SUPPLIER);
    expect(root.readFile(`${LINK}/auto_remove_on`)).toBe('supplier unbind\n');
  });

  it('should show "not tracked" for a STATELESS link, which never gates probing', () => {
    const { root, status, c0 } = fixture(DL_FLAG.STATELESS);
    expect(status()).toBe('not tracked\n');
    root.writeFile('/sys/bus/toy/drivers_probe', 'c0');
    expect(c0.driver?.name).toBe('cdrv');
    expect(status()).toBe('not tracked\n');
  });

  it.each([
    ['both unbound', false, false, 'dormant\n'],
    ['supplier bound, consumer unbound', true, false, 'available\n'],
    ['both bound', true, true, 'active\n'],
  ])('should start %s as %j', (_why, supplierBound, consumerBound, expected) => {
    const { machine, toy } = createToyMachine();
    machine.processes.root.writeFile('/sys/bus/toy/drivers_autoprobe', '0');
    toy.register('sdrv', { prefix: 's' });
    toy.register('cdrv', { prefix: 'c' });
    const s0 = toy.add('s0');
    const c0 = toy.add('c0');
    if (supplierBound) machine.processes.root.writeFile('/sys/bus/toy/drivers/sdrv/bind', 's0');
    if (consumerBound) machine.processes.root.writeFile('/sys/bus/toy/drivers/cdrv/bind', 'c0');
    machine.links.add(c0, s0, 0);
    expect(machine.processes.root.readFile(`${LINK}/status`)).toBe(expected);
  });

  it('should start "consumer probing" for a link added from the consumer\'s probe, "active" once bound', () => {
    const { machine, toy } = createToyMachine();
    toy.register('sdrv', { prefix: 's' });
    const s0 = toy.add('s0');
    const seen: string[] = [];
    toy.register('cdrv', {
      prefix: 'c',
      onProbe: (dev) => {
        machine.links.add(dev, s0, 0);
        seen.push(machine.processes.root.readFile(`${LINK}/status`));
      },
    });
    const c0 = toy.add('c0');
    expect(seen).toEqual(['consumer probing\n']);
    expect(c0.driver?.name).toBe('cdrv');
    expect(machine.processes.root.readFile(`${LINK}/status`)).toBe('active\n');
  });
});

describe('DeviceLinks state machine', () => {
  it('should make the consumer defer while the supplier is unbound, then bind after it', () => {
    const { machine, root, status, c0, s0 } = fixture();
    expect(status()).toBe('dormant\n');
    expect(errnoOf(() => root.writeFile('/sys/bus/toy/drivers_probe', 'c0'))).toBe('EINVAL');
    expect(c0.driver).toBeUndefined();
    expect(machine.deferred.devices).toEqual([c0]);
    expect(c0.p.deferredReason).toBe('toy: supplier s0 not ready\n');
    expect(machine.log.records.filter((r) => r.message.endsWith('supplier s0 not ready')).map((r) => r.level)).toEqual(['debug']);
    root.writeFile('/sys/bus/toy/drivers/sdrv/bind', 's0');
    expect(s0.driver?.name).toBe('sdrv');
    expect(status()).toBe('available\n');
    expect(c0.driver).toBeUndefined(); // the retry is a task, not synchronous
    machine.settle();
    expect(c0.driver?.name).toBe('cdrv');
    expect(status()).toBe('active\n');
  });

  it('should answer a sysfs bind of the consumer with EAGAIN while the supplier is unbound', () => {
    const { machine, root, c0 } = fixture();
    expect(errnoOf(() => root.writeFile('/sys/bus/toy/drivers/cdrv/bind', 'c0'))).toBe('EAGAIN');
    expect(c0.driver).toBeUndefined();
    expect(machine.deferred.devices).toEqual([]);
  });

  it('should force-unbind the consumer before the supplier and not re-probe it when the supplier returns', () => {
    const { machine, toy, root, status, c0, s0 } = fixture();
    root.writeFile('/sys/bus/toy/drivers/sdrv/bind', 's0');
    root.writeFile('/sys/bus/toy/drivers/cdrv/bind', 'c0');
    toy.trace();
    root.writeFile('/sys/bus/toy/drivers/sdrv/unbind', 's0');
    expect(toy.log.filter((l) => l.startsWith('uevent'))).toEqual(['uevent unbind /devices/c0', 'uevent unbind /devices/s0']);
    expect(status()).toBe('dormant\n');
    root.writeFile('/sys/bus/toy/drivers/sdrv/bind', 's0');
    machine.settle();
    expect(s0.driver?.name).toBe('sdrv');
    expect(c0.driver).toBeUndefined();
    expect(status()).toBe('available\n');
  });

  it('should re-probe an AUTOPROBE_CONSUMER consumer when the supplier binds again', () => {
    const { machine, root, status, c0 } = fixture(DL_FLAG.AUTOPROBE_CONSUMER);
    root.writeFile('/sys/bus/toy/drivers/sdrv/bind', 's0');
    machine.settle();
    root.writeFile('/sys/bus/toy/drivers_probe', 'c0');
    expect(c0.driver?.name).toBe('cdrv');
    root.writeFile('/sys/bus/toy/drivers/sdrv/unbind', 's0');
    expect(c0.driver).toBeUndefined();
    root.writeFile('/sys/bus/toy/drivers/sdrv/bind', 's0');
    expect(c0.driver).toBeUndefined();
    machine.settle();
    expect(c0.driver?.name).toBe('cdrv');
    expect(status()).toBe('active\n');
  });

  it('should not queue an AUTOPROBE_CONSUMER consumer that no driver ever matched (can_match)', () => {
    const { machine, root } = fixture(DL_FLAG.AUTOPROBE_CONSUMER, { consumerDriver: false });
    root.writeFile('/sys/bus/toy/drivers/sdrv/bind', 's0');
    expect(machine.deferred.devices).toEqual([]);
  });

  it('should delete an AUTOREMOVE_CONSUMER link when the consumer unbinds', () => {
    const { machine, root, status } = fixture(DL_FLAG.AUTOREMOVE_CONSUMER);
    root.writeFile('/sys/bus/toy/drivers/sdrv/bind', 's0');
    root.writeFile('/sys/bus/toy/drivers/cdrv/bind', 'c0');
    expect(status()).toBe('active\n');
    root.writeFile('/sys/bus/toy/drivers/cdrv/unbind', 'c0');
    expect(machine.vfs.exists(LINK)).toBe(false);
    expect(machine.uevent.log.at(-2)).toMatchObject({ action: 'remove', subsystem: 'devlink' });
    expect(machine.uevent.log.at(-1)).toMatchObject({ action: 'unbind', devpath: '/devices/c0' });
  });

  it('should delete an AUTOREMOVE_CONSUMER link when the consumer probe fails', () => {
    const { machine, toy, root, cdrv } = fixture(DL_FLAG.AUTOREMOVE_CONSUMER);
    root.writeFile('/sys/bus/toy/drivers/sdrv/bind', 's0');
    toy.spec(cdrv!).outcome = 'EIO';
    root.writeFile('/sys/bus/toy/drivers_probe', 'c0');
    expect(machine.vfs.exists(LINK)).toBe(false);
  });

  it('should delete an AUTOREMOVE_SUPPLIER link after the supplier unbinds', () => {
    const { machine, toy, root, c0 } = fixture(DL_FLAG.AUTOREMOVE_SUPPLIER);
    root.writeFile('/sys/bus/toy/drivers/sdrv/bind', 's0');
    root.writeFile('/sys/bus/toy/drivers/cdrv/bind', 'c0');
    toy.trace();
    root.writeFile('/sys/bus/toy/drivers/sdrv/unbind', 's0');
    expect(toy.log.filter((l) => l.startsWith('uevent') || l.startsWith('remove'))).toEqual([
      'remove cdrv c0',
      'uevent unbind /devices/c0',
      'remove sdrv s0',
      'uevent remove /devices/virtual/devlink/toy:s0--toy:c0',
      'uevent unbind /devices/s0',
    ]);
    expect(machine.vfs.exists(LINK)).toBe(false);
    expect(c0.p.suppliers).toEqual([]);
  });

  it('should purge every link of a deleted device', () => {
    const { machine, toy, root, s0, c0 } = fixture();
    root.writeFile('/sys/bus/toy/drivers/sdrv/bind', 's0');
    root.writeFile('/sys/bus/toy/drivers/cdrv/bind', 'c0');
    toy.trace();
    toy.remove(s0);
    expect(machine.vfs.exists(LINK)).toBe(false);
    expect(c0.p.suppliers).toEqual([]);
    // device_del unbinds the supplier (consumers first) before device_links_purge.
    expect(c0.driver).toBeUndefined();
    expect(toy.log.filter((l) => l.startsWith('uevent'))).toEqual([
      'uevent unbind /devices/c0',
      'uevent unbind /devices/s0',
      'uevent remove /devices/virtual/devlink/toy:s0--toy:c0',
      'uevent remove /devices/s0',
    ]);
  });
});

describe('DeviceLinks during nested probes', () => {
  /** p0's probe creates k0 (not devm-managed); k0's probe links itself to its probing parent. */
  function nested(parentOutcome: 'ok' | 'EIO') {
    const { machine, toy } = createToyMachine();
    const root = machine.processes.root;
    const K_LINK = '/sys/class/devlink/toy:p0--toy:k0';
    const seen: string[] = [];
    toy.register('kdrv', {
      prefix: 'k',
      onProbe: (dev) => {
        machine.links.add(dev, dev.parent!, 0);
        seen.push(root.readFile(`${K_LINK}/status`));
      },
    });
    toy.register('pdrv', {
      prefix: 'p',
      outcome: parentOutcome,
      onProbe: (dev) => {
        toy.add('k0', { parent: dev });
        seen.push(root.readFile(`${K_LINK}/status`));
      },
    });
    const p0 = toy.add('p0');
    return { p0, k0: toy.device('k0'), seen, status: () => root.readFile(`${K_LINK}/status`) };
  }

  it('should start "consumer probing" when both ends are probing, "active" once the consumer bound', () => {
    const { p0, k0, seen, status } = nested('ok');
    expect(seen).toEqual(['consumer probing\n', 'active\n']);
    expect([p0.driver?.name, k0.driver?.name]).toEqual(['pdrv', 'kdrv']);
    expect(status()).toBe('active\n');
  });

  it("should fall back to dormant when the supplier's probe fails (device_links_no_driver)", () => {
    const { p0, k0, status } = nested('EIO');
    expect(p0.driver).toBeUndefined();
    expect(k0.driver?.name).toBe('kdrv');
    expect(status()).toBe('dormant\n');
  });
});

describe('SYNC_STATE_ONLY links', () => {
  it('should not gate probing and be dropped when the consumer binds', () => {
    const { machine, root, c0 } = fixture(DL_FLAG.SYNC_STATE_ONLY);
    expect(root.writeFile('/sys/bus/toy/drivers_probe', 'c0')).toBe(2);
    expect(c0.driver?.name).toBe('cdrv');
    expect(machine.vfs.exists(LINK)).toBe(false);
  });
});
