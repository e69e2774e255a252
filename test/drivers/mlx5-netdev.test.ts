/**
 * mlx5e's netdev (net/core/dev.c, net-sysfs.c twin): eth0 below the PCI function with the
 * kernel's attribute texts and errno, ifindex never reused, names freed on unbind, and udev's
 * NAME= renaming the real interface with the `move` uevent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INetCore, type NetCore } from '../../src/drivers/index.js';
import { NIC, NIC_PATH, bootMachine, errnoOf, eventsSince, lastEventEnv, privileged, storeAs, unprivileged } from '../support/pci-machine.js';

const ETH0 = `/sys/class/net/eth0`;
const net = (m: ReturnType<typeof bootMachine>) => m.get<NetCore>(INetCore);

describe('mlx5_core.eth: eth0 (class net)', () => {
  it('should register eth0 below the PCI function with INTERFACE and IFINDEX in its uevent', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core'] });
    const root = m.processes.root;
    expect(root.readlink(ETH0)).toBe(`../../devices/pci0000:00/0000:00:02.0/${NIC}/net/eth0`);
    expect(root.readlink(`/sys${NIC_PATH}/net/eth0/device`)).toBe(`../../../${NIC}`);
    expect(lastEventEnv(m, 'add', `${NIC_PATH}/net/eth0`)).toEqual([
      ['ACTION', 'add'],
      ['DEVPATH', `${NIC_PATH}/net/eth0`],
      ['SUBSYSTEM', 'net'],
      ['INTERFACE', 'eth0'],
      ['IFINDEX', '2'],
      ['SEQNUM', expect.any(String) as unknown as string],
    ]);
  });

  it.each([
    ['address', 'b8:ce:f6:a1:2b:3c\n'],
    ['addr_assign_type', '0\n'],
    ['addr_len', '6\n'],
    ['broadcast', 'ff:ff:ff:ff:ff:ff\n'],
    ['dev_id', '0x0\n'],
    ['dev_port', '0\n'],
    ['flags', '0x1002\n'],
    ['ifindex', '2\n'],
    ['iflink', '2\n'],
    ['mtu', '1500\n'],
    ['name_assign_type', '1\n'],
    ['operstate', 'down\n'],
    ['phys_port_name', 'p0\n'],
    ['tx_queue_len', '1000\n'],
    ['type', '1\n'],
  ])('should read %s as %j', (attr, text) => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core'] });
    expect(m.processes.root.readFile(`${ETH0}/${attr}`)).toBe(text);
  });

  it.each([
    ['carrier of a down interface', () => (m: ReturnType<typeof bootMachine>) => m.processes.root.readFile(`${ETH0}/carrier`), 'EINVAL'],
    ['speed of a down interface', () => (m: ReturnType<typeof bootMachine>) => m.processes.root.readFile(`${ETH0}/speed`), 'EINVAL'],
    ['mtu without CAP_NET_ADMIN', () => (m: ReturnType<typeof bootMachine>) => storeAs(m, `${ETH0}/mtu`, '9000', unprivileged), 'EPERM'],
    ['mtu below the minimum', () => (m: ReturnType<typeof bootMachine>) => storeAs(m, `${ETH0}/mtu`, '67', privileged), 'EINVAL'],
    ['mtu above the maximum', () => (m: ReturnType<typeof bootMachine>) => storeAs(m, `${ETH0}/mtu`, '9979', privileged), 'EINVAL'],
    ['mtu not a number', () => (m: ReturnType<typeof bootMachine>) => storeAs(m, `${ETH0}/mtu`, 'big', privileged), 'EINVAL'],
  ])('should refuse %s with %s', (_what, make, errno) => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core'] });
    expect(errnoOf(() => make()(m))).toBe(errno);
  });

  it('should accept an MTU in range', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core'] });
    storeAs(m, `${ETH0}/mtu`, '9000\n', privileged);
    expect(m.processes.root.readFile(`${ETH0}/mtu`)).toBe('9000\n');
  });

  it('should free the name on unbind but never reuse an ifindex', () => {
    const m = bootMachine({ presets: ['mlx5-nic', 'mlx5-nic'], modules: ['mlx5_core'] });
    const root = m.processes.root;
    // The second NIC (04:00.0 behind 00:01.0) attaches first: eth0 is its interface.
    const names = () => net(m).devices.map((d) => `${d.name}@${d.setup.parent.name}#${d.ifindex}`);
    expect(names()).toEqual(['eth0@0000:04:00.0#2', `eth1@${NIC}#3`]);
    root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', '0000:04:00.0');
    expect(names()).toEqual([`eth1@${NIC}#3`]);
    root.writeFile('/sys/bus/pci/drivers/mlx5_core/bind', '0000:04:00.0');
    expect(names()).toEqual([`eth1@${NIC}#3`, 'eth0@0000:04:00.0#4']);
  });

  it('should rename eth0 through udev NAME= with one move uevent and NET_NAME_RENAMED', () => {
    const m = bootMachine({
      presets: ['mlx5-nic'],
      modules: ['mlx5_core'],
      rules: [{ name: '70-nic.rules', text: 'SUBSYSTEM=="net", ACTION=="add", ATTR{address}=="b8:ce:f6:*", NAME="lan0"\n' }],
    });
    const root = m.processes.root;
    expect(root.readdir('/sys/class/net')).toEqual(['lan0']);
    expect(root.readFile('/sys/class/net/lan0/name_assign_type')).toBe('4\n');
    expect(root.readFile('/sys/class/net/lan0/ifindex')).toBe('2\n');
    const move = m.uevent.log.find((e) => e.action === 'move')!;
    expect(Object.fromEntries(move.env)).toMatchObject({
      DEVPATH: `${NIC_PATH}/net/lan0`,
      DEVPATH_OLD: `${NIC_PATH}/net/eth0`,
      INTERFACE: 'lan0',
      IFINDEX: '2',
    });
    // Unbinding removes the renamed interface; a rebind registers eth0 again, with a new index.
    const before = m.uevent.seqnum;
    root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', NIC);
    expect(eventsSince(m, before, ['net'])).toEqual([`remove ${NIC_PATH}/net/lan0`]);
    root.writeFile('/sys/bus/pci/drivers/mlx5_core/bind', NIC);
    m.settle();
    expect(root.readFile('/sys/class/net/lan0/ifindex')).toBe('3\n');
  });

  it.each([
    ['an empty name', '', 'EINVAL'],
    ['a 16-byte name', 'abcdefghijklmnop', 'EINVAL'],
    ['a name with a colon', 'eth0:1', 'EINVAL'],
    ['a name with white space', 'eth 0', 'EINVAL'],
    ['"."', '.', 'EINVAL'],
  ])('dev_change_name should refuse %s with %s', (_what, name, errno) => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core'] });
    const dev = net(m).byName('eth0')!;
    expect(errnoOf(() => net(m).changeName(dev, name))).toBe(errno);
    expect(dev.name).toBe('eth0');
  });

  it('should refuse renaming onto a taken name (EEXIST) and an up interface (EBUSY)', () => {
    const m = bootMachine({ presets: ['mlx5-nic', 'mlx5-nic'], modules: ['mlx5_core'] });
    const eth0 = net(m).byName('eth0')!;
    expect(errnoOf(() => net(m).changeName(eth0, 'eth1'))).toBe('EEXIST');
    eth0.flags |= 1;
    expect(errnoOf(() => net(m).changeName(eth0, 'lan0'))).toBe('EBUSY');
  });

  it('should hand out ever-increasing ifindexes and the lowest free ethN over any bind/unbind sequence (property)', () => {
    const fns = ['0000:04:00.0', NIC];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 10 }), (ops) => {
        const m = bootMachine({ presets: ['mlx5-nic', 'mlx5-nic'], modules: ['mlx5_core'] });
        const root = m.processes.root;
        let highest = Math.max(...net(m).devices.map((d) => d.ifindex));
        for (const i of ops) {
          const fn = fns[i]!;
          const bound = m.vfs.exists(`/sys/bus/pci/devices/${fn}/driver`);
          const free = [0, 1].find((n) => !net(m).byName(`eth${n}`));
          root.writeFile(`/sys/bus/pci/drivers/mlx5_core/${bound ? 'unbind' : 'bind'}`, fn);
          if (bound) continue;
          const dev = net(m).devices.find((d) => d.setup.parent.name === fn)!;
          expect(dev.ifindex).toBe(highest + 1);
          expect(dev.name).toBe(`eth${free}`);
          highest = dev.ifindex;
        }
        const names = net(m).devices.map((d) => d.name);
        expect(new Set(names).size).toBe(names.length);
      }),
      { numRuns: 20 },
    );
  });
});
