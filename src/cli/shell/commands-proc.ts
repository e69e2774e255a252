/**
 * Processes: `ps`, `spawn NAME [--uid N] [--gid N] [--groups G,…] [--caps CAP,…]`, `as NAME
 * [CMD…]` (run CMD as that process, or act as it from now on), `open PATH [r|w|rw]` and `close
 * FD` (a process's descriptors, kept until closed), `lsof [PATH]` and `fuser PATH` (who holds
 * which file, and for a /dev node the device behind it and who owns that device).
 */
import { DriverModelError, debianPasswd, kerr, strerror } from '../../base/index.js';
import { Devtmpfs, fwctlInfo, ownerName } from '../../machine/index.js';
import type { Capability, Process } from '../../userspace/index.js';
import { getopt, last } from './getopt.js';
import type { ShellCommand, ShellContext } from './types.js';

const passwd = debianPasswd();
const userName = (uid: number) => passwd.userById(uid)?.name ?? String(uid);

interface OpenFileRow {
  readonly command: string;
  readonly pid: number;
  readonly user: string;
  readonly fd: string;
  readonly type: string;
  readonly name: string;
  /** For a /dev node: the device and who owns it (DESIGN.md §3). */
  readonly device?: string;
  readonly owner?: string;
}

function openFiles(ctx: ShellContext): OpenFileRow[] {
  const rows: OpenFileRow[] = [];
  const byNode = new Map<string, { name: string; owner: string }>();
  for (const d of ctx.machine.core.devices) {
    const node = Devtmpfs.nodePath(d);
    if (node) byNode.set(node, { name: d.name, owner: safeOwner(d.bus || !d.parent ? d : d.parent) });
  }
  for (const p of ctx.machine.processes.all) {
    for (const [fd, f] of p.openFiles) {
      const dev = f.kind === 'chr' ? byNode.get(f.path) : undefined;
      rows.push({
        command: p.name,
        pid: p.pid,
        user: userName(p.cred.uid),
        fd: `${fd}${f.mode === 'rw' ? 'u' : f.mode}`,
        type: f.kind === 'chr' ? 'CHR' : f.kind === 'dir' ? 'DIR' : 'REG',
        name: f.path,
        ...(dev ? { device: dev.name, owner: dev.owner } : {}),
      });
    }
  }
  return rows;
}

function safeOwner(d: Parameters<typeof ownerName>[0]): string {
  try {
    return ownerName(d);
  } catch {
    return '?';
  }
}

