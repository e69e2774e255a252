/**
 * The oracle program interpreter (shared/tools/qemu-doe-oracle README, "Program format";
 * guest-init.sh): one operation per line — r8/r16/r32, w8/w16/w32, dump, caps, doe,
 * discovery, cdat, polls, sleep, note, env, lspci, select — each emitting the same JSON records
 * as the guest, key for key and in the same order, so a trace of the model compares line by
 * line with a recording of QEMU.
 *
 * Every config access is one pread/pwrite of exactly the access size at exactly the offset on
 * the function's sysfs `config` file, as the guest's `dd` makes; a failed access reads as 0 and
 * marks the record with "error":"config access failed". Waiting (`sleep`, the 1 ms between
 * Status polls of `doe`) goes to the host, which advances virtual time.
 */
import { DriverModelError } from '../../base/index.js';

/** The function's config file as the guest's dd sees it: one pread/pwrite per access. */
export interface PciTraceHost {
  /** Contents of a sysfs or procfs file. @throws {DriverModelError} */
  readFile(path: string): string;
  /** Entries of a directory. @throws {DriverModelError} */
  readdir(path: string): string[];
  /** Target of a symlink. @throws {DriverModelError} */
  readlink(path: string): string;
  exists(path: string): boolean;
  /** open + pread(length, offset) + close. @throws {DriverModelError} */
  pread(path: string, length: number, offset: number): Uint8Array;
  /** open + pwrite(data, offset) + close; returns the count written. @throws {DriverModelError} */
  pwrite(path: string, data: Uint8Array, offset: number): number;
  /** Let `ms` of (virtual) time pass. */
  sleep(ms: number): void;
  /** `uname -r` of the machine. */
  readonly kernelRelease: string;
}

export type PciTraceRecord = Readonly<Record<string, unknown>>;

const PCI_DEVICES = '/sys/bus/pci/devices';
/** The class the guest selects with `select auto`: CXL memory device (0x0502, prog-if 0x10). */
const AUTO_CLASS = '0x050210';
const DEFAULT_POLLS = 5;
const MAX_RESPONSE_DWORDS = 1100;
const DOE_EXT_CAP_ID = 0x2e;

const hx = (n: number): string => `0x${n.toString(16)}`;
const h32 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
const h16 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;
const h8 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
const hexWidth: Record<1 | 2 | 4, (n: number) => string> = { 1: h8, 2: h16, 4: h32 };

/** The guest's `num`: hex with or without 0x/0X; undefined when not a hex number. */
function num(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  let t = token.startsWith('0x') ? token.slice(2) : token;
  t = t.startsWith('0X') ? t.slice(2) : t;
  if (!/^[0-9a-fA-F]+$/.test(t)) return undefined;
  return Number.parseInt(t, 16);
}

function decimal(token: string | undefined, fallback: number): number | undefined {
  if (token === undefined) return fallback;
  return /^\d+$/.test(token) ? Number(token) : undefined;
}

interface Access {
  value: number;
  ok: boolean;
}

interface Exchange {
  rsp: number[];
  /** The third response dword, or -1 when fewer came. */
  rsp2: number;
}

export class PciTraceInterpreter {
  #config: string | undefined;
  #polls = DEFAULT_POLLS;

  constructor(
    private readonly host: PciTraceHost,
    private readonly emit: (record: PciTraceRecord) => void,
  ) {}

  /** Run a whole program: the automatic select (of `bdf`, or auto), every line, then `end`. */
  run(program: string, bdf = 'auto'): void {
    this.#select(bdf);
    for (const line of program.split('\n')) this.line(line);
    this.emit({ op: 'end' });
  }

