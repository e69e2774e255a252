/**
 * `udevadm info` and `udevadm trigger` against the real udevadm 252: every case of manifest.txt
 * was run by tools/sysfs-dump/record-udevadm.sh on a dump of the /sys (and udev database) of
 * tools/sysfs-dump/machine.ts; here our verbs run with the same arguments on the same machine
 * and must print the same bytes and exit with the same status.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { conformanceMachine } from '../../../tools/sysfs-dump/machine.js';
import { machineUdev } from '../../../src/machine/index.js';
import { UdevDatabase } from '../../../src/udev/database.js';
import type { EnumerationType } from '../../../src/udev/device-enumerator.js';
import { type UdevadmHost, type UdevadmInfoOptions, findDevice, infoDeviceArg, parseInfoQuery, udevadmInfo } from '../../../src/udev/udevadm/udevadm-info.js';
import { type UdevadmTriggerOptions, parseKeyValue, udevadmTrigger } from '../../../src/udev/udevadm/udevadm-trigger.js';

const DIR = path.dirname(fileURLToPath(import.meta.url));

interface Case {
  readonly name: string;
  readonly db: 'empty' | 'ours';
  readonly argv: readonly string[];
  /** The arguments as one line, for the test's name. */
  readonly args: string;
}

function readManifest(): Case[] {
  const cases: Case[] = [];
  for (const line of fs.readFileSync(path.join(DIR, 'manifest.txt'), 'utf8').split('\n')) {
    const [name, db, ...argv] = line.trim().split(/\s+/);
    if (name === undefined || name === '' || name.startsWith('#')) continue;
    if (db !== 'empty' && db !== 'ours') throw new Error(`manifest.txt: ${name}: bad database '${db ?? ''}'`);
    cases.push({ name, db, argv, args: argv.join(' ') });
  }
  return cases;
}

/** recorded.tsv: NAME, exit status, stderr (\\, \t, \n escaped). */
function readRecorded(): Map<string, { status: number; stderr: string }> {
  const out = new Map<string, { status: number; stderr: string }>();
  for (const line of fs.readFileSync(path.join(DIR, 'recorded.tsv'), 'utf8').split('\n')) {
    if (line === '') continue;
    const [name, status, stderr = ''] = line.split('\t');
    const unescaped = stderr.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
    out.set(name!, { status: Number(status), stderr: unescaped });
  }
  return out;
}

/** An option's value: `--opt=VALUE`, `--opt VALUE` or `-o VALUE`. */
function takeValue(argv: readonly string[], i: number, arg: string): [string, number] {
  const eq = arg.indexOf('=');
  if (arg.startsWith('--') && eq >= 0) return [arg.slice(eq + 1), i];
  const v = argv[i + 1];
  if (v === undefined) throw new Error(`${arg}: missing value`);
  return [v, i + 1];
}

/** The udevadm info options the manifest uses, as our library takes them. */
function infoOptions(argv: readonly string[]): UdevadmInfoOptions {
  const devices: string[] = [];
  const o: { -readonly [K in keyof UdevadmInfoOptions]: UdevadmInfoOptions[K] } = { devices };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') ? arg.split('=')[0]! : arg;
    let v: string;
    switch (name) {
      case '-a': case '--attribute-walk': o.attributeWalk = true; break;
      case '-e': case '--export-db': o.exportDb = true; break;
      case '-r': case '--root': o.root = true; break;
      case '-x': case '--export': o.export = true; break;
      case '--value': o.value = true; break;
      case '-q': case '--query':
        [v, i] = takeValue(argv, i, arg);
        o.query = parseInfoQuery(v);
        if (o.query === undefined) throw new Error(`bad query ${v}`);
        break;
      case '-p': case '--path': [v, i] = takeValue(argv, i, arg); devices.push(infoDeviceArg('path', v)); break;
      case '-n': case '--name': [v, i] = takeValue(argv, i, arg); devices.push(infoDeviceArg('name', v)); break;
      case '-P': case '--export-prefix': [v, i] = takeValue(argv, i, arg); o.export = true; o.exportPrefix = v; break;
      case '--property': [v, i] = takeValue(argv, i, arg); o.properties = [...(o.properties ?? []), ...v.split(',').filter((s) => s !== '')]; break;
      default:
        if (arg.startsWith('-')) throw new Error(`udevadm info: option ${arg} not handled by this test`);
        devices.push(arg);
    }
  }
  return o;
}

