/**
 * The log keeps the newest 10,000 records, whenever it is read: the oldest leave in batches,
 * which no reader can see.
 */
import { describe, expect, it } from 'vitest';
import { LogService } from '../../src/base/log.js';

describe('LogService', () => {
  it.each([9_999, 10_000, 10_001, 19_999, 20_000, 25_123, 40_001])('after %i records, keeps the newest 10,000 in order', (n) => {
    let t = 0;
    const log = new LogService(() => t);
    for (let i = 0; i < n; i++, t++) log.log('info', 'kernel', `m${i}`);
    const kept = log.records;
    expect(kept).toHaveLength(Math.min(n, 10_000));
    expect(kept[0]!.message).toBe(`m${Math.max(0, n - 10_000)}`);
    expect(kept.at(-1)).toEqual({ time: n - 1, level: 'info', source: 'kernel', message: `m${n - 1}` });
    expect(kept.every((r, i) => r.time === Math.max(0, n - 10_000) + i)).toBe(true);
  });

  it('reads the same between writes as a log that trims on every write', () => {
    const log = new LogService();
    for (let i = 0; i < 30_000; i++) {
      log.log('debug', 'udev', String(i));
      if (i % 4_999 === 0) expect(log.records[0]!.message).toBe(String(Math.max(0, i - 9_999)));
    }
  });
});
