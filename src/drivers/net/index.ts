/**
 * net — the network core's device side (net/core/dev.c, net-sysfs.c): class `net`, netdev
 * registration with ifindex and name allocation, and renaming for udev's NAME=.
 *
 * Usage: a driver builds a `NetDevice` (name "eth%d", parent = its PCI function, address…) and
 * calls `NetCore.register`; `unregister` in its remove(). The machine binds NetCore as the udev
 * rename hook (IUdevNetifRenamer).
 */
export { NetCore, INetCore, validName, IFNAMSIZ, FIRST_IFINDEX } from './dev.js';
export { NetDevice, type NetDeviceSetup, arphrd, netAddrAssign, netNameAssign, iff, operstates, formatMac, isNetDevice } from './netdevice.js';
export { netClassAttrs, netClassGroups, netdevUevent } from './net-sysfs.js';
export { netQueues, DQL_MAX_LIMIT, type NetQueues, type RxQueue, type TxQueue } from './net-queues.js';
