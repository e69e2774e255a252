/**
 * Boot parameters of one machine (init/main.c, security/lockdown): the kernel command line
 * (/proc/cmdline, udev's IMPORT{cmdline}) and the lockdown level the kernel starts in. The
 * machine binds them; the services that need them inject `IBootParams`.
 */
import type { ServiceIdentifier } from 'inversify';
import type { LockdownLevel } from './names.js';

export interface BootParams {
  readonly cmdline: string;
  readonly lockdown: LockdownLevel;
}

export const IBootParams: ServiceIdentifier<BootParams> = Symbol.for('IBootParams');