  /** One program line (run_line). */
  line(text: string): void {
    const words = text.split(/[ \t\r\n]+/).filter((w) => w.length > 0);
    const [op, ...args] = words;
    if (op === undefined || op.startsWith('#')) return;
    if (this.#config === undefined && !['select', 'sleep', 'note', 'env', 'lspci'].includes(op)) {
      this.emit({ op, error: 'no device selected' });
      return;
    }
    switch (op) {
      case 'select':
        return this.#select(args[0] ?? 'auto');
      case 'env':
        return this.#env();
      case 'note':
        return this.emit({ op: 'note', text: args.join(' ') });
      case 'sleep': {
        const ms = decimal(args[0], 0);
        if (ms === undefined) return this.emit({ op, error: 'bad operand' });
        this.host.sleep(ms);
        return this.emit({ op: 'sleep', ms });
      }
      case 'r8':
      case 'r16':
      case 'r32': {
        const width = ({ r8: 1, r16: 2, r32: 4 } as const)[op];
        const off = num(args[0]);
        if (off === undefined) return this.emit({ op, error: 'bad operand' });
        const r = this.#rd(width, off);
        return this.emit({ op, off: hx(off), value: hexWidth[width](r.value), ...(r.ok ? {} : { error: 'config access failed' }) });
      }
      case 'w8':
      case 'w16':
      case 'w32': {
        const width = ({ w8: 1, w16: 2, w32: 4 } as const)[op];
        const off = num(args[0]);
        const value = num(args[1]);
        if (off === undefined || value === undefined) return this.emit({ op, error: 'bad operand' });
        const ok = this.#wr(width, off, value);
        return this.emit({ op, off: hx(off), value: hexWidth[width](value), ...(ok ? {} : { error: 'config access failed' }) });
      }
      case 'dump':
        return this.#dump();
      case 'lspci':
        return this.#lspci();
      case 'caps':
        this.#extcaps(true);
        return;
      case 'doe': {
        const cap = num(args[0]);
        const dws = args.slice(1).map(num);
        if (cap === undefined || dws.some((d) => d === undefined)) return this.emit({ op: 'doe', error: 'bad operand' });
        this.#doe(cap, dws as number[]);
        return;
      }
      case 'discovery':
      case 'cdat': {
        const walk = op === 'discovery' ? (cap: number) => this.#discovery(cap) : (cap: number) => this.#cdat(cap);
        if (args[0] === 'all') {
          const caps = this.#extcaps(false);
          if (caps.length === 0) this.emit({ op, error: 'no DOE capability' });
          for (const cap of caps) walk(cap);
          return;
        }
        const cap = num(args[0]);
        if (cap === undefined) return this.emit({ op, error: 'bad operand' });
        return walk(cap);
      }
      case 'polls': {
        const n = decimal(args[0], DEFAULT_POLLS);
        if (n === undefined) return this.emit({ op, error: 'bad operand' });
        this.#polls = n;
        return this.emit({ op: 'polls', n });
      }
      default:
        return this.emit({ op, error: 'unknown op' });
    }
  }

  // --- device selection ----------------------------------------------------------------------

