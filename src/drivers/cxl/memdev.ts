/**
 * The CXL core's memory-device side (drivers/cxl/core/memdev.c, port.c's bus, mbox.c's
 * userspace path), module `cxl_core`: bus `cxl`, a dynamic char major with CXL_MEM_MAX_DEVS
 * minors, and one memdev `memN` per CXL memory device that cxl_pci registers
 * (devm_cxl_add_memdev): a device on the `cxl` bus below the PCI function, DEVTYPE
 * `cxl_memdev`, MODALIAS `cxl:t5`, node `/dev/cxl/memN` (0600 root:root), N from an IDA.
 *
 * The file's ioctls (cxl_memdev_ioctl → __cxl_memdev_ioctl):
 * - CXL_MEM_QUERY_COMMANDS: n_commands 0 → the table's size (CXL_MEM_COMMAND_ID_MAX);
 *   otherwise that many cxl_command_info entries, in table order (unused ids as zeros), with
 *   ENABLED for commands the CEL enabled and EXCLUSIVE for those the kernel claimed.
 * - CXL_MEM_SEND_COMMAND: cxl_validate_cmd_from_user (mbox.ts: ENOTTY, EINVAL, EPERM, EBUSY,
 *   ENOMEM in the kernel's order; a permitted raw command fires dev_WARN_ONCE "raw command path
 *   used" — taint `W`, once per boot), then the mailbox; a device error is no ioctl error: the
 *   ioctl returns 0 with `retval` the return code and `out.size` the buffer size; otherwise
 *   `out.size` is what came back and that many bytes are copied to `out.payload`.
 * - anything else ENOTTY.
 * Once the memdev is unregistered (cxl_pci unbinds, the function goes) an open file stays
 * open but every ioctl answers ENXIO (cxl_memdev_shutdown cleared cxlds); close works and the
 * memdev's id is freed at the last put. Opening a minor with no memdev → ENXIO (no cdev).
 *
 * Not modelled: the cxl_mem driver (the memdev stays unbound: no ports, decoders, regions),
 * the memdev's other attributes (ram/, pmem/, security/, firmware upload), the event and poison
 * ioctls, `raw_allow_all` in debugfs (a property here), CONFIG_CXL_MEM_RAW_COMMANDS (a property,
 * off as in Debian's configuration).
 */
import { inject, injectable } from 'inversify';
import { IdAllocator, type IDisposable, ILogService, kerr } from '../../base/index.js';
import {
  BusRegistry,
  BusType,
  CharDevRegistry,
  Device,
  DeviceCore,
  type DeviceType,
  type FileOperations,
  IBusRegistry,
  ICharDevRegistry,
  IDeviceCore,
  ILockdown,
  type IoctlCaller,
  ITaint,
  type Lockdown,
  type ModuleEntry,
  type Taint,
  attrRO,
  copyFromUser,
  copyToUser,
  defineModule,
  devmAddAction,
  getUserU32,
  userPtr,
} from '../../bus/index.js';
import {
  CXL_COMMAND_INFO_SIZE,
  CXL_MEM_COMMAND_FLAG_ENABLED,
  CXL_MEM_COMMAND_FLAG_EXCLUSIVE,
  CXL_MEM_QUERY_COMMANDS,
  CXL_MEM_SEND_COMMAND,
  CXL_SEND_COMMAND_SIZE,
  CXL_VARIABLE_PAYLOAD,
  cxlMemIoctls,
  decodeCxlSendCommand,
  encodeCxlCommandInfo,
  encodeCxlSendCommand,
} from '../../protocols/index.js';
import type { PciDevice } from '../../pci/index.js';
import {
  type CxlMailbox,
  CXL_MEM_COMMAND_ID_MAX,
  CXL_MEM_COMMAND_ID_RAW,
  type CxlRawPolicy,
  cxlMemCommands,
  cxlValidateSendCommand,
} from './mbox.js';

