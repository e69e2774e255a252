/**
 * The fwctl subsystem (drivers/fwctl/main.c), module `fwctl`: class `fwctl`, one dynamic major
 * with FWCTL_MAX_DEVICES minors, `/dev/fwctl/fwctlN` with N the lowest free IDA index, and the
 * two ioctls FWCTL_INFO and FWCTL_RPC (reference protocols §4.1–4.2).
 *
 * Lifetime, as the kernel has it: a driver allocates a `FwctlDevice` (the IDA index is taken
 * here and given back only by the device's release, i.e. after the last reference), registers
 * it (cdev + device_add), and unregisters it in remove(). Each open file is a user context
 * holding a device reference. `unregister` deletes the device (no new opens), closes every
 * open user context through the driver and clears `ops`: files stay open, every ioctl answers
 * ENODEV, close still works, and the memory (and the minor) lives until the last close.
 *
 * The open files are this module's (fops owner THIS_MODULE): while one is open, `rmmod fwctl`
 * is EBUSY. A driver module does not stay pinned by them (fwctl_unregister disassociates it).
 */
import { inject, injectable } from 'inversify';
import { IdAllocator, type IDisposable, ILogService, kerr } from '../../base/index.js';
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
  type IoctlCaller,
  ITaint,
  type ModuleEntry,
  type Taint,
  clearUser,
  copyFromUser,
  copyStructFromUser,
  copyToUser,
  defineModule,
  getUserU32,
  userPtr,
} from '../../bus/index.js';
import {
  FWCTL_CMD_BASE,
  FWCTL_INFO,
  FWCTL_INFO_MIN_SIZE,
  FWCTL_INFO_SIZE,
  FWCTL_MAX_DEVICES,
  FWCTL_MAX_RPC_LEN,
  FWCTL_RPC,
  FWCTL_RPC_CONFIGURATION,
  FWCTL_RPC_DEBUG_READ_ONLY,
  FWCTL_RPC_DEBUG_WRITE,
  FWCTL_RPC_DEBUG_WRITE_FULL,
  FWCTL_RPC_MIN_SIZE,
  FWCTL_RPC_SIZE,
  decodeFwctlInfo,
  decodeFwctlRpc,
  encodeFwctlInfo,
  encodeFwctlRpc,
  fwctlIoctls,
  iocNr,
} from '../../protocols/index.js';
import { OpenFiles } from '../char/open-file.js';
import { type UserspaceHandle, userspaceHandleBrand } from '../ownership.js';

export const FWCTL_MODNAME = 'fwctl';

/** One open file's context (struct fwctl_uctx); drivers keep their state in `priv`. */
export interface FwctlUctx {
  readonly fwctl: FwctlDevice;
  readonly file: CharDevFile;
  priv: unknown;
}

/** struct fwctl_ops. Every callback throws DriverModelError for its errno. */
export interface FwctlOps {
  /** enum fwctl_device_type value. */
  readonly deviceType: number;
  /** open_uctx: set up a user context; a throw aborts the open. */
  openUctx(uctx: FwctlUctx): void;
  closeUctx(uctx: FwctlUctx): void;
  /** info: the device data of FWCTL_INFO; absent → the user buffer is zeroed and 0 returned. */
  info?(uctx: FwctlUctx): Uint8Array;
  /**
   * fw_rpc: `outLen` is the caller's out_len; returns the output and the length to report
   * (which may exceed the buffer: the core copies min(out_len, outLen) bytes).
   */
  fwRpc(uctx: FwctlUctx, scope: number, input: Uint8Array, outLen: number): { readonly out: Uint8Array; readonly outLen: number };
}

/** struct fwctl_device: the class device, its ops while registered, its open contexts. */
export class FwctlDevice implements UserspaceHandle {
  readonly [userspaceHandleBrand] = true as const;
  /** Open files while they are attached (fwctl->uctx_list). */
  readonly uctxs: FwctlUctx[] = [];
  /** The node's open files (any number), revoked by fwctl_unregister. */
  readonly files = new OpenFiles({ exclusive: false, label: () => `fwctl: ${this.name}` });
  /** Driver state (the struct that embeds the fwctl_device). */
  priv: unknown;
  registered = false;
  /** True once the last reference went and release ran. */
  released = false;

  constructor(
    readonly device: Device,
    readonly minor: number,
    public ops: FwctlOps | undefined,
  ) {}

  get name(): string {
    return this.device.name;
  }

  /** Ownership (DESIGN.md §3): the first process still attached, else the kernel driver. */
  get holder(): CharDevFile | undefined {
    return this.files.holder;
  }