/** The udevadm trigger options the manifest uses; --parent-match is looked up as 252 does. */
function triggerOptions(host: UdevadmHost, argv: readonly string[]): UdevadmTriggerOptions {
  const m = { subsystems: [] as string[], nomatchSubsystems: [] as string[], sysnames: [] as string[], tags: [] as string[], parents: [] as string[],
    sysattrs: [] as [string, string | undefined][], nomatchSysattrs: [] as [string, string | undefined][], properties: [] as [string, string][] };
  const o: { -readonly [K in keyof UdevadmTriggerOptions]: UdevadmTriggerOptions[K] } = { matches: m };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') ? arg.split('=')[0]! : arg;
    let v: string;
    switch (name) {
      case '-n': case '--dry-run': o.dryRun = true; break;
      case '-v': case '--verbose': o.verbose = true; break;
      case '-q': case '--quiet': o.quiet = true; break;
      case '-c': case '--action': [v, i] = takeValue(argv, i, arg); o.action = v; break;
      case '-t': case '--type': [v, i] = takeValue(argv, i, arg); o.type = v as EnumerationType; break;
      case '-s': case '--subsystem-match': [v, i] = takeValue(argv, i, arg); m.subsystems.push(v); break;
      case '-S': case '--subsystem-nomatch': [v, i] = takeValue(argv, i, arg); m.nomatchSubsystems.push(v); break;
      case '-y': case '--sysname-match': [v, i] = takeValue(argv, i, arg); m.sysnames.push(v); break;
      case '-g': case '--tag-match': [v, i] = takeValue(argv, i, arg); m.tags.push(v); break;
      case '-a': case '--attr-match': [v, i] = takeValue(argv, i, arg); m.sysattrs.push(parseKeyValue(v)); break;
      case '-A': case '--attr-nomatch': [v, i] = takeValue(argv, i, arg); m.nomatchSysattrs.push(parseKeyValue(v)); break;
      case '-p': case '--property-match': [v, i] = takeValue(argv, i, arg); m.properties.push(parseKeyValue(v) as [string, string]); break;
      case '-b': case '--parent-match': case '--name-match': {
        [v, i] = takeValue(argv, i, arg);
        const dev = findDevice(host, v, name === '--name-match' ? '/dev' : '/sys');
        if (typeof dev === 'string') throw new Error(`${name} ${v}: ${dev}`);
        m.parents.push(dev.syspath);
        break;
      }
      default: {
        if (arg.startsWith('-')) throw new Error(`udevadm trigger: option ${arg} not handled by this test`);
        const dev = findDevice(host, arg);
        if (typeof dev === 'string') throw new Error(`${arg}: ${dev}`);
        m.parents.push(dev.syspath);
      }
    }
  }
  return o;
}

describe('udevadm info and trigger agree byte for byte with udevadm 252 on the same /sys', () => {
  const machine = conformanceMachine();
  const udev = machineUdev(machine);
  const recorded = readRecorded();
  const cases = readManifest();

  it('has a recording for every case of the manifest', () => {
    expect(cases.map((c) => c.name).filter((n) => !recorded.has(n) || !fs.existsSync(path.join(DIR, `${n}.txt`)))).toEqual([]);
  });

  it.each(cases)('$name: udevadm $args', (c) => {
    const host: UdevadmHost = { sysfs: udev.sysfs, devfs: udev.devfs, db: c.db === 'ours' ? udev.daemon.db : new UdevDatabase() };
    const [verb, ...args] = c.argv;
    const r =
      verb === 'info'
        ? udevadmInfo(host, infoOptions(args))
        : verb === 'trigger'
          ? udevadmTrigger({ sysfs: host.sysfs, db: host.db }, triggerOptions(host, args))
          : undefined;
    if (r === undefined) throw new Error(`${c.name}: unknown verb ${verb ?? ''}`);
    const want = recorded.get(c.name)!;
    expect(r.out).toBe(fs.readFileSync(path.join(DIR, `${c.name}.txt`), 'latin1'));
    // udevadm exits 1 for every failure; our verbs, like every auxbus verb, tell bad arguments
    // (2) from failures (1) — the README's exit-status convention.
    expect(r.status === 2 ? 1 : r.status).toBe(want.status);
    expect(r.err).toBe(want.stderr);
  });
});
