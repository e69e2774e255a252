/**
 * cxl_fwctl (protocols §4.3.4, drivers/cxl/core/features.c) and the CXL mailbox (§4.4): scopes
 * derived from each Set Feature Effects bit, the three features of DESIGN.md §4 at every scope,
 * the Features commands' outputs, the CEL (effect bits numbered as the spec and Linux number
 * them, enumeration, the Features capability) and the gating of userspace mailbox commands.
 */
import { describe, expect, it } from 'vitest';
import { cxlSetFeatureScope, cxlSetupFeatures, cxlctlOps } from '../../src/drivers/cxl/features.js';
import {
  CXL_FEATURES_NONE,
  CXL_FEATURES_RO,
  CXL_FEATURES_RW,
  type CxlRawPolicy,
  type CxlSendCommand,
  cxlEnumerateCmds,
  cxlInternalSendCmd,
  cxlMemRawCommandAllowed,
  cxlSetupMailbox,
  cxlValidateSendCommand,
} from '../../src/drivers/cxl/mbox.js';
import { type FwctlCore, type FwctlUctx, IFwctlCore } from '../../src/drivers/fwctl/main.js';
import {
  CXL_TYPE3_FEATURE_UUIDS,
  type CxlDeviceFeature,
  CxlMailboxDevice,
  cxlMailboxOf,
  cxlType3Cel,
  cxlType3Features,
} from '../../src/drivers/hw/cxl-mailbox.js';
import type { Machine } from '../../src/machine/index.js';
import { IPciCore, type PciCore } from '../../src/pci/index.js';
import {
  CXL_VENDOR_DEBUG_UUID,
  cxlCmdEffectLinuxNames,
  cxlCmdEffects as E,
  cxlOpcodes as OP,
  decodeFeatEntry,
  encodeFwctlRpcCxl,
  uuidBytes,
} from '../../src/protocols/index.js';
import { fwctlRpc } from '../../src/userspace/index.js';
import { CXL, CXL_PATH, bootMachine, errnoOf } from '../support/pci-machine.js';

const NODE = '/dev/fwctl/fwctl0';
const U = CXL_TYPE3_FEATURE_UUIDS;

function machine(): Machine {
  return bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'cxl_fwctl'] });
}

function mailbox(m: Machine): CxlMailboxDevice {
  return cxlMailboxOf(m.get<PciCore>(IPciCore).findDevice(CXL)!.hw)!;
}

const getSupported = (count: number, start = 0) => {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, count, true);
  v.setUint16(4, start, true);
  return encodeFwctlRpcCxl(OP.GET_SUPPORTED_FEATURES, b);
};
const getFeature = (uuid: string, count: number, offset = 0, selection = 0) => {
  const b = new Uint8Array(21);
  b.set(uuidBytes(uuid));
  const v = new DataView(b.buffer);
  v.setUint16(16, offset, true);
  v.setUint16(18, count, true);
  b[20] = selection;
  return encodeFwctlRpcCxl(OP.GET_FEATURE, b);
};
const setFeature = (uuid: string, version: number, data: number[], offset = 0, flags = 0) => {
  const b = new Uint8Array(32 + data.length);
  b.set(uuidBytes(uuid));
  const v = new DataView(b.buffer);
  v.setUint32(16, flags, true);
  v.setUint16(20, offset, true);
  b[22] = version;
  b.set(data, 32);
  return encodeFwctlRpcCxl(OP.SET_FEATURE, b);
};
/** fwctl_rpc_cxl_out: size, retval, payload. */
const outOf = (out: Uint8Array) => {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  return { size: v.getUint32(0, true), retval: v.getUint32(4, true), payload: out.subarray(8) };
};

