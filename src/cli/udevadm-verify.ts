/**
 * `auxbus udevadm verify [--resolve-names=early|late|never] [--json] FILE|DIR…`: parse rules
 * files with udev 252's parser and report what it logs; a file fails on any warning or error,
 * as newer systemd's `udevadm verify` does. Directories contribute their `*.rules` files.
 * `--rules FILE|DIR…` names more files to check, as every verb takes it; with `--strict` a
 * warning or error is bad input (exit 2) instead of a failed check (exit 1).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Option } from 'commander';
import { verify, type ResolveNames } from '../udev/index.js';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus } from './io.js';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = newCommand('udevadm verify', io)
    .description('check udev rules files with the udev 252 parser')
    .argument('[paths...]', 'rules files or directories')
    .addOption(new Option('--rules <path...>', 'more rules files or directories to check').default([]))
    .option('--strict', 'any warning or error is bad input (exit 2)')
    .option('--resolve-names <when>', 'early, late or never', 'early')
    .option('--json', 'print the diagnostics as JSON lines');
  return runCommand(cmd, argv, io, () => {
    const o = cmd.opts<{ resolveNames: string; json?: boolean; rules: string[]; strict?: boolean }>();
    const paths = [...cmd.args, ...o.rules];
    if (paths.length === 0) {
      io.stderr("auxbus udevadm verify: missing required argument 'paths'\n");
      return ExitStatus.BAD_INPUT;
    }
    if (!['early', 'late', 'never'].includes(o.resolveNames)) {
      io.stderr(`auxbus udevadm verify: --resolve-names=${o.resolveNames}: expected early, late or never\n`);
      return ExitStatus.BAD_INPUT;
    }
    const files: Array<{ name: string; text: Uint8Array }> = [];
    for (const p of paths) {
      const full = resolve(io.cwd, p);
      let names: string[];
      try {
        names = statSync(full).isDirectory()
          ? readdirSync(full)
              .filter((f) => f.endsWith('.rules') && !f.startsWith('.'))
              .sort()
              .map((f) => join(p, f))
          : [p];
      } catch (e) {
        io.stderr(`${p}:1:1: cannot read: ${(e as Error).message}\n`);
        return ExitStatus.BAD_INPUT;
      }
      for (const n of names) {
        try {
          files.push({ name: n, text: new Uint8Array(readFileSync(resolve(io.cwd, n))) });
        } catch (e) {
          io.stderr(`${n}:1:1: cannot read: ${(e as Error).message}\n`);
          return ExitStatus.BAD_INPUT;
        }
      }
    }
    const result = verify(files, { resolveNames: o.resolveNames as ResolveNames });
    for (const d of result.diagnostics) {
      if (o.json) io.stdout(JSON.stringify({ file: d.file, line: d.line, level: d.level, message: d.message }) + '\n');
      else io.stderr(d.file === null ? `${d.level}: ${d.message}\n` : `${d.file}:${d.line}:1: ${d.level}: ${d.message}\n`);
    }
    if (!o.json)
      io.stdout(
        `\n${result.files.length} udev rules files have been checked.\n  Success: ${result.files.length - result.failed}\n  Fail:    ${result.failed}\n`,
      );
    if (result.exitCode === 0) return ExitStatus.OK;
    return o.strict ? ExitStatus.BAD_INPUT : ExitStatus.FAILED;
  });
}
