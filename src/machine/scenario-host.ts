/**
 * The scenario runner's host over the real machine: each `ScenarioMachine` call maps onto the
 * machine's services exactly as a process or the kernel would act. Verbs and check keys whose
 * subsystem has not landed are absent from the supported sets, so the runner rejects them.
 */
import { debianPasswd, kerr } from '../base/index.js';
import { fleetPresetNames, fleetProblems, ownerName } from '../drivers/index.js';
import { fwctlScopeValue } from '../protocols/index.js';
import {
  SCENARIO_VERBS,
  type FwctlScope,
  type ScenarioFleetHost,
  type ScenarioHost,
  type ScenarioMachine,
  type ScenarioMachineOptions,
  type ScenarioProcessSpec,
  type ScenarioUevent,
} from '../scenario/index.js';
import { fwctlInfo, fwctlRpc, isCapability, resolveProcessSpec } from '../userspace/index.js';
import { DevDoeTransport, RawConfigDoeTransport, type Sleeper } from '../userspace/index.js';
import type { ModuleCaller } from '../bus/index.js';
import { SysfsAccess, UdevDevice, udevadmTrigger } from '../udev/index.js';
import { createMachine } from './container.js';
import type { Machine } from './machine.js';
import { machineUdev } from './machine-udev.js';
import { presetNames } from './names.js';

const passwd = debianPasswd();

/** Options a scenario may not express are fixed here; the rest map one to one. */
function toMachine(options: ScenarioMachineOptions): Machine {
  return createMachine({
    presets: options.presetCounts ?? options.presets,
    ...(options.topology ? { topology: options.topology } : {}),
    lockdown: options.lockdown,
    doe: options.doe,
    autoload: options.autoload,
    modules: options.modules,
    modprobe: options.modprobe,
    rules: options.rules,
  });
}

class MachineScenario implements ScenarioMachine {
  /** Uevents of kernel init (bus_register) precede the scenario: no process could see them. */
  readonly #firstEvent: number;

  constructor(readonly machine: Machine) {
    this.#firstEvent = machine.uevent.log.length;
  }

  addProcess(name: string, spec: ScenarioProcessSpec): void {
    this.machine.processes.spawn(name, resolveProcessSpec(spec));
  }

