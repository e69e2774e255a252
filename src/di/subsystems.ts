/**
 * The built-in subsystems every machine has, in kernel init order.
 */
import { userspaceSubsystem } from '../userspace/subsystem.js';
import type { Subsystem } from './subsystem.js';

/** Kernel subsystems first (buses before the drivers that use them), userspace last. */
export const builtinSubsystems: Subsystem[] = [userspaceSubsystem];
