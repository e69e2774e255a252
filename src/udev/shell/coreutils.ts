/**
 * The coreutils real udev rules pipe through, beyond those of programs.ts: `cut` (-d -f -c -b
 * -s), `tr` (SET1 [SET2], -d -s -c, ranges, classes, escapes), `head`/`tail` (-n N, -c N, -N),
 * `basename` (NAME [SUFFIX]), `dirname`, `readlink` (-f -e -m -n), `wc` (-l -w -c) — GNU
 * coreutils 9.1 behaviour and messages on byte strings, files read as root.
 */
import { ProgramRegistry, type ProgramContext, type ProgramResult } from '../spawn.js';

const ok = (stdout = '', stderr = '', exitCode = 0): ProgramResult => ({ exitCode, stdout, stderr });

function readAll(ctx: ProgramContext, files: readonly string[], prog: string): { text: string; err: string } {
  if (files.length === 0 || (files.length === 1 && files[0] === '-')) return { text: ctx.stdin, err: '' };
  let text = '';
  let err = '';
  for (const f of files) {
    if (f === '-') {
      text += ctx.stdin;
      continue;
    }
    const d = ctx.fs.readFile(f.startsWith('/') ? f : '/' + f);
    if (typeof d === 'string') text += d;
    else err += `${prog}: ${f}: ${d.errno === 'EISDIR' ? 'Is a directory' : 'No such file or directory'}\n`;
  }
  return { text, err };
}

function lines(s: string): string[] {
  if (s.length === 0) return [];
  const l = s.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

/** A LIST of cut: N, N-, N-M, -M, comma separated; 1-based. */
function parseList(spec: string): ((n: number) => boolean) | undefined {
  const ranges: Array<[number, number]> = [];
  for (const part of spec.split(',')) {
    const m = /^(\d*)(-?)(\d*)$/.exec(part);
    if (!m || (m[1] === '' && m[3] === '')) return undefined;
    const a = m[1] === '' ? 1 : Number(m[1]);
    const b = m[2] === '' ? a : m[3] === '' ? Infinity : Number(m[3]);
    if (a === 0) return undefined;
    ranges.push([a, b]);
  }
  return (n) => ranges.some(([a, b]) => n >= a && n <= b);
}

function cut(ctx: ProgramContext): ProgramResult {
  const args = ctx.argv.slice(1);
  let delim = '\t';
  let fields: string | undefined;
  let chars: string | undefined;
  let onlyDelimited = false;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const opt = (flag: string): string | undefined => (a === flag ? args[++i] : a.startsWith(flag) ? a.slice(flag.length) : undefined);
    let v: string | undefined;
    if ((v = opt('-d')) !== undefined) {
      if (v.length > 1) return ok('', "cut: the delimiter must be a single character\nTry 'cut --help' for more information.\n", 1);
      delim = v.length === 0 ? '\0' : v;
    } else if ((v = opt('-f')) !== undefined) fields = v;
    else if ((v = opt('-c')) !== undefined || (v = opt('-b')) !== undefined) chars = v;
    else if (a === '-s') onlyDelimited = true;
    else files.push(a);
  }
  if (fields === undefined && chars === undefined)
    return ok('', "cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.\n", 1);
  const sel = parseList((fields ?? chars)!);
  if (!sel) return ok('', `cut: invalid field range\nTry 'cut --help' for more information.\n`, 1);
  const input = readAll(ctx, files, 'cut');
  let out = '';
  for (const line of lines(input.text)) {
    if (chars !== undefined) {
      out += [...line].filter((_, k) => sel(k + 1)).join('') + '\n';
      continue;
    }
    if (!line.includes(delim)) {
      if (!onlyDelimited) out += line + '\n';
      continue;
    }
    out +=
      line
        .split(delim)
        .filter((_, k) => sel(k + 1))
        .join(delim) + '\n';
  }
  return ok(out, input.err, input.err ? 1 : 0);
}

const TR_CLASSES: Readonly<Record<string, string>> = {
  alnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  alpha: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  digit: '0123456789',
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  space: ' \t\n\v\f\r',
  blank: ' \t',
  xdigit: '0123456789ABCDEFabcdef',
  punct: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
};