  readonly idleOwner = 'kernel' as const;
}

/** One ioctl of the table (struct fwctl_ioctl_op). */
interface IoctlOp {
  readonly num: number;
  readonly size: number;
  readonly minSize: number;
  readonly execute: (uctx: FwctlUctx, cmd: Uint8Array, caller: IoctlCaller, userSize: number, arg: bigint) => void;
}

export const IFwctlCore = Symbol.for(`module:${FWCTL_MODNAME}`);

@injectable()
export class FwctlCore implements ModuleEntry {
  /** class fwctl: nodes fwctl/<name>. */
  readonly fwctlClass = new DeviceClass({ name: 'fwctl', devnode: (dev) => ({ name: `fwctl/${dev.name}` }) });
  readonly #ida = new IdAllocator();
  readonly #byMinor = new Map<number, FwctlDevice>();
  #major = 0;
  #region: IDisposable | undefined;
  /** fwctl_tainted: test_and_set once per load of this module. */
  #tainted = false;
  /** Live fwctl_device and fwctl_uctx allocations, for leak checks. */
  #liveDevices = 0;
  #liveUctxs = 0;

  constructor(
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(ICharDevRegistry) private readonly cdevs: CharDevRegistry,
    @inject(ITaint) private readonly taint: Taint,
    @inject(ILogService) private readonly log: ILogService,
  ) {}

  get major(): number {
    return this.#major;
  }

