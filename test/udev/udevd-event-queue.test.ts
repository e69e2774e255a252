/**
 * udevd's event queue: devpath_conflict() and event_is_blocked() (udevd.c, 252) — which earlier
 * events keep an event from starting, and that a found blocker is remembered.
 */
import { describe, expect, it } from 'vitest';
import { type QueuedEventKey, UdevEventQueue, devpathConflict } from '../../src/udev/daemon/event-queue.js';

function key(seqnum: number, devpath: string, extra: Partial<QueuedEventKey> = {}): QueuedEventKey {
  return { seqnum, devpath, devpathOld: undefined, id: undefined, devnode: undefined, ...extra };
}

describe('devpathConflict', () => {
  it.each([
    ['/devices/a', '/devices/a', true],
    ['/devices/a', '/devices/a/b', true],
    ['/devices/a/b', '/devices/a', true],
    ['/devices/a', '/devices/ab', false],
    ['/devices/ab', '/devices/a', false],
    ['/devices/a/b', '/devices/a/c', false],
    ['/module/x', '/devices/x', false],
  ] as const)('%s vs %s → %s', (a, b, expected) => {
    expect(devpathConflict(a, b)).toBe(expected);
  });

  it('undefined never conflicts', () => {
    expect(devpathConflict(undefined, '/devices/a')).toBe(false);
    expect(devpathConflict('/devices/a', undefined)).toBe(false);
  });
});

describe('UdevEventQueue.isBlocked', () => {
  it('blocks the same device, a child and a parent; not a sibling', () => {
    const q = new UdevEventQueue<null>();
    const parent = q.insert(key(1, '/devices/p'), null);
    const child = q.insert(key(2, '/devices/p/c'), null);
    const sibling = q.insert(key(3, '/devices/q'), null);
    const again = q.insert(key(4, '/devices/p'), null);
    expect(q.isBlocked(parent)).toBe(false);
    expect(q.isBlocked(child)).toBe(true);
    expect(child.blockerSeqnum).toBe(1);
    expect(q.isBlocked(sibling)).toBe(false);
    expect(q.isBlocked(again)).toBe(true);
    q.remove(parent);
    expect(q.isBlocked(child)).toBe(false);
    expect(q.isBlocked(again)).toBe(true);
    expect(again.blockerSeqnum).toBe(2);
  });

  it('a running earlier event blocks as a queued one does', () => {
    const q = new UdevEventQueue<null>();
    const a = q.insert(key(1, '/devices/p'), null);
    a.state = 'running';
    const b = q.insert(key(2, '/devices/p'), null);
    expect(q.isBlocked(b)).toBe(true);
  });

  it('a later event never blocks an earlier one', () => {
    const q = new UdevEventQueue<null>();
    const a = q.insert(key(1, '/devices/p/c'), null);
    q.insert(key(2, '/devices/p'), null);
    expect(q.isBlocked(a)).toBe(false);
    expect(a.blockerSeqnum).toBe(1);
  });

  it('same device id, same device node, DEVPATH_OLD of a move', () => {
    const q = new UdevEventQueue<null>();
    q.insert(key(1, '/devices/net/eth0', { id: 'n3' }), null);
    const renamed = q.insert(key(2, '/devices/net/lan0', { id: 'n3' }), null);
    expect(q.isBlocked(renamed)).toBe(true);

    const r = new UdevEventQueue<null>();
    r.insert(key(1, '/devices/x/fwctl0', { devnode: '/dev/fwctl/fwctl0' }), null);
    const node = r.insert(key(2, '/devices/y/fwctl0', { devnode: '/dev/fwctl/fwctl0' }), null);
    expect(r.isBlocked(node)).toBe(true);

    const s = new UdevEventQueue<null>();
    s.insert(key(1, '/devices/a/old'), null);
    const moved = s.insert(key(2, '/devices/a/new', { devpathOld: '/devices/a/old' }), null);
    expect(s.isBlocked(moved)).toBe(true);
  });

  it('remembers that nothing blocks once the scan found nothing', () => {
    const q = new UdevEventQueue<null>();
    q.insert(key(1, '/devices/a'), null);
    const b = q.insert(key(2, '/devices/b'), null);
    expect(q.isBlocked(b)).toBe(false);
    expect(b.blockerSeqnum).toBe(2);
    expect(q.isBlocked(b)).toBe(false);
  });
});

describe('UdevEventQueue storage', () => {
  /** The Maps and Sets among the queue's private fields (one level deep). */
  function collections(q: UdevEventQueue<null>): number {
    return q.snapshotFields().filter((f) => f instanceof Map || f instanceof Set).length;
  }

  it('a short queue that fills and empties holds its events in arrays, not in a long-lived Map or Set', () => {
    // A Map or Set that grows and empties every hotplug keeps its dropped hash tables, and every
    // entry they held, alive until the next full GC (docs/performance.md).
    const q = new UdevEventQueue<null>({ indexAbove: 4 });
    for (let round = 0; round < 3; round++) {
      const events = [1, 2, 3].map((i) => q.insert(key(round * 10 + i, `/devices/d${i}`), null));
      expect(q.startNext()).toBe(events[0]);
      expect(q.running).toBe(1);
      expect(collections(q)).toBe(0);
      for (const e of events) q.remove(e);
      expect(q.running).toBe(0);
      expect(q.isEmpty).toBe(true);
    }
    // A long queue keeps its SEQNUM map and indexes only until it is empty again.
    const long = [1, 2, 3, 4, 5].map((i) => q.insert(key(100 + i, `/devices/d${i}`), null));
    expect(q.indexed).toBe(true);
    expect(collections(q)).toBe(1);
    for (const e of long) q.remove(e);
    expect(q.indexed).toBe(false);
    expect(collections(q)).toBe(0);
  });
});
