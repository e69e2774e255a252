/**
 * The driver core's services as one inversify ContainerModule: every service a singleton.
 */
import { ContainerModule } from 'inversify';
import { IInitcall } from '../base/index.js';
import { DevicePower, IDevicePower } from './power.js';
import { DriverDebugfs, IDriverDebugfs } from './debugfs.js';
import { BusRegistry, IBusRegistry } from './bus.js';
import { CharDevRegistry, ICharDevRegistry } from './char-dev.js';
import { DeviceCore, IDeviceCore } from './core.js';
import { IDeferredProbe, IDriverBinder } from './dd.js';
import { IDeviceLinks } from './devlink.js';
import { Devtmpfs, IDevtmpfs } from './devtmpfs.js';
import { ILockdown, Lockdown } from './lockdown.js';
import { IModuleSysfs, ModuleSysfs } from './module-sysfs.js';
import { IModuleLoader, ModuleLoader } from './modules.js';
import { BusNotifier, IBusNotifier } from './notifier.js';
import { IResourceTree, ResourceTree } from './resource.js';
import { ISysfs, Sysfs } from './sysfs.js';
import { ITaint, Taint } from './taint.js';
import { IKobjectUevent, KobjectUevent } from './uevent.js';

export const busModule = new ContainerModule(({ bind }) => {
  bind(IDevicePower).to(DevicePower).inSingletonScope();
  bind(IDriverDebugfs).to(DriverDebugfs).inSingletonScope();
  bind(IInitcall).toConstantValue({ name: 'debugfs', run: (get) => get(IDriverDebugfs).init() });
  // The PM core follows binding from kernel init on (pm_runtime calls in bus probe paths).
  bind(IInitcall).toConstantValue({ name: 'pm', run: (get) => get(IDevicePower).init() });
  bind(IKobjectUevent).to(KobjectUevent).inSingletonScope();
  bind(IBusNotifier).to(BusNotifier).inSingletonScope();
  bind(IDeviceCore).to(DeviceCore).inSingletonScope();
  // DeviceCore builds the parts of the driver core that call back into it (see core.ts).
  bind(IDriverBinder).toResolvedValue((core: DeviceCore) => core.binder, [IDeviceCore]);
  bind(IDeviceLinks).toResolvedValue((core: DeviceCore) => core.links, [IDeviceCore]);
  bind(IDeferredProbe).toResolvedValue((core: DeviceCore) => core.deferred, [IDeviceCore]);
  bind(IBusRegistry).to(BusRegistry).inSingletonScope();
  bind(ISysfs).to(Sysfs).inSingletonScope();
  bind(IDevtmpfs).to(Devtmpfs).inSingletonScope();
  bind(ICharDevRegistry).to(CharDevRegistry).inSingletonScope();
  bind(IModuleLoader).to(ModuleLoader).inSingletonScope();
  bind(IModuleSysfs).to(ModuleSysfs).inSingletonScope();
  bind(ITaint).to(Taint).inSingletonScope();
  bind(ILockdown).to(Lockdown).inSingletonScope();
  bind(IResourceTree).to(ResourceTree).inSingletonScope();
});
