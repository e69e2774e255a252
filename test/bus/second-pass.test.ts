/**
 * Issue #9, "Departures to fix": one test per departure of the driver core from the current
 * kernel, each naming the kernel function whose behaviour it pins down. Every test here failed
 * on the code before the fix.
 */
import { describe, expect, it } from 'vitest';
import { BugIndicatingError } from '../../src/base/index.js';
import {
  DL_FLAG,
  DeviceClass,
  PAGE_SIZE,
  UeventEnv,
  devmAddAction,
  devmAddActionOrReset,
  devresNames,
  linkStates,
  ueventVar,
} from '../../src/bus/index.js';
import { bootMachine, errnoOf as pciErrnoOf, storeAs, unprivileged } from '../support/pci-machine.js';
import { createToyMachine, errnoOf } from '../support/toy-bus.js';

describe('departure 2: class_register / class_unregister send the class kobject uevents', () => {
  it('should send `add /class/<name>` with SUBSYSTEM=class, and `remove` on unregister (kset_register, __kobject_del)', () => {
    const { machine } = createToyMachine();
    const mark = machine.uevent.log.length;
    const cls = new DeviceClass({ name: 'widget' });
    machine.buses.classRegister(cls);
    machine.buses.classUnregister(cls);
    const seen = machine.uevent.log.slice(mark).map((e) => `${e.action} ${e.devpath} ${ueventVar(e, 'SUBSYSTEM')}`);
    expect(seen).toEqual(['add /class/widget class', 'remove /class/widget class']);
  });
});

describe('departure 3: __device_release_driver runs device_unbind_cleanup before device_links_driver_cleanup (v6.7)', () => {
  it('should release the supplier devres while its consumer links are still "supplier unbinding"', () => {
    const { machine, toy } = createToyMachine();
    const seen: string[] = [];
    toy.register('sup', {
      prefix: 's',
      onProbe: (dev) => devmAddAction(dev, 'watch', () => seen.push(...dev.p.consumers.map((l) => l.status))),
    });
    const s0 = toy.add('s0');
    const c0 = toy.add('c0');
    expect(machine.links.add(c0, s0, DL_FLAG.AUTOREMOVE_SUPPLIER)).toBeDefined();
    machine.processes.root.writeFile('/sys/bus/toy/drivers/sup/unbind', 's0');
    // The old order (links cleanup first) deleted the AUTOREMOVE_SUPPLIER link before devres ran.
    expect(seen).toEqual([linkStates.SUPPLIER_UNBIND]);
    expect(s0.p.consumers).toEqual([]);
  });
});

describe('departure 4: devres on a device without a driver', () => {
  it("should release an unbound device's devres in device_del before the `remove` uevent (device_del, v6.0)", () => {
    const { machine, toy } = createToyMachine();
    const dev = toy.add('zz0');
    const log: string[] = [];
    devmAddAction(dev, 'early', () => log.push(`devres; uevents so far: ${machine.uevent.log.at(-1)!.action}`));
    machine.uevent.onDidSend((e) => log.push(`uevent ${e.action}`));
    machine.core.del(dev);
    expect(log).toEqual(['devres; uevents so far: add', 'uevent remove']);
  });

  it('should register devm_add_action_or_reset on an unbound device like devm_add_action (devm_add_action_or_reset)', () => {
    const { toy } = createToyMachine();
    const dev = toy.add('zz0');
    const log: string[] = [];
    devmAddActionOrReset(dev, 'x', () => log.push('x'));
    expect(log).toEqual([]);
    expect(devresNames(dev)).toEqual(['x']);
  });
});

