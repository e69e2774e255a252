/**
 * The playground's terminal pane records what it can of a shell line as scenario steps: sysfs
 * writes (also as another process), modprobe/rmmod, hotplug/unplug; reading commands add nothing;
 * anything else acting (driverctl, a write outside /sys) is not representable (undefined).
 */
import { describe, expect, it } from 'vitest';
import { shellSteps } from '../../playground/src/shell-steps.js';

describe('playground: shell lines as scenario steps', () => {
  it.each([
    [
      'echo cxl_pci.doe.0 > /sys/bus/auxiliary/drivers/pci_doe.doe/unbind',
      ['  - write: /sys/bus/auxiliary/drivers/pci_doe.doe/unbind\n    value: "cxl_pci.doe.0\\n"\n'],
    ],
    ['echo -n 2 > /sys/bus/pci/devices/0000:03:00.0/sriov_numvfs', ['  - write: /sys/bus/pci/devices/0000:03:00.0/sriov_numvfs\n    value: "2"\n']],
    ['as tool echo x > /sys/a', ['  - write: /sys/a\n    value: "x\\n"\n    as: tool\n']],
    ['modprobe doe_user; rmmod doe_user', ['  - modprobe: doe_user\n', '  - rmmod: doe_user\n']],
    ['hotplug cxl-type3', ['  - hotplug: "cxl-type3"\n']],
    ['ls /sys; cat /sys/bus/pci/devices/0000:0d:00.0/vendor; tree', []],
  ])('%j', (line, steps) => {
    expect(shellSteps(line)).toEqual(steps);
  });

  it.each(['driverctl set-override 0000:03:00.1 vfio-pci', 'echo x > /dev/null', 'modprobe -r doe_user', 'as tool modprobe x', 'echo "unterminated'])(
    '%j is not representable',
    (line) => {
      expect(shellSteps(line)).toBeUndefined();
    },
  );
});
