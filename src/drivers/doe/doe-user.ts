/**
 * doe_user: the override-only userspace driver for one DOE mailbox (DESIGN.md Departure 3).
 * Bound through driver_override, it creates the class device `doe/<auxdev>` below the auxiliary
 * device (node /dev/doe/<auxdev>, dynamic major) and its own kernel mailbox (Abort, Discovery;
 * drivers/pci/doe.c). Like pci_doe it claims the capability's config range exclusive under
 * `aux-exclusive`, so raw config writes cannot clobber the holder's exchanges (EPERM). One process at a time may hold it open (a second open gets EBUSY); when the
 * device or the driver goes away, every operation on a file still open fails with ENODEV, and
 * close still works.
 *
 * The exchange interface (docs/doe-user.md):
 * - write(2) of one whole DOE data object (two-dword header, payload) submits it as one pci_doe
 *   task: EINVAL unless it is whole dwords, at least the header, and its Length field (0 = 2^18)
 *   matches its size, or when the mailbox does not list its (vendor, type); EBUSY while an
 *   earlier exchange is in flight or its result unread. Returns the object's size.
 * - read(2) gives the response object (header rebuilt from the bytes received, payload), once:
 *   EAGAIN while the exchange runs (the simulated process does not sleep: it polls, as with
 *   O_NONBLOCK), the exchange's errno (EIO, EBUSY…) if it failed, EINVAL with none submitted.
 *   A shorter read truncates; the rest is dropped, as a datagram.
 * - ioctl DOE_IOC_FEATURES → the cached Discovery table; DOE_IOC_SUBMIT {vendor, type, payload,
 *   responseSize?} submits like write; DOE_IOC_RESULT → {vendor, type, payload} like read;
 *   DOE_IOC_ABORT drops the exchange (Abort at once, result discarded).
 * - close(2) aborts an exchange in flight and frees the mailbox for the next opener.
 */
import { inject, injectable } from 'inversify';
import {
  ILogService,
  IScheduler,
  IdAllocator,
  type IDisposable,
  type ILogService as LogService,
  type IScheduler as Scheduler,
  kerr,
  kerrExpected,
} from '../../base/index.js';
import {
  AuxiliaryDriverModule,
  type AuxiliaryBus,
  type AuxiliaryDevice,
  type AuxiliaryDeviceId,
  IAuxiliaryBus,
  auxiliaryModuleAliases,
} from '../../aux/index.js';
import {
  BusRegistry,
  type CharDevFile,
  CharDevRegistry,
  Device,
  DeviceClass,
  DeviceCore,
  type FileOperations,
  IBusRegistry,
  ICharDevRegistry,
  IDeviceCore,
  defineModule,
  devmAddAction,
} from '../../bus/index.js';
import { IPciCore, PCI_DOE_CAP_SIZEOF, type PciCore } from '../../pci/index.js';
import { OpenFiles } from '../char/open-file.js';
import { type UserspaceHandle, userspaceHandleBrand } from '../ownership.js';
import { type DoeResult, type DoeTaskHandle, PCI_DOE_MAX_LENGTH, PciDoeMb } from './doe.js';
import { type DoeMailboxRef, doeMailboxOf } from './mailbox.js';

export const DOE_USER_MODNAME = 'doe_user';

/** Matches DOE devices only through driver_override; yields no modules.alias line. */
export const doeUserIdTable: readonly AuxiliaryDeviceId[] = [{ name: 'cxl_pci.doe', overrideOnly: true }];

/** Minors per major (MINORMASK + 1 of a dynamic region this driver asks for). */
export const DOE_USER_MINORS = 256;

/** PCI_DOE_MAX_PAYLOAD: the largest response payload, (2^18 - 2) dwords. */
export const DOE_USER_MAX_PAYLOAD = (PCI_DOE_MAX_LENGTH - 2) * 4;

