/**
 * Acting as a process: `actAs` spawns a process with named credentials (uid, gid, group names,
 * `CAP_*` names or 'all') and gives the system calls a tool would make — open, read, write,
 * ioctl, close, readFile/writeFile — plus DOE exchanges over an open /dev/doe file or raw through
 * a function's config file, sleeping in the machine's virtual time between polls.
 */
import { DevDoeTransport, type Machine, type Process, RawConfigDoeTransport, resolveProcessSpec } from '../machine/index.js';

export interface Credentials {
  readonly uid?: number;
  readonly gid?: number;
  /** Supplementary group names (/etc/group of the machine). */
  readonly groups?: readonly string[];
  /** `CAP_*` names, or 'all'. Default: none for a non-zero uid, all for uid 0. */
  readonly caps?: readonly string[] | 'all';
}

export type OpenMode = 'r' | 'w' | 'rw';

/** A process of the machine with its system calls bound. */
export interface Actor {
  readonly process: Process;
  readonly name: string;
  open(path: string, mode?: OpenMode): number;
  read(fd: number, length?: number): Uint8Array;
  /** The bytes read, as text (latin1). */
  readText(fd: number, length?: number): string;
  write(fd: number, data: string | Uint8Array): number;
  ioctl(fd: number, cmd: number | string, arg?: unknown): unknown;
  close(fd: number): void;
  readFile(path: string): string;
  writeFile(path: string, value: string | Uint8Array): number;
  readdir(path: string): string[];
  /** One DOE exchange over the open /dev/doe file `fd`: write the request, poll for the response. */
  doe(fd: number, request: Uint8Array): Uint8Array;
  /** One DOE exchange through `/sys/bus/pci/devices/BDF/config`, mailbox `mailbox` in config-space order. */
  doeRaw(bdf: string, mailbox: number, request: Uint8Array): Uint8Array;
  /** The process exits: its files close. */
  exit(): void;
}

const latin1 = new TextDecoder('latin1');

/** Spawns process `name` with `cred` (default root with every capability). */
export function actAs(machine: Machine, name: string, cred: Credentials = {}): Actor {
  const uid = cred.uid ?? 0;
  const process = machine.processes.spawn(
    name,
    resolveProcessSpec({ uid, gid: cred.gid ?? uid, groups: cred.groups ?? [], caps: cred.caps ?? (uid === 0 ? 'all' : []) }),
  );
  const sleeper = { sleep: (ms: number) => void machine.advance(ms) };
  return {
    process,
    name,
    open: (path, mode = 'r') => process.open(path, mode),
    read: (fd, length) => process.read(fd, length),
    readText: (fd, length) => latin1.decode(process.read(fd, length)),
    write: (fd, data) => process.write(fd, data),
    ioctl: (fd, cmd, arg) => process.ioctl(fd, cmd, arg),
    close: (fd) => process.close(fd),
    readFile: (path) => process.readFile(path),
    writeFile: (path, value) => process.writeFile(path, value),
    readdir: (path) => process.readdir(path),
    doe: (fd, request) => new DevDoeTransport(process, fd, sleeper).exchange(request),
    doeRaw: (bdf, mailbox, request) => {
      const t = new RawConfigDoeTransport(process, bdf, mailbox, sleeper);
      try {
        return t.exchange(request);
      } finally {
        t.close();
      }
    },
    exit: () => process.exit(),
  };
}
