/**
 * The drivers layer as one inversify ContainerModule: the preset hardware (PresetHost as the
 * machine's IPresetHost) and an initcall that installs the kernel modules on disk (none loaded)
 * and publishes /sys/module.
 */
import { ContainerModule } from 'inversify';
import { IInitcall } from '../base/index.js';
import { IModuleLoader, IModuleSysfs } from '../bus/index.js';
import { builtinKernelModules } from './modules.js';
import { IPresetHost, PresetHost } from './preset-host.js';

export const driversModule = new ContainerModule(({ bind }) => {
  bind(IPresetHost).to(PresetHost).inSingletonScope();
  bind(IInitcall).toConstantValue({
    name: 'drivers',
    run: (get) => {
      const loader = get(IModuleLoader);
      for (const info of builtinKernelModules) loader.install(info);
      get(IModuleSysfs).init();
    },
  });
});
