/**
 * What a fwctl tool does in userspace: lay out `struct fwctl_info` / `struct fwctl_rpc` and their
 * buffers in the process's memory, make the ioctl, and read the results back. The mappings are
 * released afterwards, whatever the ioctl answered.
 */
import {
  FWCTL_INFO,
  FWCTL_INFO_SIZE,
  FWCTL_RPC,
  FWCTL_MAX_RPC_LEN,
  FWCTL_RPC_SIZE,
  decodeFwctlInfo,
  decodeFwctlRpc,
  encodeFwctlInfo,
  encodeFwctlRpc,
} from '../protocols/index.js';
import type { Process } from './process.js';

/** Default size of the device-data and RPC output buffers a tool passes. */
export const FWCTL_DEFAULT_BUFFER = 4096;

export interface FwctlInfoResult {
  readonly deviceType: number;
  /** device_data_len as the kernel returned it (the driver's length; may exceed the buffer). */
  readonly deviceDataLen: number;
  /** The whole user buffer after the call. */
  readonly data: Uint8Array;
}

export interface FwctlRpcResult {
  /** out_len as the kernel returned it (may exceed the buffer). */
  readonly outLen: number;
  /** The first min(out_len, buffer) bytes of the output buffer. */
  readonly out: Uint8Array;
}

/** FWCTL_INFO with a `bufferLen`-byte device-data buffer. */
export function fwctlInfo(proc: Process, fd: number, bufferLen = FWCTL_DEFAULT_BUFFER): FwctlInfoResult {
  const data = bufferLen > 0 ? proc.mm.map(bufferLen) : 0n;
  const cmd = proc.mm.map(encodeFwctlInfo({ size: FWCTL_INFO_SIZE, flags: 0, outDeviceType: 0, deviceDataLen: bufferLen, outDeviceData: data }));
  try {
    proc.ioctl(fd, FWCTL_INFO, cmd);
    const r = decodeFwctlInfo(proc.mm.read(cmd, FWCTL_INFO_SIZE));
    return { deviceType: r.outDeviceType, deviceDataLen: r.deviceDataLen, data: bufferLen > 0 ? proc.mm.read(data, bufferLen) : new Uint8Array(0) };
  } finally {
    proc.mm.unmap(cmd);
    if (bufferLen > 0) proc.mm.unmap(data);
  }
}

/** FWCTL_RPC of `input` at `scope` (passed unchanged, any u32) with an `outLen`-byte output buffer. */
export function fwctlRpc(proc: Process, fd: number, scope: number, input: Uint8Array, outLen = FWCTL_DEFAULT_BUFFER): FwctlRpcResult {
  const inAddr = proc.mm.map(input);
  // A buffer above MAX_RPC_LEN is never touched (EMSGSIZE first): map no more than that.
  const outAddr = proc.mm.map(Math.max(1, Math.min(outLen, FWCTL_MAX_RPC_LEN)));
  const cmd = proc.mm.map(encodeFwctlRpc({ size: FWCTL_RPC_SIZE, scope, inLen: input.length, outLen, in: inAddr, out: outAddr }));
  try {
    proc.ioctl(fd, FWCTL_RPC, cmd);
    const r = decodeFwctlRpc(proc.mm.read(cmd, FWCTL_RPC_SIZE));
    return { outLen: r.outLen, out: proc.mm.read(outAddr, Math.min(r.outLen, outLen)) };
  } finally {
    proc.mm.unmap(cmd);
    proc.mm.unmap(outAddr);
    proc.mm.unmap(inAddr);
  }
}
