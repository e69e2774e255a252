/**
 * The narrow interface the scenario runner drives. The runner knows nothing of the machine's
 * internals: a build of auxbus supplies one `ScenarioHost` (the real machine behind it), tests
 * supply a scripted fake. Every failure the machine reports is a `DriverModelError` (its `.errno`
 * is the errno name); anything else thrown is a bug and is reported as such, never as a stack.
 */

/** How a scenario's `machine:` and `rules:` sections reach the machine, defaults applied. */
/** What sits below a root port or downstream port of a `topology:` (the machine's FleetPortSpec). */
export type ScenarioFleetPort =
  | 'empty'
  | { readonly preset: string; readonly functions?: number }
  | { readonly switch: 'pcie' | 'cxl'; readonly ports: readonly ScenarioFleetPort[] };

/** One host bridge (PCI segment) of a `topology:`. */
export interface ScenarioFleetHost {
  readonly rootPorts: readonly ScenarioFleetPort[];
}

export interface ScenarioMachineOptions {
  /** Preset names, in file order (default `['cxl-type3']`, none with counts or a topology); each is in `ScenarioHost.presets`. */
  readonly presets: readonly string[];
  /** `presets:` as a map: a fleet of that many functions of each endpoint preset. */
  readonly presetCounts?: Readonly<Record<string, number>>;
  /** `topology:`: host bridges → root ports → switches → endpoints. */
  readonly topology?: readonly ScenarioFleetHost[];
  readonly lockdown: 'none' | 'integrity' | 'confidentiality';
  readonly doe: 'aux-exclusive' | 'pci-core-shared';
  /** udev's kmod builtin loads modules by MODALIAS (the built-in `80-drivers.rules`). */
  readonly autoload: boolean;
  /** Modules `boot` loads before coldplug, in file order. */
  readonly modules: readonly string[];
  /** Lines of /etc/modprobe.d (blacklist, options, alias, softdep, …), one configuration file. */
  readonly modprobe: readonly string[];
  /** udev rules files, already sorted in lexical (code-unit) order of `name`; names are unique. */
  readonly rules: readonly { readonly name: string; readonly text: string }[];
}

/**
 * One simulated process. `caps: 'all'` is every capability (root, or uid 0 without `caps:`);
 * otherwise exactly the listed `CAP_*` names. `groups` are supplementary group names.
 */
export interface ScenarioProcessSpec {
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly string[];
  readonly caps: readonly string[] | 'all';
}

/** fwctl RPC scope names (`enum fwctl_rpc_scope` without the `FWCTL_RPC_` prefix). */
export type FwctlScopeName = 'CONFIGURATION' | 'DEBUG_READ_ONLY' | 'DEBUG_WRITE' | 'DEBUG_WRITE_FULL';
/**
 * A step's scope: a name (numbers 0-3 are given as their names), or any other u32, which goes
 * to the kernel unchanged (so an unknown scope is the ioctl's EOPNOTSUPP, not a load error).
 */
export type FwctlScope = FwctlScopeName | number;

/** One kernel uevent as it left the kernel (netlink), before udev. */
export interface ScenarioUevent {
  readonly seqnum: number;
  readonly action: string;
  /** From `/devices/...`, as the kernel sends it. */
  readonly devpath: string;
  readonly env: Readonly<Record<string, string>>;
}

/** What a build offers the runner. */
export interface ScenarioHost {
  /**
   * Verbs this build supports. A file using another verb is rejected at load time (exit 2)
   * with a message naming the verb and saying its subsystem has not landed.
   */
  readonly supportedVerbs: ReadonlySet<string>;
  /** `check:` keys this build supports; others are rejected at load time like verbs. */
  readonly supportedChecks: ReadonlySet<string>;
  /** Valid preset names, for `machine.presets` and `hotplug:`. */
  readonly presets: ReadonlySet<string>;
  /**
   * Problems of a fleet (`presets:` counts, `topology:`), each at a path below `machine`
   * (`['topology', 0, 'root_ports', 3, 'ports']`); absent: the build has no fleets.
   */
  fleetProblems?(fleet: {
    readonly counts?: Readonly<Record<string, number>>;
    readonly topology?: readonly ScenarioFleetHost[];
  }): { readonly path: readonly (string | number)[]; readonly message: string }[];
  /**
   * A fresh machine, not booted. Throws `DriverModelError` when the options are bad input
   * (rules that do not compile, an unknown module): the file is then rejected (exit 2).
   */
  createMachine(options: ScenarioMachineOptions): ScenarioMachine;
}

/**
 * One machine under a scenario. `proc` arguments are names given to `addProcess` (or `root`,
 * which exists before any call). Acting members may leave tasks pending; the runner calls
 * `settle()` after each acting step unless the step says `settle: false`.
 */
