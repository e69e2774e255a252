// An ownership conflict: two tools want the same DOE mailbox. One wins, the other gets EBUSY; when
// the administrator takes the mailbox back, the winner's file is revoked (ENODEV) and the kernel owns it.
import { describe, expect, it } from 'vitest';
import { actAs, holders, ownerOf, useMachine } from 'auxbus/testing';

const DOE = 'cxl_pci.doe.1';
const NODE = `/dev/doe/${DOE}`;

function handToUserspace(m) {
  const admin = actAs(m, 'admin');
  admin.writeFile(`/sys/bus/auxiliary/devices/${DOE}/driver_override`, 'doe_user.doe');
  admin.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', DOE);
  admin.writeFile('/sys/bus/auxiliary/drivers_probe', DOE);
  return admin;
}

describe('two tools, one mailbox', () => {
  it('the first opener owns it, the second gets EBUSY, the kernel gets it back', () => {
    const m = useMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe', 'doe_user'] });
    const admin = handToUserspace(m);
    expect(m.findDevice(DOE)).toBeOwnedBy('none');

    const first = actAs(m, 'first', { uid: 0, caps: [] });
    const second = actAs(m, 'second', { uid: 0, caps: [] });
    const fd = first.open(NODE, 'rw');
    expect(() => second.open(NODE, 'rw')).toFailWithErrno('EBUSY');
    expect(ownerOf(m, DOE)).toBe('first');
    expect(holders(m, NODE).map((h) => h.process)).toEqual(['first']);

    // The administrator gives the mailbox back to the kernel: the open file is revoked.
    admin.writeFile('/sys/bus/auxiliary/drivers/doe_user.doe/unbind', DOE);
    admin.writeFile(`/sys/bus/auxiliary/devices/${DOE}/driver_override`, '\n');
    admin.writeFile('/sys/bus/auxiliary/drivers_probe', DOE);
    expect(() => first.read(fd)).toFailWithErrno('ENODEV');
    expect(m.findDevice(DOE)).toBeBoundTo('pci_doe.doe');
    expect(m.findDevice(DOE)).toBeOwnedBy('kernel');
  });
});
