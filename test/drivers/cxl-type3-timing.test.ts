/**
 * The cxl-type3 DOE mailboxes' timing (src/drivers/hw/cxl-type3.ts): virtual ms from Go to the
 * response per protocol — Discovery fastest, CDAT reads and compliance a few ms, SPDM signing
 * longest — and 10 ms for a protocol without its own entry.
 */
import { describe, expect, it } from 'vitest';
import { cxlType3DoeTiming } from '../../src/drivers/index.js';
import { doeProtocols } from '../../src/protocols/index.js';

describe('cxl-type3 DOE timing', () => {
  it.each([
    ['Discovery', doeProtocols.DISCOVERY, 1],
    ['Table Access', doeProtocols.CXL_TABLE_ACCESS, 2],
    ['Compliance', doeProtocols.CXL_COMPLIANCE, 5],
    ['CMA/SPDM', doeProtocols.CMA_SPDM, 20],
    ['Secured CMA/SPDM', doeProtocols.SECURED_CMA_SPDM, 20],
    ['Async Message (no entry)', doeProtocols.ASYNC_MESSAGE, 10],
    ['an unknown vendor', { vendor: 0x8086, type: 0x00 }, 10],
  ] as const)('answers %s after its delay', (_name, protocol, ms) => {
    expect(cxlType3DoeTiming.response(protocol, 3)).toBe(ms);
  });
});
