/**
 * mlx5_fwctl (protocols §4.3.1, drivers/fwctl/mlx5/main.c): the per-opcode allow list, user
 * contexts in firmware, the RPC rules; and the ownership conflicts of DESIGN.md §3 for a held
 * fwctl file: the parent driver unbinds, the module is unloaded, the function is unplugged.
 */
import { describe, expect, it } from 'vitest';
import { type FwctlCore, IFwctlCore } from '../../src/drivers/fwctl/main.js';
import { mlx5FirmwareCommands, mlx5Opcodes, mlx5ctlAllowList, mlx5ctlValidateRpc } from '../../src/drivers/fwctl/mlx5.js';
import { mlx5FirmwareOf } from '../../src/drivers/hw/mlx5-fw.js';
import { ownerOf } from '../../src/drivers/index.js';
import type { Machine } from '../../src/machine/index.js';
import { IPciCore, type PciCore } from '../../src/pci/index.js';
import { fwctlInfo, fwctlRpc } from '../../src/userspace/index.js';
import { NIC, NIC_PATH, bootMachine, errnoOf, eventsSince } from '../support/pci-machine.js';

const NODE = '/dev/fwctl/fwctl0';

function prm(opcode: number, opMod = 0, len = 16): Uint8Array {
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  v.setUint16(0, opcode);
  v.setUint16(2, 0x7777); // a uid the driver must overwrite
  v.setUint16(6, opMod);
  return b;
}

function firmware(m: Machine) {
  const pdev = m.get<PciCore>(IPciCore).findDevice(NIC)!;
  return mlx5FirmwareOf(pdev.hw, mlx5FirmwareCommands);
}

const O = mlx5Opcodes;
const SCOPES = [0, 1, 2, 3] as const;

describe('mlx5ctl_validate_rpc allow list', () => {
  // opcode, op_mod, the lowest scope that is allowed (undefined: never).
  const rows: [string, number, number, number | undefined][] = [
    ['QUERY_ADAPTER', O.QUERY_ADAPTER, 0, 0],
    ['QUERY_HCA_CAP', O.QUERY_HCA_CAP, 1, 0],
    ['SET_HCA_CAP', O.SET_HCA_CAP, 0, 0],
    ['QUERY_OTHER_HCA_CAP 0x10e', O.QUERY_OTHER_HCA_CAP, 0, 0],
    ['POSTPONE_CONNECTED_QP_TIMEOUT 0xb2e', O.POSTPONE_CONNECTED_QP_TIMEOUT, 0, 0],
    ['MODIFY_CONG_STATUS (later mainline)', O.MODIFY_CONG_STATUS, 0, 0],
    ['DELEGATE_VHCA_MANAGEMENT 0x731 (later mainline)', O.DELEGATE_VHCA_MANAGEMENT, 0, 0],
    ['QUERY_DRIVER_VERSION 0x10c', O.QUERY_DRIVER_VERSION, 0, 1],
    ['QUERY_RDB 0x512', O.QUERY_RDB, 0, 1],
    ['QUERY_PSV 0x602', O.QUERY_PSV, 0, 1],
    ['QUERY_UCTX 0xa05', O.QUERY_UCTX, 0, 1],
    ['QUERY_UMEM 0xa09', O.QUERY_UMEM, 0, 1],
    ['QUERY_RSV_RESOURCES 0x8000', O.QUERY_RSV_RESOURCES, 0, 1],
    ['QUERY_MTT 0x8001', O.QUERY_MTT, 0, 1],
    ['QUERY_ADJACENT_FUNCTIONS_ID 0x730', O.QUERY_ADJACENT_FUNCTIONS_ID, 0, 1],
    ['QUERY_DELEGATED_VHCA 0x732', O.QUERY_DELEGATED_VHCA, 0, 1],
    ['NOP', O.NOP, 0, 1],
    ['SET_DIAGNOSTIC_PARAMS 0x820', O.SET_DIAGNOSTIC_PARAMS, 0, 2],
    ['ACCESS_REG write (op_mod 0)', O.ACCESS_REG, 0, 0],
    ['ACCESS_REG read (op_mod 1)', O.ACCESS_REG, 1, 1],
    ['ACCESS_REGISTER_USER 0xb0c write', O.ACCESS_REGISTER_USER, 0, 0],
    ['ACCESS_REGISTER_USER 0xb0c read', O.ACCESS_REGISTER_USER, 1, 1],
    ['CREATE_UCTX 0xa04 (allocates: never)', 0xa04, 0, undefined],
    ['DESTROY_UCTX 0xa06', 0xa06, 0, undefined],
    ['CREATE_MKEY 0x200', 0x200, 0, undefined],
    ['ENABLE_HCA 0x104', 0x104, 0, undefined],
    ['opcode 0', 0, 0, undefined],
  ];

  it.each(rows)('%s', (_name, opcode, opMod, lowest) => {
    for (const scope of SCOPES) expect(mlx5ctlValidateRpc(opcode, opMod, scope)).toBe(lowest !== undefined && scope >= lowest);
  });

  it('should map every listed opcode to exactly one rule and reject everything else at every scope', () => {
    expect(mlx5ctlAllowList.size).toBe(new Set(Object.values(O)).size);
    for (let op = 0; op < 0x10000; op += 7) {
      if (!mlx5ctlAllowList.has(op)) for (const scope of SCOPES) expect(mlx5ctlValidateRpc(op, 0, scope)).toBe(false);
    }
  });
});

