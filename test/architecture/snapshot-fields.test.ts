/**
 * Every class of the machine that keeps state in native `#private` fields shows each of them to
 * a snapshot (docs/snapshot.md): its `snapshotFields()` lists every private field it declares,
 * or the class is in EXEMPT with the reason it holds no machine state. A field added without
 * being listed fails here; the property test (test/machine/snapshot.property.test.ts) shows
 * what a forgotten field does to a restored machine.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Classes whose private fields are not machine state, and why. */
const EXEMPT: Readonly<Record<string, string>> = {
  FileCompiler: 'udev rules compiler: lives only while one rules file compiles',
  ExplainCollector: 'udevadm test --explain: lives only during one command',
  Enumerator: 'sd-device enumerator: lives only during one enumeration',
  DiskSysfs: 'a sysfs dump on disk (Node-only), read-only',
  HwdbBin: 'a parsed hwdb.bin, immutable (its string cache is pure)',
  PureMemo: 'process-wide memo of pure computations, shared by every machine',
  SleepSetSearch: "the explorer's own search state, outside any machine",
  ScheduleTrie: "the explorer's record of the schedules a campaign ran, outside any machine",
  PasswdDatabase: 'built once per process (debianPasswd) and never changed',
  MemorySysfs: 'a sysfs tree of a device description, outside any machine',
  MemoryDevFs: 'a /dev of a device description, outside any machine',
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return p.startsWith('src/cli') || p.startsWith('src/testing') ? [] : sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

interface ClassFields {
  readonly file: string;
  readonly name: string;
  readonly fields: readonly string[];
  readonly listed: string | undefined;
}

/** The top-level classes of `file` with their non-static private fields and the body of their snapshotFields(). */
function classes(file: string): ClassFields[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: ClassFields[] = [];
  let current: { name: string; fields: string[]; body: string[] } | undefined;
  for (const line of lines) {
    const start = /^(?:export )?(?:abstract )?class (\w+)/.exec(line);
    if (start) {
      current = { name: start[1]!, fields: [], body: [] };
      continue;
    }
    if (!current) continue;
    if (line.startsWith('}')) {
      const text = current.body.join('\n');
      const m = /snapshotFields\(\)[^{]*\{([\s\S]*?)\n {2}\}/.exec(text);
      if (current.fields.length > 0) out.push({ file, name: current.name, fields: current.fields, listed: m?.[1] });
      current = undefined;
      continue;
    }
    current.body.push(line);
    const field = /^ {2}(?:private |protected |public )?(static )?(?:readonly )?(#\w+)\s*[:=;!?]/.exec(line);
    if (field && !field[1]) current.fields.push(field[2]!);
  }
  return out;
}

const all = sources('src').flatMap(classes);

describe('snapshot: every private field is listed', () => {
  it('should find the classes with private state (the audit reads what it should)', () => {
    expect(all.map((c) => c.name)).toEqual(expect.arrayContaining(['Scheduler', 'DeviceCore', 'UdevDaemon', 'DoeMailboxRegisters', 'Process']));
  });

  for (const c of all.filter((x) => !(x.name in EXEMPT))) {
    it(`should list every private field of ${c.name} (${c.file}) in snapshotFields`, () => {
      expect(c.listed, `${c.name} has private fields but no snapshotFields()`).toBeDefined();
      const missing = c.fields.filter((f) => !new RegExp(`this\\.${f}\\b`).test(c.listed!));
      expect(missing, `${c.name}: fields not in snapshotFields()`).toEqual([]);
    });
  }

  it('should declare restoreFields with a plain parameter or none (restore skips one that declares none)', () => {
    // `Function.length` counts neither a rest nor a defaulted parameter: either would read as "none".
    const odd = sources('src').filter((f) => /restoreFields\((?:\.\.\.|\w+\s*(?::[^,)=]+)?=)/.test(readFileSync(f, 'utf8')));
    expect(odd).toEqual([]);
  });

  it('should exempt only classes that exist', () => {
    const names = new Set(all.map((c) => c.name));
    expect(Object.keys(EXEMPT).filter((n) => !names.has(n))).toEqual([]);
  });
});
