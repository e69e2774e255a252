/**
 * A machine's observable state as text, for comparing two machines (the snapshot property test):
 * the uevent log with every variable, the kernel log, /sys and /dev walked as root (names, types,
 * modes, owners, link targets, the text of every readable sysfs file), the udev database, the
 * netlink messages udev saw and sent, processes and their open files, the scheduler's pending
 * work and the virtual time.
 */
import { DriverModelError } from '../../src/base/index.js';
import { type Machine, machineUdev } from '../../src/machine/index.js';
import { exportDb } from '../../src/udev/index.js';

function errno(e: unknown): string {
  if (DriverModelError.is(e)) return `!${e.errno}`;
  throw e;
}

function walk(m: Machine, root: string, out: string[], readFiles: boolean): void {
  const proc = m.processes.root;
  const visit = (path: string): void => {
    let names: string[];
    try {
      names = proc.readdir(path);
    } catch (e) {
      out.push(`${path} ${errno(e)}`);
      return;
    }
    for (const name of [...names].sort()) {
      const p = `${path}/${name}`;
      let st;
      try {
        st = proc.lstat(p);
      } catch (e) {
        out.push(`${p} ${errno(e)}`);
        continue;
      }
      const head = `${p} ${st.type} ${st.mode.toString(8)} ${st.uid}:${st.gid}`;
      if (st.type === 'link') out.push(`${head} -> ${proc.readlink(p)}`);
      else if (st.type === 'dir') {
        out.push(head);
        visit(p);
      } else if (st.type === 'file' && readFiles && (st.mode & 0o444) !== 0) {
        let text: string;
        try {
          text = JSON.stringify(proc.readFile(p));
        } catch (e) {
          text = errno(e);
        }
        out.push(`${head} ${text}`);
      } else out.push(head);
    }
  };
  visit(root);
}

/** The observable state of `m`, one fact per line. */
export function machineState(m: Machine): string {
  const out: string[] = [];
  out.push(
    `time ${m.clock.now()} pending ${m.scheduler.pending} tasks ${m.scheduler.pendingTasks.map((t) => `${t.id}:${t.name}`).join(',')} next ${m.scheduler.nextDue}`,
  );
  for (const u of m.uevent.log) out.push(`uevent ${JSON.stringify(u)}`);
  for (const r of m.log.records) out.push(`log ${JSON.stringify(r)}`);
  walk(m, '/sys', out, true);
  walk(m, '/dev', out, false);
  const udev = machineUdev(m);
  if (udev) {
    out.push(exportDb({ sysfs: udev.sysfs, devfs: udev.devfs, db: udev.daemon.db }));
    for (const msg of udev.monitor.messages) out.push(`monitor ${JSON.stringify(msg)}`);
  }
  for (const p of m.processes.all) out.push(`process ${p.name} ${[...p.openFiles.keys()].map((fd) => `${fd}=${p.pathOf(fd)}`).join(' ')}`);
  return out.join('\n');
}
