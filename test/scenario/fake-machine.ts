/**
 * A tiny scripted ScenarioMachine for the runner's tests: a handful of devices, files and
 * behaviours (exclusive /dev/doe open, EBUSY rmmod, a task queue that only `settle` drains, a DOE
 * echo), and a log of every call so tests can assert what the runner did and did not drive.
 */
import { DriverModelError } from '../../src/base/index.js';
import type {
  FwctlScope,
  ScenarioHost,
  ScenarioMachine,
  ScenarioMachineOptions,
  ScenarioProcessSpec,
  ScenarioUevent,
} from '../../src/scenario/index.node.js';
import { SCENARIO_CHECKS, SCENARIO_VERBS } from '../../src/scenario/index.node.js';

const CXL = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0';

interface FakeDevice {
  driver: string | null;
  devpath: string;
  props: Record<string, string>;
}

export class FakeMachine implements ScenarioMachine {
  readonly calls: string[] = [];
  readonly processes = new Map<string, ScenarioProcessSpec>([['root', { uid: 0, gid: 0, groups: [], caps: 'all' }]]);
  readonly devices = new Map<string, FakeDevice>();
  readonly files = new Map<string, string>();
  readonly events: ScenarioUevent[] = [];
  readonly pending: (() => void)[] = [];
  readonly fdTable = new Map<number, { proc: string; path: string }>();
  readonly loaded = new Set<string>();
  clock = 0;
  taintLetters = '';
  disposed = false;
  #seq = 0;
  #nextFd = 3;

  constructor(readonly options: ScenarioMachineOptions) {}

  #emit(action: string, devpath: string, env: Record<string, string> = {}): void {
    this.events.push({ seqnum: ++this.#seq, action, devpath, env: { ACTION: action, DEVPATH: devpath, ...env } });
  }

  #add(name: string, devpath: string, driver: string | null): void {
    this.devices.set(name, { driver, devpath, props: {} });
    this.#emit('add', devpath);
    if (driver) this.#emit('bind', devpath, { DRIVER: driver });
  }

