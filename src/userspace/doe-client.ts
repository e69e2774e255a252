/**
 * A userspace DOE client: one exchange = one request object in, one response object out, over
 * either transport a root tool has (DESIGN.md §3):
 * - `DevDoeTransport`: an fd open on /dev/doe/<auxdev> (doe_user): write(2) the object, then
 *   read(2) until it stops answering EAGAIN, sleeping a poll interval between tries.
 * - `RawConfigDoeTransport`: the PCI `config` file of a function, driving the N-th DOE
 *   capability's registers itself (pread/pwrite of single dwords) as a careful tool does: wait
 *   for Busy to clear, refuse on Error, write the object and Go, poll Status for Data Object
 *   Ready (Error → Abort, EIO; 1 s → Abort, ETIMEDOUT), read and acknowledge every dword, check
 *   Error again. Under `aux-exclusive` the first write fails with EPERM while pci_doe holds the
 *   mailbox; under `pci-core-shared` it succeeds and taints U.
 * A process does not block in this model: waiting is `Sleeper.sleep(ms)`, which the machine
 * implements by advancing virtual time (the kernel's work runs meanwhile).
 */
import { kerr, kerrExpected } from '../base/index.js';
import {
  type DoeProtocolId,
  decodeDiscoveryResponse,
  doeEncodeObject,
  doeProtocols,
  dwordsToBytes,
  encodeDiscoveryRequest,
} from '../protocols/index.js';
import type { Process } from './process.js';

/** How a process waits: virtual time passes, the machine's scheduler runs. */
export interface Sleeper {
  sleep(ms: number): void;
}

/** One DOE exchange: a whole request object (header included) to a whole response object. */
export interface DoeTransport {
  exchange(request: Uint8Array): Uint8Array;
  close(): void;
}

/** The interval a tool polls at (the kernel's PCI_DOE_POLL_INTERVAL). */
export const DOE_CLIENT_POLL_MS = 7;
/** How long a tool waits for a response after Go, and for Busy to clear (PCI_DOE_TIMEOUT). */
export const DOE_CLIENT_TIMEOUT_MS = 1000;
/** How long a /dev/doe reader waits for the kernel (its queue, Busy wait, timeout and Abort). */
export const DEV_DOE_WAIT_MS = 10_000;

/** Register offsets and bits (reference/protocols.md §1.2), as a userspace tool hard-codes them. */
const REG = { CTRL: 0x08, STATUS: 0x0c, WRITE: 0x10, READ: 0x14 } as const;
const CTRL_ABORT = 0x1;
const CTRL_GO = 0x80000000;
const STATUS_BUSY = 0x1;
const STATUS_ERROR = 0x4;
const STATUS_DOR = 0x80000000;
const PCI_EXT_CAP_ID_DOE = 0x2e;

function u32le(bytes: Uint8Array, at = 0): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** Over an fd open on a /dev/doe node. */
export class DevDoeTransport implements DoeTransport {
  constructor(
    private readonly proc: Process,
    private readonly fd: number,
    private readonly sleeper: Sleeper,
  ) {}

  /** @throws {DriverModelError} the driver's errno (EBUSY, EINVAL, EIO, ENODEV…); ETIMEDOUT. */
  exchange(request: Uint8Array): Uint8Array {
    this.proc.write(this.fd, request);
    for (let waited = 0; ; waited += DOE_CLIENT_POLL_MS) {
      try {
        return this.proc.read(this.fd, 1 << 20);
      } catch (e) {
        if ((e as { errno?: string }).errno !== 'EAGAIN' || waited >= DEV_DOE_WAIT_MS) throw e;
      }
      this.sleeper.sleep(DOE_CLIENT_POLL_MS);
    }
  }

  close(): void {
    // The fd belongs to whoever opened it.
  }
}

/** Over the PCI `config` file of `bdf`, on its `mailbox`-th DOE capability (config-space order). */
export class RawConfigDoeTransport implements DoeTransport {
  readonly fd: number;
  readonly capOffset: number;
  /**
   * The tool's dword for pwrite(2), as a C tool passes `&value`: write(2) consumes the bytes
   * before it returns (the config write copies them into the registers), so one serves every write.
   */
  private readonly dword = new Uint8Array(4);

  /** @throws {DriverModelError} from open(2); ENODEV without that many DOE capabilities. */
  constructor(
    private readonly proc: Process,
    readonly bdf: string,
    readonly mailbox: number,
    private readonly sleeper: Sleeper,
  ) {
    this.fd = proc.open(`/sys/bus/pci/devices/${bdf}/config`, 'rw');
    try {
      this.capOffset = this.#findDoe(mailbox);
    } catch (e) {
      proc.close(this.fd);
      throw e;
    }
  }

