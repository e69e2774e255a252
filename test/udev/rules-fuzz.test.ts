/**
 * Fuzzing the rules engine: real rules (Debian's files and the conformance cases') mutated at
 * the byte level and at the token level, compiled, and run against the conformance devices
 * with their events. The contract under test (runUdevTest: "never throws for bad rules or
 * devices"): whatever the text, only diagnostics and records come out, never an exception.
 * FUZZ_RUNS=N (npm run fuzz:udev) runs a longer campaign; FUZZ_SEED replays one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRules, loadDeviceDesc, runUdevTest, verify } from '../../src/udev/index.js';
import { logLevels } from '../../src/udev/diagnostics.js';
import { type ConformanceCase, listCases, loadCase } from '../conformance/udev/case.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const DEBIAN_RULES = '/usr/lib/udev/rules.d';
const conformanceRoot = join(import.meta.dirname, '../conformance/udev');

const cases: ConformanceCase[] = ['cases', 'cases-local'].flatMap((folder) => {
  const root = join(conformanceRoot, folder);
  return listCases(root).map((name) => loadCase(join(root, name), name));
});

/** Seed rules files: every conformance case's rules and Debian's, as bytes. */
const seedFiles: Uint8Array[] = [
  ...cases.flatMap((c) => c.rules.map((r) => r.text)),
  ...(existsSync(DEBIAN_RULES)
    ? readdirSync(DEBIAN_RULES)
        .filter((f) => f.endsWith('.rules'))
        .map((f) => new Uint8Array(readFileSync(join(DEBIAN_RULES, f))))
    : []),
];
const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const seedLines: string[] = seedFiles.flatMap((f) => latin1(f).split('\n')).filter((l) => l.trim().length > 0);

const keys = [
  'ACTION',
  'DEVPATH',
  'KERNEL',
  'KERNELS',
  'NAME',
  'SYMLINK',
  'SUBSYSTEM',
  'SUBSYSTEMS',
  'DRIVER',
  'DRIVERS',
  'ATTR{vendor}',
  'ATTRS{vendor}',
  'ATTR{[pci/0000:03:00.0]vendor}',
  'ATTR{*/x}',
  'SYSCTL{kernel/x}',
  'ENV{A}',
  'ENV{.B}',
  'CONST{arch}',
  'TAG',
  'TAGS',
  'TEST',
  'TEST{0644}',
  'PROGRAM',
  'RESULT',
  'IMPORT{program}',
  'IMPORT{builtin}',
  'IMPORT{file}',
  'IMPORT{db}',
  'IMPORT{cmdline}',
  'IMPORT{parent}',
  'RUN',
  'RUN{builtin}',
  'RUN{program}',
  'LABEL',
  'GOTO',
  'OWNER',
  'GROUP',
  'MODE',
  'SECLABEL{selinux}',
  'OPTIONS',
  'WAIT_FOR',
  'FOO',
  'ENV',
  'ATTR{',
  '{',
];
const operators = ['==', '!=', '=', '+=', '-=', ':=', '=+', '!', '==!', '', '>'];
const values = [
  '"x"',
  '"*"',
  '"?*"',
  '""',
  '"a|b|"',
  '"[!0-9]*"',
  '"$kernel %k %n $attr{vendor} %c{2+} $env{A} $$ %%"',
  '"%"',
  '"$"',
  '"$attr{"',
  'e"\\x41\\101\\q"',
  '"\\"',
  '"path_id"',
  '"net_id"',
  '"kmod load $env{MODALIAS}"',
  '"/bin/echo A=1"',
  '"/bin/sh -c \'echo 1 > /sys$devpath/x\'"',
  '"0666"',
  '"root"',
  '"nosuchuser"',
  '"string_escape=replace"',
  '"link_priority=-5"',
  '"static_node=x"',
  '"watch"',
  '"log_level=debug"',
  '"db_persist"',
  '"end"',
  '"end',
  'x',
];
const junk = [
  '"',
  '\\',
  '\\\n',
  '{',
  '}',
  ',',
  '=',
  '==',
  '!=',
  '+=',
  ':=',
  '|',
  '#',
  '\0',
  '\r',
  '\t',
  ' ',
  '\xff',
  '\xc3\x28',
  '\xe2\x82',
  '$',
  '%',
];

const anyOf = <T>(xs: readonly T[]) => fc.constantFrom(...xs);

