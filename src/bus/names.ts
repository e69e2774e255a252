/**
 * The driver core's closed sets of names, with no code behind them: what a command line or a
 * scenario may name before any kernel object exists. The bus's own modules take their tables from
 * here (boot-params.ts, lockdown.ts), so each set is written once. Importable without loading the
 * bus (the CLI defines its options from it: src/machine/names.ts).
 */

/** Lockdown levels (security/lockdown: `lockdown=` on the command line), weakest first. */
export const lockdownLevels = ['none', 'integrity', 'confidentiality'] as const;
export type LockdownLevel = (typeof lockdownLevels)[number];
