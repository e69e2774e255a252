/**
 * The `pci_bus` class (drivers/pci/probe.c pcibus_class, pci-sysfs.c pcibus_groups; reference
 * §4.8): one class device per PCI bus, named `DDDD:BB`, below the host bridge for a root bus
 * (`/devices/pci0000:00/pci_bus/0000:00`) or below the bridge function for a child bus
 * (`…/0000:00:01.0/pci_bus/0000:0d`). Its uevents carry no variables of their own (the class
 * has no dev_uevent). Files: `rescan` (0200, kstrtobool), `cpuaffinity`, `cpulistaffinity`.
 */
import { kerr } from '../base/index.js';
import { type AttributeGroup, Device, DeviceClass, attrRO } from '../bus/index.js';
import type { PciBus } from './device.js';
import { ONLINE_CPUS, cpumaskHex, cpumaskList } from './pci-sysfs-common.js';

/** What `rescan` calls (PciCore). */
export interface PciBusClassHost {
  /** pci_rescan_bus, or pci_rescan_bus_bridge_resize for an empty non-root bus. */
  rescanBus(bus: PciBus): void;
}

function busOf(dev: Device): PciBus {
  return dev.driverData as PciBus;
}

/** kstrtobool for bus_rescan_store. */
function kstrtobool(buf: string): boolean {
  const c = buf[0];
  if (c === 'y' || c === 'Y' || c === '1') return true;
  if (c === 'n' || c === 'N' || c === '0') return false;
  if ((c === 'o' || c === 'O') && (buf[1] === 'n' || buf[1] === 'N')) return true;
  if ((c === 'o' || c === 'O') && (buf[1] === 'f' || buf[1] === 'F')) return false;
  throw kerr('EINVAL', `invalid boolean '${buf}'`);
}

export function createPciBusClass(host: PciBusClassHost): DeviceClass {
  const groups: AttributeGroup<Device>[] = [
    {
      attrs: [
        {
          name: 'rescan',
          mode: 0o200,
          // bus_rescan_store: kstrtobool, then a rescan under the rescan/remove lock.
          store: (dev, buf) => {
            if (kstrtobool(buf)) host.rescanBus(busOf(dev));
            return buf.length;
          },
        },
        // cpuaffinity_show/cpulistaffinity_show: cpumask_of_pcibus, every online CPU here.
        attrRO('cpuaffinity', () => `${cpumaskHex(ONLINE_CPUS)}\n`),
        attrRO('cpulistaffinity', () => `${cpumaskList(ONLINE_CPUS)}\n`),
      ],
    },
  ];
  return new DeviceClass({ name: 'pci_bus', devGroups: groups });
}

/** The class device of `bus` (pci_alloc_bus + dev_set_name), not yet registered. */
export function pciBusClassDevice(bus: PciBus, cls: DeviceClass): Device {
  const dev = new Device({ name: bus.name, class: cls, parent: bus.bridgeDevice });
  dev.driverData = bus;
  return dev;
}
