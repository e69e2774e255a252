/**
 * `--rules FILE|DIR…` for every verb: files are read as given, a directory contributes its
 * `*.rules` files (sorted, dot files skipped) as udevd reads a rules directory. And the rules
 * diagnostics every verb prints before it runs: `file:line:col: level: message` on stderr, as
 * udev 252's parser logs them at warning level and above, plus the over-long line that makes 252
 * drop a whole file ("No buffer space available"), named by the line where it starts.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { kerr } from '../base/index.js';
import { verify } from '../udev/index.js';

export interface RulesText {
  readonly name: string;
  readonly text: string;
}

/** udev's line buffer (UDEV_LINE_SIZE, src/shared/udev-util.h): a longer physical line fails read_line(). */
const UDEV_LINE_SIZE = 16384;

/** Reads rules FILEs and DIRs; throws ENOENT naming the path when one cannot be read. */
export function readRulesArgs(paths: readonly string[], cwd: string): RulesText[] {
  const out: RulesText[] = [];
  for (const p of paths) {
    const full = resolve(cwd, p);
    let names: string[];
    try {
      names = statSync(full).isDirectory()
        ? readdirSync(full)
            .filter((f) => f.endsWith('.rules') && !f.startsWith('.'))
            .sort()
            .map((f) => join(p, f))
        : [p];
    } catch {
      throw kerr('ENOENT', `${p}: cannot read rules file or directory`);
    }
    for (const n of names) {
      try {
        out.push({ name: n, text: readFileSync(resolve(cwd, n), 'latin1') });
      } catch {
        throw kerr('ENOENT', `${n}: cannot read rules file`);
      }
    }
  }
  return out;
}

/** One positioned rules diagnostic. */
export interface RulesDiagnostic {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly level: 'warning' | 'error';
  readonly message: string;
}

/** The first physical line longer than udev's line buffer, 1-based, or undefined. */
function overlongLine(text: string): { line: number; length: number } | undefined {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text[i] === '\n') {
      if (i - start + 1 >= UDEV_LINE_SIZE) return { line, length: i - start };
      line++;
      start = i + 1;
    }
  }
  return undefined;
}

/** What udev 252's parser says about `rules`, warnings and errors only, in file order. */
export function rulesDiagnostics(rules: readonly RulesText[]): RulesDiagnostic[] {
  const out: RulesDiagnostic[] = [];
  const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
  const result = verify(
    rules.map((r) => ({ name: r.name, text: bytes(r.text) })),
    {},
  );
  for (const d of result.diagnostics) {
    if (d.level !== 'warning' && d.level !== 'error') continue;
    if (d.file === null) continue;
    out.push({ file: d.file, line: d.line ?? 1, col: d.col ?? 1, level: d.level, message: d.message });
  }
  for (const r of rules) {
    const long = overlongLine(r.text);
    if (long)
      out.push({
        file: r.name,
        line: long.line,
        col: 1,
        level: 'error',
        message: `line is ${long.length} bytes, longer than udev's ${UDEV_LINE_SIZE - 1}: udev 252 ignores the whole file (No buffer space available)`,
      });
  }
  return out;
}

export function formatRulesDiagnostic(d: RulesDiagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.level}: ${d.message}\n`;
}
