/**
 * ib_core's device registry (drivers/infiniband/core/device.c, sysfs.c): module `ib_core`, class
 * `infiniband`, ib_register_device / ib_unregister_device and the client list (ib_uverbs is one).
 *
 * Orders (device.c `ib_register_device`, since "RDMA/device: Don't fire uevent before device is
 * fully initialized", e7a5b4aafd82): the device is added with its uevent suppressed, every
 * client's add() runs (ib_uverbs adds `uverbsN`, with its own `add` uevent), and only then the
 * device's `add` uevent is sent. Unregister (`__ib_unregister_device` → `disable_device`): the
 * clients' remove() in reverse registration order, then device_del (`remove`).
 * Names: a pattern "mlx5_%d" takes the lowest free number (`assign_name`); EEXIST for a taken
 * fixed name.
 */
import { injectable, inject } from 'inversify';
import { kerr } from '../../base/index.js';
import {
  type AttributeGroup,
  BusRegistry,
  Device,
  DeviceClass,
  DeviceCore,
  IBusRegistry,
  IDeviceCore,
  IKobjectUevent,
  type KobjectUevent,
  type ModuleEntry,
  attrRO,
  defineModule,
} from '../../bus/index.js';

export const IB_CORE_MODNAME = 'ib_core';
export const IIbCore = Symbol.for(`module:${IB_CORE_MODNAME}`);

/** One port's state as ib_port_attr reports it (sysfs.c port attributes). */
export interface IbPortAttrs {
  /** IB_PORT_* state: 1 DOWN, 4 ACTIVE. */
  readonly state: number;
  /** Physical state: 3 Disabled, 5 LinkUp. */
  readonly physState: number;
  readonly linkLayer: 'InfiniBand' | 'Ethernet';
  /** GID table entry 0 (the link-local GID), 16 bytes. */
  readonly gid0: Uint8Array;
}

/** What a driver fills in (struct ib_device + its ops' query results). */
export interface IbDeviceSetup {
  /** A name or a pattern with %d ("mlx5_%d"). */
  readonly name: string;
  /** dma_device / parent: the PCI function. */
  readonly parent: Device;
  readonly nodeGuid: bigint;
  readonly sysImageGuid: bigint;
  readonly fwVer: string;
  readonly hcaType: string;
  readonly boardId: string;
  readonly ports: readonly IbPortAttrs[];
  /** ops.uverbs_abi_ver (MLX5_IB_UVERBS_ABI_VERSION = 1). */
  readonly uverbsAbiVer: number;
  /** ops.disassociate_ucontext present: unregister never waits for user files. */
  readonly canDisassociate: boolean;
}

export class IbDevice extends Device {
  /** Cleared by ib_unregister_device: clients must stop using it. */
  registered = false;
  constructor(readonly setup: IbDeviceSetup) {
    super({ name: setup.name, parent: setup.parent });
  }
}

/** struct ib_client: add/remove per device. */
export interface IbClient {
  readonly name: string;
  add(dev: IbDevice): void;
  remove(dev: IbDevice): void;
}

/** "%04x:%04x:%04x:%04x" of a big-endian 64-bit GUID. */
export function formatGuid(guid: bigint): string {
  const h = guid.toString(16).padStart(16, '0');
  return `${h.slice(0, 4)}:${h.slice(4, 8)}:${h.slice(8, 12)}:${h.slice(12, 16)}`;
}

/** A GID as sysfs prints it: eight groups of four hex digits. */
export function formatGid(gid: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((gid[i]! << 8) | gid[i + 1]!).toString(16).padStart(4, '0'));
  return parts.join(':');
}

function ibdev(dev: Device): IbDevice {
  if (!(dev instanceof IbDevice)) throw kerr('ENODEV', `${dev.name}: not an RDMA device`);
  return dev;
}

const portStates = ['NOP', 'DOWN', 'INIT', 'ARMED', 'ACTIVE', 'ACTIVE_DEFER'];
const physStates = ['<unknown>', 'Sleep', 'Polling', 'Disabled', 'PortConfigurationTraining', 'LinkUp', 'LinkErrorRecovery', 'Phy Test'];

