/**
 * Netdev queue kobjects (net/core/net-sysfs.c register_queue_kobjects, rx_queue_add_kobject,
 * netdev_queue_add_kobject, remove_queue_kobjects; reference kernel-driver-model §2.3): one
 * rx-N and tx-N per real queue of mlx5's eth0, their `add`/`remove` uevents (SUBSYSTEM queues)
 * in the kernel's order around the net device's own, their attributes with modes, contents and
 * store errno, and udev rules acting on them on the machine.
 */
import { describe, expect, it } from 'vitest';
import { DQL_MAX_LIMIT } from '../../src/drivers/net/index.js';
import type { Machine } from '../../src/machine/index.js';
import { NIC, NIC_PATH, bootMachine, errnoOf, eventsSince } from '../support/pci-machine.js';

const ETH = `${NIC_PATH}/net/eth0`;
const Q = '/sys/class/net/eth0/queues';

function nic(rules?: string): Machine {
  return bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core'], ...(rules ? { rules: [{ name: '60-rps.rules', text: rules }] } : {}) });
}

describe('uevents (add after the device, remove before it)', () => {
  it('bind: the netdev, then rx-0 rx-1, then tx-0 tx-1 (one channel per CPU), before the aux child’s bind', () => {
    const m = nic();
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/mlx5_core.eth/unbind', 'mlx5_core.eth.0');
    const before = m.uevent.seqnum;
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/mlx5_core.eth/bind', 'mlx5_core.eth.0');
    expect(eventsSince(m, before)).toEqual([
      `add ${ETH}`,
      `add ${ETH}/queues/rx-0`,
      `add ${ETH}/queues/rx-1`,
      `add ${ETH}/queues/tx-0`,
      `add ${ETH}/queues/tx-1`,
      `bind ${NIC_PATH}/mlx5_core.eth.0 DRIVER=mlx5_core.eth`,
    ]);
    // A queue's event is the bare kobject's: the kset's name as SUBSYSTEM, nothing else.
    const ev = m.uevent.log.find((e) => e.devpath === `${ETH}/queues/rx-0`)!;
    expect(ev.env.map(([k]) => k)).toEqual(['ACTION', 'DEVPATH', 'SUBSYSTEM', 'SEQNUM']);
    expect(ev.subsystem).toBe('queues');
    // No event for the `queues` kset itself (the device kset's filter drops it).
    expect(m.uevent.log.some((e) => e.devpath === `${ETH}/queues`)).toBe(false);
  });

  it('unbind: rx from the top down, then tx, then the netdev', () => {
    const m = nic();
    const before = m.uevent.seqnum;
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/mlx5_core.eth/unbind', 'mlx5_core.eth.0');
    expect(eventsSince(m, before)).toEqual([
      `remove ${ETH}/queues/rx-1`,
      `remove ${ETH}/queues/rx-0`,
      `remove ${ETH}/queues/tx-1`,
      `remove ${ETH}/queues/tx-0`,
      `remove ${ETH}`,
      `unbind ${NIC_PATH}/mlx5_core.eth.0`,
    ]);
    expect(m.vfs.exists(`${NIC_PATH}/net`)).toBe(false);
  });
});