/** The ioctls of /dev/doe/* (docs/doe-user.md). */
export const DOE_IOC = {
  FEATURES: 'DOE_IOC_FEATURES',
  SUBMIT: 'DOE_IOC_SUBMIT',
  RESULT: 'DOE_IOC_RESULT',
  ABORT: 'DOE_IOC_ABORT',
} as const;

export interface DoeSubmitArg {
  readonly vendor: number;
  readonly type: number;
  readonly payload: Uint8Array;
  /** Response buffer size; default DOE_USER_MAX_PAYLOAD. */
  readonly responseSize?: number;
}

export interface DoeResultArg {
  readonly vendor: number;
  readonly type: number;
  readonly payload: Uint8Array;
}

/** The one exchange of a held mailbox: in flight, or finished and not yet read. */
interface Exchange {
  readonly vendor: number;
  readonly type: number;
  readonly handle: DoeTaskHandle;
  result: DoeResult | undefined;
}

/** One bound mailbox: its class device, its kernel mailbox, and the file that holds it, if any. */
export class DoeUserDevice implements UserspaceHandle {
  readonly [userspaceHandleBrand] = true as const;
  /** The one open file (exclusive); revoked when the driver unbinds: the handle outlived its driver. */
  readonly files = new OpenFiles({ exclusive: true, label: () => `doe_user: ${this.adev.name}` });
  exchange: Exchange | undefined;

  constructor(
    readonly adev: AuxiliaryDevice,
    readonly mailbox: DoeMailboxRef,
    readonly classDevice: Device,
    readonly minor: number,
    readonly mb: PciDoeMb,
  ) {}

  /** Submit one request. @throws {DriverModelError} EBUSY with an exchange pending; EINVAL unsupported. */
  submit(vendor: number, type: number, payload: Uint8Array, responseSize: number): void {
    if (this.exchange) throw kerr('EBUSY', `doe_user: ${this.adev.name}: an exchange is in flight or unread`);
    const start = (): DoeTaskHandle =>
      this.mb.submit({ vendor, type, request: payload, responseSize }, (r) => {
        if (this.exchange === ex) ex.result = r;
      });
    if (this.mb.ready && !this.mb.supports(vendor, type)) {
      throw kerr('EINVAL', `doe_user: ${this.adev.name} does not list feature ${hex(vendor, 4)}:${hex(type, 2)}`);
    }
    let inner: DoeTaskHandle | undefined;
    let dropped = false;
    const ex: Exchange = {
      vendor,
      type,
      handle: { abort: () => (inner ? inner.abort() : void (dropped = true)) },
      result: undefined,
    };
    this.exchange = ex;
    // Before Discovery finished the request waits for it, then is checked like any other.
    this.mb.whenReady(() => {
      if (!dropped) inner = start();
    });
  }

  /** The finished exchange, consumed. @throws {DriverModelError} EINVAL none; EAGAIN running; its errno. */
  takeResult(): DoeResultArg {
    const ex = this.exchange;
    if (!ex) throw kerr('EINVAL', `doe_user: ${this.adev.name}: no exchange submitted`);
    // EAGAIN is the expected answer to every poll while the exchange runs (the client reads until
    // it stops): no JavaScript stack is captured for it, and none is ever shown for an errno.
    if (!ex.result) throw kerrExpected('EAGAIN', `doe_user: ${this.adev.name}: exchange in progress`);
    this.exchange = undefined;
    if (!ex.result.ok) throw kerr(ex.result.errno, `doe_user: ${this.adev.name}: exchange failed`);
    return { vendor: ex.vendor, type: ex.type, payload: ex.result.response };
  }

  /** Abort and forget the exchange, if any. */
  abortExchange(): void {
    const ex = this.exchange;
    this.exchange = undefined;
    if (ex && !ex.result) ex.handle.abort();
  }

  get holder(): CharDevFile | undefined {
    return this.files.holder;
  }
}

/** The live device behind an open file. @throws {DriverModelError} ENODEV once revoked. */
function liveDevice(file: CharDevFile): DoeUserDevice {
  const state = file.privateData as DoeUserDevice | undefined;
  if (!state) throw kerr('ENODEV', 'doe_user: device is gone');
  state.files.checkLive();
  return state;
}

