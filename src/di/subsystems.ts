/**
 * The built-in subsystems every machine has, in kernel init order.
 */
import type { Subsystem } from './subsystem.js';

export const builtinSubsystems: Subsystem[] = [];
