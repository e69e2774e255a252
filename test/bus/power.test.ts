/**
 * Issue #9 absence "power/ on every device" (drivers/base/power/sysfs.c dpm_sysfs_add,
 * runtime.c; reference §1.16), with Debian's CONFIG_PM_ADVANCED_DEBUG=y file set.
 */
import { describe, expect, it } from 'vitest';
import { DL_FLAG, deviceSetWakeupCapable, pmRuntimeUseAutosuspend } from '../../src/bus/index.js';
import { bootMachine, errnoOf } from '../support/pci-machine.js';
import { createToyMachine } from '../support/toy-bus.js';

const CXL_DIR = '/sys/bus/pci/devices/0000:0d:00.0';

describe('power/ (dpm_sysfs_add)', () => {
  it("should give a plain device pm_runtime_init's defaults", () => {
    const { machine, toy } = createToyMachine();
    toy.add('a0');
    const root = machine.processes.root;
    expect(root.readdir('/sys/devices/a0/power')).toEqual([
      'async',
      'autosuspend_delay_ms',
      'control',
      'runtime_active_kids',
      'runtime_active_time',
      'runtime_enabled',
      'runtime_status',
      'runtime_suspended_time',
      'runtime_usage',
    ]);
    const read = (f: string) => root.readFile(`/sys/devices/a0/power/${f}`);
    expect([read('control'), read('runtime_status'), read('runtime_enabled'), read('async'), read('runtime_active_time')]).toEqual([
      'auto\n',
      'unsupported\n',
      'disabled\n',
      'disabled\n',
      '0\n',
    ]);
    // autosuspend_delay_ms: EIO both ways until the driver uses autosuspend.
    expect(errnoOf(() => read('autosuspend_delay_ms'))).toBe('EIO');
    expect(errnoOf(() => root.writeFile('/sys/devices/a0/power/autosuspend_delay_ms', '100'))).toBe('EIO');
  });

  it.each([
    ['control', 'sometimes', 'EINVAL'],
    ['control', 'on\n', 'ok'],
    ['async', 'enabled', 'ok'],
    ['async', 'yes', 'EINVAL'],
    ['wakeup', 'enabled', 'EINVAL'],
  ])('should answer a write of %s = %j with %s', (file, value, expected) => {
    const { machine, toy } = createToyMachine();
    toy.add('a0');
    const path = `/sys/devices/a0/power/${file}`;
    const r = errnoOf(() => machine.processes.root.writeFile(path, value));
    expect(r).toBe(file === 'wakeup' ? 'ENOENT' : expected);
  });

  it('should add the wakeup group for a wakeup-capable device and the autosuspend delay for one using autosuspend', () => {
    const { machine, toy } = createToyMachine();
    const dev = toy.create('w0');
    deviceSetWakeupCapable(dev, true);
    pmRuntimeUseAutosuspend(dev, 100);
    machine.core.add(dev);
    const root = machine.processes.root;
    expect(root.readFile('/sys/devices/w0/power/wakeup')).toBe('disabled\n');
    expect(root.readFile('/sys/devices/w0/power/wakeup_count')).toBe('\n');
    root.writeFile('/sys/devices/w0/power/wakeup', 'enabled\n');
    expect(root.readFile('/sys/devices/w0/power/wakeup_count')).toBe('0\n');
    expect(root.readFile('/sys/devices/w0/power/autosuspend_delay_ms')).toBe('100\n');
    root.writeFile('/sys/devices/w0/power/autosuspend_delay_ms', '-1');
    expect(root.readFile('/sys/devices/w0/power/autosuspend_delay_ms')).toBe('-1\n');
    expect(errnoOf(() => root.writeFile('/sys/devices/w0/power/autosuspend_delay_ms', '4294967296'))).toBe('EINVAL');
  });

  it('should give a device link no power/ directory (device_set_pm_not_required)', () => {
    const { machine, toy } = createToyMachine();
    const a = toy.add('a0');
    const b = toy.add('b0');
    const link = machine.links.add(b, a, DL_FLAG.STATELESS)!;
    expect(machine.processes.root.readdir(`/sys${link.device.devpath}`)).not.toContain('power');
  });
});

describe('PCI runtime PM (pci_pm_init, local_pci_probe, pci_pm_runtime_idle)', () => {
  it('should start forbidden, active and enabled, with async suspend', () => {
    const m = bootMachine();
    const read = (f: string) => m.processes.root.readFile(`${CXL_DIR}/power/${f}`);
    expect([read('control'), read('runtime_status'), read('runtime_enabled'), read('async'), read('runtime_usage')]).toEqual([
      'on\n',
      'active\n',
      'forbidden\n',
      'enabled\n',
      '1\n',
    ]);
  });

  it('should suspend an unbound function on control=auto, account the time, and resume it on control=on', () => {
    const m = bootMachine();
    const root = m.processes.root;
    const read = (f: string) => root.readFile(`${CXL_DIR}/power/${f}`);
    m.advance(500);
    root.writeFile(`${CXL_DIR}/power/control`, 'auto');
    expect(read('runtime_status')).toBe('active\n'); // rpm_idle is asynchronous
    m.settle();
    expect(read('runtime_status')).toBe('suspended\n');
    m.advance(1000);
    expect(read('runtime_suspended_time')).toBe('1000\n');
    expect(Number(read('runtime_active_time'))).toBeGreaterThanOrEqual(500);
    root.writeFile(`${CXL_DIR}/power/control`, 'on\n');
    expect([read('runtime_status'), read('control'), read('runtime_usage')]).toEqual(['active\n', 'on\n', '1\n']);
  });

  it('should keep a bound function active (the probe holds a usage count) and resume a suspended one for its driver', () => {
    const m = bootMachine();
    const root = m.processes.root;
    const read = (f: string) => root.readFile(`${CXL_DIR}/power/${f}`);
    root.writeFile(`${CXL_DIR}/power/control`, 'auto');
    m.settle();
    expect(read('runtime_status')).toBe('suspended\n');
    m.modprobe('cxl_pci');
    expect([read('runtime_status'), read('runtime_usage')]).toEqual(['active\n', '1\n']);
    root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', '0000:0d:00.0');
    expect(read('runtime_status')).toBe('suspended\n');
  });
});