function printRows(ctx: ShellContext, rows: readonly OpenFileRow[]): void {
  const head = ['COMMAND', 'PID', 'USER', 'FD', 'TYPE', 'NAME'];
  const cells = rows.map((r) => [r.command, String(r.pid), r.user, r.fd, r.type, r.name + (r.device ? ` (${r.device}, owner ${r.owner})` : '')]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  for (const line of [head, ...cells]) ctx.out(`${line.map((c, i) => (i === line.length - 1 ? c : c.padEnd(widths[i]!))).join(' ')}\n`);
}

function findProc(ctx: ShellContext, name: string): Process {
  return ctx.machine.processes.get(name);
}

export const procCommands: readonly ShellCommand[] = [
  {
    name: 'ps',
    usage: 'ps',
    summary: 'the machine’s processes: pid, user, groups, capabilities, open files',
    completes: 'none',
    run(ctx) {
      const rows = ctx.machine.processes.all.map((p) => ({
        pid: p.pid,
        user: userName(p.cred.uid),
        groups: p.cred.groups.map((g) => passwd.groupById(g)?.name ?? String(g)),
        caps: p.cred.caps.size === 0 ? [] : [...p.cred.caps],
        fds: p.openFiles.size,
        name: p.name,
      }));
      ctx.out('  PID USER       FDS CMD\n');
      for (const r of rows) {
        const caps = r.caps.length > 10 ? 'all capabilities' : r.caps.join(',');
        ctx.out(`${String(r.pid).padStart(5)} ${r.user.padEnd(10)} ${String(r.fds).padStart(3)} ${r.name}${caps ? ` [${caps}]` : ''}\n`);
      }
      ctx.data(rows);
      return 0;
    },
  },
  {
    name: 'spawn',
    usage: 'spawn NAME [--uid N] [--gid N] [--groups GID,…] [--caps CAP,…]',
    summary: 'start a process (default uid/gid 1000, no capabilities)',
    completes: 'none',
    run(ctx, args) {
      const p = getopt(args, [
        { long: 'uid', arg: true },
        { long: 'gid', arg: true },
        { long: 'groups', arg: true },
        { long: 'caps', arg: true },
      ]);
      if (p.args.length !== 1) throw kerr('EINVAL', 'usage: spawn NAME [--uid N] [--gid N] [--groups GID,…] [--caps CAP,…]');
      const id = (v: string | undefined, what: string, dflt: number) => {
        if (v === undefined) return dflt;
        const n = /^\d+$/.test(v) ? Number(v) : what === 'uid' ? passwd.userByName(v)?.uid : passwd.groupByName(v)?.gid;
        if (n === undefined) throw kerr('EINVAL', `--${what} ${v}: no such ${what === 'uid' ? 'user' : 'group'}`);
        return n;
      };
      const groups = (last(p, 'groups') ?? '')
        .split(',')
        .filter((g) => g !== '')
        .map((g) => id(g, 'gid', 0));
      const caps = (last(p, 'caps') ?? '').split(',').filter((c) => c !== '') as Capability[];
      ctx.machine.processes.spawn(p.args[0]!, { uid: id(last(p, 'uid'), 'uid', 1000), gid: id(last(p, 'gid'), 'gid', 1000), groups, caps });
      return 0;
    },
  },
  {
    name: 'as',
    usage: 'as PROCESS [CMD…]',
    summary: 'run CMD as PROCESS (without CMD: act as PROCESS from now on; `as root` to return)',
    completes: (s, i) => (i === 1 ? s.machine.processes.all.map((p) => p.name) : []),
    handlesRedirect: true,
    run(ctx, args, redirect) {
      const [name, ...cmd] = args;
      if (name === undefined) throw kerr('EINVAL', 'usage: as PROCESS [CMD…]');
      const proc = findProc(ctx, name);
      if (cmd.length === 0) {
        if (redirect !== undefined) throw kerr('EINVAL', 'as PROCESS > FILE: no command to run');
        ctx.session.become(proc);
        return 0;
      }
      const r = ctx.session.runCommand(ctx.json ? [...cmd, '--json'] : cmd, redirect, proc);
      ctx.out(r.stdout);
      ctx.err(r.stderr);
      return r.status;
    },
  },
  {
    name: 'open',
    usage: 'open PATH [r|w|rw]',
    summary: 'open a file as the acting process and keep the descriptor (prints it)',
    run(ctx, args) {
      const [path, mode = 'r'] = args;
      if (path === undefined || !['r', 'w', 'rw'].includes(mode)) throw kerr('EINVAL', 'usage: open PATH [r|w|rw]');
      const fd = ctx.proc.open(ctx.path(path), mode as 'r' | 'w' | 'rw');
      ctx.out(`${fd}\n`);
      ctx.data({ fd });
      return 0;
    },
  },
  {
    name: 'close',
    usage: 'close FD',
    summary: 'close a descriptor of the acting process',
    completes: 'none',
    run(ctx, args) {
      if (args.length !== 1 || !/^\d+$/.test(args[0]!)) throw kerr('EINVAL', 'usage: close FD');
      ctx.proc.close(Number(args[0]));
      return 0;
    },
  },
  {
    name: 'fwctl-info',
    usage: 'fwctl-info FD',
    summary: 'FWCTL_INFO on an open fwctl descriptor, as a fwctl tool makes it (device type, data length)',
    completes: 'none',
    run(ctx, args) {
      if (args.length !== 1 || !/^\d+$/.test(args[0]!)) throw kerr('EINVAL', 'usage: fwctl-info FD');
      let r: ReturnType<typeof fwctlInfo>;
      try {
        r = fwctlInfo(ctx.proc, Number(args[0]));
      } catch (e) {
        if (DriverModelError.is(e)) throw kerr(e.errno, `FWCTL_INFO: ${strerror(e.errno)} (${e.errno})`);
        throw e;
      }
      ctx.out(`device type ${r.deviceType}, device data ${r.deviceDataLen} bytes\n`);
      ctx.data({ deviceType: r.deviceType, deviceDataLen: r.deviceDataLen });
      return 0;
    },
  },
  {
    name: 'lsof',
    usage: 'lsof [PATH]',
    summary: 'open files of every process (PATH: only that file); /dev nodes name their device and its owner',
    run(ctx, args) {
      let rows = openFiles(ctx);
      if (args.length > 0) {
        const paths = new Set(args.map((a) => ctx.path(a)));
        rows = rows.filter((r) => paths.has(r.name));
        if (rows.length === 0) return 1;
      }
      printRows(ctx, rows);
      ctx.data(rows);
      return 0;
    },
  },
  {
    name: 'fuser',
    usage: 'fuser PATH…',
    summary: 'the processes holding PATH open (exit 1 when none)',
    run(ctx, args) {
      if (args.length === 0) throw kerr('EINVAL', 'usage: fuser PATH…');
      let any = false;
      const data: Record<string, number[]> = {};
      for (const a of args) {
        const holders = ctx.machine.processes.holders(ctx.path(a));
        data[a] = holders.map((h) => h.process.pid);
        if (holders.length > 0) any = true;
        ctx.out(`${a}:${holders.map((h) => ` ${h.process.pid}(${h.process.name})`).join('')}\n`);
      }
      ctx.data(data);
      return any ? 0 : 1;
    },
  },
  {
    name: 'owner',
    usage: 'owner DEVICE',
    summary: 'who owns a device: a kernel driver, a process through a /dev file, or nobody',
    completes: 'none',
    run(ctx, args) {
      if (args.length !== 1) throw kerr('EINVAL', 'usage: owner DEVICE');
      const o = ownerName(ctx.machine.findDevice(args[0]!));
      ctx.out(`${o}\n`);
      ctx.data({ owner: o });
      return 0;
    },
  },
];
