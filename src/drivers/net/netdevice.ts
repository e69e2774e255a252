/**
 * struct net_device (include/linux/netdevice.h), as far as sysfs and udev see it: the interface
 * index, hardware address and how it was assigned, MTU, flags, carrier, the port identity
 * (dev_id, dev_port, phys_port_name) and how the name was assigned. The class device is the
 * net_device's embedded `dev`; its parent is the hardware device (SET_NETDEV_DEV).
 */
import { Device } from '../../bus/index.js';

/** ARPHRD_* (include/uapi/linux/if_arp.h) this model uses. */
export const arphrd = { ETHER: 1, INFINIBAND: 32 } as const;

/** NET_ADDR_* (netdevice.h): how the hardware address was set. */
export const netAddrAssign = { PERM: 0, RANDOM: 1, STOLEN: 2, SET: 3 } as const;

/** NET_NAME_* (netdevice.h): how the name was assigned (`name_assign_type`). */
export const netNameAssign = { UNKNOWN: 0, ENUM: 1, PREDICTABLE: 2, USER: 3, RENAMED: 4 } as const;

/** IFF_* bits of `flags` this model uses (include/uapi/linux/if.h). */
export const iff = { UP: 0x1, BROADCAST: 0x2, MULTICAST: 0x1000 } as const;

/** IF_OPER_* names, indexed by RFC 2863 operstate (net-sysfs.c `operstates`). */
export const operstates = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'] as const;
export const IF_OPER_DOWN = 2;

/** What a driver fills in before register_netdev (alloc_etherdev + its setup). */
export interface NetDeviceSetup {
  /** A name or a pattern with one %d ("eth%d"). */
  readonly name: string;
  /** The hardware device the interface hangs below. */
  readonly parent: Device;
  readonly address: Uint8Array;
  readonly addrAssignType?: number;
  readonly mtu?: number;
  readonly minMtu?: number;
  readonly maxMtu?: number;
  readonly devId?: number;
  readonly devPort?: number;
  /** ndo_get_phys_port_name / the devlink port's name; absent: EOPNOTSUPP. */
  readonly physPortName?: string;
  /** ARPHRD_* (default Ethernet). */
  readonly type?: number;
  /** real_num_rx_queues / real_num_tx_queues at registration (alloc_etherdev: 1 and 1). */
  readonly rxQueues?: number;
  readonly txQueues?: number;
  /** num_tx_queues allocated (alloc_etherdev_mqs); > 1 makes the device multiqueue. Default txQueues. */
  readonly numTxQueues?: number;
}

export class NetDevice extends Device {
  ifindex = 0;
  readonly address: Uint8Array;
  readonly addrAssignType: number;
  mtu: number;
  readonly minMtu: number;
  readonly maxMtu: number;
  flags: number = iff.BROADCAST | iff.MULTICAST;
  carrier = false;
  operstate: number = IF_OPER_DOWN;
  readonly devId: number;
  readonly devPort: number;
  readonly physPortName: string | undefined;
  /** ARPHRD_* (the `type` attribute; Device.type is the device_type). */
  readonly hwType: number;
  nameAssignType: number = netNameAssign.UNKNOWN;
  txQueueLen = 1000;
  /** Set from unregister_netdevice on: the interface is going away. */
  unregistering = false;

  constructor(readonly setup: NetDeviceSetup) {
    super({ name: setup.name, parent: setup.parent });
    this.address = setup.address;
    this.addrAssignType = setup.addrAssignType ?? netAddrAssign.PERM;
    this.mtu = setup.mtu ?? 1500;
    this.minMtu = setup.minMtu ?? 68;
    this.maxMtu = setup.maxMtu ?? 1500;
    this.devId = setup.devId ?? 0;
    this.devPort = setup.devPort ?? 0;
    this.physPortName = setup.physPortName;
    this.hwType = setup.type ?? arphrd.ETHER;
  }

  /** netif_running: IFF_UP. */
  get isUp(): boolean {
    return (this.flags & iff.UP) !== 0;
  }
}

/** "%pM": six lower-case hex bytes joined by colons. */
export function formatMac(addr: Uint8Array): string {
  return [...addr].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function isNetDevice(dev: Device | undefined): dev is NetDevice {
  return dev instanceof NetDevice;
}
