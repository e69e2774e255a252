/**
 * The scenario file format of SCENARIOS.md as zod schemas, and the typed scenario they produce.
 * This file owns the shape of a file (keys, types, one verb per step, the `expect` forms); each
 * verb's own step map is its row in the verb table (verbs.ts); cross-references (processes, fds,
 * what this build supports) are validate.ts's, with each verb's part in its row.
 */
import { z } from 'zod';
import type { ErrnoName } from '../base/index.js';
import type { DoeProtocol } from './doe-requests.js';
import { SCENARIO_VERBS, type FwctlScope, type ScenarioFleetHost, type ScenarioVerb } from './host.js';
import { presetsSchema, topologySchema } from './fleet-schema.js';
import { CAPABILITIES } from './names.js';
import { MISSING, bool, errno, forward, hex, int, isMap, list, obj, oneOf, record, regex, str, strWhere } from './schema-values.js';
import { name } from './step-values.js';
import { scenarioVerbs, verbRow } from './verbs.js';
import { PlainScalar, type SourcePath } from './yaml-source.js';

// ---------------------------------------------------------------- types

/** What a step must show. `ok` may carry data expectations; `errno` is an exact failure. */
export type Expect =
  | {
      readonly kind: 'ok';
      readonly value?: string;
      readonly match?: string;
      readonly entries?: readonly string[];
      readonly contains?: readonly string[];
      /** Canonical hex. */
      readonly response?: string;
      readonly responseMatch?: string;
      readonly outLen?: number;
    }
  | { readonly kind: 'errno'; readonly errno: ErrnoName };

/** One `uevents`/`uevents_include` entry; `env` null values mean "absent". */
export interface UeventPattern {
  readonly action: string;
  readonly devpath: string;
  readonly env: readonly (readonly [string, string | null])[];
}

export interface DevnodeExpectation {
  /** Four octal digits. */
  readonly mode?: string;
  readonly owner?: string;
  readonly group?: string;
}

/** A `check:` map; each present key must hold. Map-valued keys keep file order. */
export interface CheckSpec {
  readonly bound?: readonly (readonly [string, string | null])[];
  readonly exists?: readonly string[];
  readonly absent?: readonly string[];
  readonly owner?: readonly (readonly [string, string])[];
  /** Sorted, unique taint letters. */
  readonly taint?: string;
  readonly uevents?: readonly UeventPattern[];
  readonly uevents_include?: readonly UeventPattern[];
  readonly property?: readonly (readonly [string, readonly (readonly [string, string | null])[]])[];
  /** null: the node must not exist. */
  readonly devnode?: readonly (readonly [string, DevnodeExpectation | null])[];
}

export type DoeTarget = { readonly fd: string } | { readonly config: string; readonly mailbox: number };

/** The verb-specific part of a step. */
export type StepBody =
  | { readonly verb: 'boot' }
  | { readonly verb: 'modprobe' | 'rmmod'; readonly module: string }
  | { readonly verb: 'hotplug'; readonly preset: string }
  | { readonly verb: 'unplug'; readonly bdf: string }
  | { readonly verb: 'write'; readonly path: string; readonly value: string }
  | { readonly verb: 'read' | 'ls'; readonly path: string }
  | { readonly verb: 'open'; readonly path: string; readonly mode: 'r' | 'w' | 'rw'; readonly fd: string }
  | { readonly verb: 'close'; readonly fd: string }
  | {
      readonly verb: 'ioctl';
      readonly fd: string;
      readonly op: 'FWCTL_INFO' | 'FWCTL_RPC';
      readonly scope?: FwctlScope;
      /** Canonical hex. */
      readonly payload?: string;
      /** FWCTL_RPC's out_len: the size of the output buffer handed to the kernel (default 4096). */
      readonly outLen?: number;
    }
  | {
      readonly verb: 'doe';
      readonly target: DoeTarget;
      readonly protocol: DoeProtocol;
      /** Canonical hex of the payload after the DOE header. */
      readonly request: string;
    }
  | {
      readonly verb: 'trigger';
      readonly action?: string;
      readonly subsystem?: string;
      readonly attrs?: Readonly<Record<string, string>>;
    }
  | { readonly verb: 'settle' }
  | { readonly verb: 'advance'; readonly ms: number }
  /** Lanes of steps that may interleave with each other and the kernel's work (the race explorer's unit); `auxbus run` runs them lane by lane. */
  | { readonly verb: 'concurrent'; readonly lanes: readonly (readonly Step[])[] }
  | { readonly verb: 'check'; readonly check: CheckSpec };