describe('mlx5_fwctl RPCs through /dev/fwctl/fwctl0', () => {
  function setup() {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_fwctl'] });
    const p = m.processes.root;
    return { m, p, fd: p.open(NODE, 'rw'), fw: firmware(m) };
  }

  it('should give each open file its own firmware UID with TOOLS_RESOURCES, and destroy it on close', () => {
    const { m, p, fd, fw } = setup();
    const fd2 = p.open(NODE, 'r');
    const a = fwctlInfo(p, fd, 8);
    const b = fwctlInfo(p, fd2, 8);
    expect(a.deviceType).toBe(1);
    const uid = (d: Uint8Array) => new DataView(d.buffer).getUint32(0, true);
    expect([uid(a.data), uid(b.data)]).toEqual([1, 2]);
    expect(new DataView(a.data.buffer).getUint32(4, true)).toBe(4);
    expect(fw.liveUids).toBe(2);
    p.close(fd2);
    expect(fw.liveUids).toBe(1);
    void m;
  });

  it('should run an allowed command with the file’s UID forced into the header and report the caller’s out_len', () => {
    const { p, fd, fw } = setup();
    const r = fwctlRpc(p, fd, 0, prm(O.QUERY_ADAPTER), 64);
    expect(r.outLen).toBe(64);
    expect(r.out[0]).toBe(0);
    expect(fw.log.at(-1)).toEqual({ opcode: O.QUERY_ADAPTER, uid: 1, opMod: 0, status: 0 });
  });

  it('should return a firmware failure as success with the status and syndrome in the output', () => {
    const { p, fd } = setup();
    const r = fwctlRpc(p, fd, 0, prm(O.QUERY_HCA_CAP, 0x7f << 1), 16);
    expect(r.out[0]).toBe(0x03);
    expect(new DataView(r.out.buffer).getUint32(4)).not.toBe(0);
  });

  it.each([
    ['in_len 15', prm(O.QUERY_ADAPTER, 0, 15), 64, 'EMSGSIZE'],
    ['out_len 15', prm(O.QUERY_ADAPTER), 15, 'EMSGSIZE'],
    ['EMSGSIZE before the allow list', prm(0x200, 0, 8), 64, 'EMSGSIZE'],
    ['opcode not allowed', prm(0x200), 64, 'EBADMSG'],
    ['NOP at CONFIGURATION', prm(O.NOP), 64, 'EBADMSG'],
  ] as const)('%s → %s', (_why, input, outLen, errno) => {
    const { p, fd, fw } = setup();
    const before = fw.log.length;
    expect(errnoOf(() => fwctlRpc(p, fd, 0, input, outLen))).toBe(errno);
    expect(fw.log.length).toBe(before);
  });
});

/** The model's object counts a held fwctl file could leak. */
function counts(m: Machine) {
  const core = m.isBound(IFwctlCore) ? m.get<FwctlCore>(IFwctlCore).live : undefined;
  return {
    fwctl: core,
    uids: firmware(m).liveUids,
    open: m.cdevs.all.reduce((n, c) => n + c.openFiles.size, 0),
    mappings: m.processes.root.mm.mappings,
    classDevices: m.buses.class('fwctl')?.devices.length ?? 0,
  };
}

