/**
 * The errno table: names and numbers exactly as Linux (include/uapi/asm-generic/errno-base.h,
 * errno.h, include/linux/errno.h), with strerror text. Every failure that crosses a kernel or
 * system-call boundary in auxbus carries one of these names.
 *
 * Kernel-internal codes (ERESTARTSYS … EPROBE_DEFER) never reach a simulated process as such:
 * the driver core converts them first (e.g. sysfs `bind` turns EPROBE_DEFER into EAGAIN).
 */

/** errno name → number, as on x86-64/arm64 Linux (asm-generic). */
export const Errno = {
  EPERM: 1, // Operation not permitted: capability or lockdown refused
  ENOENT: 2, // No such file or directory
  ESRCH: 3, // No such process
  EINTR: 4, // Interrupted system call
  EIO: 5, // I/O error: dead mailbox, disabling a disabled device
  ENXIO: 6, // No such device or address: probe "not my device" (quiet)
  E2BIG: 7, // Argument list too long
  ENOEXEC: 8, // Exec format error
  EBADF: 9, // Bad file descriptor
  ECHILD: 10, // No child processes
  EAGAIN: 11, // Try again: sysfs bind whose probe deferred
  ENOMEM: 12, // Out of memory
  EACCES: 13, // Permission denied: mode bits, or kernfs refusing even root
  EFAULT: 14, // Bad address
  ENOTBLK: 15, // Block device required
  EBUSY: 16, // Device or resource busy: already bound, already claimed, module in use
  EEXIST: 17, // File exists: duplicate device name, duplicate new_id
  EXDEV: 18, // Cross-device link
  ENODEV: 19, // No such device: not found on the bus, or a handle that outlived its driver
  ENOTDIR: 20, // Not a directory
  EISDIR: 21, // Is a directory
  EINVAL: 22, // Invalid argument
  ENFILE: 23, // File table overflow
  EMFILE: 24, // Too many open files
  ENOTTY: 25, // Not a typewriter: unknown ioctl, no reset method
  ETXTBSY: 26, // Text file busy
  EFBIG: 27, // File too large
  ENOSPC: 28, // No space left on device
  ESPIPE: 29, // Illegal seek
  EROFS: 30, // Read-only file system
  EMLINK: 31, // Too many links
  EPIPE: 32, // Broken pipe
  EDOM: 33, // Math argument out of domain of func
  ERANGE: 34, // Math result not representable
  EDEADLK: 35, // Resource deadlock would occur
  ENAMETOOLONG: 36, // File name too long
  ENOLCK: 37, // No record locks available
  ENOSYS: 38, // Invalid system call number
  ENOTEMPTY: 39, // Directory not empty
  ELOOP: 40, // Too many symbolic links encountered
  ENOMSG: 42, // No message of desired type
  ENODATA: 61, // No data available
  ETIME: 62, // Timer expired
  ENOLINK: 67, // Link has been severed
  EPROTO: 71, // Protocol error
  EBADMSG: 74, // Not a data message
  EOVERFLOW: 75, // Value too large for defined data type
  EILSEQ: 84, // Illegal byte sequence
  EUSERS: 87, // Too many users
  ENOTSOCK: 88, // Socket operation on non-socket
  EMSGSIZE: 90, // Message too long: fwctl in/out length above 2 MiB
  EPROTONOSUPPORT: 93, // Protocol not supported
  EOPNOTSUPP: 95, // Operation not supported: unknown fwctl scope
  ECONNRESET: 104, // Connection reset by peer: SPDM ResetRequired / RequestResynch (LNX-SPDM spdm_err)
  EBADFD: 77, // File descriptor in bad state: vfio SET_CONTAINER with a file that is no container
  ENOBUFS: 105, // No buffer space available
  ETIMEDOUT: 110, // Connection timed out: DOE timeout, deferred probe timeout
  ECONNREFUSED: 111, // Connection refused
  EALREADY: 114, // Operation already in progress
  EINPROGRESS: 115, // Operation now in progress
  ECANCELED: 125, // Operation Canceled: DOE exchange aborted on close
  ENOKEY: 126, // Required key not available
  EKEYREJECTED: 129, // Key was rejected by service
  EOWNERDEAD: 130, // Owner died
  ERFKILL: 132, // Operation not possible due to RF-kill
  EHWPOISON: 133, // Memory page has hardware error
  ERESTARTSYS: 512, // kernel-internal: restart the system call
  ENOIOCTLCMD: 515, // kernel-internal: no ioctl command (becomes ENOTTY)
  ENOTSUPP: 524, // kernel-internal: operation is not supported
  EPROBE_DEFER: 517, // kernel-internal: driver requests probe retry
} as const;

export type ErrnoName = keyof typeof Errno;

const names = new Map<number, ErrnoName>((Object.entries(Errno) as [ErrnoName, number][]).map(([name, value]) => [value, name]));

/** strerror(3) text for the names above (glibc wording; kernel-internal codes described). */
const messages: Partial<Record<ErrnoName, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long',
  ENOEXEC: 'Exec format error',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  EMFILE: 'Too many open files',
  ENOTTY: 'Inappropriate ioctl for device',
  ENOSPC: 'No space left on device',
  ESPIPE: 'Illegal seek',
  EROFS: 'Read-only file system',
  EPIPE: 'Broken pipe',
  ERANGE: 'Numerical result out of range',
  ENAMETOOLONG: 'File name too long',
  ENOSYS: 'Function not implemented',
  ENOTEMPTY: 'Directory not empty',
  ELOOP: 'Too many levels of symbolic links',
  ENODATA: 'No data available',
  EPROTO: 'Protocol error',
  EOVERFLOW: 'Value too large for defined data type',
  EMSGSIZE: 'Message too long',
  EOPNOTSUPP: 'Operation not supported',
  ECONNRESET: 'Connection reset by peer',
  EBADFD: 'File descriptor in bad state',
  ENOBUFS: 'No buffer space available',
  ETIMEDOUT: 'Connection timed out',
  ECANCELED: 'Operation canceled',
  ERESTARTSYS: 'Interrupted system call (restart)',
  ENOIOCTLCMD: 'No ioctl command',
  ENOTSUPP: 'Operation is not supported',
  EPROBE_DEFER: 'Driver requests probe retry',
};

/** The name of errno number `n` (positive or negative), or undefined for an unknown number. */
export function errnoName(n: number): ErrnoName | undefined {
  return names.get(Math.abs(n));
}

/** True for a string that names an errno of the table. */
export function isErrnoName(s: string): s is ErrnoName {
  return Object.prototype.hasOwnProperty.call(Errno, s);
}

/** strerror(3) for a name; falls back to the name itself. */
export function strerror(name: ErrnoName): string {
  return messages[name] ?? name;
}
