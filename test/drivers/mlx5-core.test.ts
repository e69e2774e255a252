import { describe, expect, it } from 'vitest';
import { type AuxiliaryBus, IAuxiliaryBus } from '../../src/aux/index.js';
import { IPciCore, type PciCore } from '../../src/pci/index.js';
import type { Machine } from '../../src/machine/index.js';
import { NIC, NIC_PATH, bootMachine, eventsSince } from '../support/pci-machine.js';

const auxOf = (m: Machine) => m.get<AuxiliaryBus>(IAuxiliaryBus);

describe('mlx5_core (reference §2.3, §3.6)', () => {
  it('should add eth, rdma, fwctl with one adev_idx, children (and eth0) before the function’s bind', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const before = m.uevent.seqnum;
    m.modprobe('mlx5_core');
    expect(eventsSince(m, before, ['pci', 'auxiliary', 'net'])).toEqual([
      `add ${NIC_PATH}/mlx5_core.eth.0`,
      `add ${NIC_PATH}/net/eth0`,
      `bind ${NIC_PATH}/mlx5_core.eth.0 DRIVER=mlx5_core.eth`,
      `add ${NIC_PATH}/mlx5_core.rdma.0`,
      `add ${NIC_PATH}/mlx5_core.fwctl.0`,
      `bind ${NIC_PATH} DRIVER=mlx5_core`,
    ]);
  });

  it('should delete children from the end of the table inside remove(), then unbind the function', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core'] });
    const before = m.uevent.seqnum;
    m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', NIC);
    expect(eventsSince(m, before)).toEqual([
      `remove ${NIC_PATH}/mlx5_core.fwctl.0`,
      `remove ${NIC_PATH}/mlx5_core.rdma.0`,
      // netdev_unregister_kobject: the queue kobjects (rx top down, then tx) before the netdev.
      `remove ${NIC_PATH}/net/eth0/queues/rx-1`,
      `remove ${NIC_PATH}/net/eth0/queues/rx-0`,
      `remove ${NIC_PATH}/net/eth0/queues/tx-1`,
      `remove ${NIC_PATH}/net/eth0/queues/tx-0`,
      `remove ${NIC_PATH}/net/eth0`,
      `unbind ${NIC_PATH}/mlx5_core.eth.0`,
      `remove ${NIC_PATH}/mlx5_core.eth.0`,
      `unbind ${NIC_PATH}`,
    ]);
    expect(m.resources.claims).toHaveLength(0);
    expect(m.get<PciCore>(IPciCore).findDevice(NIC)!.enableCnt).toBe(0);
  });

  it('should share one global index per function, in attach order, and hand the lowest free one back', () => {
    // The second NIC sits behind a new root port 00:01.0 (bus 4), which scans before 00:02.0.
    const m = bootMachine({ presets: ['mlx5-nic', 'mlx5-nic'], modules: ['mlx5_core'] });
    const byParent = () => auxOf(m).bus.devices.map((d) => `${d.parent!.name} ${d.name}`);
    expect(byParent()).toEqual([
      '0000:04:00.0 mlx5_core.eth.0',
      '0000:04:00.0 mlx5_core.rdma.0',
      '0000:04:00.0 mlx5_core.fwctl.0',
      `${NIC} mlx5_core.eth.1`,
      `${NIC} mlx5_core.rdma.1`,
      `${NIC} mlx5_core.fwctl.1`,
    ]);
    m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', '0000:04:00.0');
    m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', NIC);
    m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/bind', NIC);
    expect(byParent()).toEqual([`${NIC} mlx5_core.eth.0`, `${NIC} mlx5_core.rdma.0`, `${NIC} mlx5_core.fwctl.0`]);
  });

  it('should unbind last-bound first on rmmod', () => {
    const m = bootMachine({ presets: ['mlx5-nic', 'mlx5-nic'], modules: ['mlx5_core'] });
    const before = m.uevent.seqnum;
    m.rmmod('mlx5_core');
    const unbinds = eventsSince(m, before, ['pci']).filter((l) => l.startsWith('unbind'));
    expect(unbinds).toEqual([`unbind ${NIC_PATH}`, 'unbind /devices/pci0000:00/0000:00:01.0/0000:04:00.0']);
  });
});
