/**
 * The fwctl core (reference protocols §4.1–4.2, drivers/fwctl/main.c) on the mlx5 fwctl device:
 * every errno row of the ioctl path in the kernel's order, the taint rule, the struct size
 * rules, FWCTL_INFO's buffer handling, and revocation on unregister.
 */
import { describe, expect, it } from 'vitest';
import type { FwctlCore } from '../../src/drivers/fwctl/main.js';
import { IFwctlCore } from '../../src/drivers/fwctl/main.js';
import type { Machine } from '../../src/machine/index.js';
import { FWCTL_INFO, FWCTL_RPC, decodeFwctlInfo, decodeFwctlRpc, encodeFwctlInfo, encodeFwctlRpc } from '../../src/protocols/index.js';
import { type Process, fwctlInfo, fwctlRpc } from '../../src/userspace/index.js';
import { bootMachine, errnoOf } from '../support/pci-machine.js';

const MiB2 = 2 * 1024 * 1024;
const NODE = '/dev/fwctl/fwctl0';

function machine(): Machine {
  return bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_fwctl'] });
}

/** A 16-byte PRM command header: opcode and op_mod big-endian. */
function prm(opcode: number, opMod = 0, len = 16): Uint8Array {
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  v.setUint16(0, opcode);
  v.setUint16(6, opMod);
  return b;
}
const QUERY_ADAPTER = 0x101; // allowed at every scope
const NOP = 0x80d; // DEBUG_READ_ONLY and above

/** A raw struct of `size` bytes (header fields from `fields`, then `tail`) in `p`'s memory. */
function rawStruct(p: Process, encoded: Uint8Array, size: number, tail: number[] = []): bigint {
  const b = new Uint8Array(Math.max(size, encoded.length));
  b.set(encoded.subarray(0, Math.min(encoded.length, b.length)));
  new DataView(b.buffer).setUint32(0, size, true);
  tail.forEach((v, i) => (b[encoded.length + i] = v));
  return p.mm.map(b);
}

interface Row {
  readonly why: string;
  readonly errno: string;
  readonly run: (p: Process, fd: number) => unknown;
  readonly as?: 'root' | 'nocap';
}

/** A well-formed RPC struct with overridable fields. */
function rpc(p: Process, o: { scope?: number; inLen?: number; outLen?: number; size?: number; tail?: number[]; input?: Uint8Array } = {}): bigint {
  const input = o.input ?? prm(QUERY_ADAPTER);
  const inAddr = p.mm.map(o.inLen !== undefined && o.inLen > input.length ? Math.min(o.inLen, MiB2) : input);
  const outLen = o.outLen ?? 64;
  const outAddr = p.mm.map(Math.min(outLen, MiB2));
  const s = encodeFwctlRpc({ size: 32, scope: o.scope ?? 0, inLen: o.inLen ?? input.length, outLen, in: inAddr, out: outAddr });
  return rawStruct(p, s, o.size ?? 32, o.tail);
}

function info(p: Process, o: { flags?: number; size?: number; tail?: number[] } = {}): bigint {
  const data = p.mm.map(16);
  return rawStruct(
    p,
    encodeFwctlInfo({ size: 24, flags: o.flags ?? 0, outDeviceType: 0, deviceDataLen: 16, outDeviceData: data }),
    o.size ?? 24,
    o.tail,
  );
}