  #dev(name: string): FakeDevice {
    const d = this.devices.get(name.replace(/^[a-z]+:/, ''));
    if (!d) throw new DriverModelError('ENODEV', `${name}: no such device`);
    return d;
  }

  addProcess(name: string, spec: ScenarioProcessSpec): void {
    this.calls.push(`addProcess ${name}`);
    if (spec.groups.includes('nosuchgroup')) throw new DriverModelError('EINVAL', "unknown group 'nosuchgroup'");
    this.processes.set(name, spec);
  }
  boot(): void {
    this.calls.push('boot');
    for (const m of this.options.modules) this.loaded.add(m);
    if (this.options.presets.includes('cxl-type3')) {
      this.#add('0000:0d:00.0', CXL, 'cxl_pci');
      this.#add('cxl_pci.doe.1', `${CXL}/cxl_pci.doe.1`, 'pci_doe.doe');
      this.devices.get('cxl_pci.doe.1')!.props.ID_DOE_ROLE = 'compliance';
      this.files.set('/sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override', '(null)\n');
      this.files.set('/sys/bus/auxiliary/devices/cxl_pci.doe.1/unbind', '');
      this.files.set('/dev/doe/cxl_pci.doe.1', '');
    }
  }
  modprobe(module: string, _proc?: string): void {
    this.calls.push(`modprobe ${module}`);
    if (module.startsWith('no_such')) throw new DriverModelError('ENOENT', `module ${module} not found`);
    this.loaded.add(module);
    this.pending.push(() => this.#emit('add', `/module/${module}`));
  }
  rmmod(module: string, _proc?: string): void {
    this.calls.push(`rmmod ${module}`);
    if (module === 'cxl_pci') throw new DriverModelError('EBUSY', 'module cxl_pci is in use');
    this.loaded.delete(module);
  }
  hotplug(preset: string): void {
    this.calls.push(`hotplug ${preset}`);
    this.#add('0000:0e:00.0', '/devices/pci0000:00/0000:00:03.0/0000:0e:00.0', 'cxl_pci');
  }
  unplug(bdf: string): void {
    this.calls.push(`unplug ${bdf}`);
    const d = this.#dev(bdf);
    this.devices.delete(bdf);
    this.#emit('remove', d.devpath);
  }
  settle(): void {
    this.calls.push('settle');
    while (this.pending.length > 0) this.pending.shift()!();
  }
  advance(ms: number): void {
    this.calls.push(`advance ${ms}`);
    this.clock += ms;
  }
  write(proc: string, path: string, value: string): void {
    this.calls.push(`write ${proc} ${path} ${JSON.stringify(value)}`);
    if (path === '/sys/bug') throw new Error('kaboom');
    if (!this.files.has(path)) throw new DriverModelError('ENOENT', `${path}: no such file`);
    if (this.processes.get(proc)?.uid !== 0) throw new DriverModelError('EACCES', `${path}: permission denied`);
    if (path.endsWith('/unbind')) {
      const d = this.#dev(value.trim());
      const driver = d.driver ?? '';
      d.driver = null;
      this.#emit('unbind', d.devpath, { DRIVER: driver });
      return;
    }
    this.files.set(path, value);
  }
  read(proc: string, path: string): string {
    this.calls.push(`read ${proc} ${path}`);
    if (path === '/sys/bug') throw new Error('kaboom');
    const v = this.files.get(path);
    if (v === undefined) throw new DriverModelError('ENOENT', `${path}: no such file`);
    return v;
  }
  ls(proc: string, path: string): string[] {
    this.calls.push(`ls ${proc} ${path}`);
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const names = new Set<string>();
    for (const f of this.files.keys()) if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split('/')[0]!);
    if (names.size === 0) throw new DriverModelError('ENOENT', `${path}: no such directory`);
    return [...names].reverse();
  }
  open(proc: string, path: string, mode: 'r' | 'w' | 'rw'): number {
    this.calls.push(`open ${proc} ${path} ${mode}`);
    if (!this.files.has(path)) throw new DriverModelError('ENOENT', `${path}: no such file`);
    if (path.startsWith('/dev/doe/') && [...this.fdTable.values()].some((f) => f.path === path)) {
      throw new DriverModelError('EBUSY', `${path}: held by another process`);
    }
    const fd = this.#nextFd++;
    this.fdTable.set(fd, { proc, path });
    return fd;
  }
  close(proc: string, fd: number): void {
    this.calls.push(`close ${proc} ${fd}`);
    const f = this.fdTable.get(fd);
    if (!f || f.proc !== proc) throw new DriverModelError('EBADF', `fd ${fd} not open in ${proc}`);
    this.fdTable.delete(fd);
  }
  ioctl(
    proc: string,
    fd: number,
    op: 'FWCTL_INFO' | 'FWCTL_RPC',
    args: { scope?: FwctlScope; payload?: Uint8Array; outLen?: number },
  ): { response: Uint8Array; outLen: number } {
    this.calls.push(
      `ioctl ${proc} ${fd} ${op} ${args.scope ?? '-'} ${args.payload ? Buffer.from(args.payload).toString('hex') : '-'}${args.outLen !== undefined ? ` out_len=${args.outLen}` : ''}`,
    );
    if (!this.fdTable.has(fd)) throw new DriverModelError('EBADF', `fd ${fd}`);
    if (op === 'FWCTL_INFO') return { response: new Uint8Array([2, 0, 0, 0]), outLen: 4 };
    if (args.scope === 'DEBUG_WRITE_FULL' && this.processes.get(proc)?.caps !== 'all' && !this.processes.get(proc)?.caps.includes('CAP_SYS_RAWIO')) {
      throw new DriverModelError('EPERM', 'DEBUG_WRITE_FULL needs CAP_SYS_RAWIO');
    }
    if (args.scope === 'DEBUG_WRITE' || args.scope === 'DEBUG_WRITE_FULL') this.taintLetters = 'J';
    const p = args.payload ?? new Uint8Array();
    return { response: p.slice().reverse(), outLen: p.length + 4 };
  }
  doe(proc: string, target: { fd: number } | { config: string; mailbox: number }, request: Uint8Array): Uint8Array {
    this.calls.push(`doe ${proc} ${JSON.stringify(target)} ${Buffer.from(request).toString('hex')}`);
    if ('fd' in target && !this.fdTable.has(target.fd)) throw new DriverModelError('EBADF', `fd ${target.fd}`);
    if ('config' in target && target.mailbox === 9) return new Uint8Array([0xff, 0xff, 0, 0, 3, 0, 0, 0, 1, 2, 3, 4]);
    if ('config' in target && target.mailbox === 0) throw new DriverModelError('EPERM', 'mailbox claimed by the kernel');
    return request.slice(); // echo: same header, same payload
  }
  trigger(options: { action?: string; subsystem?: string; attrs?: Readonly<Record<string, string>> }): void {
    this.calls.push(`trigger ${JSON.stringify(options)}`);
    for (const [name, d] of this.devices) {
      if (options.subsystem === 'auxiliary' && !name.includes('.')) continue;
      this.#emit(options.action ?? 'change', d.devpath);
    }
  }
  boundDriver(device: string): string | null {
    return this.#dev(device).driver;
  }
  exists(path: string): boolean {
    return this.files.has(path);
  }
  owner(device: string): string {
    this.#dev(device);
    const held = [...this.fdTable.values()].find((f) => f.path === `/dev/doe/${device}`);
    return held ? held.proc : 'kernel';
  }
  taint(): string {
    return this.taintLetters;
  }
  uevents(): readonly ScenarioUevent[] {
    return this.events;
  }
  udevProperty(device: string, key: string): string | undefined {
    return this.#dev(device).props[key];
  }
  devnode(path: string): { mode: string; owner: string; group: string } | undefined {
    return this.files.has(path) && path.startsWith('/dev/') ? { mode: '600', owner: 'root', group: 'root' } : undefined;
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** A host over FakeMachine that supports everything unless told otherwise; keeps every machine. */
export function fakeHost(
  opts: { verbs?: readonly string[]; checks?: readonly string[]; presets?: readonly string[]; failCreate?: boolean } = {},
): ScenarioHost & { machines: FakeMachine[] } {
  const machines: FakeMachine[] = [];
  return {
    machines,
    supportedVerbs: new Set(opts.verbs ?? SCENARIO_VERBS),
    supportedChecks: new Set(opts.checks ?? SCENARIO_CHECKS),
    presets: new Set(opts.presets ?? ['cxl-type3', 'mlx5-nic']),
    createMachine(options) {
      if (opts.failCreate) throw new DriverModelError('EINVAL', '60-bad.rules:1: invalid key');
      const m = new FakeMachine(options);
      machines.push(m);
      return m;
    },
  };
}

/**
 * A host that supports nothing (no verb, no check key, no preset): every scenario is rejected at
 * load time with "its subsystem has not landed" (exit 2).
 */
export function emptyHost(): ScenarioHost {
  return {
    supportedVerbs: new Set(),
    supportedChecks: new Set(),
    presets: new Set(),
    createMachine() {
      throw new DriverModelError('ENOSYS', 'no machine in this build');
    },
  };
}
