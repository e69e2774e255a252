/**
 * User memory as the kernel reaches it from a system call (include/linux/uaccess.h): the
 * caller's address space (`UserMemory`, implemented by each simulated process), and the copy
 * helpers an ioctl handler uses. Every helper fails with EFAULT when a byte of the range is not
 * mapped, as copy_from_user/copy_to_user do; `copyStructFromUser` is the extensible-struct rule
 * of lib/usercopy.c (copy_struct_from_user + check_zeroed_user).
 */
import { kerr } from '../base/index.js';

/** A process's address space, addressed by 64-bit user pointers. */
export interface UserMemory {
  /** `len` bytes at `addr`. @throws {DriverModelError} EFAULT if any byte is unmapped. */
  read(addr: bigint, len: number): Uint8Array;
  /** @throws {DriverModelError} EFAULT if any byte is unmapped (nothing is written then). */
  write(addr: bigint, data: Uint8Array): void;
}

/** Who makes an ioctl (`current`): its memory, its name and pid for messages, capable(). */
export interface IoctlCaller {
  readonly mem: UserMemory;
  readonly comm: string;
  readonly pid: number;
  capable(cap: string): boolean;
}

/** A user pointer from an ioctl argument or a struct field (u64). */
export function userPtr(arg: unknown): bigint {
  if (typeof arg === 'bigint') return BigInt.asUintN(64, arg);
  if (typeof arg === 'number' && Number.isSafeInteger(arg) && arg >= 0) return BigInt(arg);
  throw kerr('EFAULT', `ioctl argument ${String(arg)} is not a user pointer`);
}

export function copyFromUser(mem: UserMemory, addr: bigint, len: number): Uint8Array {
  if (len === 0) return new Uint8Array(0);
  return mem.read(addr, len);
}

export function copyToUser(mem: UserMemory, addr: bigint, data: Uint8Array): void {
  if (data.length === 0) return;
  mem.write(addr, data);
}

/** clear_user: `len` zero bytes at `addr`. */
export function clearUser(mem: UserMemory, addr: bigint, len: number): void {
  if (len === 0) return;
  mem.write(addr, new Uint8Array(len));
}

/** get_user of a u32 (native little-endian). */
export function getUserU32(mem: UserMemory, addr: bigint): number {
  const b = mem.read(addr, 4);
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

/**
 * copy_struct_from_user(dst, ksize, src, usize): a struct the kernel knows as `ksize` bytes,
 * passed by a caller that says it is `usize` bytes. A smaller user struct is zero-extended; a
 * larger one is accepted only when every byte past `ksize` is zero (else E2BIG).
 * @throws {DriverModelError} E2BIG for a non-zero tail; EFAULT for unmapped memory.
 */
export function copyStructFromUser(mem: UserMemory, ksize: number, addr: bigint, usize: number): Uint8Array {
  const out = new Uint8Array(ksize);
  const size = Math.min(ksize, usize);
  if (usize > ksize) {
    // check_zeroed_user reads the tail before anything is copied.
    const tail = mem.read(addr + BigInt(ksize), usize - ksize);
    if (tail.some((b) => b !== 0)) throw kerr('E2BIG', `struct of ${usize} bytes has non-zero bytes past the ${ksize} the kernel knows`);
  }
  out.set(copyFromUser(mem, addr, size));
  return out;
}
