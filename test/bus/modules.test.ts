/**
 * Kernel modules (DESIGN.md §4 "Modules", reference §2.3 load/unload orders), taint (§6.5) and
 * lockdown (§6.3).
 */
import { describe, expect, it } from 'vitest';
import { parseModprobeConfig, taintFlags } from '../../src/bus/index.js';
import { createToyMachine, errnoOf, toyModule } from '../support/toy-bus.js';

function fixture() {
  const { machine, toy } = createToyMachine();
  const m = machine.modules;
  m.install(toyModule('toy_core', [{ name: 'core', spec: { prefix: 'a' } }]));
  m.install(toyModule('toy-ext', [{ name: 'ext', spec: { prefix: 'b' } }], ['toy_core']));
  m.install(toyModule('toy_top', [{ name: 'top', spec: { prefix: 'c' } }], ['toy-ext']));
  return { machine, toy, m };
}

const moduleEvents = (machine: ReturnType<typeof createToyMachine>['machine'], from: number) =>
  machine.uevent.log.slice(from).map((e) => `${e.action} ${e.devpath}`);

describe('ModuleLoader.modprobe', () => {
  it('should load dependencies first, each module `add` after its init', () => {
    const { machine, toy, m } = fixture();
    toy.add('a0');
    toy.add('c0');
    const mark = machine.uevent.log.length;
    m.modprobe('toy_top');
    expect(m.loaded).toEqual(['toy_core', 'toy_ext', 'toy_top']);
    expect(moduleEvents(machine, mark)).toEqual([
      'bind /devices/a0',
      'add /bus/toy/drivers/core',
      'add /module/toy_core',
      'add /bus/toy/drivers/ext',
      'add /module/toy_ext',
      'bind /devices/c0',
      'add /bus/toy/drivers/top',
      'add /module/toy_top',
    ]);
    expect(Object.fromEntries(machine.uevent.log.at(-1)!.env)).toMatchObject({ SUBSYSTEM: 'module', DEVPATH: '/module/toy_top' });
  });

  it("should treat '-' and '_' alike", () => {
    const { m } = fixture();
    m.modprobe('toy-core');
    m.modprobe('toy_ext');
    expect(m.isLoaded('toy-ext')).toBe(true);
    expect(m.loaded).toEqual(['toy_core', 'toy_ext']);
  });

  it('should leave a loaded module alone', () => {
    const { machine, m } = fixture();
    m.modprobe('toy_core');
    const seq = machine.uevent.seqnum;
    m.modprobe('toy_core');
    expect(machine.uevent.seqnum).toBe(seq);
  });

  it('should answer ENOENT for an unknown module and load nothing', () => {
    const { m } = fixture();
    expect(errnoOf(() => m.modprobe('nosuch'))).toBe('ENOENT');
    expect(m.loaded).toEqual([]);
  });

  it('should undo a module whose init fails and send no `add`', () => {
    const { machine, toy, m } = fixture();
    toy.register('core'); // the module's driver name is taken → driver_register EBUSY
    const mark = machine.uevent.log.length;
    expect(errnoOf(() => m.modprobe('toy_core'))).toBe('EBUSY');
    expect(m.isLoaded('toy_core')).toBe(false);
    expect(moduleEvents(machine, mark)).toEqual([]);
  });

  it('should show modules newest first (as lsmod does) and holders in /proc/modules', () => {
    const { machine, m } = fixture();
    m.modprobe('toy_ext');
    expect(machine.processes.root.readFile('/proc/modules')).toBe(
      'toy_ext 16384 0 - Live 0x0000000000000000\ntoy_core 16384 1 toy_ext, Live 0x0000000000000000\n',
    );
  });
});

describe('ModuleLoader.lookup (kept per name or modalias)', () => {
  it('should answer again after a module is installed or modprobe.d changes, and as of a restored snapshot', () => {
    const { machine, m } = fixture();
    expect(m.lookup('toy:x1')).toEqual({ names: [], viaAlias: true });
    // A module on disk whose alias matches: the kept answer is dropped with the install.
    m.install({ ...toyModule('toy_alias', []), aliases: ['toy:x*'] });
    expect(m.lookup('toy:x1').names).toEqual(['toy_alias']);
    const token = machine.snapshot();
    // modprobe.d aliases come first: the kept answer is dropped with the configuration.
    m.configure(parseModprobeConfig([{ name: 'a.conf', text: 'alias toy:x1 toy_core\n' }], ''), '');
    expect(m.lookup('toy:x1')).toEqual({ names: ['toy_core'], viaAlias: true });
    machine.restore(token);
    expect(m.lookup('toy:x1').names).toEqual(['toy_alias']);
  });
});

