/**
 * `udevadm settle`: success at once without a running udevd, waits (runs the scheduler) until
 * udevd's queue is empty, honours --exit-if-exists, and times out in virtual time.
 */
import { describe, expect, it } from 'vitest';
import { createMachine, machineUdev } from '../../src/machine/index.js';
import { type SettleHost, udevadmSettle } from '../../src/udev/udevadm/udevadm-settle.js';

describe('udevadm settle', () => {
  it('succeeds at once when udevd is not running', () => {
    const host: SettleHost = { running: false, idle: false, settle: () => expect.fail('no ping'), advance: () => expect.fail('no wait') };
    expect(udevadmSettle(host)).toEqual({ out: '', err: '', status: 0 });
  });

  it('waits until the queue is empty', () => {
    const m = createMachine({ presets: ['cxl-type3'] });
    m.boot();
    const udev = machineUdev(m);
    m.processes.root.writeFile('/sys/bus/pci/devices/0000:0d:00.0/uevent', 'change');
    expect(udev.daemon.isIdle).toBe(false);
    const host: SettleHost = {
      running: udev.daemon.started,
      get idle() {
        return udev.daemon.isIdle;
      },
      settle: () => void m.settle(),
      advance: (ms) => void m.advance(ms),
    };
    expect(udevadmSettle(host).status).toBe(0);
    expect(udev.daemon.isIdle).toBe(true);
  });

  it('times out in virtual time when the queue never empties', () => {
    let now = 0;
    const host: SettleHost = { running: true, idle: false, settle: () => {}, advance: (ms) => void (now += ms) };
    expect(udevadmSettle(host, { timeoutSec: 2 })).toEqual({ out: '', err: 'Timed out for waiting the udev queue being empty.\n', status: 1 });
    expect(now).toBe(2000);
  });

  it('stops waiting when --exit-if-exists names an existing file', () => {
    const host: SettleHost = { running: true, idle: false, settle: () => {}, advance: () => expect.fail('no wait'), exists: (p) => p === '/dev/x' };
    expect(udevadmSettle(host, { exitIfExists: '/dev/x' }).status).toBe(0);
  });
});
