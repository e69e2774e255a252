/**
 * Linux capabilities (include/uapi/linux/capability.h): names and numbers. A process holds a
 * set of names; root's default set is all of them.
 */
export const capabilities = {
  CAP_CHOWN: 0, // change file ownership
  CAP_DAC_OVERRIDE: 1, // bypass file read/write/execute permission checks
  CAP_DAC_READ_SEARCH: 2, // bypass file read and directory search checks
  CAP_FOWNER: 3, // bypass checks on operations that require owning the file
  CAP_FSETID: 4, // keep set-user/group-ID bits on modification
  CAP_KILL: 5, // send signals to any process
  CAP_SETGID: 6, // change group ids
  CAP_SETUID: 7, // change user ids
  CAP_SETPCAP: 8, // change capability sets
  CAP_LINUX_IMMUTABLE: 9, // set immutable/append-only flags
  CAP_NET_BIND_SERVICE: 10, // bind ports below 1024
  CAP_NET_BROADCAST: 11, // broadcast and multicast
  CAP_NET_ADMIN: 12, // network administration (renaming interfaces)
  CAP_NET_RAW: 13, // raw sockets
  CAP_IPC_LOCK: 14, // lock memory
  CAP_IPC_OWNER: 15, // bypass IPC permission checks
  CAP_SYS_MODULE: 16, // load and unload kernel modules
  CAP_SYS_RAWIO: 17, // raw I/O: /dev/mem, fwctl DEBUG_WRITE_FULL
  CAP_SYS_CHROOT: 18, // chroot
  CAP_SYS_PTRACE: 19, // trace any process
  CAP_SYS_PACCT: 20, // process accounting
  CAP_SYS_ADMIN: 21, // system administration: PCI enable, full config-space reads
  CAP_SYS_BOOT: 22, // reboot
  CAP_SYS_NICE: 23, // raise priority
  CAP_SYS_RESOURCE: 24, // override resource limits
  CAP_SYS_TIME: 25, // set the clock
  CAP_SYS_TTY_CONFIG: 26, // configure ttys
  CAP_MKNOD: 27, // create device nodes
  CAP_LEASE: 28, // file leases
  CAP_AUDIT_WRITE: 29, // write the audit log
  CAP_AUDIT_CONTROL: 30, // configure auditing
  CAP_SETFCAP: 31, // set file capabilities
  CAP_MAC_OVERRIDE: 32, // override MAC
  CAP_MAC_ADMIN: 33, // configure MAC
  CAP_SYSLOG: 34, // privileged syslog operations
  CAP_WAKE_ALARM: 35, // trigger wake alarms
  CAP_BLOCK_SUSPEND: 36, // block system suspend
  CAP_AUDIT_READ: 37, // read the audit log
  CAP_PERFMON: 38, // performance monitoring
  CAP_BPF: 39, // BPF operations
  CAP_CHECKPOINT_RESTORE: 40, // checkpoint/restore
} as const;

export type Capability = keyof typeof capabilities;

export function isCapability(s: string): s is Capability {
  return Object.prototype.hasOwnProperty.call(capabilities, s);
}

export const allCapabilities: readonly Capability[] = Object.keys(capabilities) as Capability[];