  /** Allocations not yet freed: devices (until their release) and user contexts (until close). */
  get live(): { readonly devices: number; readonly uctxs: number } {
    return { devices: this.#liveDevices, uctxs: this.#liveUctxs };
  }

  /** fwctl_init: alloc_chrdev_region of 4096 minors, then class_register. */
  init(): void {
    this.#major = this.cdevs.allocMajor('fwctl');
    // One cdev range stands for every device's cdev: open files keep counting as this
    // module's even after their device's cdev is gone (cdev.owner = THIS_MODULE).
    this.#region = this.cdevs.add('fwctl', this.#major, 0, FWCTL_MAX_DEVICES, this.#fops, FWCTL_MODNAME);
    try {
      this.buses.classRegister(this.fwctlClass);
    } catch (e) {
      this.#teardownRegion();
      throw e;
    }
  }

  /** fwctl_exit: class_unregister, unregister_chrdev_region. */
  exit(): void {
    this.buses.classUnregister(this.fwctlClass);
    this.#teardownRegion();
  }

  #teardownRegion(): void {
    this.#region?.dispose();
    this.#region = undefined;
    this.cdevs.unregisterMajor(this.#major);
  }

  /**
   * _fwctl_alloc_device: the lowest free index up to 4095 (ENOMEM when none is left), class
   * device `fwctlN` below `parent` with devt (major, N), initialised, not added.
   */
  alloc(parent: Device, ops: FwctlOps): FwctlDevice {
    let minor: number;
    // ida_alloc_max(FWCTL_MAX_DEVICES - 1): no free index means the allocation returns NULL.
    for (minor = 0; minor < FWCTL_MAX_DEVICES && this.#ida.has(minor); minor++);
    if (minor >= FWCTL_MAX_DEVICES) throw kerr('ENOMEM', 'fwctl: no free minor');
    this.#ida.take(minor);
    const device = new Device({ name: `fwctl${minor}`, parent, class: this.fwctlClass, devt: { major: this.#major, minor } });
    const fwctl = new FwctlDevice(device, minor, ops);
    device.driverData = fwctl;
    // fwctl_device_release: the index goes back only when the last reference is dropped.
    device.release = () => {
      this.#ida.free(minor);
      fwctl.released = true;
      this.#liveDevices -= 1;
    };
    this.#liveDevices += 1;
    return fwctl;
  }

  /** fwctl_register: cdev_device_add; on return the node exists and ops may be called. */
  register(fwctl: FwctlDevice): void {
    this.#byMinor.set(fwctl.minor, fwctl);
    try {
      this.core.add(fwctl.device);
    } catch (e) {
      this.#byMinor.delete(fwctl.minor);
      throw e;
    }
    fwctl.registered = true;
  }

  /**
   * fwctl_unregister: cdev_device_del (the node and the device go: `remove` uevent), then under
   * the registration lock close every open user context and clear ops.
   */
  unregister(fwctl: FwctlDevice): void {
    this.#byMinor.delete(fwctl.minor);
    this.core.del(fwctl.device);
    fwctl.registered = false;
    fwctl.files.revoke();
    for (let uctx = fwctl.uctxs.shift(); uctx; uctx = fwctl.uctxs.shift()) fwctl.ops?.closeUctx(uctx);
    fwctl.ops = undefined;
  }

  /** fwctl_put: drop the driver's reference (the allocation's). */
  put(fwctl: FwctlDevice): void {
    this.core.put(fwctl.device);
  }

  /**
   * What every fwctl driver's probe does after fwctl_alloc_device: fwctl_register, and on failure
   * the `__free(fwctl)` cleanup drops the allocation's reference before the error returns.
   */
  registerOrPut(fwctl: FwctlDevice): void {
    try {
      this.register(fwctl);
    } catch (e) {
      this.put(fwctl);
      throw e;
    }
  }

  /** What every fwctl driver's remove does: fwctl_unregister, then fwctl_put. */
  unregisterAndPut(fwctl: FwctlDevice): void {
    this.unregister(fwctl);
    this.put(fwctl);
  }

  readonly #ioctlOps: readonly IoctlOp[] = [
    { num: FWCTL_INFO, size: FWCTL_INFO_SIZE, minSize: FWCTL_INFO_MIN_SIZE, execute: (u, c, who, us, arg) => this.#cmdInfo(u, c, who, us, arg) },
    { num: FWCTL_RPC, size: FWCTL_RPC_SIZE, minSize: FWCTL_RPC_MIN_SIZE, execute: (u, c, who, us, arg) => this.#cmdRpc(u, c, who, us, arg) },
  ];

  readonly #fops: FileOperations = {
    /** fwctl_fops_open: ENODEV once unregistered; the driver's open_uctx may refuse. */
    open: (file) => {
      const fwctl = this.#byMinor.get(file.devt.minor);
      if (!fwctl?.ops) throw kerr('ENODEV', `fwctl: minor ${file.devt.minor} is not registered`);
      fwctl.files.checkLive();
      const uctx: FwctlUctx = { fwctl, file, priv: undefined };
      fwctl.ops.openUctx(uctx);
      fwctl.files.attach(file);
      fwctl.uctxs.push(uctx);
      this.core.get(fwctl.device);
      this.#liveUctxs += 1;
      file.privateData = uctx;
    },
    /** fwctl_fops_release: detach (if still registered), free, drop the device reference. */
    release: (file) => {
      const uctx = file.privateData as FwctlUctx | undefined;
      if (!uctx) return;
      const fwctl = uctx.fwctl;
      fwctl.files.detach(file);
      if (fwctl.ops) {
        const i = fwctl.uctxs.indexOf(uctx);
        if (i >= 0) fwctl.uctxs.splice(i, 1);
        fwctl.ops.closeUctx(uctx);
      }
      file.privateData = undefined;
      this.#liveUctxs -= 1;
      this.core.put(fwctl.device);
    },
    /**
     * fwctl_fops_ioctl: the table by _IOC_NR (unknown or mismatched number → ENOIOCTLCMD),
     * the u32 size, size < min → EINVAL, copy_struct_from_user (E2BIG), then ENODEV when the
     * driver has gone, then the command.
     */
    ioctl: (file, cmd, arg, caller) => {
      const uctx = file.privateData as FwctlUctx;
      const num = typeof cmd === 'number' ? cmd : (fwctlIoctls as Record<string, number>)[cmd];
      if (num === undefined) throw kerr('ENOIOCTLCMD', `fwctl: unknown ioctl ${String(cmd)}`);
      const index = iocNr(num) - FWCTL_CMD_BASE;
      const op = this.#ioctlOps[index];
      if (!op || op.num !== num) throw kerr('ENOIOCTLCMD', `fwctl: unknown ioctl 0x${num.toString(16)}`);
      if (!caller) throw kerr('EFAULT', 'fwctl: ioctl without a user address space');
      const ubuf = userPtr(arg);
      const userSize = getUserU32(caller.mem, ubuf);
      if (userSize < op.minSize) throw kerr('EINVAL', `fwctl: struct size ${userSize} below ${op.minSize}`);
      const buf = copyStructFromUser(caller.mem, op.size, ubuf, userSize);
      if (!uctx.fwctl.ops) throw kerr('ENODEV', `fwctl: ${uctx.fwctl.name} has been unregistered`);
      op.execute(uctx, buf, caller, userSize, ubuf);
      return 0;
    },
  };

  /** ucmd_respond: the struct back, min(user size, kernel size) bytes. */
  #respond(caller: IoctlCaller, ubuf: bigint, userSize: number, cmd: Uint8Array): void {
    copyToUser(caller.mem, ubuf, cmd.subarray(0, Math.min(userSize, cmd.length)));
  }

  /** fwctl_cmd_info. */
  #cmdInfo(uctx: FwctlUctx, raw: Uint8Array, caller: IoctlCaller, userSize: number, ubuf: bigint): void {
    const ops = uctx.fwctl.ops!;
    const cmd = decodeFwctlInfo(raw);
    if (cmd.flags !== 0) throw kerr('EOPNOTSUPP', `fwctl: FWCTL_INFO flags 0x${cmd.flags.toString(16)}`);
    let driverInfoLen = 0;
    if (!ops.info && cmd.deviceDataLen) {
      clearUser(caller.mem, cmd.outDeviceData, cmd.deviceDataLen);
    } else if (cmd.deviceDataLen) {
      const info = ops.info!(uctx);
      driverInfoLen = info.length;
      // copy_to_user_zero_pad: min of the two lengths, the rest of the user buffer zeroed.
      const n = Math.min(info.length, cmd.deviceDataLen);
      copyToUser(caller.mem, cmd.outDeviceData, info.subarray(0, n));
      if (n < cmd.deviceDataLen) clearUser(caller.mem, cmd.outDeviceData + BigInt(n), cmd.deviceDataLen - n);
    }
    cmd.outDeviceType = ops.deviceType;
    cmd.deviceDataLen = driverInfoLen;
    this.#respond(caller, ubuf, userSize, encodeFwctlInfo(cmd));
  }

  /**
   * fwctl_cmd_rpc, in order: lengths (EMSGSIZE), scope (EPERM without CAP_SYS_RAWIO for
   * DEBUG_WRITE_FULL; the taint before the driver sees the request; EOPNOTSUPP for an unknown
   * scope), copy in, the driver, copy out min(out_len, driver's), out_len = driver's.
   */
  #cmdRpc(uctx: FwctlUctx, raw: Uint8Array, caller: IoctlCaller, userSize: number, ubuf: bigint): void {
    const fwctl = uctx.fwctl;
    const cmd = decodeFwctlRpc(raw);
    if (cmd.inLen > FWCTL_MAX_RPC_LEN || cmd.outLen > FWCTL_MAX_RPC_LEN) {
      throw kerr('EMSGSIZE', `fwctl: RPC lengths ${cmd.inLen}/${cmd.outLen} above 2 MiB`);
    }
    switch (cmd.scope) {
      case FWCTL_RPC_CONFIGURATION:
      case FWCTL_RPC_DEBUG_READ_ONLY:
        break;
      case FWCTL_RPC_DEBUG_WRITE_FULL:
      case FWCTL_RPC_DEBUG_WRITE:
        if (cmd.scope === FWCTL_RPC_DEBUG_WRITE_FULL && !caller.capable('CAP_SYS_RAWIO')) {
          throw kerr('EPERM', 'fwctl: FWCTL_RPC_DEBUG_WRITE_FULL needs CAP_SYS_RAWIO');
        }
        if (!this.#tainted) {
          this.#tainted = true;
          this.log.log(
            'warning',
            'kernel',
            `fwctl ${fwctl.name}: ${caller.comm}(${caller.pid}): has requested full access to the physical device device`,
          );
          this.taint.add('FWCTL');
        }
        break;
      default:
        throw kerr('EOPNOTSUPP', `fwctl: unknown RPC scope ${cmd.scope}`);
    }
    const input = new Uint8Array(cmd.inLen);
    input.set(copyFromUser(caller.mem, cmd.in, cmd.inLen));
    const r = fwctl.ops!.fwRpc(uctx, cmd.scope, input, cmd.outLen);
    copyToUser(caller.mem, cmd.out, r.out.subarray(0, Math.min(cmd.outLen, r.outLen, r.out.length)));
    cmd.outLen = r.outLen;
    this.#respond(caller, ubuf, userSize, encodeFwctlRpc(cmd));
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#ida, this.#byMinor, this.#major, this.#region, this.#tainted, this.#liveDevices, this.#liveUctxs, this.#ioctlOps, this.#fops];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#major = v[2] as never;
    this.#region = v[3] as never;
    this.#tainted = v[4] as never;
    this.#liveDevices = v[5] as never;
    this.#liveUctxs = v[6] as never;
  }
}

export const fwctlModuleInfo = defineModule(
  {
    name: FWCTL_MODNAME,
    description: 'fwctl device firmware access framework',
  },
  FwctlCore,
);