  /** The extended capability list walk; a short read means the 64-byte limit without CAP_SYS_ADMIN. */
  #findDoe(index: number): number {
    let pos = 0x100;
    let seen = 0;
    for (let hops = 0; pos >= 0x100 && hops < 0x3c0; hops++) {
      const header = this.#read(pos);
      if (header === 0 || header === 0xffffffff) break;
      if ((header & 0xffff) === PCI_EXT_CAP_ID_DOE && seen++ === index) return pos;
      pos = (header >>> 20) & 0xffc;
    }
    throw kerr('ENODEV', `${this.bdf}: no DOE mailbox ${index}`);
  }

  #read(offset: number): number {
    const b = this.proc.pread(this.fd, 4, offset);
    if (b.length < 4) throw kerr('EPERM', `${this.bdf}: config space past 64 bytes needs CAP_SYS_ADMIN`);
    return u32le(b);
  }

  #write(reg: number, value: number): void {
    const b = this.dword;
    b[0] = value & 0xff;
    b[1] = (value >>> 8) & 0xff;
    b[2] = (value >>> 16) & 0xff;
    b[3] = (value >>> 24) & 0xff;
    this.proc.pwrite(this.fd, b, this.capOffset + reg);
  }

  #status(): number {
    return this.#read(this.capOffset + REG.STATUS);
  }

  #abort(): void {
    this.#write(REG.CTRL, CTRL_ABORT);
  }

  /**
   * @throws {DriverModelError} EPERM (claimed by the kernel, lockdown), EBUSY (Busy for 1 s),
   *   EIO (Error, a length below 2, Data Object Ready lost mid-read), ETIMEDOUT.
   */
  exchange(request: Uint8Array): Uint8Array {
    if (request.length < 8 || request.length % 4 !== 0) throw kerr('EINVAL', `${request.length} bytes is not a DOE data object`);
    for (let waited = 0; this.#status() & STATUS_BUSY; waited += DOE_CLIENT_POLL_MS) {
      if (waited >= DOE_CLIENT_TIMEOUT_MS) throw kerr('EBUSY', `${this.bdf}: DOE mailbox ${this.mailbox} stays Busy`);
      this.sleeper.sleep(DOE_CLIENT_POLL_MS);
    }
    if (this.#status() & STATUS_ERROR) throw kerr('EIO', `${this.bdf}: DOE mailbox ${this.mailbox} has Error set`);
    for (let i = 0; i < request.length; i += 4) this.#write(REG.WRITE, u32le(request, i));
    this.#write(REG.CTRL, CTRL_GO);
    for (let waited = 0; ; waited += DOE_CLIENT_POLL_MS) {
      const status = this.#status();
      if (status & STATUS_ERROR) {
        this.#abort();
        throw kerr('EIO', `${this.bdf}: DOE mailbox ${this.mailbox}: Error after Go`);
      }
      if (status & STATUS_DOR) break;
      if (waited >= DOE_CLIENT_TIMEOUT_MS) {
        this.#abort();
        throw kerrExpected('ETIMEDOUT', `${this.bdf}: DOE mailbox ${this.mailbox}: no response within 1 s`);
      }
      this.sleeper.sleep(DOE_CLIENT_POLL_MS);
    }
    const dwords: number[] = [];
    const next = (): number => {
      const v = this.#read(this.capOffset + REG.READ);
      this.#write(REG.READ, 0);
      return v;
    };
    dwords.push(next());
    const dw1 = next();
    dwords.push(dw1);
    const length = dw1 & 0x3ffff || 1 << 18;
    if (length < 2) {
      this.#abort();
      throw kerr('EIO', `${this.bdf}: DOE response length ${length}`);
    }
    for (let i = 2; i < length; i++) {
      if (!(this.#status() & STATUS_DOR)) {
        this.#abort();
        throw kerr('EIO', `${this.bdf}: DOE response ended after ${i} of ${length} dwords`);
      }
      dwords.push(next());
    }
    if (this.#status() & STATUS_ERROR) {
      this.#abort();
      throw kerr('EIO', `${this.bdf}: DOE mailbox ${this.mailbox}: Error after the response`);
    }
    return dwordsToBytes(dwords);
  }

  close(): void {
    this.proc.close(this.fd);
  }
}

/** A response object's header checked against the request's protocol. */
export interface DoeResponse {
  readonly vendor: number;
  readonly type: number;
  readonly payload: Uint8Array;
}

export class DoeClient {
  constructor(readonly transport: DoeTransport) {}

  /** One exchange of `payload` under `protocol`; the response must be for it (else EIO). */
  exchange(protocol: DoeProtocolId, payload: Uint8Array): Uint8Array {
    const object = this.transport.exchange(dwordsToBytes(doeEncodeObject(protocol, payload)));
    const r = parseResponseObject(object);
    if (r.vendor !== protocol.vendor || r.type !== protocol.type) {
      throw kerr('EIO', `response for ${hex(r.vendor, 4)}:${hex(r.type, 2)}, not ${hex(protocol.vendor, 4)}:${hex(protocol.type, 2)}`);
    }
    return r.payload;
  }

  /** Discovery from index 0 until Next Index is 0 (at most 256 entries), Discovery itself included. */
  discover(): DoeProtocolId[] {
    const out: DoeProtocolId[] = [];
    let index = 0;
    do {
      const entry = decodeDiscoveryResponse(this.exchange(doeProtocols.DISCOVERY, encodeDiscoveryRequest({ index, version: 0 })));
      if (!entry) throw kerr('EIO', 'Discovery response without a payload dword');
      out.push({ vendor: entry.vendor, type: entry.type });
      index = entry.next;
    } while (index !== 0 && out.length < 256);
    return out;
  }

  close(): void {
    this.transport.close();
  }
}

/** Split a whole response object. @throws {DriverModelError} EIO when its size disagrees with its Length. */
export function parseResponseObject(object: Uint8Array): DoeResponse {
  if (object.length < 8 || object.length % 4 !== 0) throw kerr('EIO', `response of ${object.length} bytes is not a DOE data object`);
  const dw0 = u32le(object, 0);
  const length = u32le(object, 4) & 0x3ffff || 1 << 18;
  if (length * 4 !== object.length) throw kerr('EIO', `response Length ${length} dwords, object ${object.length / 4}`);
  return { vendor: dw0 & 0xffff, type: (dw0 >>> 16) & 0xff, payload: object.slice(8) };
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