describe('departure 5: kernfs_fop_write_iter truncates a text write to PAGE_SIZE (no atomic_write_len)', () => {
  const big = 'x'.repeat(PAGE_SIZE + 100);
  it('should hand the store PAGE_SIZE bytes: driver_override EINVAL, unbind ENODEV, drivers_autoprobe accepts', () => {
    const { machine, toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a' });
    toy.add('a0');
    const root = machine.processes.root;
    expect(errnoOf(() => root.writeFile('/sys/bus/toy/devices/a0/driver_override', big))).toBe('EINVAL');
    expect(errnoOf(() => root.writeFile('/sys/bus/toy/drivers/alpha/unbind', big))).toBe('ENODEV');
    expect(root.writeFile('/sys/bus/toy/drivers_autoprobe', `0${big}`)).toBe(PAGE_SIZE);
    expect(root.readFile('/sys/bus/toy/drivers_autoprobe')).toBe('0\n');
  });
});

describe('departure 6: kobject_synth_uevent and add_uevent_var limits', () => {
  const UUID = '12345678-1234-1234-1234-123456789abc';
  it('should refuse more than UEVENT_NUM_ENVP (64) arguments with EINVAL (kobject_action_args)', () => {
    const { machine, toy } = createToyMachine();
    toy.add('zz0');
    const args = Array.from({ length: 64 }, (_, i) => ` K${i}=v`).join('');
    expect(errnoOf(() => machine.processes.root.writeFile('/sys/devices/zz0/uevent', `change ${UUID}${args}`))).toBe('EINVAL');
  });

  it('should fail with ENOMEM when the event itself overflows (kobject_uevent_env: add_uevent_var)', () => {
    const { machine, toy } = createToyMachine();
    toy.add('zz0');
    const mark = machine.uevent.log.length;
    // 63 arguments plus SYNTH_UUID parse; ACTION, DEVPATH, SUBSYSTEM … SEQNUM push the event past 64 keys.
    const args = Array.from({ length: 63 }, (_, i) => ` K${i}=v`).join('');
    expect(errnoOf(() => machine.processes.root.writeFile('/sys/devices/zz0/uevent', `change ${UUID}${args}`))).toBe('ENOMEM');
    expect(machine.uevent.log.length).toBe(mark);
  });

  it('should refuse arguments over the 2048-byte buffer with EINVAL', () => {
    const { machine, toy } = createToyMachine();
    toy.add('zz0');
    const args = Array.from({ length: 3 }, (_, i) => ` K${i}=${'v'.repeat(800)}`).join('');
    expect(errnoOf(() => machine.processes.root.writeFile('/sys/devices/zz0/uevent', `change ${UUID}${args}`))).toBe('EINVAL');
  });
});

describe('departure 7: deferred probe timeout', () => {
  it('should extend the timeout on driver_register and warn about pending devices (deferred_probe_extend_timeout)', () => {
    const { machine, toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a', outcome: 'EPROBE_DEFER' });
    toy.add('a0');
    machine.deferred.armTimeout();
    machine.advance(9_000);
    toy.register('beta', { prefix: 'nothing' });
    machine.advance(2_000); // 11 s after arming: the first deadline has passed, the extended one not
    const pending = () => machine.log.records.filter((r) => r.message.includes('deferred probe pending'));
    expect(pending()).toEqual([]);
    machine.advance(9_000);
    expect(pending().map((r) => r.level)).toEqual(['warning']);
  });
});

describe('departure 9: log texts as the current kernel prints them', () => {
  it('should log a failed probe as dev_err "probe with driver X failed with error -N" (call_driver_probe)', () => {
    const { machine, toy } = createToyMachine();
    toy.register('alpha', { prefix: 'a', outcome: 'EIO' });
    toy.add('a0');
    const rec = machine.log.records.find((r) => r.message.includes('failed with error'));
    expect(rec).toMatchObject({ level: 'error', message: 'toy a0: probe with driver alpha failed with error -5' });
  });

  it('should log "Resources present before probing" at the critical level (really_probe dev_crit)', () => {
    const { machine, toy } = createToyMachine();
    const dev = toy.add('a0');
    devmAddAction(dev, 'stray', () => {});
    toy.register('alpha', { prefix: 'a' });
    const rec = machine.log.records.find((r) => r.message.includes('Resources present before probing'));
    expect(rec?.level).toBe('critical');
    expect(dev.driver).toBeUndefined();
  });
});

describe('departure 10: device_links_purge deletes the newest link first', () => {
  it('should send the devlink `remove` uevents newest first, suppliers before consumers (list_for_each_entry_safe_reverse)', () => {
    const { machine, toy } = createToyMachine();
    const [a, b, c, d, e] = ['a0', 'b0', 'c0', 'd0', 'e0'].map((n) => toy.add(n));
    machine.links.add(c!, a!, 0);
    machine.links.add(c!, b!, 0);
    machine.links.add(d!, c!, 0);
    machine.links.add(e!, c!, 0);
    const mark = machine.uevent.log.length;
    toy.remove(c!);
    const removed = machine.uevent.log
      .slice(mark)
      .filter((ev) => ev.subsystem === 'devlink')
      .map((ev) => ev.devpath.split('/').at(-1));
    expect(removed).toEqual(['toy:b0--toy:c0', 'toy:a0--toy:c0', 'toy:c0--toy:e0', 'toy:c0--toy:d0']);
  });
});

describe('departure 11: settled corners', () => {
  it('should not spin when a supplier unbinds while its consumer is probing (device_links_unbind_consumers waits)', () => {
    const { machine, toy } = createToyMachine();
    toy.register('sup', { prefix: 's' });
    const s0 = toy.add('s0');
    toy.register('con', {
      prefix: 'c',
      // The consumer's own probe unbinds its supplier: the kernel's wait_for_device_probe()
      // would wait for this very probe.
      onProbe: () => machine.processes.root.writeFile('/sys/bus/toy/drivers/sup/unbind', 's0'),
    });
    const c0 = toy.create('c0');
    machine.links.add(c0, s0, 0);
    expect(() => machine.core.add(c0)).toThrow(BugIndicatingError);
  });

  it('should start a new link to an unbinding supplier in "supplier unbinding" (device_link_init_status)', () => {
    const { machine, toy } = createToyMachine();
    const other = toy.add('x0');
    let status: string | undefined;
    toy.register('sup', { prefix: 's', onRemove: (dev) => (status = machine.links.add(other, dev, 0)?.status) });
    toy.add('s0');
    machine.processes.root.writeFile('/sys/bus/toy/drivers/sup/unbind', 's0');
    expect(status).toBe(linkStates.SUPPLIER_UNBIND);
  });

  it('should stop device_links_busy at the first busy consumer link', () => {
    const { machine, toy } = createToyMachine();
    toy.register('sup', { prefix: 's' });
    toy.register('con', { prefix: 'c' });
    const s0 = toy.add('s0');
    const c0 = toy.create('c0');
    machine.links.add(c0, s0, 0);
    machine.core.add(c0);
    const d0 = toy.add('d0'); // no driver: its link stays "available"
    machine.links.add(d0, s0, 0);
    expect(machine.links.busy(s0)).toBe(true);
    expect(s0.p.consumers.map((l) => l.status)).toEqual([linkStates.ACTIVE, linkStates.AVAILABLE]);
  });

  it('should append a duplicate key as add_uevent_var does', () => {
    const env = new UeventEnv();
    env.add('A', '1');
    env.add('B', '2');
    env.add('A', '3');
    expect(env.entries()).toEqual([
      ['A', '1'],
      ['B', '2'],
      ['A', '3'],
    ]);
  });

  it('should call show() once per open file, not once per read() (seq_file: kernfs_seq_start/next)', () => {
    const { machine, toy } = createToyMachine();
    let shows = 0;
    const dev = toy.create('zz0');
    dev.groups.push({ attrs: [{ name: 'counter', mode: 0o444, show: () => `${++shows}abcdef\n` }] });
    machine.core.add(dev);
    const root = machine.processes.root;
    const fd = root.open('/sys/devices/zz0/counter');
    const text = [root.read(fd, 3), root.read(fd, 3), root.read(fd, 3), root.read(fd, 3)].map((b) => new TextDecoder().decode(b)).join('');
    root.close(fd);
    expect(text).toBe('1abcdef\n');
    expect(shows).toBe(1);
  });
});

describe('departure 8: PCI sysfs stores answer EINVAL, never ERANGE (v5.16 "Return -EINVAL consistently")', () => {
  const huge = '99999999999999999999999';
  it.each([
    ['/sys/bus/pci/devices/0000:0d:00.0/enable'],
    ['/sys/bus/pci/devices/0000:0d:00.0/remove'],
    ['/sys/bus/pci/devices/0000:0d:00.0/rescan'],
    ['/sys/bus/pci/devices/0000:0d:00.0/reset'],
    ['/sys/bus/pci/rescan'],
  ])('should refuse a number kstrtoul cannot take in %s with EINVAL', (path) => {
    const m = bootMachine();
    expect(pciErrnoOf(() => m.processes.root.writeFile(path, huge))).toBe('EINVAL');
  });

  it('should check CAP_SYS_ADMIN in enable_store before parsing (EPERM first)', () => {
    const m = bootMachine();
    expect(pciErrnoOf(() => storeAs(m, '/sys/bus/pci/devices/0000:0d:00.0/enable', huge, unprivileged))).toBe('EPERM');
  });
});
