/**
 * Files: `ls [-l] [-a] [PATH…]`, `cat FILE…` (`/dev/kmsg` reads the kernel log as kmsg
 * records), `echo [-n] VALUE…` (with `> FILE` a write(2) of the machine), `cd`, `pwd`, `tree`
 * (the device tree with bindings), `readlink`, `stat`.
 */
import { debianPasswd, kerr } from '../../base/index.js';
import type { Process } from '../../userspace/index.js';
import { renderTree } from '../render.js';
import { getopt, has } from './getopt.js';
import { kmsgText } from './commands-kernel.js';
import { withPath } from './session.js';
import { RULES_DIR, type ShellCommand, type ShellContext } from './types.js';

const passwd = debianPasswd();

/** `drwxr-xr-x` of a stat(2) type and mode. */
export function modeString(type: 'file' | 'dir' | 'link' | 'chr', mode: number): string {
  const t = type === 'dir' ? 'd' : type === 'link' ? 'l' : type === 'chr' ? 'c' : '-';
  let s = t;
  for (const shift of [6, 3, 0]) {
    const bits = (mode >> shift) & 7;
    s += (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (bits & 1 ? 'x' : '-');
  }
  if (mode & 0o1000) s = s.slice(0, 9) + (s[9] === 'x' ? 't' : 'T');
  return s;
}

interface LsEntry {
  readonly name: string;
  readonly type: 'file' | 'dir' | 'link' | 'chr';
  readonly mode: string;
  readonly owner: string;
  readonly group: string;
  readonly target?: string;
  readonly rdev?: string;
}

function entry(proc: Process, path: string, name: string): LsEntry {
  const st = proc.lstat(path);
  const e: LsEntry = {
    name,
    type: st.type,
    mode: modeString(st.type, st.mode),
    owner: passwd.userById(st.uid)?.name ?? String(st.uid),
    group: passwd.groupById(st.gid)?.name ?? String(st.gid),
  };
  if (st.type === 'link') return { ...e, target: proc.readlink(path) };
  if (st.rdev) return { ...e, rdev: `${st.rdev.major}, ${st.rdev.minor}` };
  return e;
}

function ls(ctx: ShellContext, args: readonly string[]): number {
  const p = getopt(args, [
    { long: 'long', short: 'l' },
    { long: 'all', short: 'a' },
    { long: 'directory', short: 'd' },
  ]);
  const targets = p.args.length > 0 ? p.args : ['.'];
  const long = has(p, 'long');
  const all: { dir: string; entries: LsEntry[] }[] = [];
  let status = 0;
  for (const t of targets) {
    const path = ctx.path(t);
    if (path === RULES_DIR) {
      all.push({
        dir: t,
        entries: [...ctx.session.rulesFiles.keys()].sort().map((name) => ({ name, type: 'file', mode: '-rw-r--r--', owner: 'root', group: 'root' })),
      });
      continue;
    }
    try {
      const st = ctx.proc.stat(path);
      if (st.type !== 'dir' || has(p, 'directory')) {
        all.push({ dir: '', entries: [entry(ctx.proc, path, t)] });
        continue;
      }
      const names = [...ctx.proc.readdir(path)].sort();
      all.push({ dir: t, entries: names.map((n) => entry(ctx.proc, `${path === '/' ? '' : path}/${n}`, n)) });
    } catch (e) {
      ctx.err(`ls: cannot access '${t}': ${(e as Error).message.replace(`${path}: `, '')}\n`);
      status = 2;
    }
  }
  ctx.data(all);
  all.forEach((group, i) => {
    if (targets.length > 1 && group.dir !== '') ctx.out(`${i > 0 ? '\n' : ''}${group.dir}:\n`);
    if (!long) {
      if (group.entries.length > 0) ctx.out(`${group.entries.map((e) => e.name).join('  ')}\n`);
      return;
    }
    const ow = Math.max(0, ...group.entries.map((e) => e.owner.length));
    const gw = Math.max(0, ...group.entries.map((e) => e.group.length));
    for (const e of group.entries) {
      const size = e.rdev ?? (e.type === 'dir' ? '0' : e.type === 'link' ? '0' : '4096');
      ctx.out(`${e.mode} ${e.owner.padEnd(ow)} ${e.group.padEnd(gw)} ${size.padStart(6)} ${e.name}${e.target ? ` -> ${e.target}` : ''}\n`);
    }
  });
  return status;
}

function cat(ctx: ShellContext, args: readonly string[]): number {
  if (args.length === 0) {
    ctx.err('cat: missing operand\n');
    return 2;
  }
  let status = 0;
  for (const a of args) {
    const path = ctx.path(a);
    try {
      const rules = ctx.session.rulesFileName(path);
      if (path === '/dev/kmsg') ctx.out(kmsgText(ctx.machine));
      else if (rules !== undefined) {
        const text = ctx.session.rulesFiles.get(rules);
        if (text === undefined) throw kerr('ENOENT', 'No such file or directory');
        ctx.out(text);
      } else ctx.out(ctx.proc.readFile(path));
    } catch (e) {
      ctx.err(`cat: ${withPath(a, (e as Error).message.replace(`${path}: `, ''))}\n`);
      status = 1;
    }
  }
  return status;
}

function echo(ctx: ShellContext, args: readonly string[]): number {
  const noNewline = args[0] === '-n';
  ctx.out(`${(noNewline ? args.slice(1) : args).join(' ')}${noNewline ? '' : '\n'}`);
  return 0;
}

export const fsCommands: readonly ShellCommand[] = [
  { name: 'ls', usage: 'ls [-l] [-a] [-d] [PATH…]', summary: 'list a directory of /sys, /dev or /proc (-l: modes, owners, link targets)', run: ls },
  { name: 'cat', usage: 'cat FILE…', summary: 'print files (an attribute read as the acting process; /dev/kmsg: the kernel log)', run: cat },
  {
    name: 'echo',
    usage: 'echo [-n] VALUE… [> FILE]',
    summary: 'print VALUE, or write it to FILE as the acting process',
    completes: 'paths',
    run: echo,
  },
  {
    name: 'cd',
    usage: 'cd [DIR]',
    summary: 'change the working directory',
    run(ctx, args) {
      const dir = ctx.path(args[0] ?? '/');
      if (ctx.proc.stat(dir).type !== 'dir') throw kerr('ENOTDIR', `${args[0]}: Not a directory`);
      ctx.session.cwd = dir;
      return 0;
    },
  },
  { name: 'pwd', usage: 'pwd', summary: 'print the working directory', completes: 'none', run: (ctx) => (ctx.out(`${ctx.session.cwd}\n`), 0) },
  {
    name: 'rm',
    usage: 'rm FILE…',
    summary: `remove a rules file of ${RULES_DIR}`,
    run(ctx, args) {
      for (const a of args) {
        const name = ctx.session.rulesFileName(ctx.path(a));
        if (name === undefined) throw kerr('EPERM', `cannot remove '${a}': Operation not permitted`);
        if (!ctx.session.rulesFiles.delete(name)) throw kerr('ENOENT', `cannot remove '${a}': No such file or directory`);
      }
      return 0;
    },
  },
  {
    name: 'readlink',
    usage: 'readlink PATH',
    summary: 'print a symbolic link target',
    run(ctx, args) {
      for (const a of args) ctx.out(`${ctx.proc.readlink(ctx.path(a))}\n`);
      return 0;
    },
  },
  {
    name: 'tree',
    usage: 'tree',
    summary: 'the device tree below /sys/devices with drivers, overrides and /dev nodes',
    completes: 'none',
    run(ctx) {
      ctx.out(renderTree(ctx.machine, { color: ctx.color }));
      ctx.data(
        [...ctx.machine.core.devices].map((d) => ({
          name: d.name,
          devpath: d.devpath,
          bus: d.bus?.name ?? null,
          class: d.class?.name ?? null,
          driver: d.driver?.name ?? null,
          parent: d.parent?.devpath ?? null,
        })),
      );
      return 0;
    },
  },
];
