/**
 * security_locked_down (security/lockdown/lockdown.c): a reason is refused once the lockdown
 * level reaches the reason's class — every reason modelled is integrity-class, so `integrity`
 * and `confidentiality` refuse it and `none` allows it; the refusal is EPERM naming the caller.
 */
import { describe, expect, it } from 'vitest';
import { type LockdownLevel, type LockdownReason, Lockdown } from '../../src/bus/index.js';
import { errnoOf } from '../support/toy-bus.js';

const lockdown = (level: LockdownLevel) => new Lockdown({ lockdown: level } as never);

describe('kernel lockdown', () => {
  it.each([
    ['none', 'PCI_ACCESS', false],
    ['integrity', 'PCI_ACCESS', true],
    ['confidentiality', 'PCI_ACCESS', true],
    ['none', 'DEV_MEM', false],
    ['integrity', 'DEV_MEM', true],
    ['confidentiality', 'IOPORT', true],
  ] as const)('at %s refuses %s: %s', (level: LockdownLevel, reason: LockdownReason, refused: boolean) => {
    const l = lockdown(level);
    expect(l.isLockedDown(reason)).toBe(refused);
    if (refused) expect(errnoOf(() => l.check(reason, 'setpci'))).toBe('EPERM');
    else expect(() => l.check(reason, 'setpci')).not.toThrow();
  });

  it('names the caller and the reason in the refusal', () => {
    expect(() => lockdown('integrity').check('PCI_ACCESS', 'setpci')).toThrow(
      'Lockdown: setpci: direct PCI access is restricted; see man kernel_lockdown.7',
    );
  });
});
