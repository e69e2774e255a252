/**
 * read_cdat_data over a bench mailbox (drivers/cxl/core/pci.c): every entry from handle 0
 * concatenated, the byte sum checked — a table whose bytes do not sum to 0 is kept but warns
 * "Bad CDAT checksum" — and a submission for a feature the mailbox lacks answers EINVAL unless
 * its submitter stopped waiting first.
 */
import { describe, expect, it } from 'vitest';
import { type CdatReadResult, type DoeMailboxTiming, readCdatData } from '../../src/drivers/index.js';
import { doeProtocols, memdevCdat, tableAccessResponder } from '../../src/protocols/index.js';
import { bench } from '../support/doe-bench.js';

const timed = (ms: number): DoeMailboxTiming => ({ response: () => ms, abort: 1 });

function readWith(entries: (table: ReturnType<typeof memdevCdat>) => readonly Uint8Array[]) {
  const table = memdevCdat({ volatileSize: 256n << 20n });
  const served = { ...table, entries: entries(table) };
  const b = bench({ timing: timed(2), responders: [tableAccessResponder(() => served, { strict: true })] });
  let result: CdatReadResult | undefined;
  readCdatData(b.mb, b.log, 'mem0', (r) => (result = r));
  b.run();
  return { b, table, result };
}

describe('read_cdat_data', () => {
  it('should concatenate every entry and accept a table whose bytes sum to 0', () => {
    const { b, table, result } = readWith((t) => t.entries);
    expect(result).toEqual({ ok: true, table: table.bytes, checksumOk: true });
    expect(b.messages()).not.toContain('mem0: Bad CDAT checksum');
  });

  it('should keep a table whose bytes do not sum to 0 and warn once', () => {
    const { b, table, result } = readWith((t) =>
      t.entries.map((e, i) => {
        if (i !== 1) return e;
        const copy = e.slice();
        copy[e.length - 1]! ^= 0x01;
        return copy;
      }),
    );
    expect(result?.ok && result.checksumOk).toBe(false);
    expect(result?.ok && result.table.length).toBe(table.bytes.length);
    expect(b.messages().filter((m) => m === 'mem0: Bad CDAT checksum')).toHaveLength(1);
  });
});

describe('a submission for a feature the mailbox does not list', () => {
  const compliance = { ...doeProtocols.CXL_COMPLIANCE, request: new Uint8Array(4), responseSize: 16 };

  it('should answer EINVAL from the workqueue', () => {
    const b = bench({ timing: timed(1) });
    const results: unknown[] = [];
    b.mb.submit(compliance, (r) => results.push(r));
    expect(results).toEqual([]);
    b.run();
    expect(results).toEqual([{ ok: false, errno: 'EINVAL' }]);
  });

  it('should answer nothing once its submitter aborted before the workqueue ran', () => {
    const b = bench({ timing: timed(1) });
    const results: unknown[] = [];
    b.mb.submit(compliance, (r) => results.push(r)).abort();
    b.run();
    expect(results).toEqual([]);
  });
});
