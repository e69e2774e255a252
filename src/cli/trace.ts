/**
 * `auxbus run -v` / `--trace`: what one scenario step did to the machine — the kernel uevents
 * it sent, the events udevd processed with the rules lines that matched (as udevd recorded them
 * while it processed each event: its per-event rules trace, not a re-run after the step, when
 * the rules or the device may have changed), and the changes below
 * /sys/devices, /sys/bus (directories and links: devices and bindings) and /dev (nodes with
 * mode and owner, and links). `read`/`ls` steps already print what they read in their result.
 */
import { type IDisposable, debianPasswd } from '../base/index.js';
import type { Machine } from '../machine/index.js';
import { machineUdev } from '../machine/index.js';
import type { EventTrace } from '../udev/index.js';

const passwd = debianPasswd();

export interface TraceMark {
  readonly uevents: number;
  readonly processed: number;
  readonly tree: ReadonlyMap<string, string>;
  /** The rules traces udevd records from the mark on, by seqnum; traceSince ends the listening. */
  readonly traces: Map<number, EventTrace>;
  readonly listening: IDisposable;
}

/** Directories and links below /sys/devices and /sys/bus, and /dev entries, with what they are. */
function snapshot(machine: Machine): Map<string, string> {
  const out = new Map<string, string>();
  const udev = machineUdev(machine);
  const walk = (dir: string) => {
    for (const n of udev.sysfs.readdir(dir) ?? []) {
      const p = `${dir}/${n}`;
      const st = udev.sysfs.lstat(p);
      if (st?.type === 'dir') {
        out.set(p, 'dir');
        walk(p);
      } else if (st?.type === 'link') out.set(p, `-> ${udev.sysfs.readlink(p) ?? '?'}`);
    }
  };
  walk('/sys/devices');
  walk('/sys/bus');
  for (const [p, e] of udev.devfs.list()) {
    if (e.type === 'link') out.set(p, `-> ${e.target}`);
    else if (e.type !== 'dir')
      out.set(
        p,
        `${e.type} ${e.major}:${e.minor} 0${e.mode.toString(8)} ${passwd.userById(e.uid)?.name ?? e.uid}:${passwd.groupById(e.gid)?.name ?? e.gid}`,
      );
  }
  return out;
}

export function traceMark(machine: Machine): TraceMark {
  const daemon = machineUdev(machine).daemon;
  const traces = new Map<number, EventTrace>();
  const listening = daemon.traces.onDidRecord((t) => traces.set(t.seqnum, t));
  return { uevents: machine.uevent.log.length, processed: daemon.processed.length, tree: snapshot(machine), traces, listening };
}

/** The trace lines of what happened since `mark`, indented for the step report. */
export function traceSince(machine: Machine, mark: TraceMark): string {
  const lines: string[] = [];
  for (const ev of machine.uevent.log.slice(mark.uevents)) lines.push(`kernel: ${ev.seqnum} ${ev.action} ${ev.devpath} (${ev.subsystem})`);
  mark.listening.dispose();
  const udev = machineUdev(machine);
  for (const ev of udev.daemon.processed.slice(mark.processed)) {
    lines.push(`udev: ${ev.seqnum} ${ev.action} ${ev.devpath}${ev.result === 'ok' ? '' : ` (${ev.result})`}`);
    for (const e of mark.traces.get(ev.seqnum)?.entries ?? [])
      if (e.status === 'matched') lines.push(`  matched ${e.file.split('/').at(-1)}:${e.line}: ${e.text.trim()}`);
  }
  const after = snapshot(machine);
  for (const [p, v] of after) {
    const was = mark.tree.get(p);
    if (was === undefined) lines.push(`+ ${p}${v === 'dir' ? '/' : ` ${v}`}`);
    else if (was !== v) lines.push(`~ ${p} ${was} => ${v}`);
  }
  for (const [p, v] of mark.tree) if (!after.has(p)) lines.push(`- ${p}${v === 'dir' ? '/' : ''}`);
  return lines.map((l) => `    ${l}\n`).join('');
}
