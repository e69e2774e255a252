/**
 * /sys/module/<name> (kernel/module/sysfs.c) and /proc/modules: present exactly while the module
 * is loaded; refcnt counts users (dependent modules) and open files of its cdevs; holders/ and
 * drivers/ links; /proc/modules newest first with module_refcount() in the third column.
 */
import { describe, expect, it } from 'vitest';
import { createToyMachine, errnoOf, toyModule } from '../support/toy-bus.js';

function fixture() {
  const { machine, toy } = createToyMachine();
  const m = machine.modules;
  m.install(toyModule('toy_core', [{ name: 'core', spec: { prefix: 'a' } }]));
  m.install(toyModule('toy-ext', [{ name: 'ext', spec: { prefix: 'b' } }], ['toy_core']));
  return { machine, toy, m, root: machine.processes.root };
}

describe('/sys/module', () => {
  it('should hold a directory per loaded module, from load to unload', () => {
    const { m, root } = fixture();
    expect(root.readdir('/sys/module')).toEqual([]);
    m.modprobe('toy_ext');
    expect(root.readdir('/sys/module')).toEqual(['toy_core', 'toy_ext']);
    expect(root.readdir('/sys/module/toy_core')).toEqual(['coresize', 'drivers', 'holders', 'initstate', 'refcnt', 'taint', 'uevent']);
    expect(root.readFile('/sys/module/toy_core/initstate')).toBe('live\n');
    m.rmmod('toy_ext');
    expect(errnoOf(() => root.stat('/sys/module/toy_ext'))).toBe('ENOENT');
  });

  it('should resolve the driver `module` link and list the driver as bus:name', () => {
    const { m, root } = fixture();
    m.modprobe('toy_core');
    expect(root.readlink('/sys/bus/toy/drivers/core/module')).toBe('../../../../module/toy_core');
    expect(root.readFile('/sys/bus/toy/drivers/core/module/initstate')).toBe('live\n');
    expect(root.readdir('/sys/module/toy_core/drivers')).toEqual(['toy:core']);
    expect(root.readFile('/sys/module/toy_core/drivers/toy:core/module/refcnt')).toBe('0\n');
  });

  it('should count a dependent module and each open file in refcnt, and link holders', () => {
    const { machine, toy, m, root } = fixture();
    m.modprobe('toy_core');
    toy.add('node0', { devt: { major: 240, minor: 0 } });
    const cdev = machine.cdevs.add('node', 240, 0, 1, {}, 'toy_core');
    expect(root.readFile('/sys/module/toy_core/refcnt')).toBe('0\n');
    m.modprobe('toy_ext');
    expect(root.readdir('/sys/module/toy_core/holders')).toEqual(['toy_ext']);
    const a = root.open('/dev/node0', 'r');
    const b = root.open('/dev/node0', 'r');
    expect(root.readFile('/sys/module/toy_core/refcnt')).toBe('3\n');
    expect(root.readFile('/proc/modules')).toBe(
      'toy_ext 16384 0 - Live 0x0000000000000000\n' + 'toy_core 16384 3 toy_ext, Live 0x0000000000000000\n',
    );
    root.close(a);
    root.close(b);
    m.rmmod('toy_ext');
    expect(root.readFile('/sys/module/toy_core/refcnt')).toBe('0\n');
    expect(root.readdir('/sys/module/toy_core/holders')).toEqual([]);
    cdev.dispose();
  });

  it('should send a synthetic uevent for the module on a uevent write, EINVAL on a bad one', () => {
    const { machine, m, root } = fixture();
    m.modprobe('toy_core');
    const mark = machine.uevent.log.length;
    root.writeFile('/sys/module/toy_core/uevent', 'change');
    const [ev] = machine.uevent.log.slice(mark);
    expect(ev).toMatchObject({ action: 'change', devpath: '/module/toy_core', subsystem: 'module' });
    expect(errnoOf(() => root.writeFile('/sys/module/toy_core/uevent', 'bogus'))).toBe('EINVAL');
    expect(errnoOf(() => root.readFile('/sys/module/toy_core/uevent'))).toBe('EACCES');
  });
});