// In the order fwctl_fops_ioctl and fwctl_cmd_* check them.
const rows: Row[] = [
  { why: 'ioctl number past the table (nr 2)', errno: 'ENOTTY', run: (p, fd) => p.ioctl(fd, 0x9a02, info(p)) },
  { why: 'right nr, wrong type (0x9b00)', errno: 'ENOTTY', run: (p, fd) => p.ioctl(fd, 0x9b00, info(p)) },
  { why: 'right nr, _IOWR direction bits (0xc0189a00)', errno: 'ENOTTY', run: (p, fd) => p.ioctl(fd, 0xc0189a00, info(p)) },
  { why: 'NULL argument', errno: 'EFAULT', run: (p, fd) => p.ioctl(fd, FWCTL_INFO, 0) },
  { why: 'FWCTL_INFO size 23 (below 24)', errno: 'EINVAL', run: (p, fd) => p.ioctl(fd, FWCTL_INFO, info(p, { size: 23 })) },
  { why: 'FWCTL_INFO size 0', errno: 'EINVAL', run: (p, fd) => p.ioctl(fd, FWCTL_INFO, info(p, { size: 0 })) },
  { why: 'FWCTL_RPC size 31 (below 32)', errno: 'EINVAL', run: (p, fd) => p.ioctl(fd, FWCTL_RPC, rpc(p, { size: 31 })) },
  {
    why: 'FWCTL_INFO size 32 with a non-zero tail',
    errno: 'E2BIG',
    run: (p, fd) => p.ioctl(fd, FWCTL_INFO, info(p, { size: 32, tail: [0, 0, 0, 0, 0, 0, 0, 1] })),
  },
  { why: 'FWCTL_RPC size 40 with a non-zero tail', errno: 'E2BIG', run: (p, fd) => p.ioctl(fd, FWCTL_RPC, rpc(p, { size: 40, tail: [1] })) },
  { why: 'FWCTL_INFO flags 1', errno: 'EOPNOTSUPP', run: (p, fd) => p.ioctl(fd, FWCTL_INFO, info(p, { flags: 1 })) },
  { why: 'in_len 2 MiB + 1', errno: 'EMSGSIZE', run: (p, fd) => p.ioctl(fd, FWCTL_RPC, rpc(p, { inLen: MiB2 + 1 })) },
  { why: 'out_len 2 MiB + 1', errno: 'EMSGSIZE', run: (p, fd) => p.ioctl(fd, FWCTL_RPC, rpc(p, { outLen: MiB2 + 1 })) },
  { why: 'EMSGSIZE before the scope check', errno: 'EMSGSIZE', run: (p, fd) => p.ioctl(fd, FWCTL_RPC, rpc(p, { outLen: MiB2 + 1, scope: 9 })) },
  { why: 'scope 4', errno: 'EOPNOTSUPP', run: (p, fd) => p.ioctl(fd, FWCTL_RPC, rpc(p, { scope: 4 })) },
  { why: 'scope 0xffffffff', errno: 'EOPNOTSUPP', run: (p, fd) => p.ioctl(fd, FWCTL_RPC, rpc(p, { scope: 0xffffffff })) },
  { why: 'DEBUG_WRITE_FULL without CAP_SYS_RAWIO', errno: 'EPERM', as: 'nocap', run: (p, fd) => p.ioctl(fd, FWCTL_RPC, rpc(p, { scope: 3 })) },
  {
    why: 'the in buffer unmapped',
    errno: 'EFAULT',
    run: (p, fd) =>
      p.ioctl(fd, FWCTL_RPC, rawStruct(p, encodeFwctlRpc({ size: 32, scope: 0, inLen: 16, outLen: 16, in: 8n, out: p.mm.map(16) }), 32)),
  },
];

describe('fwctl ioctl errno rows (protocols §4.1–4.2)', () => {
  it.each(rows.map((r) => [r.why, r] as const))('%s', (_why, row) => {
    const m = machine();
    const p = row.as === 'nocap' ? m.processes.spawn('tool', { uid: 0, gid: 0, caps: ['CAP_SYS_ADMIN'] }) : m.processes.root;
    const fd = p.open(NODE, 'rw');
    expect(errnoOf(() => row.run(p, fd))).toBe(row.errno);
    // None of these reaches the taint.
    expect(m.taint.letters).toBe('');
  });

  it('should accept a larger struct with a zero tail and copy back only what the kernel knows', () => {
    const m = machine();
    const p = m.processes.root;
    const fd = p.open(NODE, 'rw');
    const data = p.mm.map(16);
    const b = new Uint8Array(40).fill(0);
    b.set(encodeFwctlInfo({ size: 40, flags: 0, outDeviceType: 0, deviceDataLen: 16, outDeviceData: data }));
    const addr = p.mm.map(b);
    p.ioctl(fd, FWCTL_INFO, addr);
    const back = p.mm.read(addr, 40);
    expect(decodeFwctlInfo(back)).toMatchObject({ size: 40, outDeviceType: 1, deviceDataLen: 8 });
    expect([...back.subarray(24)]).toEqual(new Array(16).fill(0));
  });
});

describe('fwctl taint rule (TAINT_FWCTL, J, once per boot)', () => {
  it.each([
    ['CONFIGURATION', 0, 'root', ''],
    ['DEBUG_READ_ONLY', 1, 'root', ''],
    ['DEBUG_WRITE', 2, 'root', 'J'],
    ['DEBUG_WRITE_FULL', 3, 'root', 'J'],
    ['DEBUG_WRITE_FULL without CAP_SYS_RAWIO (EPERM first)', 3, 'nocap', ''],
    ['DEBUG_WRITE by an unprivileged user', 2, 'nocap', 'J'],
  ] as const)('%s (scope %i, as %s) → taint "%s"', (_name, scope, who, letters) => {
    const m = machine();
    const p = who === 'nocap' ? m.processes.spawn('tool', { uid: 0, gid: 0, caps: [] }) : m.processes.root;
    const fd = p.open(NODE, 'rw');
    errnoOf(() => fwctlRpc(p, fd, scope, prm(NOP)));
    expect(m.taint.letters).toBe(letters);
    expect((m.taint.mask & 0x80000) !== 0).toBe(letters === 'J');
  });

  it('should taint even when the driver then rejects the request, and warn only once', () => {
    const m = machine();
    const p = m.processes.root;
    const fd = p.open(NODE, 'rw');
    // opcode 0x0 is not on the allow list: EBADMSG, after the taint.
    expect(errnoOf(() => fwctlRpc(p, fd, 2, prm(0)))).toBe('EBADMSG');
    expect(m.taint.letters).toBe('J');
    fwctlRpc(p, fd, 3, prm(NOP));
    const warnings = m.log.records.filter((r) => r.message.includes('has requested full access'));
    expect(warnings.map((r) => r.message)).toEqual(['fwctl fwctl0: root(1): has requested full access to the physical device device']);
  });
});