describe('CXL command effect bits (protocols §4.4.4)', () => {
  it('should number the bits as the spec and Linux do, not as QEMU', () => {
    expect(E).toMatchObject({
      CONFIG_CHANGE_COLD_RESET: 0x1,
      CONFIG_CHANGE_IMMEDIATE: 0x2,
      DATA_CHANGE_IMMEDIATE: 0x4,
      POLICY_CHANGE_IMMEDIATE: 0x8,
      LOG_CHANGE_IMMEDIATE: 0x10,
      SECURITY_STATE_CHANGE: 0x20,
      BACKGROUND: 0x40,
      SECONDARY_MBOX_SUPPORTED: 0x80,
      REQUEST_ABORT_BACKGROUND_SUPPORTED: 0x100,
      EFFECTS_VALID: 0x200,
      CONFIG_CHANGE_CONV_RESET: 0x400,
      CONFIG_CHANGE_CXL_RESET: 0x800,
      RESERVED: 0xf000,
    });
    expect(cxlCmdEffectLinuxNames[7]).toBe('CXL_CMD_BGCMD_ABORT_SUPPORTED');
    expect(cxlCmdEffectLinuxNames[8]).toBeUndefined();
  });

  // Each bit alone: the lowest scope cxlctl_validate_set_features allows (undefined: never).
  it.each([
    [0, 'cold reset', 2],
    [1, 'immediate config', 3],
    [2, 'immediate data', 3],
    [3, 'immediate policy', 3],
    [4, 'immediate log', 3],
    [5, 'security state (ignored: no other effect)', undefined],
    [6, 'background operation', undefined],
    [7, 'secondary mailbox (ignored)', undefined],
    [8, 'request abort (ignored)', undefined],
    [9, 'effects valid (ignored)', undefined],
    [10, 'conventional reset', 2],
    [11, 'CXL reset', 2],
    [12, 'reserved', undefined],
    [13, 'reserved', undefined],
    [14, 'reserved', undefined],
    [15, 'reserved', undefined],
  ] as const)('bit %i (%s) → lowest scope %s', (bit, _name, scope) => {
    expect(cxlSetFeatureScope(1 << bit)).toBe(scope);
  });

  it.each([
    ['reset + immediate', E.CONFIG_CHANGE_COLD_RESET | E.CONFIG_CHANGE_IMMEDIATE, 3],
    ['reset + background', E.CONFIG_CHANGE_COLD_RESET | E.BACKGROUND, undefined],
    ['immediate + reserved', E.CONFIG_CHANGE_IMMEDIATE | 0x1000, undefined],
    ['conv reset + valid + security', E.CONFIG_CHANGE_CONV_RESET | E.EFFECTS_VALID | E.SECURITY_STATE_CHANGE, 2],
    ['none', 0, undefined],
  ] as const)('%s → %s', (_name, effects, scope) => {
    expect(cxlSetFeatureScope(effects)).toBe(scope);
  });
});

