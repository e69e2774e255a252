/**
 * Kernel lockdown (security/lockdown/lockdown.c): integrity-class reasons (PCI config writes,
 * BAR mmap, /dev/mem) are refused in both `integrity` and `confidentiality` modes with EPERM.
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { kerr } from '../base/index.js';
import { type BootParams, IBootParams } from './boot-params.js';
import { type LockdownLevel, lockdownLevels } from './names.js';

/** enum lockdown_reason members this model consults, with the level that blocks them. */
export const lockdownReasons = {
  DEV_MEM: { level: 'integrity', text: '/dev/mem,kmem,port' }, // /dev/mem open
  PCI_ACCESS: { level: 'integrity', text: 'direct PCI access' }, // config writes, BAR mmap, IO BAR writes
  IOPORT: { level: 'integrity', text: 'raw io port access' }, // ioperm/iopl
} as const;
export type LockdownReason = keyof typeof lockdownReasons;

export const ILockdown: ServiceIdentifier<Lockdown> = Symbol.for('ILockdown');

/** A level's place in lockdownLevels (none < integrity < confidentiality). */
function lockdownRank(level: LockdownLevel): number {
  return lockdownLevels.indexOf(level);
}

@injectable()
export class Lockdown {
  level: LockdownLevel;

  constructor(@inject(IBootParams) boot: BootParams) {
    this.level = boot.lockdown;
  }

  isLockedDown(reason: LockdownReason): boolean {
    const need = lockdownReasons[reason].level;
    return lockdownRank(this.level) >= lockdownRank(need) && this.level !== 'none';
  }

  /** security_locked_down: throws EPERM ("Lockdown: <comm>: <reason> is restricted"). */
  check(reason: LockdownReason, comm = 'process'): void {
    if (this.isLockedDown(reason)) {
      throw kerr('EPERM', `Lockdown: ${comm}: ${lockdownReasons[reason].text} is restricted; see man kernel_lockdown.7`);
    }
  }
}
