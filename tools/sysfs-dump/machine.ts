/**
 * The machine whose /sys the udevadm conformance fixtures are recorded from (and that the
 * conformance test replays): a CXL type-3 device and an mlx5 NIC, with the compliance DOE
 * mailbox cxl_pci.doe.1 handed to doe_user so a class device with a /dev node exists, and two
 * rules files so the udev database has a property, a devlink and a tag for it (one of each:
 * udevadm prints DEVLINKS and TAGS in hash-set order, stable only for a single element).
 */
import { type Machine, createMachine } from '../../src/machine/index.js';

export const CXL_FUNCTION = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0';
export const DOE_AUX = `${CXL_FUNCTION}/cxl_pci.doe.1`;
export const DOE_CLASS = `${DOE_AUX}/doe/cxl_pci.doe.1`;

export function conformanceMachine(): Machine {
  const m = createMachine({
    presets: ['cxl-type3', 'mlx5-nic'],
    modules: ['doe_user'],
    rules: [
      {
        name: '70-doe-node.rules',
        text: 'SUBSYSTEM=="doe", GROUP="plugdev", MODE="0660", SYMLINK+="doe-compliance", ENV{ID_DOE_ROLE}="compliance", TAG+="uaccess"\n',
      },
    ],
  });
  m.boot();
  const root = m.processes.root;
  root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', 'cxl_pci.doe.1\n');
  root.writeFile(`/sys${DOE_AUX}/driver_override`, 'doe_user.doe\n');
  root.writeFile('/sys/bus/auxiliary/drivers_probe', 'cxl_pci.doe.1\n');
  m.settle();
  // The kernel's DOE work (pci_doe's Discovery, which doe_features/ shows, CDAT, CMA) in virtual time.
  m.advance(1000);
  return m;
}
