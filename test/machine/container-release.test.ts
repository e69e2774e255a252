import { describe, expect, it } from 'vitest';
import { IPresetHost } from '../../src/drivers/index.js';
import { createMachine, type Machine } from '../../src/machine/index.js';
import { weakRefsMadeBy } from '../support/weak-refs.js';

/**
 * ECMAScript keeps the target of every WeakRef made during a job alive until the job ends
 * (KeepDuringJob), and inversify's planner makes WeakRefs per plan node: a synchronous loop
 * that builds and drops machines kept every one of them (and its plans) alive until it
 * yielded. A machine now resolves its services through its ServiceGraph, which binds them as
 * constants: these tests count the WeakRefs machines make, over a life that loads and unloads
 * kernel modules and opens files, and require that the count does not grow with the number of
 * machines (weakRefsMadeBy restores WeakRef when its run ends, also on a throw).
 */

/** A machine's life: boot with autoload (udev loads the drivers), hotplug, a module unloaded and loaded again, a process reading sysfs. */
function life(): Machine {
  const m = createMachine({ autoload: true, presets: ['cxl-type3'] });
  m.boot();
  m.hotplug('cxl-type3');
  m.settle();
  m.rmmod('cxl_fwctl');
  m.rmmod('cxl_pci');
  m.modprobe('cxl_pci');
  m.modprobe('cxl_fwctl');
  m.settle();
  const p = m.processes.spawn('reader', { uid: 0, gid: 0, caps: [] });
  const fd = p.open('/sys/bus/pci/drivers/cxl_pci/module/refcnt', 'r');
  p.read(fd);
  p.close(fd);
  return m;
}

describe('machines make no WeakRef per machine', () => {
  it('should make as many WeakRefs for 20 machines as for 2 (none per machine)', () => {
    weakRefsMadeBy(() => life().release()); // module-level caches, once per process
    const two = weakRefsMadeBy(() => {
      for (let i = 0; i < 2; i++) life().release();
    });
    const twenty = weakRefsMadeBy(() => {
      for (let i = 0; i < 20; i++) life().release();
    });
    expect(twenty).toBe(two);
  });

  it('should count the WeakRefs a plain inversify resolution makes (the counter sees them)', () => {
    const m = createMachine({ presets: [] });
    // A service not built yet, resolved around the machine: the container's planner runs.
    const made = weakRefsMadeBy(() => m.container.get(IPresetHost));
    expect(made).toBeGreaterThan(0);
    expect(m.get(IPresetHost)).toBe(m.container.get(IPresetHost));
  });
});

describe('Machine.release', () => {
  it('should leave nothing to resolve after release, while a disposed machine stays inspectable', () => {
    const m = createMachine({ presets: ['cxl-type3'] });
    m.boot();
    m.dispose();
    expect([...m.core.devices].length).toBeGreaterThan(0);
    m.release();
    expect(() => m.core).toThrow();
    expect(m.container.isBound(IPresetHost)).toBe(false);
  });

  it('should make a second dispose or release a no-op', () => {
    const m = createMachine({ presets: [] });
    m.boot();
    m.release();
    expect(() => m.dispose()).not.toThrow();
    expect(() => m.release()).not.toThrow();
  });
});
