/**
 * `udevadm test [-a ACTION] [-N early|late|never] SYSPATH` and `udevadm test-builtin COMMAND
 * SYSPATH` on a live machine (udevadm-test.c, test-builtin.c of 252): the device is read from
 * the machine's /sys; the rules are the machine's rules files. The machine is left as it was:
 * the event runs against copies of its udev database and /dev, as a dry run should.
 */
import { kerr } from '../../base/index.js';
import type { Machine, MachineUdev } from '../../machine/index.js';
import {
  MemoryDevFs,
  type RulesFileInput,
  UdevDatabase,
  type UdevTestResult,
  compileRules,
  deviceActions,
  runUdevTest,
  udevRulesFiles,
} from '../../udev/index.js';

export interface MachineTestOptions {
  readonly action?: string;
  readonly resolveNames?: string;
  readonly syspath: string;
  readonly explain?: boolean;
  /** The rules files; default the machine's (as udevd loaded them). */
  readonly rules?: readonly RulesFileInput[];
}

/** `/sys/devices/…` or `/devices/…` → `/devices/…`; throws ENODEV when no such device directory exists. */
export function devpathOf(udev: MachineUdev, syspath: string): string {
  let p = syspath.replace(/\/+$/, '');
  if (p.startsWith('/sys/')) p = p.slice(4);
  if (!p.startsWith('/')) throw kerr('EINVAL', `${syspath}: expected /sys/… or /devices/…`);
  // A /sys/class/… or /sys/bus/…/devices/… link resolves to its device directory.
  const st = udev.sysfs.lstat(`/sys${p}`);
  if (!st) throw kerr('ENODEV', `Failed to open device '${syspath}': No such device`);
  if (st.type === 'link') {
    const parts = `/sys${p}`.split('/').slice(0, -1);
    for (const seg of udev.sysfs.readlink(`/sys${p}`)!.split('/')) {
      if (seg === '..') parts.pop();
      else if (seg !== '.' && seg !== '') parts.push(seg);
    }
    p = parts.join('/').slice(4);
  }
  if (!udev.sysfs.lstat(`/sys${p}/uevent`)) throw kerr('ENODEV', `Failed to open device '${syspath}': No such device`);
  return p;
}

function copyDb(db: UdevDatabase): UdevDatabase {
  const out = new UdevDatabase();
  for (const [id, e] of db.entries()) {
    out.set(id, e);
    for (const t of e.tags) out.updateTagIndex(t, id, true);
  }
  return out;
}

function copyDev(udev: MachineUdev): MemoryDevFs {
  const out = new MemoryDevFs();
  for (const [path, e] of udev.devfs.list()) {
    if (e.type === 'char' || e.type === 'block') out.mknod(path, e);
    else if (e.type === 'link') out.symlink(e.target, path);
  }
  return out;
}

export function machineRules(machine: Machine): RulesFileInput[] {
  return udevRulesFiles(machine.options.rules, machine.options.autoload);
}

/** One `udevadm test` event on the machine. */
export function udevadmTestMachine(machine: Machine, udev: MachineUdev, o: MachineTestOptions): UdevTestResult {
  const action = o.action ?? 'add';
  if (!(deviceActions as readonly string[]).includes(action)) throw kerr('EINVAL', `Invalid action '${action}'`);
  const resolve = o.resolveNames ?? 'early';
  if (resolve !== 'early' && resolve !== 'late' && resolve !== 'never')
    throw kerr('EINVAL', `--resolve-names=${resolve}: expected early, late or never`);
  const devpath = devpathOf(udev, o.syspath);
  const rules = compileRules(o.rules ?? machineRules(machine), { resolveNames: resolve });
  return runUdevTest({
    ...(machine.options.hwdb ? { hwdb: machine.options.hwdb } : {}),
    rules,
    sysfs: udev.sysfs,
    devfs: copyDev(udev),
    database: copyDb(udev.daemon.db),
    events: [{ action, devpath }],
    cmdline: machine.options.cmdline,
    explain: o.explain === true,
  });
}