export const CXL_CORE_MODNAME = 'cxl_core';
export const ICxlCore = Symbol.for(`module:${CXL_CORE_MODNAME}`);
/** CXL_MEM_MAX_DEVS. */
export const CXL_MEM_MAX_DEVS = 65536;
/** CXL_DEVICE_MEMORY_EXPANDER: the memdev's cxl_device_id, MODALIAS cxl:t5. */
const CXL_DEVICE_MEMORY_EXPANDER = 5;

/** struct cxl_memdev with what it reaches of struct cxl_dev_state. */
export class CxlMemdev {
  /** cxlmd->cxlds: cleared by cxl_memdev_shutdown, after which ioctls answer ENXIO. */
  mbox: CxlMailbox | undefined;
  /** Command opcodes claimed for the kernel's exclusive use (exclusive_cmds). */
  readonly exclusive = new Set<number>();
  constructor(
    readonly device: Device,
    readonly pdev: PciDevice,
    mbox: CxlMailbox,
  ) {
    this.mbox = mbox;
  }

  get name(): string {
    return this.device.name;
  }
}

const memdevAttrs = {
  // payload_max_show: "%zu\n" of the mailbox payload size.
  payloadMax: attrRO<Device>('payload_max', (dev) => `${(dev.driverData as CxlMemdev).mbox?.payloadSize ?? 0}\n`),
};

@injectable()
export class CxlCoreModule implements ModuleEntry {
  /** cxl_bus_type: MODALIAS=cxl:t<id>; no driver of it is modelled. */
  readonly bus = new BusType({
    name: 'cxl',
    uevent: (_dev, env) => env.add('MODALIAS', `cxl:t${CXL_DEVICE_MEMORY_EXPANDER}`),
  });
  /** cxl_memdev_type: DEVTYPE cxl_memdev, node cxl/memN. */
  readonly memdevType: DeviceType = {
    name: 'cxl_memdev',
    devnode: (dev) => ({ name: `cxl/${dev.name}` }),
    groups: [{ attrs: [memdevAttrs.payloadMax] }],
  };
  /** CONFIG_CXL_MEM_RAW_COMMANDS (Debian: not set) and debugfs cxl/mbox/raw_allow_all. */
  rawCommandsBuiltIn = false;
  rawAllowAll = false;
  readonly #ida = new IdAllocator();
  readonly #byMinor = new Map<number, CxlMemdev>();
  #major = 0;
  #region: IDisposable | undefined;
  /** dev_WARN_ONCE's static flag in cxl_to_mem_cmd_raw. */
  #rawWarned = false;
  /** Live memdev allocations, for leak checks. */
  #live = 0;

  constructor(
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(ICharDevRegistry) private readonly cdevs: CharDevRegistry,
    @inject(ITaint) private readonly taint: Taint,
    @inject(ILockdown) private readonly lockdown: Lockdown,
    @inject(ILogService) private readonly log: ILogService,
  ) {}

  get live(): number {
    return this.#live;
  }

