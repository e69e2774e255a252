/**
 * The PCI core as an inversify ContainerModule: PciCore is a singleton of the machine. Kernel
 * init (PciCore.init) is the subsystem's job (src/di/subsystems.ts), not the binding's.
 */
import { ContainerModule } from 'inversify';
import { IPciCore, PciCore } from './pci-probe.js';

export const pciModule = new ContainerModule(({ bind }) => {
  bind(IPciCore).to(PciCore).inSingletonScope();
});
