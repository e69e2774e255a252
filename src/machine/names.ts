/**
 * The closed sets of names a machine takes — presets, modules, DOE policies, lockdown levels —
 * and the default presets, with no code behind them. The machine's options (machine-options.ts)
 * and the layers below take them from the same tables (src/drivers/names.ts, src/bus/names.ts).
 * The CLI defines every verb's machine options from this file without loading the machine, so a
 * verb that needs no machine (`udevadm test --device`) does not load one.
 */
import type { PresetName } from '../drivers/names.js';

export { type LockdownLevel, lockdownLevels } from '../bus/names.js';
export { type ModuleName, type PresetName, moduleNames, presetNames } from '../drivers/names.js';

/** DOE mailbox ownership models (DESIGN.md §3). */
export const doePolicies = ['aux-exclusive', 'pci-core-shared'] as const;
export type DoePolicy = (typeof doePolicies)[number];

/**
 * The preset hardware a machine boots with when nothing says otherwise: the one default of the
 * API, the scenario format and every CLI verb.
 */
export const defaultPresets: readonly PresetName[] = ['cxl-type3'];
