/**
 * Test helpers for PCI, auxiliary-bus and driver tests: a booted machine with presets, the
 * uevent log as compact lines, and direct access to sysfs attribute callbacks for the cases the
 * process facade cannot express yet (a writer's capabilities on text attributes).
 */
import { type AttributeAccessor, type SysfsFile, type Uevent, ueventVar } from '../../src/bus/index.js';
import { type Machine, type MachineOptions, createMachine } from '../../src/machine/index.js';

export const CXL = '0000:0d:00.0';
export const NIC = '0000:03:00.0';
export const CXL_PATH = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0';
export const NIC_PATH = '/devices/pci0000:00/0000:00:02.0/0000:03:00.0';

/** createMachine + boot; udev autoload off unless asked, so module loads are explicit. */
export function bootMachine(options: MachineOptions = {}): Machine {
  const m = createMachine({ autoload: false, ...options });
  m.boot();
  return m;
}

/** `action devpath [DRIVER=x]` for every uevent after `since`, optionally only of some subsystems. */
export function eventsSince(m: Machine, since: number, subsystems?: readonly string[]): string[] {
  return m.uevent.log
    .filter((e: Uevent) => e.seqnum > since && (!subsystems || subsystems.includes(e.subsystem)))
    .map((e) => `${e.action} ${e.devpath}${ueventVar(e, 'DRIVER') ? ` DRIVER=${ueventVar(e, 'DRIVER')}` : ''}`);
}

/** Everything between ACTION and SEQNUM of the last uevent matching action and devpath. */
export function lastEventEnv(m: Machine, action: string, devpath: string): [string, string][] {
  const ev = [...m.uevent.log].reverse().find((e) => e.action === action && e.devpath === devpath);
  if (!ev) throw new Error(`no ${action} event for ${devpath}`);
  return ev.env.map(([k, v]) => [k, v] as [string, string]);
}

export const privileged: AttributeAccessor = { hasCapability: () => true, comm: 'root' };
export const unprivileged: AttributeAccessor = { hasCapability: () => false, comm: 'tool' };

/** The attribute file at a /sys path. */
export function sysfsFile(m: Machine, path: string): SysfsFile {
  const node = m.sysfs.lookup(path);
  if (node.kind !== 'file') throw new Error(`${path} is not a file`);
  return node;
}

/** Call a text attribute's store directly, with a writer the VFS does not pass yet. */
export function storeAs(m: Machine, path: string, value: string, writer: AttributeAccessor): number {
  const f = sysfsFile(m, path);
  const attr = f.attr as { store?: (obj: unknown, buf: string, writer?: AttributeAccessor) => number };
  if (!attr.store) throw new Error(`${path} has no store`);
  return attr.store(f.obj, value, writer);
}

/** The errno a call throws, or 'ok'. */
export function errnoOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    const errno = (e as { errno?: string }).errno;
    if (errno) return errno;
    throw e;
  }
}
