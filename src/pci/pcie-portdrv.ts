/**
 * The PCIe port driver (drivers/pci/pcie/portdrv.c; reference §4.7): the built-in PCI driver
 * `pcieport` binds Root Ports, Switch Upstream/Downstream Ports and RCECs, and creates one
 * device on the `pci_express` bus per port service the port can use; the built-in service
 * drivers (`aer`, `pcie_pme`, registered first) bind them. Services modelled: PME (0x01) for
 * Root Ports and RCECs (the OS owns PME: no firmware _OSC here) and AER (0x02) where the port
 * has an AER capability. Hotplug, DPC and bandwidth control are absent because the port models
 * advertise none of them (no Hot-Plug Capable slot, no DPC capability, no bandwidth
 * notification). Service devices are `<port>:pcie%03x` of ((port type − 4) << 8) | service.
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { kerr } from '../base/index.js';
import {
  BusRegistry,
  BusType,
  Device,
  DeviceCore,
  DeviceDriver,
  type DevicePower,
  IBusRegistry,
  IDeviceCore,
  IDevicePower,
  deviceEnableAsyncSuspend,
  devicePm,
  pmRuntimeNoCallbacks,
  pmRuntimeUseAutosuspend,
} from '../bus/index.js';
import { type PciDevice, pciFindCapability, pciFindExtCapability } from './device.js';
import { PciDriver, pciDeviceClass } from './pci-driver.js';
import { IPciCore, type PciCore } from './probe.js';
import { pciCapIds, pciExpRegs, pciExtCapIds } from './regs.js';

/** PCIE_PORT_SERVICE_* bits (portdrv.h). */
export const pciePortServices = {
  PME: 0x01,
  AER: 0x02,
  HP: 0x04,
  DPC: 0x08,
  BWCTRL: 0x10,
} as const;

/** PCI_EXP_TYPE_* of ports (the PCIe capability's port type). */
const PORT_TYPES = { ROOT_PORT: 0x4, UPSTREAM: 0x5, DOWNSTREAM: 0x6, RC_EC: 0xa } as const;

export const IPciePortDriver: ServiceIdentifier<PciePortDriver> = Symbol.for('IPciePortDriver');

interface ServiceDevice {
  readonly service: number;
  readonly port: PciDevice;
}

@injectable()
export class PciePortDriver {
  /** pcie_port_bus_type: name and match only (no uevent, no dev_groups, no driver_override). */
  readonly bus: BusType;
  readonly driver: PciDriver;
  readonly #services = new WeakMap<Device, ServiceDevice>();
  readonly #children = new WeakMap<PciDevice, Device[]>();
  readonly #serviceDrivers = new Map<DeviceDriver, number>();

  constructor(
    @inject(IPciCore) private readonly pci: PciCore,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(IDeviceCore) private readonly core: DeviceCore,
    @inject(IDevicePower) private readonly power: DevicePower,
  ) {
    this.bus = new BusType({
      name: 'pci_express',
      // pcie_port_bus_match: the driver's service equals the device's (port_type PCIE_ANY_PORT).
      match: (dev, drv) => (this.#services.get(dev)?.service === this.#serviceDrivers.get(drv) ? 1 : 0),
    });
    // port_pci_ids: bridges (normal and subtractive decode) and Root Complex Event Collectors.
    this.driver = new PciDriver({
      name: 'pcieport',
      // pcie_portdriver.driver_managed_dma: the port services do no DMA; a port never makes its group non-viable.
      driverManagedDma: true,
      idTable: [pciDeviceClass(0x060400, 0xffffff), pciDeviceClass(0x060401, 0xffffff), pciDeviceClass(0x080700, 0xffffff)],
      probe: (pdev) => this.#probe(pdev),
      remove: (pdev) => this.#remove(pdev),
    });
  }

  /**
   * Kernel init: the `pci_express` bus (pci_driver_init), the service drivers (pcie_init_services:
   * aer, then pcie_pme), then `pcieport` itself (pcie_portdrv_init, a device_initcall).
   */
  init(): void {
    this.buses.busRegister(this.bus);
    this.#registerService('aer', pciePortServices.AER);
    // pcie_pme_probe: -ENODEV unless the port is a Root Port or an RCEC.
    this.#registerService('pcie_pme', pciePortServices.PME, (dev) => {
      const type = portType(this.#services.get(dev)!.port);
      if (type !== PORT_TYPES.ROOT_PORT && type !== PORT_TYPES.RC_EC) throw kerr('ENODEV', 'pcie_pme: not a root port');
    });
    this.pci.registerDriver(this.driver);
  }