describe('cxl_fwctl on the cxl-type3 preset', () => {
  it('should bind cxl_pci.fwctl.0 and register fwctl0 (type CXL) below the function, before cxl_pci binds when loaded first', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_fwctl'] });
    expect(m.findDevice('cxl_pci.fwctl.0').driver?.name).toBe('cxl_fwctl.fwctl');
    expect(m.findDevice('fwctl0').devpath).toBe(`${CXL_PATH}/fwctl/fwctl0`);
    const lines = m.uevent.log.map((e) => `${e.action} ${e.devpath}`);
    const i = (l: string) => lines.indexOf(l);
    expect(i(`add ${CXL_PATH}/fwctl/fwctl0`)).toBeLessThan(i(`bind ${CXL_PATH}/cxl_pci.fwctl.0`));
    expect(i(`bind ${CXL_PATH}/cxl_pci.fwctl.0`)).toBeLessThan(i(`bind ${CXL_PATH}`));
  });

  // The three features × four scopes: what a Set Feature gets (DESIGN.md §4 "CXL features").
  it.each([
    ['reset-effective', U.resetEffective, 1, ['EINVAL', 'EINVAL', 'ok', 'ok']],
    ['immediate', U.immediate, 1, ['EINVAL', 'EINVAL', 'EINVAL', 'ok']],
    ['kernel-exclusive (patrol scrub)', U.kernelExclusive, 2, ['EINVAL', 'EINVAL', 'EINVAL', 'EPERM']],
  ] as const)('Set Feature on the %s feature at scopes 0-3', (_name, uuid, version, expected) => {
    const m = machine();
    const p = m.processes.root;
    const fd = p.open(NODE, 'rw');
    const device = mailbox(m);
    const got = [0, 1, 2, 3].map((scope) => {
      const before = device.log.length;
      const e = errnoOf(() => {
        const r = fwctlRpc(p, fd, scope, setFeature(uuid, version, [0x5a, 0x00]));
        expect(outOf(r.out)).toMatchObject({ size: 0, retval: 0 });
        expect(r.outLen).toBe(16);
      });
      // Only an allowed Set reaches the device, with bit 3 (saved across reset) set by the kernel.
      expect(device.log.slice(before)).toEqual(e === 'ok' ? [{ opcode: OP.SET_FEATURE, rc: 0, flags: 0x8 }] : []);
      return e;
    });
    expect(got).toEqual(expected);
  });

  it('should serve Get Supported Features from the kept list, the exclusive entry unchangeable with set size 0', () => {
    const m = machine();
    const p = m.processes.root;
    const fd = p.open(NODE, 'rw');
    const device = mailbox(m);
    const before = device.log.length;
    const r = fwctlRpc(p, fd, 0, getSupported(4096));
    expect(device.log.length).toBe(before);
    expect(r.outLen).toBe(16 + 8 + 3 * 48);
    const o = outOf(r.out);
    expect(o).toMatchObject({ size: 8 + 3 * 48, retval: 0 });
    const v = new DataView(o.payload.buffer, o.payload.byteOffset);
    expect([v.getUint16(0, true), v.getUint16(2, true)]).toEqual([3, 3]);
    const entries = [0, 1, 2].map((i) => decodeFeatEntry(o.payload.subarray(8 + i * 48, 8 + (i + 1) * 48)));
    expect(entries.map((e) => [e.uuid, e.setSize, e.flags & 1, e.effects])).toEqual([
      [U.resetEffective, 4, 1, 0x601],
      [U.immediate, 2, 1, 0x00a],
      [U.kernelExclusive, 0, 0, 0x002],
    ]);
    // Two entries from index 1; a start past the list is EINVAL; count below one entry gives none.
    const two = outOf(fwctlRpc(p, fd, 1, getSupported(4096, 1)).out);
    expect(new DataView(two.payload.buffer, two.payload.byteOffset).getUint16(0, true)).toBe(2);
    expect(errnoOf(() => fwctlRpc(p, fd, 0, getSupported(4096, 3)))).toBe('EINVAL');
    expect(fwctlRpc(p, fd, 0, getSupported(47)).outLen).toBe(24);
  });

  it('should read features from the device: data at byte 8, size 0 with the return code on failure', () => {
    const m = machine();
    const p = m.processes.root;
    const fd = p.open(NODE, 'rw');
    const cur = fwctlRpc(p, fd, 0, getFeature(U.resetEffective, 4));
    expect(cur.outLen).toBe(16 + 4);
    expect(outOf(cur.out)).toMatchObject({ size: 4, retval: 0 });
    expect([...outOf(cur.out).payload.subarray(0, 4)]).toEqual([1, 0, 0, 0]);
    // An unknown UUID reaches the device (not checked by the kernel): Unsupported (3).
    const unknown = fwctlRpc(p, fd, 0, getFeature('00000000-0000-0000-0000-000000000001', 4));
    expect(outOf(unknown.out)).toMatchObject({ size: 0, retval: 3 });
    expect(unknown.outLen).toBe(16);
    // More than the feature holds: the device answers short, min_out fails (EIO), size 0, retval 0.
    expect(outOf(fwctlRpc(p, fd, 0, getFeature(U.resetEffective, 8)).out)).toMatchObject({ size: 0, retval: 0 });
    // Selection 2 (saved) follows a Set, which the kernel always sends "saved across reset".
    fwctlRpc(p, fd, 2, setFeature(U.resetEffective, 1, [7, 0, 0, 0]));
    expect([...outOf(fwctlRpc(p, fd, 0, getFeature(U.resetEffective, 4, 0, 2)).out).payload.subarray(0, 4)]).toEqual([7, 0, 0, 0]);
    expect([...outOf(fwctlRpc(p, fd, 0, getFeature(U.resetEffective, 4, 0, 1)).out).payload.subarray(0, 4)]).toEqual([1, 0, 0, 0]);
    // The kernel-exclusive feature can be read at any scope.
    expect(outOf(fwctlRpc(p, fd, 0, getFeature(U.kernelExclusive, 4)).out)).toMatchObject({ size: 4, retval: 0 });
  });

  it.each([
    ['unknown opcode 0x4000 (Identify)', encodeFwctlRpcCxl(OP.IDENTIFY, new Uint8Array(0)), 0, 'EINVAL'],
    ['Get Supported Features op_size 7', encodeFwctlRpcCxl(OP.GET_SUPPORTED_FEATURES, new Uint8Array(7)), 0, 'EINVAL'],
    ['Get Feature op_size 20', encodeFwctlRpcCxl(OP.GET_FEATURE, new Uint8Array(20)), 0, 'EINVAL'],
    ['Get Feature count 0', getFeature(U.resetEffective, 0), 0, 'EINVAL'],
    ['Set Feature of an unknown UUID', setFeature('00000000-0000-0000-0000-000000000001', 1, [1]), 3, 'EINVAL'],
    ['Set Feature with only a header (op_size 32)', setFeature(U.resetEffective, 1, []), 3, 'EINVAL'],
  ] as const)('%s → %s', (_why, input, scope, errno) => {
    const m = machine();
    const p = m.processes.root;
    const fd = p.open(NODE, 'rw');
    expect(errnoOf(() => fwctlRpc(p, fd, scope, input))).toBe(errno);
  });

  it('should return a device failure of Set Feature in retval (wrong version: FEATUREVERSION 25)', () => {
    const m = machine();
    const p = m.processes.root;
    const fd = p.open(NODE, 'rw');
    const r = fwctlRpc(p, fd, 3, setFeature(U.immediate, 9, [1, 2]));
    expect(outOf(r.out)).toMatchObject({ size: 0, retval: 25 });
  });
});

