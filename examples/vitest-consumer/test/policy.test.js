// A site policy under test: DOE mailbox 2 of every CXL memory device goes to userspace (the
// doe_user driver) at hotplug, and its node is for the plugdev group only.
import { describe, expect, it } from 'vitest';
import { actAs, ownerOf, useMachine } from 'auxbus/testing';

const POLICY = [
  'ACTION=="add", SUBSYSTEM=="auxiliary", KERNEL=="cxl_pci.doe.2", ATTR{driver_override}="doe_user.doe", RUN+="/bin/sh -c \'echo $kernel > /sys/bus/auxiliary/drivers_probe\'"',
  'SUBSYSTEM=="doe", GROUP="plugdev", MODE="0660"',
  '',
].join('\n');

describe('the DOE policy rules', () => {
  it('hand mailbox 2 to doe_user and leave 0 and 1 to the kernel', () => {
    const m = useMachine({ presets: ['cxl-type3'], modules: ['doe_user'], rules: [{ name: '70-doe-policy.rules', text: POLICY }] });
    expect(m.findDevice('cxl_pci.doe.2')).toBeBoundTo('doe_user.doe');
    expect(m.findDevice('cxl_pci.doe.1')).toBeBoundTo('pci_doe.doe');
    expect(ownerOf(m, 'cxl_pci.doe.1')).toBe('kernel');
    expect(m).toHaveEmittedUeventsInOrder(['add cxl_pci.doe.2', { action: 'bind', devpath: 'cxl_pci.doe.2', env: { DRIVER: 'doe_user.doe' } }]);
  });

  it('let plugdev members open the node and nobody else', () => {
    const m = useMachine({ presets: ['cxl-type3'], modules: ['doe_user'], rules: [{ name: '70-doe-policy.rules', text: POLICY }] });
    const member = actAs(m, 'member', { uid: 1000, groups: ['plugdev'] });
    const stranger = actAs(m, 'stranger', { uid: 1001 });
    expect(() => stranger.open('/dev/doe/cxl_pci.doe.2', 'rw')).toFailWithErrno('EACCES');
    member.open('/dev/doe/cxl_pci.doe.2', 'rw');
    expect(m.findDevice('cxl_pci.doe.2')).toBeOwnedBy('member');
  });
});
