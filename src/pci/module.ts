/**
 * The PCI core as an inversify ContainerModule: PciCore is a singleton of the machine. Kernel
 * init (PciCore.init) is the subsystem's job (src/machine/subsystems.ts), not the binding's.
 */
import { ContainerModule } from 'inversify';
import { IPciCore, PciCore } from './probe.js';

export const pciModule = new ContainerModule(({ bind }) => {
  bind(IPciCore).to(PciCore).inSingletonScope();
});