describe('FWCTL_INFO device data', () => {
  it('should return the driver length even past the buffer, zero-fill the rest, and not ask the driver for length 0', () => {
    const m = machine();
    const p = m.processes.root;
    const fd = p.open(NODE, 'rw');
    const big = fwctlInfo(p, fd, 12);
    expect(big.deviceType).toBe(1);
    expect(big.deviceDataLen).toBe(8);
    expect([...big.data]).toEqual([1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]);
    const small = fwctlInfo(p, fd, 4);
    expect(small.deviceDataLen).toBe(8);
    expect([...small.data]).toEqual([1, 0, 0, 0]);
    const none = fwctlInfo(p, fd, 0);
    expect(none).toMatchObject({ deviceType: 1, deviceDataLen: 0 });
  });

  it('should report the driver length as out_len and copy min(out_len, driver length)', () => {
    const m = machine();
    const p = m.processes.root;
    const fd = p.open(NODE, 'rw');
    const cmd = p.mm.map(32);
    const out = p.mm.map(20);
    p.mm.write(cmd, encodeFwctlRpc({ size: 32, scope: 0, inLen: 16, outLen: 20, in: p.mm.map(prm(QUERY_ADAPTER)), out }));
    p.ioctl(fd, FWCTL_RPC, cmd);
    expect(decodeFwctlRpc(p.mm.read(cmd, 32)).outLen).toBe(20);
  });
});

describe('fwctl revocation (fwctl_unregister)', () => {
  it('should give ENODEV to an fd opened before unregister, let close succeed, and keep the minor until the last close', () => {
    const m = machine();
    const core = m.get<FwctlCore>(IFwctlCore);
    const p = m.processes.root;
    const fd = p.open(NODE, 'rw');
    const other = p.open(NODE, 'r');
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/mlx5_fwctl.mlx5_fwctl/unbind', 'mlx5_core.fwctl.0');
    expect(m.vfs.exists(NODE)).toBe(false);
    expect(errnoOf(() => fwctlInfo(p, fd))).toBe('ENODEV');
    expect(errnoOf(() => fwctlRpc(p, fd, 0, prm(QUERY_ADAPTER)))).toBe('ENODEV');
    // The size rules still come first: a short struct is EINVAL even on a dead file.
    expect(errnoOf(() => p.ioctl(fd, FWCTL_INFO, info(p, { size: 8 })))).toBe('EINVAL');
    expect(errnoOf(() => p.ioctl(fd, 0x9a07, info(p)))).toBe('ENOTTY');
    // Rebinding makes a new device; minor 0 is still held by the orphaned files.
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/mlx5_fwctl.mlx5_fwctl/bind', 'mlx5_core.fwctl.0');
    expect(m.vfs.exists('/dev/fwctl/fwctl1')).toBe(true);
    expect(core.live).toEqual({ devices: 2, uctxs: 2 });
    p.close(fd);
    p.close(other);
    expect(core.live).toEqual({ devices: 1, uctxs: 0 });
    // Now 0 is free again: the next device takes it.
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/mlx5_fwctl.mlx5_fwctl/unbind', 'mlx5_core.fwctl.0');
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/mlx5_fwctl.mlx5_fwctl/bind', 'mlx5_core.fwctl.0');
    expect(m.vfs.exists(NODE)).toBe(true);
  });

  it('should make the class device and node 0600 root:root, node fwctl/fwctlN, and open need only the file permission', () => {
    const m = machine();
    const st = m.vfs.stat(NODE);
    expect(st).toMatchObject({ type: 'chr', uid: 0, gid: 0 });
    expect(st.mode & 0o7777).toBe(0o600);
    expect(m.processes.root.readFile('/sys/class/fwctl/fwctl0/uevent')).toContain('DEVNAME=fwctl/fwctl0\n');
    const alice = m.processes.spawn('alice', { uid: 1000, gid: 1000, caps: [] });
    expect(errnoOf(() => alice.open(NODE, 'rw'))).toBe('EACCES');
  });
});
