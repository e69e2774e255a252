/**
 * The drivers layer as one inversify ContainerModule: the preset hardware (PresetHost as the
 * machine's IPresetHost) and an initcall that installs the kernel modules on disk (none loaded)
 * and publishes /sys/module, and the PCI core's DOE mailboxes of policy `pci-core-shared`.
 */
import { ContainerModule } from 'inversify';
import { IInitcall } from '../base/index.js';
import { IModuleLoader, IModuleSysfs, IUdevNetifRenamer } from '../bus/index.js';
import { IMiscCore, MiscCore } from './char/misc.js';
import { INetCore, NetCore } from './net/index.js';
import { builtinKernelModules } from './modules.js';
import { spdm } from '../protocols/index.js';
import { IKernelCma } from './doe/cma.js';
import { SpdmKernelCma } from './doe/cma-requester.js';
import { IPciCoreDoe, PciCoreDoe } from './doe/pci-core-doe.js';
import { IPresetHost, PresetHost } from './preset-host.js';

export const driversModule = new ContainerModule(({ bind }) => {
  bind(IPresetHost).to(PresetHost).inSingletonScope();
  // The network core and the misc class are built in: class `net` from boot (udev's NAME=
  // renames through it), class `misc` with major 10.
  bind(INetCore).to(NetCore).inSingletonScope();
  bind(IUdevNetifRenamer).toService(INetCore);
  bind(IMiscCore).to(MiscCore).inSingletonScope();
  bind(IPciCoreDoe).to(PciCoreDoe).inSingletonScope();
  // The kernel SPDM requester; its `.cma` keyring holds auxbus's test root (fixtures/spdm).
  bind(IKernelCma).toConstantValue(new SpdmKernelCma([spdm.FIXTURE_ROOT]));
  bind(IInitcall).toConstantValue({
    name: 'drivers',
    run: (get) => {
      get<NetCore>(INetCore).init();
      get<MiscCore>(IMiscCore).init();
      get(IPciCoreDoe).init(); // pci_doe_init for every function added from now on (pci-core-shared)
      const loader = get(IModuleLoader);
      for (const info of builtinKernelModules) loader.install(info);
      get(IModuleSysfs).init();
    },
  });
});