/** Kernel-side state over a device of our making. */
function kernelOver(device: CxlMailboxDevice) {
  const mbox = cxlSetupMailbox(device);
  cxlEnumerateCmds(mbox);
  return mbox;
}
const uctx = {} as FwctlUctx;

describe('CXL mailbox: CEL enumeration and the Features capability (protocols §4.4.3)', () => {
  it('should enable the CEL’s commands of the driver table, force-enable the three, and find Features RW', () => {
    const mbox = kernelOver(new CxlMailboxDevice());
    expect([...mbox.enabledCmds].sort((a, b) => a - b)).toEqual([OP.GET_SUPPORTED_LOGS, OP.GET_LOG, OP.IDENTIFY]);
    expect(mbox.featCap).toBe(CXL_FEATURES_RW);
  });

  it.each([
    ['without Set Feature', [OP.SET_FEATURE], CXL_FEATURES_RO],
    ['without Get Feature', [OP.GET_FEATURE], CXL_FEATURES_NONE],
    ['without Get Supported Features', [OP.GET_SUPPORTED_FEATURES], CXL_FEATURES_NONE],
  ] as const)('CEL %s → capability %i', (_why, drop, cap) => {
    const cel = cxlType3Cel.filter((c) => !(drop as readonly number[]).includes(c.opcode));
    expect(kernelOver(new CxlMailboxDevice({ cel })).featCap).toBe(cap);
  });

  it('should refuse Set Feature (EINVAL) at every scope on a read-only capability', () => {
    const cel = cxlType3Cel.filter((c) => c.opcode !== OP.SET_FEATURE);
    const device = new CxlMailboxDevice({ cel });
    const ops = cxlctlOps(cxlSetupFeatures(kernelOver(device)));
    expect(errnoOf(() => ops.fwRpc(uctx, 3, setFeature(U.resetEffective, 1, [1]), 64))).toBe('EINVAL');
    expect(ops.fwRpc(uctx, 0, getFeature(U.resetEffective, 4), 64).outLen).toBe(20);
  });

  it('should read the CEL in payload-size chunks and send a large Set Feature as initiate then finish', () => {
    const big: CxlDeviceFeature = {
      entry: {
        uuid: '11111111-2222-3333-4444-555555555555',
        id: 9,
        getSize: 300,
        setSize: 300,
        flags: 1,
        getVersion: 1,
        setVersion: 1,
        effects: E.CONFIG_CHANGE_COLD_RESET,
      },
      current: new Uint8Array(300),
      defaults: new Uint8Array(300),
      saved: new Uint8Array(300),
    };
    const cel = [...cxlType3Cel, ...Array.from({ length: 70 }, (_, i) => ({ opcode: 0xc000 + i, effects: 0 }))];
    const device = new CxlMailboxDevice({ payloadShift: 8, features: [big], cel });
    const mbox = kernelOver(device);
    // 76 CEL entries = 304 bytes: two Get Log reads of a 256-byte payload.
    expect(device.log.filter((l) => l.opcode === OP.GET_LOG)).toHaveLength(2);
    expect(mbox.featCap).toBe(CXL_FEATURES_RW);
    const ops = cxlctlOps(cxlSetupFeatures(mbox));
    const data = Array.from({ length: 300 }, (_, i) => i & 0xff);
    const before = device.log.length;
    const r = ops.fwRpc(uctx, 2, setFeature(big.entry.uuid, 1, data), 64);
    expect(outOf(r.out)).toMatchObject({ size: 0, retval: 0 });
    expect(device.log.slice(before)).toEqual([
      { opcode: OP.SET_FEATURE, rc: 0, flags: 0x8 | 1 },
      { opcode: OP.SET_FEATURE, rc: 0, flags: 0x8 | 3 },
    ]);
    expect([...big.current]).toEqual(data);
  });

  it('should not register fwctl (probe ENODEV) when every feature is the kernel’s', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'] });
    const device = mailbox(m);
    device.features.splice(0, 2);
    m.modprobe('cxl_fwctl');
    expect(m.findDevice('cxl_pci.fwctl.0').driver).toBeUndefined();
    expect(m.vfs.exists(NODE)).toBe(false);
    expect(cxlType3Features()).toHaveLength(3);
  });

  it('should map device return codes to Linux errno and keep the output length on failure', () => {
    const mbox = kernelOver(new CxlMailboxDevice());
    const r = cxlInternalSendCmd(mbox, { opcode: 0x4300, payloadIn: new Uint8Array(0), sizeOut: 32 });
    expect(r).toMatchObject({ errno: 'ENXIO', returnCode: 3, sizeOut: 32 });
    expect(cxlInternalSendCmd(mbox, { opcode: OP.IDENTIFY, payloadIn: new Uint8Array(4096), sizeOut: 0 }).errno).toBe('E2BIG');
  });
});

