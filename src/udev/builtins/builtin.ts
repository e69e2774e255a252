/**
 * The builtin interface (udev-builtin.h): what a builtin gets (the device, its argv, the host
 * hooks) and returns (undefined on success, else an errno name, which makes IMPORT{builtin}
 * fail). Builtins set properties with `dev.addProperty`, as udev_builtin_add_property does.
 */
import type { UdevDevice } from '../device.js';
import type { FsError } from '../sources/sysfs-access.js';

/** Optional host services a builtin may use. */
export interface BuiltinHost {
  /**
   * `kmod`: load a module by name or modalias (module_load_and_warn). Without it the kmod builtin
   * has no module context and does nothing, successfully.
   */
  readonly loadModule?: (nameOrAlias: string) => void;
  /**
   * `net_setup_link`: the .link configuration of a netdev (driver, file applied, name chosen).
   * Without it the builtin behaves as for a vanished link: success, no properties.
   */
  readonly linkConfig?: (dev: UdevDevice) => { driver?: string; linkFile?: string; name?: string } | undefined;
  /**
   * `hwdb` (and net_id's OUI lookup): the hardware database sd_hwdb_new() opened. Absent: no
   * hwdb.bin, so `hwdb` fails with EINVAL and lookups find nothing.
   */
  readonly hwdb?: HwdbLookup;
  /** `net_setup_link`: the .link files (/etc, /run, /usr/lib/systemd/network), in load order. */
  readonly linkFiles?: readonly LinkFileInput[];
  /**
   * `blkid`: the probe results (libblkid NAME, VALUE pairs in probe order) for a block device;
   * undefined when the device cannot be probed (treated as absent).
   */
  readonly probeBlock?: (dev: UdevDevice) => ReadonlyArray<readonly [string, string]> | undefined;
  /** The kernel command line (net.naming-scheme=). */
  readonly cmdline: string;
  /** log_device_*() of the builtin, without rules location. */
  log(level: 'error' | 'warning' | 'debug', message: string): void;
}

/** A hardware database: properties for a modalias in sd-hwdb's order. */
export interface HwdbLookup {
  lookup(modalias: string): Map<string, string>;
}

/** One .link file: its path (for ID_NET_LINK_FILE) and contents (a byte string). */
export interface LinkFileInput {
  readonly path: string;
  readonly text: string;
}

/** What a builtin runs with. All strings are byte strings. */
export interface BuiltinContext {
  readonly dev: UdevDevice;
  /** The command split like a program's argv (argv[0] is the builtin name as written). */
  readonly argv: readonly string[];
  readonly host: BuiltinHost;
}

/** One builtin command. */
export interface Builtin {
  readonly name: string;
  /** path_id, usb_id and blkid run at most once per event via IMPORT. */
  readonly runOnce: boolean;
  run(ctx: BuiltinContext): FsError | undefined;
}