export type Step = StepBody & {
  /** 1-based position in `steps:`. */
  readonly index: number;
  /** Where the step's map is in the document (for positions). */
  readonly node: SourcePath;
  /** The process named by `as:`, if any. */
  readonly as: string | undefined;
  /** Whether the runner settles after the step (false for non-acting verbs). */
  readonly settle: boolean;
  readonly expect: Expect;
};

export type RulesEntry = { readonly kind: 'text'; readonly name: string; readonly text: string } | { readonly kind: 'file'; readonly file: string };

export interface ProcessEntry {
  readonly uid: number;
  readonly gid?: number;
  readonly groups?: readonly string[];
  readonly caps?: readonly string[];
}

export interface ScenarioFile {
  readonly name: string;
  readonly machine: {
    readonly presets?: readonly string[] | Readonly<Record<string, number>>;
    readonly topology?: readonly ScenarioFleetHost[];
    readonly lockdown?: 'none' | 'integrity' | 'confidentiality';
    readonly doe?: 'aux-exclusive' | 'pci-core-shared';
    readonly autoload?: boolean;
    readonly modules?: readonly string[];
    readonly modprobe?: readonly string[];
  };
  readonly rules: readonly RulesEntry[];
  readonly processes: readonly (readonly [string, ProcessEntry])[];
  readonly steps: readonly Step[];
}

// ---------------------------------------------------------------- verbs

/** Verbs that act on the machine (every row of the verb table not marked passive); the runner settles after them unless `settle: false`. */
export const ACTING_VERBS: ReadonlySet<ScenarioVerb> = new Set(SCENARIO_VERBS.filter((v) => !scenarioVerbs[v].passive));

/** `expect:` for `verb`: `ok`, or a map of `errno` and the verb's data keys. */
function expectSchema(verb: ScenarioVerb) {
  const extra = scenarioVerbs[verb].expectKeys ?? [];
  const shape = {
    errno: errno().optional(),
    value: str().optional(),
    match: regex().optional(),
    entries: list(str()).optional(),
    contains: list(str()).optional(),
    response: hex().optional(),
    response_match: regex().optional(),
    out_len: int().optional(),
  };
  const picked = Object.fromEntries(Object.entries(shape).filter(([k]) => k === 'errno' || extra.includes(k))) as Partial<typeof shape>;
  const map = obj(`expect of a ${verb} step`, picked);
  return z.unknown().transform((v, ctx): Expect => {
    if (v === 'ok') return { kind: 'ok' };
    if (!isMap(v)) {
      const forms = ['ok', '{errno: NAME}', ...extra.map((k) => `{${k}: ...}`)].join(', ');
      ctx.addIssue({ code: 'custom', message: `expect must be one of ${forms}` });
      return z.NEVER as never;
    }
    const r = map.safeParse(v);
    if (!r.success) {
      forward(ctx, r.error.issues);
      return z.NEVER as never;
    }
    const e = r.data as z.output<z.ZodObject<typeof shape>>;
    if (e.errno !== undefined) {
      const others = Object.keys(v).filter((k) => k !== 'errno');
      if (others.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: [others[0]!],
          params: { anchor: 'key' },
          message: `errno cannot be combined with ${others.join(', ')}: a failing step has no result`,
        });
        return z.NEVER as never;
      }
      return { kind: 'errno', errno: e.errno as ErrnoName };
    }
    return {
      kind: 'ok',
      ...(e.value !== undefined && { value: e.value }),
      ...(e.match !== undefined && { match: e.match }),
      ...(e.entries !== undefined && { entries: e.entries }),
      ...(e.contains !== undefined && { contains: e.contains }),
      ...(e.response !== undefined && { response: e.response }),
      ...(e.response_match !== undefined && { responseMatch: e.response_match }),
      ...(e.out_len !== undefined && { outLen: e.out_len }),
    };
  });
}