/** One mutation of a text (byte string), positions given as fractions of its length. */
type Mutation = (s: string) => string;
const at = (s: string, f: number) => Math.floor(f * (s.length + 1));
const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fraction, fc.integer({ min: 0, max: 255 })).map(([f, b]): Mutation => (s) => {
    const i = Math.min(at(s, f), s.length - 1);
    return i < 0 ? s : s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (b || 1)) + s.slice(i + 1);
  }),
  fraction.map(
    (f): Mutation =>
      (s) =>
        s.slice(0, at(s, f)),
  ),
  fc.tuple(fraction, fraction).map(
    ([a, b]): Mutation =>
      (s) =>
        s.slice(0, at(s, Math.min(a, b))) + s.slice(at(s, Math.max(a, b))),
  ),
  fc.tuple(fraction, anyOf(junk)).map(
    ([f, j]): Mutation =>
      (s) =>
        s.slice(0, at(s, f)) + j + s.slice(at(s, f)),
  ),
  fc.tuple(fraction, anyOf(keys), anyOf(operators), anyOf(values)).map(([f, k, o, v]): Mutation => (s) => {
    const i = at(s, f);
    return `${s.slice(0, i)}, ${k}${o}${v}${s.slice(i)}`;
  }),
  fc.tuple(fraction, anyOf(seedLines)).map(([f, l]): Mutation => (s) => {
    const i = s.lastIndexOf('\n', at(s, f)) + 1;
    return `${s.slice(0, i)}${l}\n${s.slice(i)}`;
  }),
  fc.tuple(fraction, fc.integer({ min: 1, max: 20_000 }), anyOf(['a', '\\', '"', '*', '$kernel', ' '])).map(
    ([f, n, c]): Mutation =>
      (s) =>
        s.slice(0, at(s, f)) + c.repeat(Math.ceil(n / c.length)) + s.slice(at(s, f)),
  ),
  fc.tuple(fraction, fraction).map(([a, b]): Mutation => (s) => {
    // Swap two lines: GOTO before or after its LABEL, continuations torn apart.
    const lines = s.split('\n');
    const i = Math.floor(a * lines.length);
    const j = Math.floor(b * lines.length);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    return lines.join('\n');
  }),
);

/** A rules text: a seed file, or a few seed lines, then some mutations. */
const rulesText: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      anyOf(seedFiles).map(latin1),
      fc.array(anyOf(seedLines), { minLength: 1, maxLength: 12 }).map((ls) => ls.join('\n') + '\n'),
    ),
    fc.array(mutation, { minLength: 1, maxLength: 6 }),
  )
  .map(([text, ms]) => ms.reduce((s, m) => m(s), text));

/** The byte string as bytes (every char code < 256: the texts are built from latin1 bytes). */
const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');

describe('rules engine under mutated rules', () => {
  it('should have seeds from the conformance cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(28);
    expect(seedLines.length).toBeGreaterThan(100);
  });

  it('should only ever give diagnostics when compiling and verifying', () => {
    fc.assert(
      fc.property(fc.array(rulesText, { minLength: 1, maxLength: 3 }), (texts) => {
        const files = texts.map((t, i) => ({ name: `${10 + i}-fuzz.rules`, text: bytes(t) }));
        const compiled = compileRules(files);
        for (const d of compiled.diagnostics) expect(logLevels).toContain(d.level);
        const checked = verify(files);
        expect(checked.files.length).toBe(files.length);
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });

  it('should only ever give records and diagnostics when running events', () => {
    fc.assert(
      fc.property(rulesText, fc.nat(cases.length - 1), fc.boolean(), (text, caseIndex, explain) => {
        const c = cases[caseIndex]!;
        const env = loadDeviceDesc(c.desc);
        const result = runUdevTest({
          rules: [{ name: '50-fuzz.rules', text: bytes(text) }],
          sysfs: env.sysfs,
          devfs: env.devfs,
          database: env.database,
          events: c.events,
          explain,
        });
        expect(result.events.length).toBe(c.events.length);
        expect(result.records.filter((r) => r.kind === 'event').length).toBe(c.events.length);
        for (const ev of result.events) {
          expect([0, 1]).toContain(ev.exit);
          if (explain && ev.exit === 0) expect(ev.explain).toBeDefined();
        }
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });
});
