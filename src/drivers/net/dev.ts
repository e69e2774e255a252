/**
 * The network core's device registry (net/core/dev.c), the model's twin of register_netdev,
 * unregister_netdev and dev_change_name, with the class `net` (net-sysfs.c) registered at boot.
 *
 * - ifindex: handed out in increasing order and never reused (dev_index_reserve allocates
 *   cyclically from the last index). The loopback interface `lo` is not modelled as a device,
 *   but holds ifindex 1 as it does on every Linux system, so the first interface gets 2.
 * - Names: a pattern with %d ("eth%d") takes the lowest free number (dev_alloc_name → NET_NAME_ENUM);
 *   an unregistered interface frees its name at once.
 * - Rename (dev_change_name, reached from udev's NAME= through rtnl_set_link_name): an interface
 *   that is up cannot be renamed (EBUSY); dev_valid_name refuses "", ".", "..", names of 16
 *   bytes or more and names with '/', ':' or white space (EINVAL); a taken name is EEXIST; the
 *   new name_assign_type is NET_NAME_RENAMED; device_rename sends the `move` uevent.
 */
import { inject, injectable } from 'inversify';
import { ILogService, kerr } from '../../base/index.js';
import {
  BusRegistry,
  DeviceClass,
  DeviceCore,
  IBusRegistry,
  IDeviceCore,
  type IKobjectUevent,
  IKobjectUevent as IKobjectUeventId,
} from '../../bus/index.js';
import { ONLINE_CPUS } from '../../pci/index.js';
import { registerQueueKobjects, removeQueueKobjects } from './net-queues.js';
import { NetDevice, netNameAssign } from './netdevice.js';
import { netClassGroups, netdevUevent } from './net-sysfs.js';

export const INetCore = Symbol.for('INetCore');

/** IFNAMSIZ: names hold at most 15 bytes. */
export const IFNAMSIZ = 16;

/** The first ifindex a modelled interface gets (1 is the loopback's). */
export const FIRST_IFINDEX = 2;

@injectable()
export class NetCore {
  /** class `net` (net_class): INTERFACE/IFINDEX uevents, the attributes of net-sysfs.c. */
  readonly netClass = new DeviceClass({ name: 'net', devGroups: netClassGroups, devUevent: netdevUevent });
  #nextIfindex = FIRST_IFINDEX;
  /** Registered interfaces by ifindex (never reused); an entry counts while its device is in the class. */
  readonly #byIfindex = new Map<number, NetDevice>();
  #initialized = false;

  constructor(
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(ILogService) private readonly log: ILogService,
    @inject(IKobjectUeventId) private readonly uevent: IKobjectUevent,
  ) {}