/** Expand a tr SET: escapes, ranges a-z, [:class:], [c*n]. */
function trSet(spec: string): string {
  const chars: string[] = [];
  for (let i = 0; i < spec.length; i++) {
    let c = spec[i]!;
    if (c === '[' && spec[i + 1] === ':') {
      const e = spec.indexOf(':]', i + 2);
      const cls = e > 0 ? TR_CLASSES[spec.slice(i + 2, e)] : undefined;
      if (cls !== undefined) {
        chars.push(...cls);
        i = e + 1;
        continue;
      }
    }
    if (c === '\\' && i + 1 < spec.length) {
      const e = spec[++i]!;
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v' };
      if (/[0-7]/.test(e)) {
        let v = Number(e);
        let n = 1;
        while (n < 3 && /[0-7]/.test(spec[i + 1] ?? '')) {
          v = v * 8 + Number(spec[++i]);
          n++;
        }
        c = String.fromCharCode(v);
      } else c = map[e] ?? e;
    }
    if (spec[i + 1] === '-' && i + 2 < spec.length) {
      const end = spec[i + 2]!;
      for (let k = c.charCodeAt(0); k <= end.charCodeAt(0); k++) chars.push(String.fromCharCode(k));
      i += 2;
      continue;
    }
    chars.push(c);
  }
  return chars.join('');
}

function tr(ctx: ProgramContext): ProgramResult {
  const args = ctx.argv.slice(1);
  let del = false;
  let squeeze = false;
  let complement = false;
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('-') && args[i]!.length > 1; i++) {
    for (const f of args[i]!.slice(1)) {
      if (f === 'd') del = true;
      else if (f === 's') squeeze = true;
      else if (f === 'c' || f === 'C') complement = true;
      else return ok('', `tr: invalid option -- '${f}'\nTry 'tr --help' for more information.\n`, 1);
    }
  }
  const sets = args.slice(i);
  if (sets.length === 0) return ok('', "tr: missing operand\nTry 'tr --help' for more information.\n", 1);
  if (!del && !squeeze && sets.length < 2) return ok('', `tr: missing operand after '${sets[0]}'\nTry 'tr --help' for more information.\n`, 1);
  const s1 = trSet(sets[0]!);
  const s2 = sets[1] !== undefined ? trSet(sets[1]) : '';
  const in1 = (c: string): boolean => s1.includes(c) !== complement;
  let out = '';
  let last = '';
  for (const c of ctx.stdin) {
    let r: string | undefined = c;
    if (del && in1(c)) r = undefined;
    else if (!del && sets.length >= 2 && in1(c)) {
      const k = complement ? s2.length - 1 : s1.indexOf(c);
      r = s2[Math.min(k, s2.length - 1)] ?? c;
    }
    if (r === undefined) continue;
    const squeezeSet = del ? s2 : sets.length >= 2 ? s2 : s1;
    if (squeeze && r === last && (sets.length >= 2 || del ? squeezeSet.includes(r) : in1(r))) continue;
    out += r;
    last = r;
  }
  return ok(out);
}

function headTail(which: 'head' | 'tail'): (ctx: ProgramContext) => ProgramResult {
  return (ctx) => {
    const args = ctx.argv.slice(1);
    let n = 10;
    let bytes = false;
    let fromStart = false;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      let v: string | undefined;
      if (a === '-n' || a === '-c') {
        v = args[++i];
        bytes = a === '-c';
      } else if (/^-[nc].+/.test(a)) {
        v = a.slice(2);
        bytes = a[1] === 'c';
      } else if (/^-\d+$/.test(a)) v = a.slice(1);
      else {
        files.push(a);
        continue;
      }
      if (v === undefined) return ok('', `${which}: option requires an argument -- '${a[1]}'\n`, 1);
      if (which === 'tail' && v.startsWith('+')) fromStart = true;
      const num = Number(v.replace(/^[+-]/, ''));
      if (!Number.isInteger(num)) return ok('', `${which}: invalid number of ${bytes ? 'bytes' : 'lines'}: '${v}'\n`, 1);
      n = num;
    }
    const input = readAll(ctx, files, which);
    let out: string;
    if (bytes)
      out = which === 'head' ? input.text.slice(0, n) : fromStart ? input.text.slice(Math.max(0, n - 1)) : n === 0 ? '' : input.text.slice(-n);
    else {
      const parts = input.text.split(/(?<=\n)/);
      if (parts[parts.length - 1] === '') parts.pop();
      out = (which === 'head' ? parts.slice(0, n) : fromStart ? parts.slice(Math.max(0, n - 1)) : n === 0 ? [] : parts.slice(-n)).join('');
    }
    return ok(out, input.err, input.err ? 1 : 0);
  };
}

