/**
 * The fwctl UAPI (include/uapi/fwctl/fwctl.h, fwctl/mlx5.h): ioctl numbers, the two ioctl
 * structures with their byte layouts (little-endian, as on x86-64), the device types and RPC
 * scopes, and the limits of drivers/fwctl/main.c. Shared by the kernel side (src/drivers/fwctl)
 * and userspace callers (src/userspace, the scenario host, tests).
 */
import { kerr } from '../../base/index.js';

/** _IO(type, nr): direction and size bits zero. */
export function _IO(type: number, nr: number): number {
  return ((type & 0xff) << 8) | (nr & 0xff);
}

/** _IOC_NR: the low 8 bits. */
export function iocNr(cmd: number): number {
  return cmd & 0xff;
}

export const FWCTL_TYPE = 0x9a;
export const FWCTL_CMD_BASE = 0;
/** _IO(FWCTL_TYPE, FWCTL_CMD_INFO) = 0x9a00. */
export const FWCTL_INFO = _IO(FWCTL_TYPE, FWCTL_CMD_BASE + 0);
/** _IO(FWCTL_TYPE, FWCTL_CMD_RPC) = 0x9a01. */
export const FWCTL_RPC = _IO(FWCTL_TYPE, FWCTL_CMD_BASE + 1);

/** Ioctl names a caller may use instead of numbers (the scenario format's `op:`). */
export const fwctlIoctls = { FWCTL_INFO, FWCTL_RPC } as const;
export type FwctlIoctlName = keyof typeof fwctlIoctls;

/** FWCTL_MAX_DEVICES: minors 0..4095 of one dynamic major. */
export const FWCTL_MAX_DEVICES = 4096;
/** MAX_RPC_LEN (SZ_2M): in_len or out_len above it is EMSGSIZE. */
export const FWCTL_MAX_RPC_LEN = 2 * 1024 * 1024;

/** enum fwctl_device_type (BNXT = 3 arrives with the bnxt driver). */
export const fwctlDeviceTypes = { ERROR: 0, MLX5: 1, CXL: 2, BNXT: 3, PDS: 4 } as const;
export type FwctlDeviceTypeName = keyof typeof fwctlDeviceTypes;

/** enum fwctl_rpc_scope, by value. */
export const fwctlRpcScopes = ['CONFIGURATION', 'DEBUG_READ_ONLY', 'DEBUG_WRITE', 'DEBUG_WRITE_FULL'] as const;
export type FwctlRpcScopeName = (typeof fwctlRpcScopes)[number];
export const FWCTL_RPC_CONFIGURATION = 0;
export const FWCTL_RPC_DEBUG_READ_ONLY = 1;
export const FWCTL_RPC_DEBUG_WRITE = 2;
export const FWCTL_RPC_DEBUG_WRITE_FULL = 3;

/** A scope name (with or without `FWCTL_RPC_`) or number, as the u32 the kernel receives. */
export function fwctlScopeValue(scope: FwctlRpcScopeName | number): number {
  return typeof scope === 'number' ? scope >>> 0 : fwctlRpcScopes.indexOf(scope);
}

/**
 * struct fwctl_info (24 bytes; min size offsetofend(out_device_data) = 24):
 * size u32 @0, flags u32 @4, out_device_type u32 @8, device_data_len u32 @12, out_device_data u64 @16.
 */
export interface FwctlInfo {
  size: number;
  flags: number;
  outDeviceType: number;
  deviceDataLen: number;
  outDeviceData: bigint;
}
export const FWCTL_INFO_SIZE = 24;
export const FWCTL_INFO_MIN_SIZE = 24;

/**
 * struct fwctl_rpc (32 bytes; min size offsetofend(out) = 32):
 * size u32 @0, scope u32 @4, in_len u32 @8, out_len u32 @12, in u64 @16, out u64 @24.
 */
export interface FwctlRpc {
  size: number;
  scope: number;
  inLen: number;
  outLen: number;
  in: bigint;
  out: bigint;
}
export const FWCTL_RPC_SIZE = 32;
export const FWCTL_RPC_MIN_SIZE = 32;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * A structure shorter than its layout is EINVAL, as fwctl_fops_ioctl() answers a user_size below
 * the op's min_size (the kernel copies at least that much before decoding).
 */
function fixed(b: Uint8Array, size: number, name: string): DataView {
  if (b.length < size) throw kerr('EINVAL', `${name}: ${b.length} bytes, at least ${size} needed`);
  return view(b);
}

export function decodeFwctlInfo(b: Uint8Array): FwctlInfo {
  const v = fixed(b, FWCTL_INFO_SIZE, 'struct fwctl_info');
  return {
    size: v.getUint32(0, true),
    flags: v.getUint32(4, true),
    outDeviceType: v.getUint32(8, true),
    deviceDataLen: v.getUint32(12, true),
    outDeviceData: v.getBigUint64(16, true),
  };
}

export function encodeFwctlInfo(s: FwctlInfo): Uint8Array {
  const b = new Uint8Array(FWCTL_INFO_SIZE);
  const v = view(b);
  v.setUint32(0, s.size >>> 0, true);
  v.setUint32(4, s.flags >>> 0, true);
  v.setUint32(8, s.outDeviceType >>> 0, true);
  v.setUint32(12, s.deviceDataLen >>> 0, true);
  v.setBigUint64(16, BigInt.asUintN(64, s.outDeviceData), true);
  return b;
}

export function decodeFwctlRpc(b: Uint8Array): FwctlRpc {
  const v = fixed(b, FWCTL_RPC_SIZE, 'struct fwctl_rpc');
  return {
    size: v.getUint32(0, true),
    scope: v.getUint32(4, true),
    inLen: v.getUint32(8, true),
    outLen: v.getUint32(12, true),
    in: v.getBigUint64(16, true),
    out: v.getBigUint64(24, true),
  };
}

export function encodeFwctlRpc(s: FwctlRpc): Uint8Array {
  const b = new Uint8Array(FWCTL_RPC_SIZE);
  const v = view(b);
  v.setUint32(0, s.size >>> 0, true);
  v.setUint32(4, s.scope >>> 0, true);
  v.setUint32(8, s.inLen >>> 0, true);
  v.setUint32(12, s.outLen >>> 0, true);
  v.setBigUint64(16, BigInt.asUintN(64, s.in), true);
  v.setBigUint64(24, BigInt.asUintN(64, s.out), true);
  return b;
}

/** struct fwctl_info_mlx5 (8 bytes): uid u32 @0, uctx_caps u32 @4. */
export function encodeFwctlInfoMlx5(uid: number, uctxCaps: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = view(b);
  v.setUint32(0, uid >>> 0, true);
  v.setUint32(4, uctxCaps >>> 0, true);
  return b;
}