describe('ModuleLoader.rmmod', () => {
  it('should refuse with EBUSY while a dependent module is loaded', () => {
    const { m } = fixture();
    m.modprobe('toy_ext');
    expect(errnoOf(() => m.rmmod('toy_core'))).toBe('EBUSY');
    m.rmmod('toy-ext');
    m.rmmod('toy_core');
    expect(m.loaded).toEqual([]);
  });

  it('should answer ENOENT for a module that is not loaded', () => {
    const { m } = fixture();
    expect(errnoOf(() => m.rmmod('toy_core'))).toBe('ENOENT');
  });

  it('should unbind devices (last bound first), then the driver `remove`, then the module `remove`', () => {
    const { machine, toy, m } = fixture();
    m.modprobe('toy_core');
    toy.add('a0');
    toy.add('a1');
    const mark = machine.uevent.log.length;
    m.rmmod('toy_core');
    expect(moduleEvents(machine, mark)).toEqual([
      'unbind /devices/a1',
      'unbind /devices/a0',
      'remove /bus/toy/drivers/core',
      'remove /module/toy_core',
    ]);
    expect(machine.vfs.exists('/sys/bus/toy/drivers/core')).toBe(false);
  });

  it('should refuse with EBUSY while a file of its cdev is open, and succeed after close', () => {
    const { machine, toy, m } = fixture();
    m.modprobe('toy_core');
    const root = machine.processes.root;
    toy.add('node0', { devt: { major: 240, minor: 0 } });
    const cdev = machine.cdevs.add('node', 240, 0, 1, {}, 'toy-core'); // either spelling names the module
    const fd = root.open('/dev/node0', 'r');
    expect(errnoOf(() => m.rmmod('toy_core'))).toBe('EBUSY');
    expect(m.isLoaded('toy_core')).toBe(true);
    root.close(fd);
    cdev.dispose();
    m.rmmod('toy_core');
    expect(m.isLoaded('toy_core')).toBe(false);
  });

  it('should load again after an unload', () => {
    const { toy, m } = fixture();
    m.modprobe('toy_core');
    m.rmmod('toy_core');
    m.modprobe('toy_core');
    expect(toy.add('a0').driver?.name).toBe('core');
  });
});

describe('Taint', () => {
  it('should keep the kernel bits and letters', () => {
    expect(taintFlags.USER).toEqual({ bit: 6, char: 'U' });
    expect(taintFlags.FIRMWARE_WORKAROUND).toEqual({ bit: 11, char: 'I' });
    expect(taintFlags.FWCTL).toEqual({ bit: 19, char: 'J' });
    expect(
      Object.values(taintFlags)
        .map((f) => f.char)
        .join(''),
    ).toBe('PFSRMBUDAWCIOELKXTNJ');
    expect(Object.values(taintFlags).map((f) => f.bit)).toEqual([...Array(20).keys()]);
  });

  it('should be sticky, set once, and list letters in bit order', () => {
    const { machine } = createToyMachine();
    const t = machine.taint;
    expect(t.letters).toBe('');
    expect(t.add('FWCTL')).toBe(true);
    expect(t.add('USER')).toBe(true);
    expect(t.add('FWCTL')).toBe(false);
    expect(t.letters).toBe('UJ');
    expect(t.mask).toBe((1 << 6) | (1 << 19));
    expect(machine.processes.root.readFile('/proc/sys/kernel/tainted')).toBe('524352\n');
  });
});

describe('Lockdown', () => {
  it.each([
    ['none', 'ok'],
    ['integrity', 'EPERM'],
    ['confidentiality', 'EPERM'],
  ] as const)('should answer PCI_ACCESS under %s with %s', (level, expected) => {
    const { machine } = createToyMachine({ lockdown: level });
    expect(machine.lockdown.level).toBe(level);
    expect(errnoOf(() => machine.lockdown.check('PCI_ACCESS', 'setpci'))).toBe(expected);
    expect(errnoOf(() => machine.lockdown.check('DEV_MEM'))).toBe(expected);
  });

  it('should say which process and reason were refused', () => {
    const { machine } = createToyMachine({ lockdown: 'integrity' });
    expect(() => machine.lockdown.check('DEV_MEM', 'dd')).toThrow('Lockdown: dd: /dev/mem,kmem,port is restricted; see man kernel_lockdown.7');
  });
});