@injectable()
export class DoeUserModule extends AuxiliaryDriverModule {
  /** class `doe`, nodes below /dev/doe/. */
  readonly doeClass = new DeviceClass({ name: 'doe', devnode: (dev) => ({ name: `doe/${dev.name}` }) });
  #major = 0;
  #cdev: IDisposable | undefined;
  readonly #minors = new IdAllocator();
  readonly #byMinor = new Map<number, DoeUserDevice>();

  constructor(
    @inject(IAuxiliaryBus) aux: AuxiliaryBus,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(ICharDevRegistry) private readonly cdevs: CharDevRegistry,
    @inject(IScheduler) private readonly scheduler: Scheduler,
    @inject(ILogService) private readonly log: LogService,
    @inject(IPciCore) private readonly pci: PciCore,
  ) {
    super(aux, DOE_USER_MODNAME, { name: 'doe', idTable: doeUserIdTable });
  }

  get major(): number {
    return this.#major;
  }

  /** module_init: class, char region, then the driver (which may bind at once). */
  override init(): void {
    this.buses.classRegister(this.doeClass);
    this.#major = this.cdevs.allocMajor('doe');
    this.#cdev = this.cdevs.add('doe', this.#major, 0, DOE_USER_MINORS, this.#fops, DOE_USER_MODNAME);
    try {
      super.init();
    } catch (e) {
      this.#teardownRegion();
      throw e;
    }
  }

  /** module_exit: the driver first (every device unbinds and is revoked), then the region and class. */
  override exit(): void {
    super.exit();
    this.#teardownRegion();
  }

  #teardownRegion(): void {
    this.#cdev?.dispose();
    this.#cdev = undefined;
    this.cdevs.unregisterMajor(this.#major);
    this.buses.classUnregister(this.doeClass);
  }

