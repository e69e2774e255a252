/**
 * The builtin the simulation has no data for: uaccess (no seats). It behaves as 252 does when
 * its data is missing.
 */
import type { Builtin } from './builtin.js';

/** uaccess: no active seat session. */
export const uaccessBuiltin: Builtin = { name: 'uaccess', runOnce: false, run: () => undefined };
