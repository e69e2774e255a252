/**
 * Discovery tables at the u8 limit (reference/protocols.md §1.4, Appendix C item 3; Linux
 * drivers/pci/doe.c `pci_doe_cache_features`: `u8 index`, `u8 xa_idx`, loop `while (index)`,
 * `xa_insert` of each entry): the walk ends when the device's Next Index is 0, and because the
 * index is a byte a device can never name an entry past 255 —
 * - a 257-entry table (Discovery + 256 protocols): the device's Next Index after entry 255 wraps
 *   to 0 (QEMU's u8 arithmetic), so the kernel caches exactly 256 entries, no error, and the
 *   257th protocol is unreachable (not supported: EINVAL);
 * - a device whose Next Index never reaches 0: 256 entries fill slots 0–255, the 257th exchange's
 *   insert hits slot 0 again (`xa_idx` wrapped) and fails with EBUSY, so mailbox creation fails
 *   ("failed to cache features : -16") and the mailbox is dead — no hang.
 */
import { describe, expect, it } from 'vitest';
import { silentResponder } from '../../src/drivers/index.js';
import {
  type DoeProtocolResponder,
  decodeDiscoveryRequest,
  discoveryEntry,
  doeProtocols,
  encodeDiscoveryResponse,
} from '../../src/protocols/index.js';
import { bench } from '../support/doe-bench.js';

/** 256 protocols 1234:00 … 1234:ff behind one mailbox: a Discovery table of 257 entries. */
const protocols256 = (): DoeProtocolResponder[] => Array.from({ length: 256 }, (_, t) => silentResponder({ vendor: 0x1234, type: t }));

describe('a 257-entry Discovery table', () => {
  it("the device's Next Index wraps to 0 after entry 255 (a byte), as QEMU's does", () => {
    const table = protocols256();
    expect(discoveryEntry(table, 254)).toEqual({ vendor: 0x1234, type: 253, next: 255 });
    expect(discoveryEntry(table, 255)).toEqual({ vendor: 0x1234, type: 254, next: 0 });
  });

  it('the kernel caches exactly 256 entries and stops (next index 0); the 257th protocol is unreachable', () => {
    const b = bench({ responders: protocols256() });
    expect(b.mb.dead).toBe(false);
    expect(b.mb.features).toHaveLength(256);
    expect(b.mb.features[0]).toEqual(doeProtocols.DISCOVERY);
    expect(b.mb.features.at(-1)).toEqual({ vendor: 0x1234, type: 254 });
    expect(b.mb.tasksRun).toBe(256); // one Discovery exchange per index 0…255, none more
    expect(b.messages().filter((m) => m.includes('failed'))).toEqual([]);
    expect(b.mb.supports(0x1234, 254)).toBe(true);
    expect(b.mb.supports(0x1234, 255)).toBe(false);
    const r = b.submit({ vendor: 0x1234, type: 255, request: new Uint8Array(4), responseSize: 4 });
    b.run();
    expect(r.result).toEqual({ ok: false, errno: 'EINVAL' });
  });
});

describe('a device whose Discovery Next Index never reaches 0', () => {
  /** Entry i is 1234:(i & 0xff), Next = index + 1 but 1 after 255 (never 0). */
  const cyclic: DoeProtocolResponder = {
    ...doeProtocols.DISCOVERY,
    respond(payload) {
      const req = decodeDiscoveryRequest(payload);
      if (!req) return undefined;
      const next = req.index === 255 ? 1 : req.index + 1;
      return encodeDiscoveryResponse({ vendor: 0x1234, type: req.index, next });
    },
  };

  it('makes mailbox creation fail with EBUSY on the 257th exchange (xa_idx wrapped onto slot 0), logged as Linux does', () => {
    const b = bench({ discovery: cyclic, responders: [] });
    expect(b.mb.ready).toBe(true);
    expect(b.mb.dead).toBe(true);
    expect(b.mb.tasksRun).toBe(257);
    expect(b.mb.features).toHaveLength(256);
    expect(b.messages()).toContain('pci 0000:0d:00.0: failed to cache features : -16');
    // A dead mailbox fails every later submission with EIO and touches no register.
    const writes = b.writes.length;
    const r = b.submit({ ...doeProtocols.DISCOVERY, request: new Uint8Array(4), responseSize: 4 });
    b.run();
    expect(r.result).toEqual({ ok: false, errno: 'EIO' });
    expect(b.writes.length).toBe(writes);
  });
});
