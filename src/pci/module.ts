/**
 * The PCI core as an inversify ContainerModule: PciCore is a singleton of the machine, and its
 * initcall (pci_driver_init + the host bridge) registers the `pci` bus with the machine's DOE
 * policy at kernel init.
 */
import { ContainerModule } from 'inversify';
import { IIommuCore, IommuCore } from './iommu.js';
import { IInitcall } from '../base/index.js';
import { IPciOptions } from './access.js';
import { IPciCore, PciCore } from './probe.js';
import { IPciePortDriver, PciePortDriver } from './pcie-portdrv.js';

export const pciModule = new ContainerModule(({ bind }) => {
  bind(IIommuCore).to(IommuCore).inSingletonScope();
  bind(IPciCore).to(PciCore).inSingletonScope();
  bind(IInitcall).toConstantValue({ name: 'pci', run: (get) => get(IPciCore).init(get(IPciOptions).doe) });
  bind(IPciePortDriver).to(PciePortDriver).inSingletonScope();
  // pci_driver_init's pci_express bus, pcie_init_services, pcie_portdrv_init (device_initcall).
  bind(IInitcall).toConstantValue({ name: 'pcieportdrv', run: (get) => get(IPciePortDriver).init() });
});