  get memdevs(): CxlMemdev[] {
    return [...this.#byMinor.values()];
  }

  /** cxl_core_init: cxl_memdev_init (the char region), then the bus. */
  init(): void {
    this.#major = this.cdevs.allocMajor('cxl');
    this.#region = this.cdevs.add('cxl', this.#major, 0, CXL_MEM_MAX_DEVS, this.#fops, CXL_CORE_MODNAME);
    this.buses.busRegister(this.bus);
  }

  exit(): void {
    this.buses.busUnregister(this.bus);
    this.#region?.dispose();
    this.#region = undefined;
    this.cdevs.unregisterMajor(this.#major);
  }

  /**
   * devm_cxl_add_memdev: `memN` (lowest free id) below `pdev` with devt (major, N), added
   * (`add` uevent, node); undone when the parent's driver unbinds: shutdown (ioctls ENXIO),
   * cdev_device_del (`remove`, node gone), and the id freed at the last reference.
   */
  devmAddMemdev(pdev: PciDevice, mbox: CxlMailbox): CxlMemdev {
    const id = this.#ida.alloc();
    const device = new Device({ name: `mem${id}`, parent: pdev, bus: this.bus, type: this.memdevType, devt: { major: this.#major, minor: id } });
    const cxlmd = new CxlMemdev(device, pdev, mbox);
    device.driverData = cxlmd;
    device.release = () => {
      this.#ida.free(id);
      this.#live -= 1;
    };
    this.#live += 1;
    this.#byMinor.set(id, cxlmd);
    try {
      this.core.add(device);
    } catch (e) {
      this.#byMinor.delete(id);
      this.core.put(device);
      throw e;
    }
    devmAddAction(pdev, `cxl_memdev_unregister ${device.name}`, () => {
      // cxl_memdev_shutdown, then cdev_device_del and put_device.
      cxlmd.mbox = undefined;
      this.#byMinor.delete(id);
      this.core.unregister(device);
    });
    return cxlmd;
  }

  #policy(): CxlRawPolicy {
    return {
      rawCommandsBuiltIn: this.rawCommandsBuiltIn,
      // security_locked_down(LOCKDOWN_PCI_ACCESS)
      lockedDown: this.lockdown.isLockedDown('PCI_ACCESS'),
      rawAllowAll: this.rawAllowAll,
    };
  }

  readonly #fops: FileOperations = {
    /** cxl_memdev_open: a reference on the memdev; no memdev at this minor → ENXIO (chrdev_open). */
    open: (file) => {
      const cxlmd = this.#byMinor.get(file.devt.minor);
      if (!cxlmd) throw kerr('ENXIO', `cxl: no memdev at minor ${file.devt.minor}`);
      this.core.get(cxlmd.device);
      file.privateData = cxlmd;
    },
    release: (file) => {
      const cxlmd = file.privateData as CxlMemdev | undefined;
      if (!cxlmd) return;
      file.privateData = undefined;
      this.core.put(cxlmd.device);
    },
    /** cxl_memdev_ioctl: ENXIO once shut down, then the two commands, ENOTTY for any other. */
    ioctl: (file, cmd, arg, caller) => {
      const cxlmd = file.privateData as CxlMemdev;
      const num = typeof cmd === 'number' ? cmd : (cxlMemIoctls as Record<string, number>)[cmd];
      const mbox = cxlmd.mbox;
      if (!mbox) throw kerr('ENXIO', `cxl ${cxlmd.name}: memdev is shut down`);
      if (num !== CXL_MEM_QUERY_COMMANDS && num !== CXL_MEM_SEND_COMMAND) throw kerr('ENOTTY', `cxl: unknown ioctl ${String(cmd)}`);
      if (!caller) throw kerr('EFAULT', 'cxl: ioctl without a user address space');
      if (num === CXL_MEM_QUERY_COMMANDS) this.#queryCmd(cxlmd, mbox, caller, userPtr(arg));
      else this.#sendCmd(cxlmd, mbox, caller, userPtr(arg));
      return 0;
    },
  };

  /** cxl_query_cmd. */
  #queryCmd(cxlmd: CxlMemdev, mbox: CxlMailbox, caller: IoctlCaller, q: bigint): void {
    const n = getUserU32(caller.mem, q);
    if (n === 0) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, CXL_MEM_COMMAND_ID_MAX, true);
      copyToUser(caller.mem, q, b);
      return;
    }
    for (let id = 0, j = 0; id < CXL_MEM_COMMAND_ID_MAX; id++) {
      const info = this.#commandInfo(id);
      let flags = 0;
      const c = cxlMemCommands.find((x) => x.id === info.id);
      if (c && mbox.enabledCmds.has(c.opcode)) flags |= CXL_MEM_COMMAND_FLAG_ENABLED;
      if (c && cxlmd.exclusive.has(c.opcode)) flags |= CXL_MEM_COMMAND_FLAG_EXCLUSIVE;
      copyToUser(caller.mem, q + 8n + BigInt(j * CXL_COMMAND_INFO_SIZE), encodeCxlCommandInfo({ ...info, flags }));
      if (++j === n) break;
    }
  }

