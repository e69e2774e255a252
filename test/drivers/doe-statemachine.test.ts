/**
 * The kernel's DOE mailbox state machine (reference/protocols.md §1.5, drivers/pci/doe.c) on a
 * bench mailbox whose timing each test chooses: creation (Abort, Discovery cache), the Busy
 * wait before sending, polling, the 1 s timeout → Abort → EIO, an Abort that never completes
 * marking the mailbox dead, one task at a time in submission order, cancel, and a response that
 * was not for the kernel.
 */
import { describe, expect, it } from 'vitest';
import { PCI_DOE_POLL_INTERVAL_MS, PCI_DOE_TIMEOUT_MS, type DoeMailboxTiming } from '../../src/drivers/index.js';
import { pciDoeCtrl, pciDoeRegs, pciDoeStatus } from '../../src/pci/index.js';
import { doeProtocols } from '../../src/protocols/index.js';
import { CAP, bench, cdatResponder, complianceOnly } from '../support/doe-bench.js';

const TA = doeProtocols.CXL_TABLE_ACCESS;
const COMP = doeProtocols.CXL_COMPLIANCE;
const readEntry = (handle: number) => new Uint8Array([0, 0, handle & 0xff, handle >> 8]);
const timed = (ms: number | 'never', abort: number | 'never' = 1): DoeMailboxTiming => ({ response: () => ms, abort });
const tableTask = { ...TA, request: readEntry(0), responseSize: 64 };

describe('mailbox creation (pci_doe_create_mb)', () => {
  it('should Abort first, then cache every Discovery entry in order', () => {
    const b = bench({ timing: timed(2) });
    expect(b.mb.ready).toBe(true);
    expect(b.mb.dead).toBe(false);
    expect(b.mb.features).toEqual([doeProtocols.DISCOVERY, TA]);
    // The first register write is Control = Abort, exactly 0x1; every Go is exactly 0x80000000.
    expect(b.writes[0]).toEqual([CAP + pciDoeRegs.CTRL, pciDoeCtrl.ABORT]);
    const ctrl = b.writes.filter(([off]) => off === CAP + pciDoeRegs.CTRL).map(([, v]) => v);
    expect(ctrl).toEqual([pciDoeCtrl.ABORT, pciDoeCtrl.GO, pciDoeCtrl.GO]);
    expect(b.mb.workqueueName).toBe('pci 0000:0d:00.0 DOE [100]');
  });

  it('should name its work after the function as it is named when the work is queued', () => {
    const b = bench({ timing: timed(2) });
    (b.mb.pdev as { name: string }).name = '0000:0e:00.0';
    expect(b.mb.workqueueName).toBe('pci 0000:0e:00.0 DOE [100]');
    b.submit(tableTask);
    expect(b.scheduler.pendingTasks.map((t) => t.name)).toEqual(['pci 0000:0e:00.0 DOE [100] work']);
  });

  it('should fail creation, logging the errno, when the mailbox never answers Discovery', () => {
    const b = bench({ timing: timed('never') });
    expect(b.mb.dead).toBe(true);
    expect(b.messages()).toContain('pci 0000:0d:00.0: failed to cache features : -5');
  });

  it('should answer EINVAL for a feature the mailbox does not list, Discovery always being listed', () => {
    const b = bench({ timing: timed(1) });
    const r = b.submit({ ...COMP, request: new Uint8Array(4), responseSize: 16 });
    b.run();
    expect(r.result).toEqual({ ok: false, errno: 'EINVAL' });
    expect(b.mb.supports(0x0001, 0x00)).toBe(true);
  });
});

