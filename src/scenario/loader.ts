/**
 * Loading a scenario file: YAML parse (yaml's parseDocument with a LineCounter), schema,
 * `rules: - file:` reads (relative to the scenario file), cross-reference checks. Either a
 * scenario ready to run or every problem as `FILE:LINE:COL: message`; a file with any problem
 * never runs a step.
 */
import type { z } from 'zod';
import { pathBasename, pathDirname } from '../base/index.js';
import type { ScenarioHost, ScenarioMachineOptions, ScenarioProcessSpec } from './host.js';
import { type ScenarioFile, scenarioSchema } from './schema.js';
import { UNKNOWN_KEY, isMissing, unknownKeysOf } from './schema-values.js';
import { validateScenario } from './validate.js';
import { type PathIssue, type SourceAnchor, type SourcePath, type SourcePosition, parseSource } from './yaml-source.js';

/** One problem that makes a file invalid (exit 2). */
export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** `FILE:LINE:COL: message`. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}`;
}

/** A valid scenario, ready for the runner. */
export interface LoadedScenario {
  /** The file name as given (used in every message). */
  readonly file: string;
  readonly scenario: ScenarioFile;
  /** Options for `createMachine`, defaults applied, rules read and sorted by name. */
  readonly machineOptions: ScenarioMachineOptions;
  /** Declared processes (not `root`), in file order. */
  readonly processes: readonly (readonly [string, ScenarioProcessSpec])[];
  /** Line and column of a node of the file. */
  locate(path: SourcePath, anchor?: SourceAnchor): SourcePosition;
}

export type LoadResult = { readonly ok: true; readonly loaded: LoadedScenario } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export interface LoadOptions {
  /** Directory `rules: - file:` paths are relative to; default the scenario file's directory. */
  readonly baseDir?: string;
  /**
   * Reads a `rules: - file:` entry (`file` relative to `baseDir`); throws an error with a `code`
   * (ENOENT…) when it cannot. Without one (a browser build) rules files cannot be read (ENOSYS).
   * The Node entry (index.node.ts) passes one that reads the disk.
   */
  readonly readRulesFile?: (baseDir: string, file: string) => string;
}

function noRulesFiles(): string {
  throw Object.assign(new Error('no file system'), { code: 'ENOSYS' });
}

/** Loads scenario `text` named `file`; never throws. */
export function loadScenario(text: string, file: string, host: ScenarioHost, options: LoadOptions = {}): LoadResult {
  const source = parseSource(text);
  const diag = (pos: SourcePosition, message: string): Diagnostic => ({ file, line: pos.line, col: pos.col, message });
  const fromIssues = (issues: readonly PathIssue[]) => issues.map((i) => diag(source.locate(i.path, i.anchor), i.message));
  const fail = (diagnostics: Diagnostic[]): LoadResult => ({ ok: false, diagnostics: sortDiagnostics(diagnostics) });

  if (source.syntaxErrors.length > 0) return fail(source.syntaxErrors.map((e) => diag(e, e.message)));
  if (source.conversionIssues.length > 0) return fail(fromIssues(source.conversionIssues));
  if (source.value === null || source.value === undefined) {
    return fail([diag({ line: 1, col: 1 }, 'empty file: a scenario needs name: and steps:')]);
  }

  const parsed = scenarioSchema.safeParse(source.value);
  if (!parsed.success) return fail(fromIssues(parsed.error.issues.flatMap(toPathIssues)));
  const scenario = parsed.data;

  const baseDir = options.baseDir ?? pathDirname(file);
  const readRulesFile = options.readRulesFile ?? noRulesFiles;
  const rules: { name: string; text: string }[] = [];
  const ruleNames: { name: string; index: number }[] = [];
  const issues: PathIssue[] = [];
  scenario.rules.forEach((entry, index) => {
    if (entry.kind === 'text') {
      rules.push({ name: entry.name, text: entry.text });
      ruleNames.push({ name: entry.name, index });
      return;
    }
    const name = pathBasename(entry.file);
    try {
      rules.push({ name, text: readRulesFile(baseDir, entry.file) });
      ruleNames.push({ name, index });
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'error';
      issues.push({ path: ['rules', index, 'file'], anchor: 'value', message: `cannot read rules file '${entry.file}' (${code})` });
    }
  });
  issues.push(...validateScenario(scenario, host, ruleNames));
  if (issues.length > 0) return fail(fromIssues(issues));

  const m = scenario.machine;
  const machineOptions: ScenarioMachineOptions = {
    presets: Array.isArray(m.presets) ? (m.presets as readonly string[]) : m.presets || m.topology ? [] : ['cxl-type3'],
    ...(m.presets && !Array.isArray(m.presets) ? { presetCounts: m.presets as Readonly<Record<string, number>> } : {}),
    ...(m.topology ? { topology: m.topology } : {}),
    lockdown: m.lockdown ?? 'none',
    doe: m.doe ?? 'aux-exclusive',
    autoload: m.autoload ?? true,
    modules: m.modules ?? [],
    modprobe: m.modprobe ?? [],
    rules: [...rules].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
  const processes = scenario.processes.map(
    ([name, p]) =>
      [
        name,
        {
          uid: p.uid,
          gid: p.gid ?? p.uid,
          groups: p.groups ?? [],
          // uid 0 without caps: has every capability; with caps: only those.
          caps: p.caps ?? (p.uid === 0 ? 'all' : []),
        },
      ] as const,
  );
  return {
    ok: true,
    loaded: { file, scenario, machineOptions, processes, locate: (path, anchor = 'value') => source.locate(path, anchor) },
  };
}

/** A zod issue as path issues: unknown keys point at each key, missing keys at their map. */
function toPathIssues(issue: z.core.$ZodIssue): PathIssue[] {
  const path = issue.path as (string | number)[];
  const unknownKeys = unknownKeysOf(issue);
  if (unknownKeys) {
    return unknownKeys.map((key) => ({ path: [...path, key], anchor: 'key' as const, message: issue.message.replace(UNKNOWN_KEY, key) }));
  }
  if (isMissing(issue)) {
    const key = path[path.length - 1];
    const message = issue.message === 'missing' ? `missing required key '${String(key)}'` : issue.message;
    return [{ path: path.slice(0, -1), anchor: 'value', message }];
  }
  const anchor = (issue.code === 'custom' && (issue.params as { anchor?: SourceAnchor } | undefined)?.anchor) || 'value';
  return [{ path, anchor, message: issue.message }];
}

/** By position, duplicates dropped. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return [...ds]
    .sort((a, b) => a.line - b.line || a.col - b.col)
    .filter((d) => {
      const k = formatDiagnostic(d);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}
