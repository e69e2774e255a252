/**
 * The built-in subsystems every machine has, in kernel init order.
 */
import { ContainerModule } from 'inversify';
import { type AuxiliaryBus, IAuxiliaryBus, auxiliaryModule } from '../aux/index.js';
import { IModuleLoader, IModuleSysfs, type ModuleLoader, type ModuleSysfs } from '../bus/index.js';
import { IPciCore, type PciCore, pciModule } from '../pci/index.js';
import { IPciCoreDoe, PciCoreDoe, PresetHost, builtinKernelModules } from '../drivers/index.js';
import { userspaceSubsystem } from '../userspace/subsystem.js';
import { IPresetHost } from './hooks.js';
import { IMachineOptions, type ResolvedMachineOptions } from './machine-options.js';
import type { Subsystem } from './subsystem.js';
import { udevSubsystem } from './udev-subsystem.js';

/** The PCI core: the `pci` bus, the host bridge, and the boot scan queued for after coldplug. */
const pciSubsystem: Subsystem = {
  name: 'pci',
  bindings: pciModule,
  init: (c) => c.get<PciCore>(IPciCore).init(c.get<ResolvedMachineOptions>(IMachineOptions).doe),
};

/** The auxiliary bus. */
const auxiliarySubsystem: Subsystem = {
  name: 'auxiliary',
  bindings: auxiliaryModule,
  init: (c) => c.get<AuxiliaryBus>(IAuxiliaryBus).init(),
};

/** Preset hardware, the kernel modules on disk (installed, none loaded) and /sys/module. */
const driversSubsystem: Subsystem = {
  name: 'drivers',
  bindings: new ContainerModule(({ bind }) => {
    bind(IPresetHost).to(PresetHost).inSingletonScope();
    bind(IPciCoreDoe).to(PciCoreDoe).inSingletonScope();
  }),
  init: (c) => {
    c.get<PciCoreDoe>(IPciCoreDoe).init();
    const loader = c.get<ModuleLoader>(IModuleLoader);
    for (const info of builtinKernelModules) loader.install(info);
    c.get<ModuleSysfs>(IModuleSysfs).init();
  },
};

/** Kernel subsystems first (buses before the drivers that use them), then userspace, then udevd. */
export const builtinSubsystems: Subsystem[] = [pciSubsystem, auxiliarySubsystem, driversSubsystem, userspaceSubsystem, udevSubsystem];