export interface ScenarioMachine {
  /**
   * Declares a process before any step runs. Throws `DriverModelError` for bad input (e.g. an
   * unknown group name): the file is then rejected (exit 2) at that process.
   */
  addProcess(name: string, spec: ScenarioProcessSpec): void;
  /** Loads `modules`, adds every preset device (coldplug), runs udev on every event, settles. */
  boot(): void;
  /**
   * `modprobe MODULE` run by `proc`: loads a module and its dependencies first; `-` and `_` are
   * alike. EPERM when `proc` lacks CAP_SYS_MODULE; a blacklisted module named directly loads.
   */
  modprobe(module: string, proc: string): void;
  /** `rmmod MODULE` run by `proc`; EBUSY while in use (a dependent module loaded, or a file held open), EPERM without CAP_SYS_MODULE. */
  rmmod(module: string, proc: string): void;
  /** Adds one more instance of a preset's device(s) at the next free bus number. */
  hotplug(preset: string): void;
  /** Surprise removal of the PCI function `bdf` (like `echo 1 > remove`). */
  unplug(bdf: string): void;
  /** Runs every pending task. */
  settle(): void;
  /** Advances the virtual clock by `ms`, running what falls due. */
  advance(ms: number): void;
  /** write(2) of exactly `value` (no newline added) to a sysfs or /dev file, as `proc`. */
  write(proc: string, path: string, value: string): void;
  /** read(2) of the whole file, as `proc`. */
  read(proc: string, path: string): string;
  /** Directory entry names (any order), as `proc`. */
  ls(proc: string, path: string): string[];
  /** open(2); returns the new fd number in `proc`'s table. */
  open(proc: string, path: string, mode: 'r' | 'w' | 'rw'): number;
  /** close(2) of an fd `open` returned to `proc`. */
  close(proc: string, fd: number): void;
  /**
   * A fwctl ioctl on an open fd. `FWCTL_RPC` gets `scope` and `payload` (the RPC `in` buffer);
   * `response` is the output buffer's content, `outLen` the `out_len` the kernel reported
   * (may exceed `response.length`). For `FWCTL_INFO`, `response` is the device data. `outLen`
   * is FWCTL_RPC's `out_len`: the output buffer's size (default 4096), passed unchanged.
   */
  ioctl(
    proc: string,
    fd: number,
    op: 'FWCTL_INFO' | 'FWCTL_RPC',
    args: { readonly scope?: FwctlScope; readonly payload?: Uint8Array; readonly outLen?: number },
  ): { response: Uint8Array; outLen: number };
  /**
   * One DOE exchange. `request` is a whole DOE data object (two-dword header, then the payload
   * zero-padded to dwords), built by the runner from `protocol:`; the result is the whole
   * response object, whose header the runner checks. The target is an fd open on a
   * /dev/doe file, or raw config-space access to the `mailbox`-th DOE capability (from 0, in
   * config-space order) of PCI function `config` (a BDF).
   */
  doe(proc: string, target: { readonly fd: number } | { readonly config: string; readonly mailbox: number }, request: Uint8Array): Uint8Array;
  /** Like `udevadm trigger`: synthesises uevents for matching devices (default action `change`). */
  trigger(options: { readonly action?: string; readonly subsystem?: string; readonly attrs?: Readonly<Record<string, string>> }): void;

  // Checks: pure reads, never mutate. Device names are passed through as written in the
  // file: a bus name (`0000:0d:00.0`, `cxl_pci.doe.1`), a class name (`eth0`) or `bus:name`.

  /** The bound driver's name, or null. Throws `DriverModelError('ENODEV')` if no such device. */
  boundDriver(device: string): string | null;
  /** Whether a path exists in /sys or /dev. */
  exists(path: string): boolean;
  /** `kernel`, `none` or the owning process's name (DESIGN.md §3). Throws ENODEV if no such device. */
  owner(device: string): string;
  /** The current taint letters, e.g. `"J"`, `""` for none (order not significant). */
  taint(): string;
  /** Every kernel uevent since the machine was created, oldest first; append-only. */
  uevents(): readonly ScenarioUevent[];
  /** A property of the device in the udev database, undefined if unset. Throws ENODEV if no such device. */
  udevProperty(device: string, key: string): string | undefined;
  /** A device node's mode (4 octal digits, e.g. `"0660"`), owner and group names; undefined if absent. */
  devnode(path: string): { mode: string; owner: string; group: string } | undefined;
  /** Releases the machine; called once after the last step (optional). */
  dispose?(): void;
}

/** Every verb of SCENARIOS.md, in the order of its table. */
export const SCENARIO_VERBS = [
  'boot',
  'modprobe',
  'rmmod',
  'hotplug',
  'unplug',
  'write',
  'read',
  'ls',
  'open',
  'close',
  'ioctl',
  'doe',
  'trigger',
  'settle',
  'advance',
  'concurrent',
  'check',
] as const;
export type ScenarioVerb = (typeof SCENARIO_VERBS)[number];

/** Every `check:` key of SCENARIOS.md. */
export const SCENARIO_CHECKS = ['bound', 'exists', 'absent', 'owner', 'taint', 'uevents', 'uevents_include', 'property', 'devnode'] as const;
export type ScenarioCheckKey = (typeof SCENARIO_CHECKS)[number];