describe('CXL_MEM_SEND_COMMAND gating (protocols §4.4.5)', () => {
  const open: CxlRawPolicy = { rawCommandsBuiltIn: true, lockedDown: false, rawAllowAll: false };

  it.each([
    ['Identify', OP.IDENTIFY, open, true],
    ['Get Health Info', OP.GET_HEALTH_INFO, open, true],
    ['a vendor opcode', 0xc000, open, true],
    ['Activate FW (deny list)', OP.ACTIVATE_FW, open, false],
    ['Set Partition Info (deny list)', OP.SET_PARTITION_INFO, open, false],
    ['Set LSA', OP.SET_LSA, open, false],
    ['Set Shutdown State', OP.SET_SHUTDOWN_STATE, open, false],
    ['Scan Media', OP.SCAN_MEDIA, open, false],
    ['Get Scan Media', OP.GET_SCAN_MEDIA, open, false],
    ['Get Poison', OP.GET_POISON, open, false],
    ['Inject Poison', OP.INJECT_POISON, open, false],
    ['Clear Poison', OP.CLEAR_POISON, open, false],
    ['Sanitize (0x44 set)', OP.SANITIZE, open, false],
    ['Unlock (0x45 set)', OP.UNLOCK, open, false],
    ['Security passthrough (0x46 set)', 0x4600, open, false],
    ['Sanitize with raw_allow_all', OP.SANITIZE, { ...open, rawAllowAll: true }, true],
    ['Identify under lockdown', OP.IDENTIFY, { ...open, lockedDown: true }, false],
    ['Identify under lockdown with raw_allow_all', OP.IDENTIFY, { ...open, lockedDown: true, rawAllowAll: true }, false],
    ['Identify without CONFIG_CXL_MEM_RAW_COMMANDS', OP.IDENTIFY, { ...open, rawCommandsBuiltIn: false }, false],
  ] as const)('raw %s → %s', (_name, opcode, policy, allowed) => {
    expect(cxlMemRawCommandAllowed(opcode, policy)).toBe(allowed);
  });

  const base: CxlSendCommand = { id: 1, flags: 0, rawOpcode: 0, rawRsvd: 0, inSize: 0, inRsvd: 0, outSize: 0x43, outRsvd: 0 };
  const clearLog = (uuid: string) => ({ ...base, id: 23, inSize: 16, outSize: 0, input: uuidBytes(uuid) });
  it.each([
    ['id 0', { ...base, id: 0 }, 'ENOTTY'],
    ['id 25 (MAX)', { ...base, id: 25 }, 'ENOTTY'],
    ['in.size above the payload', { ...base, inSize: 4096 }, 'EINVAL'],
    ['unknown flag bit 2', { ...base, flags: 4 }, 'EINVAL'],
    ['in.rsvd set', { ...base, inRsvd: 1 }, 'EINVAL'],
    ['a command the CEL did not enable (Get FW Info)', { ...base, id: 4, outSize: 0x50 }, 'ENOTTY'],
    ['a deprecated id (15)', { ...base, id: 15 }, 'ENOTTY'],
    ['Identify with in.size 4', { ...base, inSize: 4, input: new Uint8Array(4) }, 'ENOMEM'],
    ['Identify with out.size 0x42', { ...base, outSize: 0x42 }, 'ENOMEM'],
    ['Identify, well formed', base, 'ok'],
    ['raw with raw.rsvd', { ...base, id: 2, rawOpcode: OP.IDENTIFY, rawRsvd: 1 }, 'EINVAL'],
    ['raw with out.size above the payload', { ...base, id: 2, rawOpcode: OP.IDENTIFY, outSize: 4096 }, 'EINVAL'],
    ['raw Sanitize', { ...base, id: 2, rawOpcode: OP.SANITIZE }, 'EPERM'],
    ['raw Identify (flags not checked)', { ...base, id: 2, rawOpcode: OP.IDENTIFY, flags: 0xff }, 'ok'],
    ['raw Clear Log of the CEL', { ...clearLog('0da9c0b5-bf41-4b78-8f79-96b1623b3f17'), id: 2, rawOpcode: OP.CLEAR_LOG }, 'EBUSY'],
    ['raw Clear Log of the vendor debug log', { ...clearLog(CXL_VENDOR_DEBUG_UUID), id: 2, rawOpcode: OP.CLEAR_LOG }, 'ok'],
  ] as const)('%s → %s', (_why, send, errno) => {
    const mbox = kernelOver(new CxlMailboxDevice());
    expect(errnoOf(() => cxlValidateSendCommand(mbox, send, open))).toBe(errno);
  });

  it('should refuse a command the kernel claimed exclusively with EBUSY', () => {
    const mbox = kernelOver(new CxlMailboxDevice());
    expect(errnoOf(() => cxlValidateSendCommand(mbox, base, open, new Set([OP.IDENTIFY])))).toBe('EBUSY');
  });
});

