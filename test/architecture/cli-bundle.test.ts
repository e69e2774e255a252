/**
 * What each CLI verb loads (issue #12, CLI latency): the bundle bin/auxbus.mjs runs is built with
 * the options of tools/cli-bundle/build.mjs, and esbuild's metafile says which source files every
 * output file holds and which files it imports statically (loaded with it) or dynamically (loaded
 * when a verb asks). A process's start-up work is the code it loads, so these checks count that
 * work, not time: the entry and the description form of `udevadm test` must not load the machine
 * (the drivers, the scenario format, inversify, zod…), and the `names.ts` files the CLI defines
 * its options from must import nothing but other names. Then the built bundle runs as a process:
 * its output is byte for byte the in-process CLI's, with and without a machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Metafile, build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/verbs.js';
import { cliBundleOptions } from '../../tools/cli-bundle/build.mjs';

let outdir: string;
let meta: Metafile;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'auxbus-cli-bundle-'));
  const r = await build({ ...cliBundleOptions, outdir, metafile: true, logLevel: 'silent' });
  meta = r.metafile;
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The output file whose entry point is `src` (a verb file, imported dynamically). */
function outputOf(src: string): string {
  const out = Object.entries(meta.outputs).find(([, o]) => o.entryPoint === src);
  if (!out) throw new Error(`no output for ${src}`);
  return out[0];
}

/** The source files loaded with output `file`: its own and those of everything it imports statically. */
function loadedWith(file: string): string[] {
  const seen = new Set<string>();
  const walk = (f: string): void => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const i of meta.outputs[f]!.imports) if (i.kind === 'import-statement' && !i.external) walk(i.path);
  };
  walk(file);
  return [...new Set([...seen].flatMap((f) => Object.keys(meta.outputs[f]!.inputs)))].sort();
}

/** Source files of the machine's graph: every layer below the machine but udev and base, and the heavy dependencies. */
function machineGraph(inputs: readonly string[]): string[] {
  return inputs.filter(
    (f) =>
      (/^src\/(machine|bus|pci|aux|drivers|userspace|protocols|scenario)\//.test(f) && !f.endsWith('/names.ts')) ||
      /^node_modules\/(inversify|@inversifyjs|reflect-metadata|zod|yaml|asn1js|@peculiar|@noble)\//.test(f),
  );
}

describe('the CLI bundle', () => {
  it('loads with its entry the verb table and nothing of a verb', () => {
    const inputs = loadedWith(outputOf('src/cli/main.ts'));
    // main, the verb table and its dispatcher, io (colours): no option parser, no udev, no machine.
    expect(inputs.filter((f) => !/^src\/cli\/(main|verbs|dispatch|io|colors)\.ts$|^node_modules\/picocolors\//.test(f))).toEqual([]);
  });

  it('loads no machine for `udevadm test --device`, and the machine only when a machine form asks', () => {
    const test = outputOf('src/cli/udevadm-test.ts');
    const inputs = loadedWith(test);
    expect(inputs).toContain('src/udev/udevadm/udevadm-test.ts');
    expect(inputs).toContain('src/machine/names.ts');
    expect(machineGraph(inputs)).toEqual([]);
    // The machine form imports the machine and the shell's `udevadm test` when it runs.
    const dynamic = meta.outputs[test]!.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path);
    expect(dynamic.map((f) => meta.outputs[f]!.entryPoint).sort()).toEqual(['src/cli/machine-args.ts', 'src/cli/shell/index.ts']);
    expect(machineGraph(dynamic.flatMap(loadedWith))).toContain('src/machine/machine.ts');
  });

  it('loads no machine for `udevadm verify`, `udevadm hwdb` and `auxbus udevadm` (the verb table)', () => {
    expect(machineGraph(loadedWith(outputOf('src/cli/udevadm-verify.ts')))).toEqual([]);
    expect(machineGraph(loadedWith(outputOf('src/cli/udevadm-hwdb.ts')))).toEqual([]);
    expect(loadedWith(outputOf('src/cli/udevadm.ts')).filter((f) => !f.startsWith('src/cli/') && !f.startsWith('node_modules/picocolors/'))).toEqual(
      [],
    );
  });

  it('keeps every names.ts free of code: it imports only other names.ts', () => {
    const names = Object.entries(meta.inputs).filter(([f]) => /^src\/[^/]+\/names\.ts$/.test(f));
    expect(names.map(([f]) => f)).toEqual(expect.arrayContaining(['src/bus/names.ts', 'src/drivers/names.ts', 'src/machine/names.ts']));
    for (const [, input] of names) for (const i of input.imports) expect(i.path).toMatch(/^src\/[^/]+\/names\.ts$/);
  });

  const caseDir = resolve('test/conformance/udev/cases/000a-pci-function');
  const node = (argv: readonly string[], cwd: string) => {
    const r = spawnSync(process.execPath, [join(outdir, 'main.js'), ...argv], { cwd, encoding: 'utf8' });
    return { status: r.status, out: r.stdout, err: r.stderr };
  };
  const inProcess = async (argv: readonly string[], cwd: string) => {
    const io = captureIo(cwd);
    const status = await runCli(argv, io);
    return { status, out: io.out, err: io.err };
  };

  it('runs `udevadm test --device` as a process with the output of the in-process CLI', async () => {
    const event = JSON.parse(readFileSync(join(caseDir, 'expected.jsonl'), 'utf8').split('\n')[0]!) as { action: string; devpath: string };
    const argv = ['udevadm', 'test', '--rules', '50-pci.rules', '--device', 'device.desc', '--event', `${event.action}:${event.devpath}`];
    const run = node(argv, caseDir);
    expect(run.out).toContain('DRIVER=mlx5_core');
    expect(run).toEqual(await inProcess(argv, caseDir));
  });

  it('runs a machine verb as a process, the machine imported lazily, with the output of the in-process CLI', async () => {
    // inversify's decorators need the Reflect polyfill before the first decorated class runs:
    // the bundle's entry no longer loads it, the machine's surface does.
    const argv = ['udevadm', 'test', '--json', '/sys/bus/pci/devices/0000:0d:00.0'];
    const run = node(argv, caseDir);
    expect(run.status).toBe(0);
    expect(run.out).toContain('"key":"DEVPATH"');
    expect(run).toEqual(await inProcess(argv, caseDir));
  });
});
