/**
 * `kerrExpected`: the same DriverModelError as `kerr` (errno, message, options, `is`), made
 * without a JavaScript stack — and without changing the stack depth of any error made after it.
 */
import { describe, expect, it } from 'vitest';
import { DriverModelError, kerr, kerrExpected } from '../../src/base/index.js';

describe('kerrExpected', () => {
  it('should make the DriverModelError kerr makes, with a stack of its name and message only', () => {
    const e = kerrExpected('ETIMEDOUT', '0000:0d:00.0: DOE mailbox 0: no response within 1 s', { device: '0000:0d:00.0', op: 'doe' });
    const k = kerr('ETIMEDOUT', '0000:0d:00.0: DOE mailbox 0: no response within 1 s', { device: '0000:0d:00.0', op: 'doe' });
    expect(e).toBeInstanceOf(DriverModelError);
    expect(DriverModelError.is(e, 'ETIMEDOUT')).toBe(true);
    expect([e.errno, e.code, e.message, e.device, e.op, e.name]).toEqual([k.errno, k.code, k.message, k.device, k.op, k.name]);
    expect(k.stack).toMatch(/\n\s+at /);
    expect(e.stack).not.toMatch(/\n\s+at /);
  });

  it('should leave the stack trace limit as it found it', () => {
    const before = Error.stackTraceLimit;
    kerrExpected('EAGAIN');
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('after').stack).toMatch(/\n\s+at /);
  });
});
