/**
 * Reference §1.11 (deferred probe): a deferral waits on the pending list and is retried only
 * after another successful bind, as one scheduler task that re-probes in FIFO order — never
 * synchronously; sysfs bind never queues; a deleted device leaves the lists.
 */
import { describe, expect, it } from 'vitest';
import { createToyMachine, errnoOf } from '../support/toy-bus.js';

function fixture() {
  const { machine, toy } = createToyMachine();
  const root = machine.processes.root;
  const alpha = toy.register('alpha', { prefix: 'a', outcome: ['EPROBE_DEFER', 'EPROBE_DEFER', 'ok'] });
  const beta = toy.register('beta', { prefix: 'b' });
  return { machine, toy, root, alpha, beta };
}

describe('DeferredProbe', () => {
  it('should queue a deferring device and schedule nothing until another bind succeeds', () => {
    const { machine, toy } = fixture();
    const a0 = toy.add('a0');
    expect(machine.deferred.devices).toEqual([a0]);
    expect(machine.scheduler.pending).toBe(0);
    machine.settle();
    expect(toy.log).toEqual(['probe alpha a0']);
  });

  it('should retry as a scheduler task after a successful bind elsewhere, not synchronously', () => {
    const { machine, toy, alpha } = fixture();
    const calls = new Map<string, number>();
    // a0 succeeds at its second probe; a1 always defers.
    toy.spec(alpha).outcome = (dev) => {
      const n = (calls.get(dev.name) ?? 0) + 1;
      calls.set(dev.name, n);
      return dev.name === 'a0' && n >= 2 ? 'ok' : 'EPROBE_DEFER';
    };
    const a0 = toy.add('a0');
    const a1 = toy.add('a1');
    toy.add('b0');
    // The bind of b0 triggered the retry; it has not run yet.
    expect(toy.log).toEqual(['probe alpha a0', 'probe alpha a1', 'probe beta b0']);
    expect(machine.scheduler.ready.map((t) => t.name)).toEqual(['deferred_probe_work']);
    // FIFO: a0 then a1. a0's bind triggers one more round, which finds nothing new to retry.
    expect(machine.settle()).toBe(2);
    expect(toy.log.slice(3)).toEqual(['probe alpha a0', 'probe alpha a1']);
    expect(a0.driver?.name).toBe('alpha');
    expect(a1.driver).toBeUndefined();
    expect(machine.deferred.devices).toEqual([a1]);
  });

  it('should not retry after a failed bind or a driver registration that binds nothing', () => {
    const { machine, toy, beta } = fixture();
    toy.add('a0');
    toy.spec(beta).outcome = 'EIO';
    toy.add('b0');
    toy.register('gamma', { prefix: 'g' });
    expect(machine.scheduler.pending).toBe(0);
    machine.settle();
    expect(toy.log).toEqual(['probe alpha a0', 'probe beta b0']);
  });

  it('should retry after a successful sysfs bind elsewhere', () => {
    const { machine, toy, root } = fixture();
    root.writeFile('/sys/bus/toy/drivers_autoprobe', '0');
    toy.add('b0');
    root.writeFile('/sys/bus/toy/drivers_autoprobe', '1');
    toy.add('a0');
    root.writeFile('/sys/bus/toy/drivers/beta/bind', 'b0');
    machine.settle();
    expect(toy.log).toEqual(['probe alpha a0', 'probe beta b0', 'probe alpha a0']);
  });

  it('should never queue from a sysfs bind (EAGAIN instead)', () => {
    const { machine, toy, root } = fixture();
    root.writeFile('/sys/bus/toy/drivers_autoprobe', '0');
    toy.add('a0');
    expect(errnoOf(() => root.writeFile('/sys/bus/toy/drivers/alpha/bind', 'a0'))).toBe('EAGAIN');
    expect(machine.deferred.devices).toEqual([]);
    toy.add('b0');
    root.writeFile('/sys/bus/toy/drivers/beta/bind', 'b0');
    machine.settle();
    expect(toy.log).toEqual(['probe alpha a0', 'probe beta b0']);
  });

  it('should queue a device whose match() defers, and retry it', () => {
    const { machine, toy } = fixture();
    toy.deferMatch.add('a5');
    const a5 = toy.add('a5');
    expect(machine.deferred.devices).toEqual([a5]);
    toy.deferMatch.delete('a5');
    toy.add('b0');
    machine.settle();
    expect(toy.log).toEqual(['probe beta b0', 'probe alpha a5']);
  });

  it('should drop a deleted device from the lists (even with a retry already queued)', () => {
    const { machine, toy } = fixture();
    const a0 = toy.add('a0');
    toy.add('b0');
    toy.remove(a0);
    expect(machine.deferred.devices).toEqual([]);
    machine.settle();
    expect(toy.log).toEqual(['probe alpha a0', 'probe beta b0']);
  });

  it('should drop a device from the list when it binds to another driver', () => {
    const { machine, toy } = fixture();
    const a0 = toy.add('a0');
    toy.register('alpha2', { prefix: 'a' });
    expect(a0.driver?.name).toBe('alpha2');
    expect(machine.deferred.devices).toEqual([]);
  });

  it('should re-trigger a device that deferred while another bind happened during its probe', () => {
    const { machine, toy } = fixture();
    toy.register('kid', { prefix: 'kid' });
    // p0's probe creates a child that binds (a trigger) and then defers, once.
    toy.register('parent', { prefix: 'p', children: (dev) => [`kid-${dev.name}`], outcome: ['EPROBE_DEFER', 'ok'] });
    const p0 = toy.add('p0');
    expect(p0.driver).toBeUndefined();
    expect(machine.deferred.devices).toEqual([p0]);
    expect(machine.scheduler.ready.map((t) => t.name)).toEqual(['deferred_probe_work']);
    machine.settle();
    expect(p0.driver?.name).toBe('parent');
    expect(toy.log.filter((l) => l.startsWith('probe'))).toEqual(['probe parent p0', 'probe kid kid-p0', 'probe parent p0', 'probe kid kid-p0']);
  });

  it('should log "deferred probe pending" for waiting devices when the timeout expires', () => {
    const { machine, toy } = fixture();
    toy.add('a0');
    machine.deferred.armTimeout();
    machine.advance(9_999);
    expect(machine.deferred.timeoutExpired).toBe(false);
    machine.advance(1);
    expect(machine.deferred.timeoutExpired).toBe(true);
    expect(machine.log.records.some((r) => r.message.includes('a0: deferred probe pending'))).toBe(true);
  });

  it('should retry at the timeout first (trigger + flush_work) and report only the devices still waiting', () => {
    const { machine, toy, alpha } = fixture();
    // a0 would now bind; a1 keeps deferring. No bind elsewhere has triggered a retry.
    toy.spec(alpha).outcome = (dev) => (dev.name === 'a0' ? 'ok' : 'EPROBE_DEFER');
    machine.processes.root.writeFile('/sys/bus/toy/drivers_autoprobe', '0');
    const a0 = toy.add('a0');
    const a1 = toy.add('a1');
    machine.processes.root.writeFile('/sys/bus/toy/drivers_autoprobe', '1');
    toy.spec(alpha).outcome = 'EPROBE_DEFER';
    machine.processes.root.writeFile('/sys/bus/toy/drivers_probe', 'a0');
    machine.processes.root.writeFile('/sys/bus/toy/drivers_probe', 'a1');
    expect(machine.deferred.devices).toEqual([a0, a1]);
    toy.spec(alpha).outcome = (dev) => (dev.name === 'a0' ? 'ok' : 'EPROBE_DEFER');
    const trace: string[] = [];
    machine.uevent.onDidSend((e) => trace.push(`${e.action} ${e.devpath}`));
    const mark = machine.log.records.length;
    machine.deferred.armTimeout();
    machine.advance(10_000);
    const pending = machine.log.records
      .slice(mark)
      .filter((r) => r.message.includes('deferred probe pending'))
      .map((r) => r.message);
    expect(a0.driver?.name).toBe('alpha');
    expect(trace[0]).toBe('bind /devices/a0');
    expect(pending).toEqual(['toy a1: deferred probe pending: (reason unknown)']);
  });
});

describe('/sys/kernel/debug/devices_deferred (deferred_devs_show)', () => {
  it('should list each pending device with its dev_err_probe reason, or an empty reason', async () => {
    const { createToyMachine } = await import('../support/toy-bus.js');
    const { machine, toy } = createToyMachine();
    toy.register('sup', { prefix: 's', outcome: 'EPROBE_DEFER' });
    toy.register('con', { prefix: 'c' });
    const s0 = toy.add('s0');
    const c0 = toy.create('c0');
    machine.links.add(c0, s0, 0);
    machine.core.add(c0);
    expect(machine.processes.root.readFile('/sys/kernel/debug/devices_deferred')).toBe('s0\t\nc0\ttoy: supplier s0 not ready\n');
  });
});