/** basename(1): strip the directory and an optional suffix. */
function basename(ctx: ProgramContext): ProgramResult {
  const args = ctx.argv.slice(1).filter((a) => a !== '--');
  if (args.length === 0) return ok('', "basename: missing operand\nTry 'basename --help' for more information.\n", 1);
  if (args.length > 2) return ok('', `basename: extra operand '${args[2]}'\nTry 'basename --help' for more information.\n`, 1);
  let s = args[0]!.replace(/\/+$/, '');
  if (s.length === 0) return ok(args[0]!.length > 0 ? '/\n' : '\n');
  s = s.slice(s.lastIndexOf('/') + 1);
  const suf = args[1];
  if (suf !== undefined && suf.length > 0 && s.endsWith(suf) && s !== suf) s = s.slice(0, -suf.length);
  return ok(s + '\n');
}

function dirname(ctx: ProgramContext): ProgramResult {
  const args = ctx.argv.slice(1);
  if (args.length === 0) return ok('', "dirname: missing operand\nTry 'dirname --help' for more information.\n", 1);
  let out = '';
  for (const a of args) {
    const s = a.replace(/\/+$/, '');
    const k = s.lastIndexOf('/');
    if (a.startsWith('/') && (s.length === 0 || k === 0)) out += '/\n';
    else if (k < 0) out += '.\n';
    else out += (s.slice(0, k).replace(/\/+$/, '') || '/') + '\n';
  }
  return ok(out);
}

/** readlink(1): the link's target, or with -f/-e/-m the canonical path. */
function readlink(ctx: ProgramContext): ProgramResult {
  let mode: '' | 'f' | 'e' | 'm' = '';
  let newline = true;
  const files: string[] = [];
  for (const a of ctx.argv.slice(1)) {
    if (a.startsWith('-') && a.length > 1) {
      for (const f of a.slice(1)) {
        if (f === 'f' || f === 'e' || f === 'm') mode = f;
        else if (f === 'n') newline = false;
        else if (f === 'v' || f === 'q' || f === 's') continue;
        else return ok('', `readlink: invalid option -- '${f}'\n`, 1);
      }
    } else files.push(a);
  }
  if (files.length === 0) return ok('', "readlink: missing operand\nTry 'readlink --help' for more information.\n", 1);
  let out = '';
  let code = 0;
  for (const f of files) {
    const p = f.startsWith('/') ? f : '/' + f;
    if (mode === '') {
      const t =
        p.startsWith('/dev/') && ctx.devfs
          ? (() => {
              const e = ctx.devfs!.lstat(p);
              return e?.type === 'link' ? e.target : undefined;
            })()
          : ctx.fs.readlink(p);
      if (t === undefined) code = 1;
      else out += t + (newline ? '\n' : '');
      continue;
    }
    const r = ctx.fs.realpath(p);
    if (r.startsWith('/')) {
      out += r + (newline ? '\n' : '');
      continue;
    }
    if (mode === 'e') {
      code = 1;
      continue;
    }
    // -f: all but the last component must exist; -m: nothing must.
    const dir = p.slice(0, p.lastIndexOf('/')) || '/';
    const rd = ctx.fs.realpath(dir);
    if (rd.startsWith('/')) out += (rd === '/' ? '' : rd) + p.slice(p.lastIndexOf('/')) + (newline ? '\n' : '');
    else if (mode === 'm') out += p + (newline ? '\n' : '');
    else code = 1;
  }
  return ok(out, '', code);
}

function wc(ctx: ProgramContext): ProgramResult {
  const args = ctx.argv.slice(1);
  const flags = args.filter((a) => a.startsWith('-') && a.length > 1).join('');
  const files = args.filter((a) => !a.startsWith('-') || a === '-');
  const input = readAll(ctx, files, 'wc');
  const t = input.text;
  const counts: number[] = [];
  const want = flags.length === 0 ? 'lwc' : flags;
  if (want.includes('l')) counts.push((t.match(/\n/g) ?? []).length);
  if (want.includes('w')) counts.push(t.split(/\s+/).filter((w) => w.length > 0).length);
  if (want.includes('c') || want.includes('m')) counts.push(t.length);
  const single = counts.length === 1 && files.length === 0;
  const text = single ? String(counts[0]) : counts.map((c) => String(c).padStart(flags.length === 0 && files.length === 0 ? 7 : 1)).join(' ');
  return ok(text + (files.length === 1 ? ' ' + files[0] : '') + '\n', input.err, input.err ? 1 : 0);
}

/** Register these programs under `dir` (e.g. '/usr/bin/'). */
export function registerCoreutils(registry: ProgramRegistry, dir: string): void {
  registry.register(dir + 'cut', cut);
  registry.register(dir + 'tr', tr);
  registry.register(dir + 'head', headTail('head'));
  registry.register(dir + 'tail', headTail('tail'));
  registry.register(dir + 'basename', basename);
  registry.register(dir + 'dirname', dirname);
  registry.register(dir + 'readlink', readlink);
  registry.register(dir + 'wc', wc);
}