  #attr(bdf: string, name: string): string {
    try {
      return this.host.readFile(`${PCI_DEVICES}/${bdf}/${name}`).trim();
    } catch (e) {
      if (DriverModelError.is(e)) return '';
      throw e;
    }
  }

  #driver(bdf: string): string | null {
    const link = `${PCI_DEVICES}/${bdf}/driver`;
    if (!this.host.exists(link)) return null;
    const target = this.host.readlink(link);
    return target.slice(target.lastIndexOf('/') + 1);
  }

  #functions(): string[] {
    try {
      return this.host.readdir(PCI_DEVICES).sort();
    } catch (e) {
      if (DriverModelError.is(e)) return [];
      throw e;
    }
  }

  #select(want: string): void {
    let bdf: string | undefined;
    if (want === 'auto') bdf = this.#functions().find((d) => this.#attr(d, 'class') === AUTO_CLASS);
    else if (this.host.exists(`${PCI_DEVICES}/${want}`)) bdf = want;
    if (bdf === undefined) {
      this.#config = undefined;
      this.emit({ op: 'select', want, error: 'no such PCI function' });
      return;
    }
    this.#config = `${PCI_DEVICES}/${bdf}/config`;
    this.emit({
      op: 'select',
      want,
      bdf,
      vendor: this.#attr(bdf, 'vendor'),
      device: this.#attr(bdf, 'device'),
      class: this.#attr(bdf, 'class'),
      revision: this.#attr(bdf, 'revision'),
      driver: this.#driver(bdf),
    });
  }

  #env(): void {
    let modules = 0;
    try {
      modules = this.host
        .readFile('/proc/modules')
        .split('\n')
        .filter((l) => l.length > 0).length;
    } catch (e) {
      if (!DriverModelError.is(e)) throw e;
    }
    const cxlBus = this.host.exists('/sys/bus/cxl');
    let cxlDevices = '';
    if (this.host.exists('/sys/bus/cxl/devices')) cxlDevices = this.host.readdir('/sys/bus/cxl/devices').sort().join(' ');
    let blacklist = false;
    try {
      blacklist = this.host.readFile('/proc/cmdline').includes('modprobe.blacklist');
    } catch (e) {
      if (!DriverModelError.is(e)) throw e;
    }
    this.emit({
      op: 'env',
      kernel: this.host.kernelRelease,
      loaded_modules: modules,
      cxl_bus: cxlBus,
      cxl_bus_devices: cxlDevices,
      cmdline_blacklist: blacklist,
    });
  }

  #lspci(): void {
    for (const bdf of this.#functions()) {
      this.emit({
        op: 'pci',
        bdf,
        vendor: this.#attr(bdf, 'vendor'),
        device: this.#attr(bdf, 'device'),
        class: this.#attr(bdf, 'class'),
        driver: this.#driver(bdf),
      });
    }
  }

  // --- raw accessors -------------------------------------------------------------------------

  /** One pread of `width` bytes at `off`; a failure or nothing read gives 0 and ok false. */
  #rd(width: 1 | 2 | 4, off: number): Access {
    let bytes: Uint8Array;
    try {
      bytes = this.host.pread(this.#config!, width, off);
    } catch (e) {
      if (DriverModelError.is(e)) return { value: 0, ok: false };
      throw e;
    }
    if (bytes.length === 0) return { value: 0, ok: false };
    let value = 0;
    for (let b = 0; b < width; b++) value |= (bytes[b] ?? 0) << (8 * b);
    return { value: value >>> 0, ok: true };
  }

  /** One pwrite of the low `width` bytes of `value` at `off`. */
  #wr(width: 1 | 2 | 4, off: number, value: number): boolean {
    const data = new Uint8Array(width);
    for (let b = 0; b < width; b++) data[b] = Math.floor(value / 2 ** (8 * b)) & 0xff;
    try {
      return this.host.pwrite(this.#config!, data, off) === width;
    } catch (e) {
      if (DriverModelError.is(e)) return false;
      throw e;
    }
  }

  #dump(): void {
    let bytes: Uint8Array;
    try {
      bytes = this.host.pread(this.#config!, 4096, 0);
    } catch (e) {
      if (!DriverModelError.is(e)) throw e;
      bytes = new Uint8Array(0);
    }
    const dwords: string[] = [];
    for (let i = 0; i < bytes.length; i += 4) {
      const v = (bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16) | ((bytes[i + 3] ?? 0) << 24);
      dwords.push(h32(v >>> 0));
    }
    this.emit({ op: 'dump', bytes: dwords.length * 4, dwords });
  }

  // --- composite operations ------------------------------------------------------------------

  /** Walk the extended capability list from 0x100; the DOE capabilities' offsets. */
  #extcaps(emit: boolean): number[] {
    const doe: number[] = [];
    let off = 0x100;
    for (let n = 0; off >= 0x100 && n < 128; n++) {
      const r = this.#rd(4, off);
      if (!r.ok) break;
      const h = r.value;
      if (h === 0 && off === 0x100) break;
      const id = h & 0xffff;
      const next = (h >>> 20) & 0xffc;
      if (emit) this.emit({ op: 'extcap', off: hx(off), header: h32(h), id: h16(id), version: (h >>> 16) & 0xf, next: hx(next) });
      if (id === DOE_EXT_CAP_ID) doe.push(off);
      off = next;
    }
    return doe;
  }

  /**
   * doe_x: write each request dword to the Write Data Mailbox, Go (exactly 0x80000000), poll
   * Status up to `polls` times 1 ms apart until Data Object Ready or Error, then read and
   * acknowledge dwords while Ready and not Error, up to the response's Length.
   */
  #doe(cap: number, req: readonly number[]): Exchange {
    let failed = false;
    for (const d of req) failed = !this.#wr(4, cap + 0x10, d) || failed;
    failed = !this.#wr(4, cap + 0x08, 0x80000000) || failed;
    let polls = 0;
    let ready = false;
    let statusAfterGo: number | undefined;
    while (polls < this.#polls) {
      const st = this.#rd(4, cap + 0x0c).value;
      polls++;
      statusAfterGo ??= st;
      if (st & 0x80000000) {
        ready = true;
        break;
      }
      if (st & 4) break;
      this.host.sleep(1);
    }
    const rsp: number[] = [];
    let len = 0;
    let rsp2 = -1;
    if (ready) {
      while (rsp.length < MAX_RESPONSE_DWORDS) {
        const st = this.#rd(4, cap + 0x0c).value;
        if (!(st & 0x80000000) || st & 4) break;
        const v = this.#rd(4, cap + 0x14).value;
        this.#wr(4, cap + 0x14, 0);
        rsp.push(v);
        if (rsp.length === 3) rsp2 = v;
        if (rsp.length === 2) len = v & 0x3ffff || 262144;
        if (rsp.length >= 2 && rsp.length >= len) break;
      }
    }
    const statusEnd = this.#rd(4, cap + 0x0c).value;
    this.emit({
      op: 'doe',
      cap: hx(cap),
      req: req.map(h32),
      status_after_go: h32(statusAfterGo ?? 0),
      polls,
      ready,
      rsp: rsp.map(h32),
      status_end: h32(statusEnd),
      ...(failed ? { error: 'config access failed' } : {}),
    });
    return { rsp, rsp2 };
  }

  /** Discovery from index 0, following Next Index until 0 (at most 256 steps). */
  #discovery(cap: number): void {
    let index = 0;
    for (let n = 0; n < 256; n++) {
      const { rsp2 } = this.#doe(cap, [0x00000001, 0x00000003, index]);
      if (rsp2 < 0) {
        this.emit({ op: 'discovery_entry', cap: hx(cap), index, error: 'no response' });
        return;
      }
      const next = (rsp2 >>> 24) & 0xff;
      this.emit({ op: 'discovery_entry', cap: hx(cap), index, vendor: h16(rsp2 & 0xffff), type: h8((rsp2 >>> 16) & 0xff), next });
      index = next;
      if (index === 0) return;
    }
  }

  /** Table Access from handle 0, following the next handle until 0xFFFF (at most 300 steps). */
  #cdat(cap: number): void {
    let handle = 0;
    for (let n = 0; n < 300; n++) {
      const { rsp, rsp2 } = this.#doe(cap, [0x00021e98, 0x00000003, (handle << 16) >>> 0]);
      if (rsp2 < 0) {
        this.emit({ op: 'cdat_entry', cap: hx(cap), handle, error: 'no response' });
        return;
      }
      const next = (rsp2 >>> 16) & 0xffff;
      const bytes = rsp
        .slice(3)
        .map((d) => [d & 0xff, (d >>> 8) & 0xff, (d >>> 16) & 0xff, d >>> 24].map((b) => b.toString(16).padStart(2, '0')).join(''))
        .join('');
      this.emit({ op: 'cdat_entry', cap: hx(cap), handle, rsp_code: rsp2 & 0xff, table_type: (rsp2 >>> 8) & 0xff, next: h16(next), bytes });
      if (next === 0xffff) return;
      handle = next;
    }
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#config, this.#polls];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#config = v[0] as never;
    this.#polls = v[1] as never;
  }
}

/** Run `program` and collect its records. */
export function runPciTrace(host: PciTraceHost, program: string, bdf = 'auto'): PciTraceRecord[] {
  const out: PciTraceRecord[] = [];
  new PciTraceInterpreter(host, (r) => out.push(r)).run(program, bdf);
  return out;
}