describe('ownership conflicts: a process holds fwctl0', () => {
  function held() {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_fwctl'] });
    const tool = m.processes.spawn('tool', { uid: 0, gid: 0, caps: ['CAP_SYS_RAWIO'] });
    const baseline = counts(m);
    const fd = tool.open(NODE, 'rw');
    return { m, tool, fd, baseline };
  }

  it('should report the holder as owner of fwctl0 and of mlx5_core.fwctl.0, the kernel when nobody holds it', () => {
    const { m, tool, fd } = held();
    expect(ownerOf(m.findDevice('fwctl0'))).toEqual({ pid: tool.pid, process: 'tool' });
    expect(ownerOf(m.findDevice('mlx5_core.fwctl.0'))).toEqual({ pid: tool.pid, process: 'tool' });
    tool.close(fd);
    expect(ownerOf(m.findDevice('fwctl0'))).toBe('kernel');
    expect(ownerOf(m.findDevice('mlx5_core.fwctl.0'))).toBe('kernel');
  });

  it('parent driver unbinds: ENODEV, close works, counts return', () => {
    const { m, tool, fd, baseline } = held();
    m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', NIC);
    expect(errnoOf(() => fwctlRpc(tool, fd, 0, prm(O.QUERY_ADAPTER)))).toBe('ENODEV');
    expect(firmware(m).liveUids).toBe(0);
    tool.close(fd);
    m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/bind', NIC);
    expect(counts(m)).toEqual(baseline);
  });

  it('module unloaded: rmmod mlx5_fwctl succeeds under the open file (ENODEV), rmmod fwctl is EBUSY until close', () => {
    const { m, tool, fd, baseline } = held();
    expect(errnoOf(() => m.rmmod('fwctl'))).toBe('EBUSY');
    m.rmmod('mlx5_fwctl');
    expect(errnoOf(() => fwctlInfo(tool, fd))).toBe('ENODEV');
    expect(m.modules.refcount('fwctl')).toBe(1);
    expect(errnoOf(() => m.rmmod('fwctl'))).toBe('EBUSY');
    tool.close(fd);
    m.rmmod('fwctl');
    expect(m.modules.loaded).toEqual(['mlx5_core']);
    m.modprobe('mlx5_fwctl');
    expect(counts(m)).toEqual(baseline);
  });

  it('device unplugged: ENODEV, close works, nothing of it is left', () => {
    const { m, tool, fd } = held();
    const before = m.uevent.seqnum;
    m.unplug(NIC);
    expect(eventsSince(m, before).slice(0, 3)).toEqual([
      `remove ${NIC_PATH}/fwctl/fwctl0`,
      `unbind ${NIC_PATH}/mlx5_core.fwctl.0`,
      `remove ${NIC_PATH}/mlx5_core.fwctl.0`,
    ]);
    expect(errnoOf(() => fwctlRpc(tool, fd, 0, prm(O.QUERY_ADAPTER)))).toBe('ENODEV');
    tool.close(fd);
    const core = m.get<FwctlCore>(IFwctlCore);
    expect(core.live).toEqual({ devices: 0, uctxs: 0 });
    expect(m.cdevs.all.reduce((n, c) => n + c.openFiles.size, 0)).toBe(0);
    expect(tool.mm.mappings).toBe(0);
  });
});

describe('event orders of the split (reference §2.3) for the fwctl device', () => {
  /** The fwctl devices' events and the function's own bind/unbind. */
  const fwctlOrPci = (l: string) => l.includes('fwctl') || l.startsWith(`bind ${NIC_PATH} `) || l === `unbind ${NIC_PATH}`;

  it('probe: the child’s add, its class device’s add and its bind come before the parent’s bind', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_fwctl'] });
    m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', NIC);
    const before = m.uevent.seqnum;
    m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/bind', NIC);
    expect(eventsSince(m, before).filter(fwctlOrPci)).toEqual([
      `add ${NIC_PATH}/mlx5_core.fwctl.0`,
      `add ${NIC_PATH}/fwctl/fwctl0`,
      `bind ${NIC_PATH}/mlx5_core.fwctl.0 DRIVER=mlx5_fwctl.mlx5_fwctl`,
      `bind ${NIC_PATH} DRIVER=mlx5_core`,
    ]);
  });

  it('unbind of the parent: the class device goes, then the child unbinds and is removed, then the parent unbinds', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_fwctl'] });
    const before = m.uevent.seqnum;
    m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', NIC);
    expect(eventsSince(m, before).filter(fwctlOrPci)).toEqual([
      `remove ${NIC_PATH}/fwctl/fwctl0`,
      `unbind ${NIC_PATH}/mlx5_core.fwctl.0`,
      `remove ${NIC_PATH}/mlx5_core.fwctl.0`,
      `unbind ${NIC_PATH}`,
    ]);
  });

  it('module unload: the most recently bound device first, then the driver and the module', () => {
    const m = bootMachine({ presets: ['mlx5-nic', 'mlx5-nic'], modules: ['mlx5_fwctl'] });
    // Boot bound fwctl.0 (04:00.0) then fwctl.1 (03:00.0); rebinding fwctl.0 makes it the newest
    // (and it takes the lowest free minor, 0, again).
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/mlx5_fwctl.mlx5_fwctl/unbind', 'mlx5_core.fwctl.0');
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/mlx5_fwctl.mlx5_fwctl/bind', 'mlx5_core.fwctl.0');
    const before = m.uevent.seqnum;
    m.rmmod('mlx5_fwctl');
    const other = '/devices/pci0000:00/0000:00:01.0/0000:04:00.0';
    expect(eventsSince(m, before)).toEqual([
      `remove ${other}/fwctl/fwctl0`,
      `unbind ${other}/mlx5_core.fwctl.0`,
      `remove ${NIC_PATH}/fwctl/fwctl1`,
      `unbind ${NIC_PATH}/mlx5_core.fwctl.1`,
      'remove /bus/auxiliary/drivers/mlx5_fwctl.mlx5_fwctl',
      'remove /module/mlx5_fwctl',
    ]);
  });
});
