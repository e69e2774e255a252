/**
 * Kernel vs userspace SPDM on one CMA/SPDM mailbox (reference/protocols.md §3.6, LNX-CMA-OWN: the
 * owner that takes the mailbox back re-authenticates, `pci_cma_return_ownership`): under
 * aux-exclusive the kernel authenticates when pci_doe.doe binds; a root tool then holds the mailbox
 * through doe_user (the kernel cannot reach it: no kernel mailbox, config range claimed by
 * doe_user), runs its own GET_VERSION — which resets the device's SPDM connection — and gives it
 * back; pci_doe.doe's new mailbox discovers again and the kernel authenticates again from
 * GET_VERSION, so its state never rests on a connection userspace reset.
 */
import { describe, expect, it } from 'vitest';
import type { PciDevice } from '../../src/pci/index.js';
import { pciCmaResultOf } from '../../src/drivers/index.js';
import { FIXTURE_ROOT } from '../../src/protocols/spdm/fixture-identity.js';
import { DevDoeTransport, DoeClient, spdmWalk } from '../../src/userspace/index.js';
import { CXL, bootMachine, errnoOf } from '../support/pci-machine.js';

const MB = 'cxl_pci.doe.2';

describe('CMA/SPDM mailbox handed to userspace and back', () => {
  it('should re-authenticate in the kernel when pci_doe.doe takes the mailbox back', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe', 'doe_user'] });
    m.advance(1000);
    const authLines = () => m.log.records.map((r) => r.message).filter((t) => t === `pci_doe.doe ${MB}: authenticated`);
    expect(authLines()).toHaveLength(1);
    const root = m.processes.root;
    root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', MB);
    root.writeFile(`/sys/bus/auxiliary/devices/${MB}/driver_override`, 'doe_user.doe');
    root.writeFile('/sys/bus/auxiliary/drivers_probe', MB);
    const tool = m.processes.spawn('spdm-tool', { uid: 0, gid: 0, caps: [] });
    const fd = tool.open(`/dev/doe/${MB}`, 'rw');
    const walk = spdmWalk(new DoeClient(new DevDoeTransport(tool, fd, { sleep: (ms) => void m.advance(ms) })), {
      trust: [FIXTURE_ROOT],
      session: true,
    });
    expect(walk.steps[0]!.request).toBe('GET_VERSION');
    // While doe_user holds it, pci_doe.doe cannot take it: driver_override names doe_user.doe (bind_store: no match, ENODEV).
    expect(errnoOf(() => root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/bind', MB))).toBe('ENODEV');
    tool.close(fd);
    root.writeFile('/sys/bus/auxiliary/drivers/doe_user.doe/unbind', MB);
    root.writeFile(`/sys/bus/auxiliary/devices/${MB}/driver_override`, '\n');
    root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/bind', MB);
    m.advance(1000);
    expect(authLines()).toHaveLength(2);
    expect(pciCmaResultOf(m.findDevice(CXL) as PciDevice)).toEqual({ authenticated: true });
  });
});