  boot(): void {
    this.machine.boot();
  }
  /** modprobe and rmmod run as a process: init_module/delete_module check its CAP_SYS_MODULE. */
  modprobe(module: string, proc: string): void {
    this.machine.modprobe(module, this.#caller(proc));
  }
  rmmod(module: string, proc: string): void {
    this.machine.rmmod(module, this.#caller(proc));
  }
  #caller(proc: string): ModuleCaller {
    const p = this.machine.processes.get(proc);
    return { hasCapability: (cap) => isCapability(cap) && p.hasCapability(cap) };
  }
  hotplug(preset: string): void {
    this.machine.hotplug(preset);
  }
  unplug(bdf: string): void {
    this.machine.unplug(bdf);
  }
  settle(): void {
    this.machine.settle();
  }
  advance(ms: number): void {
    this.machine.advance(ms);
  }
  write(proc: string, path: string, value: string): void {
    this.machine.processes.get(proc).writeFile(path, value);
  }
  read(proc: string, path: string): string {
    return this.machine.processes.get(proc).readFile(path);
  }
  ls(proc: string, path: string): string[] {
    return this.machine.processes.get(proc).readdir(path);
  }
  open(proc: string, path: string, mode: 'r' | 'w' | 'rw'): number {
    return this.machine.processes.get(proc).open(path, mode);
  }
  close(proc: string, fd: number): void {
    this.machine.processes.get(proc).close(fd);
  }
  /**
   * What a fwctl tool does: the structure and buffers in the process's memory (device data and
   * output buffers of FWCTL_DEFAULT_BUFFER bytes), the scope passed unchanged.
   */
  ioctl(
    proc: string,
    fd: number,
    op: 'FWCTL_INFO' | 'FWCTL_RPC',
    args: { readonly scope?: FwctlScope; readonly payload?: Uint8Array; readonly outLen?: number },
  ): { response: Uint8Array; outLen: number } {
    const p = this.machine.processes.get(proc);
    if (op === 'FWCTL_INFO') {
      const r = fwctlInfo(p, fd);
      return { response: r.data.subarray(0, Math.min(r.deviceDataLen, r.data.length)), outLen: r.deviceDataLen };
    }
    const scope = args.scope ?? 0;
    const r = fwctlRpc(p, fd, fwctlScopeValue(scope), args.payload ?? new Uint8Array(0), args.outLen);
    return { response: r.out, outLen: r.outLen };
  }
  /**
   * One DOE exchange as the process would make it: over its open /dev/doe fd, or raw through the
   * function's `config` file. The process sleeps between polls: virtual time advances.
   */
  doe(proc: string, target: { readonly fd: number } | { readonly config: string; readonly mailbox: number }, request: Uint8Array): Uint8Array {
    const p = this.machine.processes.get(proc);
    const sleeper: Sleeper = { sleep: (ms) => void this.machine.advance(ms) };
    if ('fd' in target) return new DevDoeTransport(p, target.fd, sleeper).exchange(request);
    const raw = new RawConfigDoeTransport(p, target.config, target.mailbox, sleeper);
    try {
      return raw.exchange(request);
    } finally {
      raw.close();
    }
  }
  /** `udevadm trigger [--action=A] [--subsystem-match=S] [--attr-match=K=V…]`; the runner settles. */
  trigger(options: { readonly action?: string; readonly subsystem?: string; readonly attrs?: Readonly<Record<string, string>> }): void {
    const udev = machineUdev(this.machine);
    const r = udevadmTrigger(
      { sysfs: udev.sysfs, db: udev.daemon.db },
      {
        action: options.action,
        matches: {
          subsystems: options.subsystem === undefined ? undefined : [options.subsystem],
          sysattrs: Object.entries(options.attrs ?? {}),
        },
      },
    );
    if (r.status === 2) throw kerr('EINVAL', r.err.trim());
    const failed = r.failures.find((f) => f.errno !== 'ENOENT' && f.errno !== 'ENODEV');
    if (failed) throw kerr(failed.errno, `trigger: cannot write ${failed.syspath}/uevent`);
  }
  boundDriver(device: string): string | null {
    return this.machine.findDevice(device).driver?.name ?? null;
  }
  exists(path: string): boolean {
    return this.machine.vfs.exists(path);
  }
  owner(device: string): string {
    return ownerName(this.machine.findDevice(device));
  }
  taint(): string {
    return this.machine.taint.letters;
  }
  uevents(): ScenarioUevent[] {
    return this.machine.uevent.log
      .slice(this.#firstEvent)
      .map((ev) => ({ seqnum: ev.seqnum, action: ev.action, devpath: ev.devpath, env: Object.fromEntries(ev.env) }));
  }
  /** The device's properties as `udevadm info -q property` shows them: uevent file, then database. */
  udevProperty(device: string, key: string): string | undefined {
    const dev = this.machine.findDevice(device);
    const udev = machineUdev(this.machine);
    const d = UdevDevice.fromSyspath(new SysfsAccess(udev.sysfs), udev.daemon.db, `/sys${dev.devpath}`);
    if (typeof d === 'string') throw kerr('ENODEV', `no device '${device}' in sysfs`);
    return d.getProperty(key);
  }
  devnode(path: string): { mode: string; owner: string; group: string } | undefined {
    const node = this.machine.devtmpfs.resolve(path);
    if (!node || node.kind !== 'chr') return undefined;
    return {
      mode: `0${(node.mode & 0o7777).toString(8).padStart(3, '0')}`,
      owner: passwd.userById(node.uid)?.name ?? String(node.uid),
      group: passwd.groupById(node.gid)?.name ?? String(node.gid),
    };
  }
  dispose(): void {
    this.machine.dispose();
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#firstEvent];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/**
 * A scenario fleet's problems at paths below `machine:` (snake_case keys as the file writes
 * them): unknown or non-endpoint presets in counts, and the topology's structural limits.
 */
function scenarioFleetProblems(fleet: {
  readonly counts?: Readonly<Record<string, number>>;
  readonly topology?: readonly ScenarioFleetHost[];
}): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  for (const preset of Object.keys(fleet.counts ?? {})) {
    if (!fleetPresetNames.includes(preset))
      out.push({ path: ['presets', preset], message: `'${preset}' is not an endpoint preset (endpoint presets: ${fleetPresetNames.join(', ')})` });
  }
  for (const p of fleetProblems(fleet.topology ?? []))
    out.push({ path: ['topology', ...p.path.map((k) => (k === 'rootPorts' ? 'root_ports' : k))], message: p.message });
  return out;
}

/** This build implements every verb of the scenario format, and these checks. */
const CHECKS = ['bound', 'exists', 'absent', 'owner', 'taint', 'uevents', 'uevents_include', 'property', 'devnode'];

export function machineScenarioHost(): ScenarioHost {
  const presets = presetNames;
  return {
    supportedVerbs: new Set(SCENARIO_VERBS),
    supportedChecks: new Set(CHECKS),
    presets: new Set(presets),
    fleetProblems: scenarioFleetProblems,
    createMachine: (options) => new MachineScenario(toMachine(options)),
  };
}

/** The machine under a scenario of `machineScenarioHost()` (undefined for another host's). */
export function machineOfScenario(scenario: ScenarioMachine): Machine | undefined {
  return scenario instanceof MachineScenario ? scenario.machine : undefined;
}