const VERBS: ReadonlySet<string> = new Set(SCENARIO_VERBS);

/** The verb keys of a step map: `settle: true|false` is the option, any other `settle:` the verb. */
export function verbKeysOf(step: Record<string, unknown>): string[] {
  return Object.keys(step).filter((k) => VERBS.has(k) && !(k === 'settle' && step[k] instanceof PlainScalar && typeof step[k].value === 'boolean'));
}

const COMMON_KEYS = new Set(['as', 'expect', 'settle']);

/** One step: a map with exactly one verb key. */
const stepSchema = z.unknown().transform((raw, ctx): Omit<Step, 'index' | 'node'> => {
  if (!isMap(raw)) {
    ctx.addIssue({ code: 'custom', message: `a step must be a map with one verb (${SCENARIO_VERBS.join(', ')})` });
    return z.NEVER as never;
  }
  const verbs = verbKeysOf(raw);
  if (verbs.length === 0) {
    const unknown = Object.keys(raw).find((k) => !COMMON_KEYS.has(k));
    if (unknown !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [unknown],
        params: { anchor: 'key' },
        message: `unknown verb '${unknown}' (verbs: ${SCENARIO_VERBS.join(', ')})`,
      });
    } else {
      ctx.addIssue({ code: 'custom', message: `step has no verb (one of: ${SCENARIO_VERBS.join(', ')})` });
    }
    return z.NEVER as never;
  }
  if (verbs.length > 1) {
    ctx.addIssue({
      code: 'custom',
      path: [verbs[1]!],
      params: { anchor: 'key' },
      message: `step has two verbs, '${verbs[0]}' and '${verbs[1]}': write one step per verb`,
    });
    return z.NEVER as never;
  }
  const verb = verbs[0] as ScenarioVerb;
  if (verb === 'concurrent') return concurrentStep(raw, ctx);
  const row = verbRow(verb);
  const { schema, body } = stepParser(verb);
  const acting = ACTING_VERBS.has(verb);
  const r = schema.safeParse(raw);
  if (!r.success) {
    forward(ctx, r.error.issues);
    return z.NEVER as never;
  }
  const o = r.data as Record<string, unknown>;
  let b = body(o);
  if (row.refine) {
    const refined = row.refine(b, raw);
    if ('problem' in refined) {
      ctx.addIssue({
        code: 'custom',
        path: [refined.key],
        ...(refined.missing ? { params: MISSING } : refined.anchor ? { params: { anchor: refined.anchor } } : {}),
        message: refined.problem,
      });
      return z.NEVER as never;
    }
    b = refined;
  }
  return {
    ...b,
    as: o.as as string | undefined,
    settle: acting && o.settle !== false,
    expect: (o.expect as Expect | undefined) ?? { kind: 'ok' },
  };
});

/**
 * A verb's step schema (its own keys, `as`, `expect`, `settle`) and body, built once per verb:
 * the rows' schemas are fixed, and zod compiles an object schema the first time it parses, so
 * building it again for every step cost more than the parse.
 */
const stepParsers = new Map<ScenarioVerb, { readonly schema: z.ZodType; readonly body: (o: Record<string, unknown>) => StepBody }>();

function stepParser(verb: ScenarioVerb): { readonly schema: z.ZodType; readonly body: (o: Record<string, unknown>) => StepBody } {
  let p = stepParsers.get(verb);
  if (!p) {
    const { shape, body } = verbRow(verb).schema();
    const fullShape: Record<string, z.ZodType> = { ...(shape as Record<string, z.ZodType>), as: name('a process name').optional() };
    if (verb !== 'check') fullShape.expect = expectSchema(verb).optional();
    if (ACTING_VERBS.has(verb)) fullShape.settle = bool().optional();
    p = { schema: obj(`${verb} step`, fullShape), body };
    stepParsers.set(verb, p);
  }
  return p;
}