describe('ownership conflicts on the CXL fwctl device', () => {
  function held() {
    const m = machine();
    const core = m.get<FwctlCore>(IFwctlCore);
    const baseline = { ...core.live, open: m.cdevs.all.reduce((n, c) => n + c.openFiles.size, 0) };
    const tool = m.processes.spawn('tool', { uid: 0, gid: 0, caps: [] });
    const fd = tool.open(NODE, 'rw');
    return { m, core, tool, fd, baseline };
  }
  const counts = (m: Machine, core: FwctlCore) => ({ ...core.live, open: m.cdevs.all.reduce((n, c) => n + c.openFiles.size, 0) });

  it('cxl_pci unbinds: the devm child goes with fwctl0, ENODEV, close, and a rebind restores the counts', () => {
    const { m, core, tool, fd, baseline } = held();
    expect(m.findDevice('fwctl0').name).toBe('fwctl0');
    m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL);
    expect(errnoOf(() => fwctlRpc(tool, fd, 0, getSupported(4096)))).toBe('ENODEV');
    tool.close(fd);
    m.processes.root.writeFile('/sys/bus/pci/drivers_probe', CXL);
    expect(counts(m, core)).toEqual(baseline);
  });

  it('rmmod cxl_fwctl under the open file succeeds (ENODEV after), rmmod fwctl waits for the close', () => {
    const { m, core, tool, fd } = held();
    m.rmmod('cxl_fwctl');
    expect(errnoOf(() => fwctlRpc(tool, fd, 0, getSupported(4096)))).toBe('ENODEV');
    expect(errnoOf(() => m.rmmod('fwctl'))).toBe('EBUSY');
    tool.close(fd);
    expect(core.live).toEqual({ devices: 0, uctxs: 0 });
    m.rmmod('fwctl');
  });

  it('the function is unplugged: ENODEV, close, nothing left', () => {
    const { m, core, tool, fd } = held();
    m.unplug(CXL);
    expect(errnoOf(() => fwctlRpc(tool, fd, 3, getSupported(4096)))).toBe('ENODEV');
    tool.close(fd);
    expect(counts(m, core)).toEqual({ devices: 0, uctxs: 0, open: 0 });
    expect(tool.mm.mappings).toBe(0);
  });
});
