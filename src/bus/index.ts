/**
 * bus — the generic driver core (drivers/base): devices, drivers, bus types and classes;
 * device_add/device_del; binding (match, probe, remove, deferred probe, device links, devres);
 * uevents; the sysfs and devtmpfs views; character devices; kernel modules; taint, lockdown
 * and the resource tree.
 *
 * Purpose: reproduce the kernel's orders and errno exactly (reference/kernel-driver-model.md
 * §1–§2), so that what a test observes here is what a real kernel would do.
 *
 * Usage: resolve the services from a Machine's container (`machine.core`, `machine.buses`,
 * …); create a `Device`, set its name/parent/bus, then `core.add(dev)`; register a
 * `DeviceDriver` with `buses.driverRegister(drv)`.
 */
export {
  type Attribute,
  type BinAttribute,
  type AnyAttribute,
  type AttributeGroup,
  type AttributeAccessor,
  attrRO,
  attrRW,
  attrWO,
  isBinAttribute,
  sysfsStreq,
  PAGE_SIZE,
} from './attribute.js';
export { BusType, type BusTypeOptions, type MatchResult } from './bus-type.js';
export {
  BusRegistry,
  IBusRegistry,
  busKobject,
  driverKobject,
  parseDriverOverride,
  driverOverrideAttribute,
  deviceMatchDriverOverride,
  deviceSetDriverOverride,
} from './bus.js';
export {
  CharDevRegistry,
  ICharDevRegistry,
  type CharDev,
  type CharDevFile,
  type FileOperations,
  type AnonInodeFile,
  isAnonInodeFile,
} from './char-dev.js';
export { DeviceClass, type DeviceClassOptions, type DevnodeInfo } from './class.js';
export { classNameWork } from './class-names.js';
export { DeviceCore, IDeviceCore, type DevtmpfsNodes } from './core.js';
export { DriverBinder, IDriverBinder, DeferredProbe, IDeferredProbe, DEFERRED_PROBE_TIMEOUT_MS } from './dd.js';
export { Device, type DevT, type DeviceType, devicePath } from './device.js';
export { DeviceLinks, IDeviceLinks, type LinkCore, DeviceLink, DL_FLAG, linkStates, type LinkState, createDevlinkClass } from './devlink.js';
export { devmAddAction, devmAddActionOrReset, devresOpenGroup, devresReleaseGroup, devresReleaseAll, devresNames } from './devres.js';
export { Devtmpfs, IDevtmpfs, type DevNode } from './devtmpfs.js';
export { DeviceDriver, type DeviceDriverOptions } from './driver.js';
export { Lockdown, ILockdown, type LockdownReason } from './lockdown.js';
export {
  ModuleLoader,
  IModuleLoader,
  type KernelModuleInfo,
  type ModuleEntry,
  type ModuleCaller,
  type ModprobeOptions,
  type ModuleLookup,
  type BlacklistScope,
  moduleName,
  aliasMatch,
  defineModule,
} from './modules.js';
export {
  type ModprobeConfig,
  type ModprobeConfFile,
  type Softdep,
  MODPROBE_DIR,
  parseModprobeConfig,
  emptyModprobeConfig,
  underscores,
} from './modprobe-config.js';
export { type ModuleParamInfo, type ModuleParamType, moduleParamTypes, parseModuleParam, splitModuleOptions } from './module-params.js';
export { ModuleSysfs, IModuleSysfs } from './module-sysfs.js';
export { DriverDebugfs, IDriverDebugfs } from './debugfs.js';
export {
  DevicePower,
  IDevicePower,
  type DevicePmInfo,
  type RpmStatus,
  devicePm,
  devicePmNotRequired,
  deviceEnableAsyncSuspend,
  deviceSetWakeupCapable,
  pmRuntimeNoCallbacks,
  pmRuntimeUseAutosuspend,
} from './power.js';
export { busModule } from './module.js';
export { BusNotifier, IBusNotifier, busNotifierEvents, type BusNotifierEvent } from './notifier.js';
export { ResourceTree, IResourceTree, type Resource } from './resource.js';
export { sysfsCreateLink, sysfsRemoveLink, sysfsHasLink } from './sysfs-link.js';
export {
  Sysfs,
  ISysfs,
  SysfsDirBuilder,
  sysfsListedChild,
  type SysfsNode,
  type SysfsDir,
  type SysfsFile,
  type SysfsLink,
  relativeTarget,
} from './sysfs.js';
export { type BootParams, IBootParams } from './boot-params.js';
export { lockdownLevels, type LockdownLevel } from './names.js';
export { IUdevNetifRenamer } from './netif-rename.js';
export { Taint, ITaint, taintFlags, type TaintFlag } from './taint.js';
export {
  KobjectUevent,
  IKobjectUevent,
  type Uevent,
  type UeventAction,
  type Kobject,
  ueventActions,
  isUeventAction,
  ueventVar,
  ueventKeys,
  deviceKobject,
  fillDeviceUevent,
  deviceDevnodeName,
} from './uevent.js';
export { UeventEnv, UEVENT_NUM_ENVP, UEVENT_BUFFER_SIZE } from './uevent-env.js';
export { type UserMemory, type IoctlCaller, userPtr, copyFromUser, copyToUser, clearUser, getUserU32, copyStructFromUser } from './uaccess.js';
