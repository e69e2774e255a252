/**
 * Identifiers of the services the machine drives at boot that live in upper layers: the preset
 * hardware (src/drivers) and udevd (src/udev). The composition root binds them; Machine only
 * sees these interfaces.
 */

/** Preset hardware: names are part of the contract (DESIGN.md §4). */
export interface IPresetHost {
  readonly names: readonly string[];
  /** Add one instance of a preset at the next free bus number (coldplug at boot, hotplug later). */
  plug(name: string): void;
  /** Surprise removal of a PCI function by BDF, as `echo 1 > remove`. */
  unplug(bdf: string): void;
}
export const IPresetHost = Symbol.for('IPresetHost');

/** udevd: started first at boot so it sees every kernel uevent. */
export interface IUdevDaemonHost {
  start(): void;
}
export const IUdevDaemonHost = Symbol.for('IUdevDaemonHost');