  /** @throws {DriverModelError} ENODEV for a device that is not a DOE mailbox. */
  protected probe(adev: AuxiliaryDevice): void {
    const mailbox = doeMailboxOf(adev);
    if (!mailbox) throw kerr('ENODEV', `${adev.name}: not a DOE mailbox`);
    if (this.pci.doePolicy === 'aux-exclusive') {
      this.pci.requestConfigRegionExclusive(mailbox.pdev, mailbox.capOffset, PCI_DOE_CAP_SIZEOF, adev.name);
      devmAddAction(adev, 'pci_release_config_region', () => this.pci.releaseConfigRegion(mailbox.pdev, mailbox.capOffset, PCI_DOE_CAP_SIZEOF));
    }
    const minor = this.#minors.alloc();
    const classDevice = new Device({ name: adev.name, parent: adev, class: this.doeClass, devt: { major: this.#major, minor } });
    try {
      this.core.add(classDevice);
    } catch (e) {
      this.#minors.free(minor);
      throw e;
    }
    const mb = new PciDoeMb({ pdev: mailbox.pdev, capOffset: mailbox.capOffset, scheduler: this.scheduler, log: this.log });
    const state = new DoeUserDevice(adev, mailbox, classDevice, minor, mb);
    this.#byMinor.set(minor, state);
    adev.driverData = state;
    mb.create();
  }

  /** Revoke first, so nothing reaches the mailbox once the node is gone. */
  protected override remove(adev: AuxiliaryDevice): void {
    const state = adev.driverData as DoeUserDevice | undefined;
    if (!state) return;
    state.files.revoke();
    state.exchange = undefined;
    state.mb.cancelTasks();
    this.#byMinor.delete(state.minor);
    this.core.unregister(state.classDevice);
    this.#minors.free(state.minor);
  }

  readonly #fops: FileOperations = {
    open: (file) => {
      const state = this.#byMinor.get(file.devt.minor);
      if (!state) throw kerr('ENODEV', 'doe_user: no such mailbox');
      state.files.attach(file);
      file.privateData = state;
    },
    release: (file) => {
      // Closing aborts the exchange in flight and frees the mailbox.
      const state = file.privateData as DoeUserDevice | undefined;
      if (!state?.files.files.includes(file)) return;
      if (!state.files.revoked) state.abortExchange();
      state.files.detach(file);
    },
    write: (file, data) => {
      const state = liveDevice(file);
      const { vendor, type, payload } = parseObject(data);
      state.submit(vendor, type, payload, DOE_USER_MAX_PAYLOAD);
      return data.length;
    },
    read: (file, length) => {
      const state = liveDevice(file);
      const r = state.takeResult();
      const object = buildObject(r.vendor, r.type, r.payload);
      return object.subarray(0, Math.min(length, object.length));
    },
    ioctl: (file, cmd, arg) => {
      const state = liveDevice(file);
      switch (cmd) {
        case DOE_IOC.FEATURES:
          if (!state.mb.ready) throw kerr('EAGAIN', `doe_user: ${state.adev.name}: discovery in progress`);
          return { features: state.mb.features.map((f) => ({ ...f })) };
        case DOE_IOC.SUBMIT: {
          const a = arg as Partial<DoeSubmitArg> | undefined;
          if (!a || typeof a.vendor !== 'number' || typeof a.type !== 'number' || !(a.payload instanceof Uint8Array)) {
            throw kerr('EINVAL', 'doe_user: DOE_IOC_SUBMIT needs {vendor, type, payload}');
          }
          const size = a.responseSize ?? DOE_USER_MAX_PAYLOAD;
          if (!Number.isInteger(size) || size < 0 || size > DOE_USER_MAX_PAYLOAD) throw kerr('EINVAL', 'doe_user: bad responseSize');
          state.submit(a.vendor & 0xffff, a.type & 0xff, a.payload, size);
          return undefined;
        }
        case DOE_IOC.RESULT:
          return state.takeResult();
        case DOE_IOC.ABORT:
          state.abortExchange();
          return undefined;
        default:
          throw kerr('ENOTTY', `doe_user: unknown ioctl ${cmd}`);
      }
    },
  };

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#major, this.#cdev, this.#minors, this.#byMinor, this.#fops];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#major = v[0] as never;
    this.#cdev = v[1] as never;
  }
}

export const doeUserModuleInfo = defineModule(
  {
    name: DOE_USER_MODNAME,
    aliases: auxiliaryModuleAliases(doeUserIdTable),
    description: 'Userspace access to one DOE mailbox (override-only)',
  },
  DoeUserModule,
);

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** A written data object's header checked against its size. @throws {DriverModelError} EINVAL. */
function parseObject(data: Uint8Array): { vendor: number; type: number; payload: Uint8Array } {
  if (data.length < 8 || data.length % 4 !== 0) throw kerr('EINVAL', `doe_user: ${data.length} bytes is not a DOE data object`);
  if (data.length > PCI_DOE_MAX_LENGTH * 4) throw kerr('EINVAL', 'doe_user: object larger than 2^18 dwords');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const dw0 = view.getUint32(0, true);
  const length = view.getUint32(4, true) & 0x3ffff || PCI_DOE_MAX_LENGTH;
  if (length * 4 !== data.length) throw kerr('EINVAL', `doe_user: header Length ${length} dwords, object ${data.length / 4}`);
  return { vendor: dw0 & 0xffff, type: (dw0 >>> 16) & 0xff, payload: data.slice(8) };
}

/** The response object as read(2) returns it: header, then the payload zero-padded to dwords. */
function buildObject(vendor: number, type: number, payload: Uint8Array): Uint8Array {
  const dwords = 2 + Math.ceil(payload.length / 4);
  const out = new Uint8Array(dwords * 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, (vendor | (type << 16)) >>> 0, true);
  view.setUint32(4, dwords === PCI_DOE_MAX_LENGTH ? 0 : dwords, true);
  out.set(payload, 8);
  return out;
}