describe('one task', () => {
  it('should poll every 7 ms until Data Object Ready and return the bytes received', () => {
    const b = bench({ timing: timed(20) });
    const t0 = b.scheduler.clock.now();
    const r = b.submit(tableTask);
    b.run();
    expect(r.result?.ok).toBe(true);
    if (!r.result?.ok) return;
    expect(r.result.received).toBe(4 + 16); // Table Access header dword + the CDAT header
    // Answered 20 ms after Go, seen at the third poll (0, 7, 14, 21 ms).
    expect(b.scheduler.clock.now() - t0).toBeGreaterThanOrEqual(3 * PCI_DOE_POLL_INTERVAL_MS);
  });

  it('should truncate to the caller buffer, drain the rest, and leave the mailbox idle', () => {
    const b = bench({ timing: timed(1) });
    const r = b.submit({ ...tableTask, responseSize: 6 });
    b.run();
    expect(r.result?.ok && r.result.received).toBe(6);
    expect(b.raw.read(pciDoeRegs.STATUS) & (pciDoeStatus.DATA_OBJECT_READY | pciDoeStatus.ERROR)).toBe(0);
  });

  it('should wait for Busy to clear before sending, then succeed', () => {
    const b = bench({ timing: timed(300) });
    // Someone else's Discovery request makes the mailbox Busy for 300 ms.
    b.raw.write(pciDoeRegs.WRITE, 0x00000001);
    b.raw.write(pciDoeRegs.WRITE, 3);
    b.raw.write(pciDoeRegs.WRITE, 0);
    b.raw.write(pciDoeRegs.CTRL, pciDoeCtrl.GO);
    expect(b.raw.read(pciDoeRegs.STATUS) & pciDoeStatus.BUSY).toBe(pciDoeStatus.BUSY);
    const r = b.submit(tableTask);
    b.run(200);
    expect(r.result).toBeUndefined(); // still spinning on Busy
    b.run();
    // The other party's response was pending when Busy cleared: the kernel's request went in
    // anyway, and what it read back was the Discovery response — not for it.
    expect(r.result).toEqual({ ok: false, errno: 'EIO' });
    expect(b.messages()).toContain('pci 0000:0d:00.0: [100] expected [VID, Feature] = [1e98, 02], got [0001, 00]');
  });

  it('should give up with EBUSY after Busy stayed set for 1 s, logging the conflict, then Abort', () => {
    const timing = { response: () => ms, abort: 1 };
    let ms = 1;
    const b = bench({ timing });
    ms = 5000;
    b.raw.write(pciDoeRegs.WRITE, 0x00000001);
    b.raw.write(pciDoeRegs.WRITE, 3);
    b.raw.write(pciDoeRegs.WRITE, 0);
    b.raw.write(pciDoeRegs.CTRL, pciDoeCtrl.GO);
    const t0 = b.scheduler.clock.now();
    const r = b.submit(tableTask);
    b.run();
    expect(r.result).toEqual({ ok: false, errno: 'EBUSY' });
    expect(b.messages()).toContain('pci 0000:0d:00.0: [100] busy detected; another entity is sending conflicting requests');
    expect(b.scheduler.clock.now() - t0).toBeGreaterThan(PCI_DOE_TIMEOUT_MS);
    expect(b.mb.dead).toBe(false); // the Abort (1 ms) succeeded
  });

  it('should time out 1 s after Go with EIO, Abort, and keep the mailbox alive', () => {
    const b = bench({ timing: { response: (p) => (p.type === 0 ? 1 : 'never'), abort: 1 } });
    const before = b.writes.length;
    const t0 = b.scheduler.clock.now();
    const r = b.submit(tableTask);
    b.run();
    expect(r.result).toEqual({ ok: false, errno: 'EIO' });
    const elapsed = b.scheduler.clock.now() - t0;
    expect(elapsed).toBeGreaterThan(PCI_DOE_TIMEOUT_MS);
    expect(elapsed).toBeLessThan(PCI_DOE_TIMEOUT_MS + 3 * PCI_DOE_POLL_INTERVAL_MS);
    expect(b.writes.slice(before).at(-1)).toEqual([CAP + pciDoeRegs.CTRL, pciDoeCtrl.ABORT]);
    expect(b.mb.dead).toBe(false);
  });

  it('should mark the mailbox dead when the Abort after a timeout fails, and fail later tasks with EIO untouched', () => {
    const timing: { response: DoeMailboxTiming['response']; abort: number | 'never' } = { response: (p) => (p.type === 0 ? 1 : 'never'), abort: 1 };
    const b = bench({ timing });
    timing.abort = 'never';
    const r = b.submit(tableTask);
    b.run();
    expect(r.result).toEqual({ ok: false, errno: 'EIO' });
    expect(b.mb.dead).toBe(true);
    expect(b.messages()).toEqual(
      expect.arrayContaining(['pci 0000:0d:00.0: [100] ABORT timed out', 'pci 0000:0d:00.0: [100] Abort failed marking mailbox dead']),
    );
    const writes = b.writes.length;
    const again = b.submit({ ...doeProtocols.DISCOVERY, request: new Uint8Array(4), responseSize: 4 });
    b.run();
    expect(again.result).toEqual({ ok: false, errno: 'EIO' });
    expect(b.writes.length).toBe(writes); // step 0: no register access, no Abort
  });
});

describe('the ordered queue', () => {
  it('should run one task at a time, in submission order', () => {
    const b = bench({ timing: timed(10) });
    const order: number[] = [];
    const gosAtCompletion: number[] = [];
    const gos = () => b.writes.filter(([off, v]) => off === CAP + pciDoeRegs.CTRL && v === pciDoeCtrl.GO).length;
    const created = gos();
    for (let i = 0; i < 4; i++) {
      b.mb.submit(tableTask, (r) => {
        expect(r.ok).toBe(true);
        order.push(i);
        gosAtCompletion.push(gos() - created);
      });
    }
    expect(b.mb.queued).toBe(3);
    b.run();
    expect(order).toEqual([0, 1, 2, 3]);
    // Task i completes after exactly i + 1 Go writes: the next request waits for the response.
    expect(gosAtCompletion).toEqual([1, 2, 3, 4]);
    // Four Go writes, each after the previous response was drained.
    expect(b.writes.filter(([off, v]) => off === CAP + pciDoeRegs.CTRL && v === pciDoeCtrl.GO)).toHaveLength(2 + 4);
  });

  it('should end a sleeping task and every queued one with EIO at once on cancel', () => {
    const b = bench({ timing: { response: (p) => (p.type === 0 ? 1 : 'never'), abort: 1 } });
    const first = b.submit(tableTask);
    const second = b.submit(tableTask);
    b.run(20);
    const t0 = b.scheduler.clock.now();
    b.mb.cancelTasks();
    b.run();
    expect(first.result).toEqual({ ok: false, errno: 'EIO' });
    expect(second.result).toEqual({ ok: false, errno: 'EIO' });
    expect(b.scheduler.clock.now() - t0).toBeLessThan(PCI_DOE_POLL_INTERVAL_MS);
  });
});

describe('responders behind the bench', () => {
  it('should carry a compliance exchange', () => {
    const b = bench({ timing: timed(5), responders: [complianceOnly(), cdatResponder()] });
    expect(b.mb.features).toEqual([doeProtocols.DISCOVERY, COMP, TA]);
    const r = b.submit({ ...COMP, request: new Uint8Array([0, 1, 0, 0]), responseSize: 64 });
    b.run();
    expect(r.result?.ok).toBe(true);
  });
});
