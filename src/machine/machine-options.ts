/**
 * Options of one simulated machine, with the scenario format's defaults (SCENARIOS.md).
 */
import type { ServiceIdentifier } from 'inversify';
import type { ChoicePolicy } from '../base/index.js';
import type { LockdownLevel } from '../bus/index.js';
import type { HwdbLookup } from '../udev/index.js';
import type { FleetSpec, FleetTopology } from '../drivers/index.js';
import { type DoePolicy, defaultPresets } from './names.js';

export interface MachineOptions {
  /**
   * Preset hardware added at boot (DESIGN.md §4). Default `['cxl-type3']`. A list places each
   * preset at its fixed address (further instances behind new root ports); counts
   * (`{'cxl-type3': 7500, 'mlx5-nic': 2500}`) place a fleet behind switches, across as many PCI
   * segments as it needs (src/drivers/fleet.ts).
   */
  readonly presets?: readonly string[] | Readonly<Record<string, number>>;
  /** A fleet described host bridge by host bridge (root ports → switches → endpoints); placed after `presets`. */
  readonly topology?: FleetTopology;
  readonly lockdown?: LockdownLevel;
  /** DOE mailbox ownership model. Default `aux-exclusive`. */
  readonly doe?: DoePolicy;
  /** udev's kmod builtin loads modules by MODALIAS. Default true. */
  readonly autoload?: boolean;
  /** Modules loaded at boot before coldplug. */
  readonly modules?: readonly string[];
  /** udev rules files installed in /etc/udev/rules.d. */
  readonly rules?: readonly { readonly name: string; readonly text: string }[];
  /** /proc/cmdline. */
  readonly cmdline?: string;
  /** Lines of /etc/modprobe.d/auxbus.conf (blacklist, options, alias, softdep …). Default none. */
  readonly modprobe?: readonly string[];
  /** Choice among ready tasks. Default in order. */
  readonly policy?: ChoicePolicy;
  /** udev's hardware database (hwdb builtin, net_id OUI); absent: the machine has no hwdb.bin. */
  readonly hwdb?: HwdbLookup;
}

export interface ResolvedMachineOptions {
  readonly presets: readonly string[];
  /** Fleets placed at boot after `presets`: counts, then a topology. */
  readonly fleets: readonly FleetSpec[];
  readonly lockdown: LockdownLevel;
  readonly doe: DoePolicy;
  readonly autoload: boolean;
  readonly modules: readonly string[];
  readonly rules: readonly { readonly name: string; readonly text: string }[];
  readonly cmdline: string;
  readonly modprobe: readonly string[];
  readonly policy: ChoicePolicy;
  readonly hwdb: HwdbLookup | undefined;
}

export const IMachineOptions: ServiceIdentifier<ResolvedMachineOptions> = Symbol.for('IMachineOptions');

export function resolveMachineOptions(o: MachineOptions = {}): ResolvedMachineOptions {
  return {
    presets: Array.isArray(o.presets) ? (o.presets as readonly string[]) : o.presets || o.topology ? [] : defaultPresets,
    fleets: [
      ...(o.presets && !Array.isArray(o.presets) ? [{ counts: o.presets as Readonly<Record<string, number>> }] : []),
      ...(o.topology ? [{ topology: o.topology }] : []),
    ],
    lockdown: o.lockdown ?? 'none',
    doe: o.doe ?? 'aux-exclusive',
    autoload: o.autoload ?? true,
    modules: o.modules ?? [],
    rules: o.rules ?? [],
    cmdline: o.cmdline ?? 'BOOT_IMAGE=/boot/vmlinuz root=/dev/vda1 ro quiet',
    modprobe: o.modprobe ?? [],
    policy: o.policy ?? { kind: 'in-order' },
    hwdb: o.hwdb,
  };
}