  /** net_dev_init / netdev_kobject_init: the class exists from boot. */
  init(): void {
    if (this.#initialized) return;
    this.#initialized = true;
    this.buses.classRegister(this.netClass);
  }

  /** Registered interfaces in registration order. */
  get devices(): NetDevice[] {
    return this.netClass.devices.filter((d): d is NetDevice => d instanceof NetDevice);
  }

  byIfindex(ifindex: number): NetDevice | undefined {
    const dev = this.#byIfindex.get(ifindex);
    return dev && dev.ifindex === ifindex && this.netClass.devices.has(dev) ? dev : undefined;
  }

  byName(name: string): NetDevice | undefined {
    const dev = this.netClass.findDevice(name);
    return dev instanceof NetDevice ? dev : undefined;
  }

  /**
   * register_netdev: the name (a %d pattern takes the lowest free number), the next ifindex,
   * then device_add of the class device below its parent (uevent `add`).
   * @throws {DriverModelError} EINVAL for an invalid name; EEXIST when a fixed name is taken;
   *   ENFILE when a pattern has no free number.
   */
  register(dev: NetDevice): void {
    if (dev.name.includes('%')) {
      dev.name = this.#allocName(dev.name);
      dev.nameAssignType = netNameAssign.ENUM;
    } else {
      validName(dev.name);
      if (this.byName(dev.name)) throw kerr('EEXIST', `${dev.name}: name in use`);
      if (dev.nameAssignType === netNameAssign.UNKNOWN) dev.nameAssignType = netNameAssign.PREDICTABLE;
    }
    dev.class = this.netClass;
    dev.ifindex = this.#nextIfindex++;
    this.#byIfindex.set(dev.ifindex, dev);
    // netdev_register_kobject: device_add, then the queue kobjects (net-queues.ts).
    this.core.add(dev);
    const s = dev.setup;
    registerQueueKobjects(dev, this.uevent, { rx: s.rxQueues ?? 1, tx: s.txQueues ?? 1, numTx: s.numTxQueues ?? s.txQueues ?? 1, cpus: ONLINE_CPUS });
  }

  /** unregister_netdev: device_del (uevent `remove`); the name is free at once, the ifindex never again. */
  unregister(dev: NetDevice): void {
    dev.unregistering = true;
    dev.flags &= ~0x1;
    // netdev_unregister_kobject: the queues, then device_del.
    removeQueueKobjects(dev, this.uevent);
    this.core.unregister(dev);
    if (this.#byIfindex.get(dev.ifindex) === dev) this.#byIfindex.delete(dev.ifindex);
  }

  /**
   * dev_change_name.
   * @throws {DriverModelError} ENODEV for an unknown ifindex; EBUSY while up; EINVAL for an
   *   invalid name; EEXIST when taken.
   */
  changeName(dev: NetDevice, newName: string): void {
    if (dev.isUp) throw kerr('EBUSY', `${dev.name}: interface is up`);
    if (newName === dev.name) return;
    let name = newName;
    if (name.includes('%')) name = this.#allocName(name);
    else {
      validName(name);
      if (this.byName(name)) throw kerr('EEXIST', `${name}: name in use`);
    }
    const old = dev.name;
    this.core.rename(dev, name);
    dev.nameAssignType = netNameAssign.RENAMED;
    this.log.log('info', 'kernel', `${dev.setup.parent.bus?.name ?? 'net'} ${dev.setup.parent.name} ${name}: renamed from ${old}`);
  }

  /** rtnl_set_link_name for udev's NAME= (IUdevNetifRenamer). */
  rename(ifindex: number, oldName: string, newName: string): void {
    const dev = this.byIfindex(ifindex);
    if (!dev || dev.name !== oldName) throw kerr('ENODEV', `no interface ${ifindex} named ${oldName}`);
    this.changeName(dev, newName);
  }

  /**
   * __dev_alloc_name: the lowest number no interface's name takes for the pattern (the kernel
   * walks every netdev; the class finds the same number from its index, class-names.ts).
   */
  #allocName(pattern: string): string {
    const at = pattern.indexOf('%d');
    if (at < 0 || pattern.indexOf('%', at + 1) >= 0) throw kerr('EINVAL', `${pattern}: invalid name pattern`);
    const prefix = pattern.slice(0, at);
    const suffix = pattern.slice(at + 2);
    const i = this.netClass.lowestFreeNumber(prefix, suffix, 32768, (name) => this.byName(name) !== undefined);
    if (i === undefined) throw kerr('ENFILE', `${pattern}: no free name`);
    const name = `${prefix}${i}${suffix}`;
    validName(name);
    return name;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#nextIfindex, this.#byIfindex, this.#initialized];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#nextIfindex = v[0] as never;
    this.#initialized = v[2] as never;
  }
}

/** dev_valid_name. @throws {DriverModelError} EINVAL. */
export function validName(name: string): void {
  const bad = name.length === 0 || new TextEncoder().encode(name).length >= IFNAMSIZ || name === '.' || name === '..' || /[/:\s]/.test(name);
  if (bad) throw kerr('EINVAL', `'${name}': invalid interface name`);
}