let concurrentSchema: z.ZodType | undefined;

/**
 * `concurrent: [[step, …], [step, …]]`: two or more lanes, each a list of ordinary steps (no
 * nested `concurrent:`); `settle: false` skips the settle after the whole block.
 */
function concurrentStep(raw: Record<string, unknown>, ctx: z.core.$RefinementCtx): Omit<Step, 'index' | 'node'> {
  if (!concurrentSchema) {
    const lane = list(stepSchema).refine((l) => l.length > 0, 'a lane needs at least one step');
    const lanes = list(lane).refine((l) => l.length >= 2, 'a concurrent block needs at least two lanes');
    concurrentSchema = obj('concurrent step', { concurrent: lanes, settle: bool().optional() });
  }
  const r = concurrentSchema.safeParse(raw);
  if (!r.success) {
    forward(ctx, r.error.issues);
    return z.NEVER as never;
  }
  const o = r.data as { concurrent: Omit<Step, 'index' | 'node'>[][]; settle?: boolean };
  for (const [l, steps] of o.concurrent.entries()) {
    const j = steps.findIndex((s) => s.verb === 'concurrent');
    if (j >= 0) {
      ctx.addIssue({ code: 'custom', path: ['concurrent', l, j], message: 'a concurrent block cannot nest another' });
      return z.NEVER as never;
    }
  }
  const step = { verb: 'concurrent', lanes: o.concurrent as unknown as Step[][], as: undefined, settle: o.settle !== false, expect: { kind: 'ok' } };
  return step as unknown as Omit<Step, 'index' | 'node'>;
}

/** Positions of a step (and of the steps of its lanes) in `steps:`. */
function placeStep(s: Omit<Step, 'index' | 'node'>, i: number): Step {
  const step = { ...s, index: i + 1, node: ['steps', i] } as Step;
  if (step.verb !== 'concurrent') return step;
  const lanes = step.lanes.map((lane, l) => lane.map((n, j) => ({ ...n, index: i + 1, node: ['steps', i, 'concurrent', l, j] }) as Step));
  return { ...step, lanes };
}

const rulesFileEntry = obj('rules entry', { file: str() });
const rulesTextEntry = obj('rules entry', { name: name('a rules file name'), text: str() });

const rulesEntry = z.unknown().transform((v, ctx): RulesEntry => {
  const file = isMap(v) && 'file' in v;
  const r = file ? rulesFileEntry.safeParse(v) : rulesTextEntry.safeParse(v);
  if (!r.success) {
    forward(ctx, r.error.issues);
    return z.NEVER as never;
  }
  const d = r.data as { file?: string; name?: string; text?: string };
  return d.file !== undefined ? { kind: 'file', file: d.file } : { kind: 'text', name: d.name!, text: d.text! };
});

const processEntry = obj('process', {
  uid: int(0, 0xfffffffe),
  gid: int(0, 0xfffffffe).optional(),
  groups: list(name('a group name')).optional(),
  caps: list(oneOf(CAPABILITIES, 'a capability name such as CAP_SYS_ADMIN')).optional(),
});

const machineSchema = obj('machine', {
  presets: presetsSchema.optional(),
  topology: topologySchema.optional(),
  lockdown: oneOf(['none', 'integrity', 'confidentiality'] as const).optional(),
  doe: oneOf(['aux-exclusive', 'pci-core-shared'] as const).optional(),
  autoload: bool().optional(),
  modules: list(name('a module name')).optional(),
  modprobe: list(str()).optional(),
});

/** The whole file. */
export const scenarioSchema = obj('scenario', {
  name: strWhere('a non-empty string', (s) => s.trim().length > 0),
  machine: machineSchema.optional(),
  rules: list(rulesEntry).optional(),
  processes: record(processEntry).optional(),
  steps: list(stepSchema),
}).transform((f): ScenarioFile => ({
  name: f.name,
  machine: f.machine ?? {},
  rules: f.rules ?? [],
  processes: f.processes ?? [],
  steps: f.steps.map((s, i) => placeStep(s, i)),
}));