/** ib_dev_attrs plus one `ports/<n>` group per port (sysfs.c `setup_port`). */
function ibDeviceGroups(portCount: number): AttributeGroup<Device>[] {
  const groups: AttributeGroup<Device>[] = [
    {
      attrs: [
        attrRO('node_type', () => '1: CA\n'),
        attrRO('node_guid', (d) => `${formatGuid(ibdev(d).setup.nodeGuid)}\n`),
        attrRO('sys_image_guid', (d) => `${formatGuid(ibdev(d).setup.sysImageGuid)}\n`),
        attrRO('fw_ver', (d) => `${ibdev(d).setup.fwVer}\n`),
        attrRO('hca_type', (d) => `${ibdev(d).setup.hcaType}\n`),
        attrRO('board_id', (d) => `${ibdev(d).setup.boardId}\n`),
        attrRO('hw_rev', () => '0x0\n'),
      ],
    },
  ];
  for (let n = 1; n <= portCount; n++) {
    const port = (d: Device) => ibdev(d).setup.ports[n - 1]!;
    groups.push({
      name: `ports/${n}`,
      attrs: [
        attrRO('state', (d) => `${port(d).state}: ${portStates[port(d).state] ?? 'UNKNOWN'}\n`),
        attrRO('phys_state', (d) => `${port(d).physState}: ${physStates[port(d).physState] ?? '<unknown>'}\n`),
        attrRO('link_layer', (d) => `${port(d).linkLayer}\n`),
        attrRO('lid', () => '0x0\n'),
        attrRO('sm_lid', () => '0x0\n'),
        attrRO('lid_mask_count', () => '0\n'),
        attrRO('sm_sl', () => '0\n'),
      ],
    });
    groups.push({ name: `ports/${n}/gids`, attrs: [attrRO('0', (d) => `${formatGid(port(d).gid0)}\n`)] });
  }
  return groups;
}

@injectable()
export class IbCore implements ModuleEntry {
  /** class `infiniband` (ib_class). */
  readonly ibClass = new DeviceClass({ name: 'infiniband' });
  readonly #clients: IbClient[] = [];

  constructor(
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(IKobjectUevent) private readonly uevent: KobjectUevent,
  ) {}

  /** ib_core_init: the class. */
  init(): void {
    this.buses.classRegister(this.ibClass);
  }

  exit(): void {
    this.buses.classUnregister(this.ibClass);
  }

  get devices(): IbDevice[] {
    return this.ibClass.devices.filter((d): d is IbDevice => d instanceof IbDevice);
  }

  /** ib_register_client: add() for every registered device. */
  registerClient(client: IbClient): void {
    this.#clients.push(client);
    for (const dev of this.devices) if (dev.registered) client.add(dev);
  }

  /** ib_unregister_client: remove() for every registered device. */
  unregisterClient(client: IbClient): void {
    const i = this.#clients.indexOf(client);
    if (i < 0) return;
    for (const dev of [...this.devices].reverse()) if (dev.registered) client.remove(dev);
    this.#clients.splice(i, 1);
  }

  /**
   * ib_register_device: name, device_add with the uevent suppressed, the clients' add(), then
   * the `add` uevent. @throws {DriverModelError} EEXIST for a taken fixed name; ENFILE.
   */
  registerDevice(dev: IbDevice): void {
    dev.name = this.#assignName(dev.name);
    dev.class = this.ibClass;
    dev.groups.push(...ibDeviceGroups(dev.setup.ports.length));
    dev.p.ueventSuppress = true;
    this.core.add(dev);
    dev.registered = true;
    for (const client of this.#clients) client.add(dev);
    dev.p.ueventSuppress = false;
    this.uevent.sendDevice(dev, 'add');
  }

  /** ib_unregister_device: clients removed in reverse order, then device_del. */
  unregisterDevice(dev: IbDevice): void {
    if (!dev.registered) return;
    dev.registered = false;
    for (const client of [...this.#clients].reverse()) client.remove(dev);
    this.core.unregister(dev);
  }

  /**
   * assign_name / alloc_name: a fixed name must be free; a %d pattern takes the lowest number
   * no registered device uses, as alloc_name finds it (its walk over the devices filling an ida).
   */
  #assignName(pattern: string): string {
    const taken = (name: string) => this.ibClass.findDevice(name) instanceof IbDevice;
    if (!pattern.includes('%d')) {
      if (taken(pattern)) throw kerr('EEXIST', `${pattern}: RDMA device name in use`);
      return pattern;
    }
    const at = pattern.indexOf('%d');
    const prefix = pattern.slice(0, at);
    const suffix = pattern.slice(at + 2);
    // The class finds the lowest free number from its name index (class-names.ts), not a walk.
    const i = this.ibClass.lowestFreeNumber(prefix, suffix, 1 << 16, taken);
    if (i === undefined) throw kerr('ENFILE', `${pattern}: no free name`);
    return pattern.replace('%d', String(i));
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#clients];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

export const ibCoreModuleInfo = defineModule({ name: IB_CORE_MODNAME, description: 'core kernel InfiniBand API' }, IbCore);