  /** cxl_mem_commands[id].info: zeros for an id the table does not fill (RAW only when built in). */
  #commandInfo(id: number): { id: number; sizeIn: number; sizeOut: number } {
    if (id === CXL_MEM_COMMAND_ID_RAW) {
      return this.rawCommandsBuiltIn ? { id, sizeIn: CXL_VARIABLE_PAYLOAD, sizeOut: CXL_VARIABLE_PAYLOAD } : { id: 0, sizeIn: 0, sizeOut: 0 };
    }
    const c = cxlMemCommands.find((x) => x.id === id);
    if (!c) return { id: 0, sizeIn: 0, sizeOut: 0 };
    const size = (v: number) => (v < 0 ? CXL_VARIABLE_PAYLOAD : v);
    return { id, sizeIn: size(c.sizeIn), sizeOut: size(c.sizeOut) };
  }

  /**
   * cxl_send_cmd: copy in, validate (the raw warning once), send, copy the payload and the
   * struct back. The input payload is copied only when in.size > 0 (EFAULT otherwise never).
   */
  #sendCmd(cxlmd: CxlMemdev, mbox: CxlMailbox, caller: IoctlCaller, s: bigint): void {
    const send = decodeCxlSendCommand(copyFromUser(caller.mem, s, CXL_SEND_COMMAND_SIZE));
    // Everything up to the copy of the input is checked first (cxl_validate_cmd_from_user).
    const probe = { ...send, input: undefined };
    const checked = cxlValidateSendCommand(mbox, probe, this.#policy(), cxlmd.exclusive);
    if (checked.raw && !this.#rawWarned) {
      // dev_WARN_ONCE(cxl_mbox->host, true, "raw command path used\n"): the host is the PCI function.
      this.#rawWarned = true;
      this.log.log('warning', 'kernel', `cxl_pci ${cxlmd.pdev.name}: raw command path used`);
      this.taint.add('WARN');
    }
    const input = send.inSize > 0 ? copyFromUser(caller.mem, send.inPayload, send.inSize) : new Uint8Array(0);
    // cxl_mbox_cmd_ctor: the payload checks (EBUSY) on the copied input.
    const cmd = send.inSize > 0 ? cxlValidateSendCommand(mbox, { ...send, input }, this.#policy(), cxlmd.exclusive) : checked;
    // __cxl_pci_mbox_send_cmd: a device error completes the command; only its return code tells.
    const reply = mbox.device.exec(cmd.opcode, input);
    let sizeOut = cmd.sizeOut;
    let out = new Uint8Array(sizeOut);
    if (reply.rc === 0 || reply.rc === 1) {
      sizeOut = Math.min(cmd.sizeOut, mbox.payloadSize, reply.out.length);
      out = reply.out.slice(0, sizeOut);
    }
    // handle_mailbox_cmd_from_user: n never exceeds out.size (the size it was asked for), so its
    // "Invalid return size" warning cannot fire here.
    if (sizeOut) copyToUser(caller.mem, send.outPayload, out);
    send.outSize = sizeOut;
    send.retval = reply.rc;
    copyToUser(caller.mem, s, encodeCxlSendCommand(send));
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#ida, this.#byMinor, this.#major, this.#region, this.#rawWarned, this.#live, this.#fops];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#major = v[2] as never;
    this.#region = v[3] as never;
    this.#rawWarned = v[4] as never;
    this.#live = v[5] as never;
  }
}

export const cxlCoreModuleInfo = defineModule(
  {
    name: CXL_CORE_MODNAME,
    description: 'CXL core: bus cxl, memory devices and their mailbox ioctls',
  },
  CxlCoreModule,
);