  #registerService(name: string, service: number, probe?: (dev: Device) => void): void {
    const drv = new DeviceDriver({ name, bus: this.bus, probe: (dev) => probe?.(dev) });
    this.#serviceDrivers.set(drv, service);
    this.buses.driverRegister(drv);
  }

  /** The service devices `pcieport` created for a port, in creation order. */
  serviceDevices(port: PciDevice): readonly Device[] {
    return this.#children.get(port) ?? [];
  }

  /** get_port_device_capability: the services this port can use. */
  #capabilities(pdev: PciDevice, type: number): number {
    let mask = 0;
    const rootLike = type === PORT_TYPES.ROOT_PORT || type === PORT_TYPES.RC_EC;
    if (rootLike) mask |= pciePortServices.PME;
    if (rootLike && pciFindExtCapability(pdev, pciExtCapIds.ERR)) mask |= pciePortServices.AER;
    return mask;
  }

  /**
   * pcie_portdrv_probe: -ENODEV for anything but a port; pci_enable_device; one service device
   * per capability bit in bit order (each registered, so its service driver binds at once);
   * then runtime PM with a 100 ms autosuspend (the bridge may use D3).
   */
  #probe(pdev: PciDevice): void {
    const type = portType(pdev);
    if (type === undefined || !(Object.values(PORT_TYPES) as number[]).includes(type)) throw kerr('ENODEV', `${pdev.name}: not a PCIe port`);
    this.pci.enableDevice(pdev);
    const mask = this.#capabilities(pdev, type);
    const children: Device[] = [];
    for (let bit = 1; bit <= pciePortServices.BWCTRL; bit <<= 1) {
      if (!(mask & bit)) continue;
      // pcie_device_init: a bare device on pci_express below the port.
      const name = `${pdev.name}:pcie${(((type - 4) << 8) | bit).toString(16).padStart(3, '0')}`;
      const dev = new Device({ name, bus: this.bus, parent: pdev });
      this.#services.set(dev, { service: bit, port: pdev });
      deviceEnableAsyncSuspend(dev);
      pmRuntimeNoCallbacks(dev);
      try {
        this.core.add(dev);
        children.push(dev);
      } catch {
        // A service whose registration fails is skipped.
      }
    }
    if (mask && children.length === 0) {
      this.pci.disableDevice(pdev);
      throw kerr('ENODEV', `${pdev.name}: no port services`);
    }
    this.#children.set(pdev, children);
    // pci_bridge_d3_possible: a PCIe Root/Downstream Port of a recent machine may use D3.
    const pm = devicePm(pdev);
    pmRuntimeUseAutosuspend(pdev, 100);
    pm.idleSuspends = () => true; // pcie_port_runtime_idle with bridge_d3 set
    pm.usageCount--; // pm_runtime_put_autosuspend: the count local_pci_probe took
    this.power.allow(pdev);
  }

  /** pcie_portdrv_remove: runtime PM back to forbidden, every service device unregistered in order, disable. */
  #remove(pdev: PciDevice): void {
    const pm = devicePm(pdev);
    this.power.forbid(pdev);
    pm.usageCount++; // the count local_pci_probe's put will drop again
    pm.useAutosuspend = false;
    pm.idleSuspends = (dev) => dev.driver === undefined;
    for (const child of this.#children.get(pdev) ?? []) if (child.isRegistered) this.core.unregister(child);
    this.#children.delete(pdev);
    this.pci.disableDevice(pdev);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#services, this.#children, this.#serviceDrivers];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/** The PCIe capability's port type, or undefined for a conventional function. */
function portType(pdev: PciDevice): number | undefined {
  const exp = pciFindCapability(pdev, pciCapIds.EXP);
  if (!exp) return undefined;
  return (pdev.configRead(exp + pciExpRegs.FLAGS, 2) >> 4) & 0xf;
}