describe('attributes', () => {
  it('directories, names and modes as net-sysfs.c creates them', () => {
    const m = nic();
    const root = m.processes.root;
    expect(root.readdir(Q)).toEqual(['rx-0', 'rx-1', 'tx-0', 'tx-1']);
    const modes = (dir: string) => Object.fromEntries(root.readdir(dir).map((n) => [n, m.vfs.stat(`${dir}/${n}`).mode.toString(8)]));
    expect(modes(`${Q}/rx-1`)).toEqual({ rps_cpus: '644', rps_flow_cnt: '644' });
    expect(modes(`${Q}/tx-1`)).toEqual({
      byte_queue_limits: '755',
      traffic_class: '444',
      tx_maxrate: '644',
      tx_timeout: '444',
      xps_cpus: '644',
      xps_rxqs: '644',
    });
    expect(modes(`${Q}/tx-1/byte_queue_limits`)).toEqual({
      hold_time: '644',
      inflight: '444',
      limit: '644',
      limit_max: '644',
      limit_min: '644',
      stall_cnt: '444',
      stall_max: '644',
      stall_thrs: '644',
    });
  });

  it.each([
    ['rx-0/rps_cpus', '0\n'],
    ['rx-0/rps_flow_cnt', '0\n'],
    ['tx-0/tx_timeout', '0\n'],
    ['tx-0/traffic_class', '0\n'],
    ['tx-0/tx_maxrate', '0\n'],
    ['tx-0/xps_cpus', '0\n'],
    ['tx-0/xps_rxqs', '0\n'],
    ['tx-0/byte_queue_limits/hold_time', '1000\n'],
    ['tx-0/byte_queue_limits/limit_max', `${DQL_MAX_LIMIT}\n`],
    ['tx-0/byte_queue_limits/limit_min', '0\n'],
  ])('%s reads %j', (file, text) => {
    expect(nic().processes.root.readFile(`${Q}/${file}`)).toBe(text);
  });

  it('DQL_MAX_LIMIT is (UINT_MAX / 2) − UINT_MAX / 16 on 64-bit', () => {
    expect(DQL_MAX_LIMIT).toBe(1879048192);
  });

  // [file, value, writer, errno or the text read back]
  it.each([
    ['rx-0/rps_cpus', '3', 'nocap', 'EPERM'],
    ['rx-0/rps_cpus', 'xyz', 'root', 'EINVAL'],
    ['rx-0/rps_cpus', '3', 'root', '3\n'],
    ['rx-0/rps_cpus', 'ff', 'root', '3\n'], // only the 2 online CPUs
    ['rx-0/rps_flow_cnt', '100', 'nocap', 'EPERM'],
    ['rx-0/rps_flow_cnt', '100', 'root', '128\n'],
    ['rx-0/rps_flow_cnt', String(2 ** 29 + 1), 'root', 'EINVAL'],
    ['rx-0/rps_flow_cnt', '-1', 'root', 'EINVAL'],
    ['tx-0/tx_maxrate', '1000', 'nocap', 'EPERM'],
    ['tx-0/tx_maxrate', 'abc', 'root', 'EINVAL'],
    ['tx-0/tx_maxrate', '1000', 'root', '1000\n'],
    ['tx-0/xps_cpus', '2', 'root', '2\n'],
    ['tx-0/xps_rxqs', '1', 'nocap', 'EPERM'],
    ['tx-0/byte_queue_limits/limit_max', 'max', 'root', `${DQL_MAX_LIMIT}\n`],
    ['tx-0/byte_queue_limits/limit_max', '4294967295', 'root', 'EINVAL'],
    ['tx-0/byte_queue_limits/limit_min', '1500', 'nocap', '1500\n'], // no capability check in bql_set
  ])('%s ← %s as %s → %s', (file, value, who, want) => {
    const m = nic();
    const p = who === 'root' ? m.processes.root : m.processes.spawn('tool', { uid: 0, gid: 0, caps: [] });
    const path = `${Q}/${file}`;
    const errno = errnoOf(() => p.writeFile(path, `${value}\n`));
    if (want.endsWith('\n')) {
      expect(errno).toBe('ok');
      expect(m.processes.root.readFile(path)).toBe(want);
    } else expect(errno).toBe(want);
  });

  it('a non-root user cannot write them at all (kernfs: 0644 → EACCES)', () => {
    const m = nic();
    const u = m.processes.spawn('user', { uid: 1000, gid: 1000, caps: [] });
    expect(errnoOf(() => u.writeFile(`${Q}/rx-0/rps_cpus`, '3\n'))).toBe('EACCES');
  });
});

describe('udev on queue events', () => {
  it('a rule on SUBSYSTEM=="queues" sets rps_cpus of every rx queue at boot, and leaves tx queues alone', () => {
    const m = nic('SUBSYSTEM=="queues", ACTION=="add", KERNEL=="rx-*", ATTR{rps_cpus}="3"\n');
    m.settle();
    const root = m.processes.root;
    expect([0, 1].map((i) => root.readFile(`${Q}/rx-${i}/rps_cpus`))).toEqual(['3\n', '3\n']);
    expect(root.readFile(`${Q}/tx-0/xps_cpus`)).toBe('0\n');
  });

  it('after a NAME= rename the queues move with the interface', () => {
    const m = nic('SUBSYSTEM=="net", ACTION=="add", NAME="uplink0"\n');
    m.settle();
    expect(m.processes.root.readdir('/sys/class/net/uplink0/queues')).toEqual(['rx-0', 'rx-1', 'tx-0', 'tx-1']);
    expect(m.vfs.exists(`/sys/bus/pci/devices/${NIC}/net/uplink0/queues/tx-1/byte_queue_limits/limit`)).toBe(true);
  });
});
