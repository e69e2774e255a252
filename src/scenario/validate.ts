/**
 * Cross-reference checks on a scenario that already has the right shape: presets and verbs this
 * build supports, processes named by `as:` and `owner:`, fd names opened before they are used
 * and used by the process that opened them, unique rules names. Shape is schema.ts's concern.
 */
import type { ScenarioHost } from './host.js';
import { RESERVED_OWNERS } from './names.js';
import type { ScenarioFile, Step } from './schema.js';
import { verbRow } from './verbs.js';
import type { PathIssue } from './yaml-source.js';

/** The process names a file may use: `root` and its `processes:`. */
export function processNames(file: ScenarioFile): Set<string> {
  return new Set(['root', ...file.processes.map(([name]) => name)]);
}

/** Every cross-reference problem of `file` against `host`, each with the node it is about. */
export function validateScenario(file: ScenarioFile, host: ScenarioHost, ruleNames: readonly { name: string; index: number }[]): PathIssue[] {
  const issues: PathIssue[] = [];
  const add = (path: (string | number)[], message: string, anchor: 'key' | 'value' = 'value') => issues.push({ path, message, anchor });

  const presets = file.machine.presets;
  if (Array.isArray(presets)) {
    presets.forEach((p, i) => {
      if (!host.presets.has(p)) add(['machine', 'presets', i], unknownPreset(p, host));
    });
  }
  const counts = presets && !Array.isArray(presets) ? (presets as Readonly<Record<string, number>>) : undefined;
  if (counts || file.machine.topology) {
    if (!host.fleetProblems) add(['machine', counts ? 'presets' : 'topology'], 'this build places no fleets', 'key');
    else
      for (const p of host.fleetProblems({ ...(counts ? { counts } : {}), ...(file.machine.topology ? { topology: file.machine.topology } : {}) }))
        add(['machine', ...p.path], p.message);
  }

  const seenRules = new Map<string, number>();
  for (const { name, index } of ruleNames) {
    const first = seenRules.get(name);
    if (first !== undefined) add(['rules', index], `rules name '${name}' is also used by rules entry ${first + 1}; names must be unique`);
    else seenRules.set(name, index);
  }

  for (const [name] of file.processes) {
    if (name === 'root') add(['processes', name], "'root' always exists (uid 0, gid 0, every capability) and cannot be redefined", 'key');
    else if ((RESERVED_OWNERS as readonly string[]).includes(name)) add(['processes', name], `'${name}' is reserved (it is an owner: value)`, 'key');
    else if (!/^[A-Za-z_][\w.-]*$/.test(name))
      add(['processes', name], `process name '${name}' must be letters, digits, _ . - (not starting with a digit)`, 'key');
  }

  const procs = processNames(file);
  const fds = new Map<string, { proc: string; open: boolean; step: number }>();
  for (const step of file.steps) validateStep(step, host, procs, fds, add);
  return issues;
}

function unknownPreset(p: string, host: ScenarioHost): string {
  return `unknown preset '${p}' (this build has: ${[...host.presets].join(', ') || 'none'})`;
}

function validateStep(
  step: Step,
  host: ScenarioHost,
  procs: ReadonlySet<string>,
  fds: Map<string, { proc: string; open: boolean; step: number }>,
  add: (path: (string | number)[], message: string, anchor?: 'key' | 'value') => void,
): void {
  if (step.verb === 'concurrent') {
    for (const lane of step.lanes) for (const nested of lane) validateStep(nested, host, procs, fds, add);
    return;
  }
  const at = (...rest: (string | number)[]) => [...step.node, ...rest];
  if (!host.supportedVerbs.has(step.verb)) {
    add(at(step.verb), `verb '${step.verb}' is not supported by this build: its subsystem has not landed`, 'key');
  }
  if (step.as !== undefined && !procs.has(step.as)) {
    add(at('as'), `unknown process '${step.as}' (declare it under processes:; known: ${[...procs].join(', ')})`);
  }
  const fdUse = (fd: string, key: string) => {
    const entry = fds.get(fd);
    if (!entry) {
      add(at(key), `fd '${fd}' was never opened (no earlier open step has fd: ${fd})`);
      return;
    }
    if (step.as !== undefined && step.as !== entry.proc) {
      add(at('as'), `fd '${fd}' belongs to '${entry.proc}', which opened it in step ${entry.step}; a step on it runs as that process`);
    }
  };
  verbRow(step.verb).validate?.(
    {
      host,
      procs,
      fds,
      add: (path, message, anchor) => add(at(...path), message, anchor),
      fdUse,
      unknownPreset: (p) => unknownPreset(p, host),
    },
    step as never,
  );
}
