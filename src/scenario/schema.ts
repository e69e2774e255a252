/**
 * The scenario file format of SCENARIOS.md as zod schemas, and the typed scenario they produce.
 * This file owns the shape of a file (keys, types, one verb per step, which `expect` forms each
 * verb takes); cross-references (processes, fds, what this build supports) are validate.ts's.
 */
import { z } from 'zod';
import type { ErrnoName } from '../base/index.js';
import { DOE_PROTOCOLS, type DoeProtocol, discoveryRequest, doeRequestNames, namedDoeRequest } from './doe-requests.js';
import { SCENARIO_VERBS, type FwctlScope, type ScenarioVerb } from './host.js';
import { normalizeHex } from './hex.js';
import { CAPABILITIES, FWCTL_SCOPES, TAINT_LETTERS, UEVENT_ACTIONS } from './names.js';
import {
  MISSING,
  bool,
  empty,
  errno,
  forward,
  hex,
  int,
  isMap,
  list,
  nullableStr,
  obj,
  oneOf,
  record,
  regex,
  str,
  strWhere,
} from './schema-values.js';
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
    readonly presets?: readonly string[];
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

/** Verbs that only wait or look; every other verb acts on the machine. */
const PASSIVE_VERBS: ReadonlySet<ScenarioVerb> = new Set<ScenarioVerb>(['settle', 'advance', 'check']);

/** Verbs that act on the machine; the runner settles after them unless `settle: false`. */
export const ACTING_VERBS: ReadonlySet<ScenarioVerb> = new Set(SCENARIO_VERBS.filter((v) => !PASSIVE_VERBS.has(v)));

/** `expect:` keys each verb takes besides `errno`. */
const EXPECT_KEYS: Partial<Record<ScenarioVerb, readonly string[]>> = {
  read: ['value', 'match'],
  ls: ['entries', 'contains'],
  ioctl: ['response', 'response_match', 'out_len'],
  doe: ['response', 'response_match', 'out_len'],
};

const absPath = () => strWhere('an absolute path (starting with /)', (s) => s.startsWith('/'));
const name = (what: string) => strWhere(what, (s) => s.length > 0 && !/\s/.test(s));
const bdf = () => strWhere('a PCI address such as 0000:0d:00.0', (s) => /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(s));
const fdName = () => strWhere('an fd name (letters, digits, _ . -)', (s) => /^[A-Za-z_][\w.-]*$/.test(s));

const scope = () =>
  z.unknown().transform((v, ctx): FwctlScope => {
    if (v instanceof PlainScalar && typeof v.value === 'number') {
      const s = FWCTL_SCOPES[v.value];
      if (s !== undefined && Number.isInteger(v.value)) return s;
    }
    if (typeof v === 'string') {
      const s = v.replace(/^FWCTL_RPC_/, '');
      if ((FWCTL_SCOPES as readonly string[]).includes(s)) return s as FwctlScope;
    }
    ctx.addIssue({
      code: 'custom',
      message: v === undefined ? 'missing' : `expected a fwctl scope (${FWCTL_SCOPES.join(', ')}, or 0-3), got ${JSON.stringify(v instanceof PlainScalar ? v.source : v)}`,
      ...(v === undefined ? { params: MISSING } : {}),
    });
    return z.NEVER as never;
  });

/** `expect:` for `verb`: `ok`, or a map of `errno` and the verb's data keys. */
function expectSchema(verb: ScenarioVerb) {
  const extra = EXPECT_KEYS[verb] ?? [];
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
        ctx.addIssue({ code: 'custom', path: [others[0]!], params: { anchor: 'key' }, message: `errno cannot be combined with ${others.join(', ')}: a failing step has no result` });
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

const uevent = () =>
  z.unknown().transform((v, ctx): UeventPattern => {
    const parseEvent = (s: unknown, path: SourcePath): { action: string; devpath: string } | undefined => {
      const text = typeof s === 'string' ? s : undefined;
      const m = text === undefined ? null : /^\s*(\S+)\s+(\/\S*)\s*$/.exec(text);
      if (!m || !(UEVENT_ACTIONS as readonly string[]).includes(m[1]!)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path],
          message: `expected "ACTION DEVPATH" (ACTION one of ${UEVENT_ACTIONS.join(', ')}, DEVPATH from /devices/...), got ${JSON.stringify(text ?? s)}`,
        });
        return undefined;
      }
      return { action: m[1]!, devpath: m[2]! };
    };
    if (isMap(v)) {
      const r = obj('uevent entry', { event: str(), env: record(nullableStr()).optional() }).safeParse(v);
      if (!r.success) {
        forward(ctx, r.error.issues);
        return z.NEVER as never;
      }
      const ev = parseEvent(r.data.event, ['event']);
      return ev ? { ...ev, env: r.data.env ?? [] } : (z.NEVER as never);
    }
    const ev = parseEvent(v, []);
    return ev ? { ...ev, env: [] } : (z.NEVER as never);
  });

const taint = () =>
  strWhere(`taint letters (${TAINT_LETTERS}), "" for none`, (s) => [...s].every((c) => TAINT_LETTERS.includes(c))).transform((s) =>
    [...new Set(s)].sort().join(''),
  );

const devnodeExpectation = () =>
  z.unknown().transform((v, ctx): DevnodeExpectation | null => {
    if (v === null) return null;
    const r = obj('devnode expectation', {
      mode: strWhere('an octal mode such as "0660"', (s) => /^0?[0-7]{3}$/.test(s)).optional(),
      owner: name('a user name').optional(),
      group: name('a group name').optional(),
    }).safeParse(v);
    if (!r.success) {
      forward(ctx, r.error.issues);
      return z.NEVER as never;
    }
    const d = r.data;
    return {
      ...(d.mode !== undefined && { mode: d.mode.padStart(4, '0') }),
      ...(d.owner !== undefined && { owner: d.owner }),
      ...(d.group !== undefined && { group: d.group }),
    };
  });

const checkSchema = () =>
  obj('check', {
    bound: record(nullableStr()).optional(),
    exists: list(absPath()).optional(),
    absent: list(absPath()).optional(),
    owner: record(name('kernel, none or a process name')).optional(),
    taint: taint().optional(),
    uevents: list(uevent()).optional(),
    uevents_include: list(uevent()).optional(),
    property: record(record(nullableStr())).optional(),
    devnode: record(devnodeExpectation()).optional(),
  });

/** A DOE `request:` resolved against its protocol to canonical payload hex. */
function resolveDoeRequest(protocol: DoeProtocol, v: unknown): string | { problem: string } {
  if (v instanceof PlainScalar && typeof v.value === 'number' && protocol === 'discovery') {
    if (Number.isInteger(v.value) && v.value >= 0 && v.value <= 255) return discoveryRequest(v.value);
    return { problem: `a discovery index is 0-255, got ${v.source}` };
  }
  const s = typeof v === 'string' ? v : v instanceof PlainScalar ? v.source : undefined;
  if (s === undefined) return { problem: `expected hex bytes or a request name, got ${v === null ? 'null' : typeof v}` };
  const named = namedDoeRequest(protocol, s);
  if (named !== undefined) return named;
  const h = normalizeHex(s);
  if (h !== undefined) return h;
  return { problem: `'${s}' is neither hex bytes nor a ${protocol} request name (${doeRequestNames(protocol).join(', ')})` };
}

/** Per verb: the schema of its step map (minus `as`/`expect`/`settle`) and how to read it. */
function verbSchema(verb: ScenarioVerb) {
  switch (verb) {
    case 'boot':
    case 'settle':
      return { shape: { [verb]: empty(verb) }, body: () => ({ verb }) as StepBody };
    case 'modprobe':
    case 'rmmod':
      return { shape: { [verb]: name('a module name') }, body: (o: Record<string, unknown>) => ({ verb, module: o[verb] as string }) };
    case 'hotplug':
      return { shape: { hotplug: name('a preset name') }, body: (o: Record<string, unknown>) => ({ verb, preset: o.hotplug as string }) };
    case 'unplug':
      return { shape: { unplug: bdf() }, body: (o: Record<string, unknown>) => ({ verb, bdf: o.unplug as string }) };
    case 'write':
      return {
        shape: { write: absPath(), value: str() },
        body: (o: Record<string, unknown>) => ({ verb, path: o.write as string, value: o.value as string }),
      };
    case 'read':
    case 'ls':
      return { shape: { [verb]: absPath() }, body: (o: Record<string, unknown>) => ({ verb, path: o[verb] as string }) };
    case 'open':
      return {
        shape: { open: absPath(), mode: oneOf(['r', 'w', 'rw'] as const).optional(), fd: fdName() },
        body: (o: Record<string, unknown>) => ({ verb, path: o.open as string, mode: (o.mode as 'r' | 'w' | 'rw' | undefined) ?? 'r', fd: o.fd as string }),
      };
    case 'close':
      return { shape: { close: fdName() }, body: (o: Record<string, unknown>) => ({ verb, fd: o.close as string }) };
    case 'ioctl':
      return {
        shape: { ioctl: fdName(), op: oneOf(['FWCTL_INFO', 'FWCTL_RPC'] as const), scope: scope().optional(), payload: hex().optional() },
        body: (o: Record<string, unknown>) => ({
          verb,
          fd: o.ioctl as string,
          op: o.op as 'FWCTL_INFO' | 'FWCTL_RPC',
          ...(o.scope !== undefined && { scope: o.scope as FwctlScope }),
          ...(o.payload !== undefined && { payload: o.payload as string }),
        }),
      };
    case 'doe':
      return {
        shape: {
          doe: z.unknown().transform((v, ctx): DoeTarget => {
            if (isMap(v)) {
              const r = obj('doe target', { config: bdf(), mailbox: int(0, 255) }).safeParse(v);
              if (r.success) return r.data;
              forward(ctx, r.error.issues);
              return z.NEVER as never;
            }
            const r = fdName().safeParse(v);
            if (r.success) return { fd: r.data };
            ctx.addIssue({
              code: 'custom',
              message: v === undefined ? 'missing' : 'expected an fd name or {config: BDF, mailbox: N}',
              ...(v === undefined ? { params: MISSING } : {}),
            });
            return z.NEVER as never;
          }),
          protocol: oneOf(Object.keys(DOE_PROTOCOLS) as DoeProtocol[]),
          request: z.unknown().optional(),
        },
        body: (o: Record<string, unknown>) => ({ verb, target: o.doe as DoeTarget, protocol: o.protocol as DoeProtocol, request: o.request as string }),
      };
    case 'trigger':
      return {
        shape: {
          trigger: z.unknown().transform((v, ctx) => {
            if (v === null) return {};
            const r = obj('trigger', {
              action: oneOf(UEVENT_ACTIONS).optional(),
              subsystem: name('a subsystem name').optional(),
              attrs: record(str()).optional(),
            }).safeParse(v);
            if (r.success) return r.data;
            forward(ctx, r.error.issues);
            return z.NEVER as never;
          }),
        },
        body: (o: Record<string, unknown>) => {
          const t = o.trigger as { action?: string; subsystem?: string; attrs?: [string, string][] };
          return {
            verb,
            ...(t.action !== undefined && { action: t.action }),
            ...(t.subsystem !== undefined && { subsystem: t.subsystem }),
            ...(t.attrs !== undefined && { attrs: Object.fromEntries(t.attrs) }),
          };
        },
      };
    case 'advance':
      return { shape: { advance: int(0) }, body: (o: Record<string, unknown>) => ({ verb, ms: o.advance as number }) };
    case 'check':
      return { shape: { check: checkSchema() }, body: (o: Record<string, unknown>) => ({ verb, check: o.check as CheckSpec }) };
  }
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
      ctx.addIssue({ code: 'custom', path: [unknown], params: { anchor: 'key' }, message: `unknown verb '${unknown}' (verbs: ${SCENARIO_VERBS.join(', ')})` });
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
  const { shape, body } = verbSchema(verb);
  const acting = ACTING_VERBS.has(verb);
  const fullShape: Record<string, z.ZodType> = { ...(shape as Record<string, z.ZodType>), as: name('a process name').optional() };
  if (verb !== 'check') fullShape.expect = expectSchema(verb).optional();
  if (acting) fullShape.settle = bool().optional();
  const r = obj(`${verb} step`, fullShape).safeParse(raw);
  if (!r.success) {
    forward(ctx, r.error.issues);
    return z.NEVER as never;
  }
  const o = r.data as Record<string, unknown>;
  let b = body(o) as StepBody;
  if (b.verb === 'doe') {
    if (raw.request === undefined) {
      ctx.addIssue({ code: 'custom', path: ['request'], params: MISSING, message: 'missing' });
      return z.NEVER as never;
    }
    const req = resolveDoeRequest(b.protocol, raw.request);
    if (typeof req !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['request'], message: req.problem });
      return z.NEVER as never;
    }
    b = { ...b, request: req };
  }
  if (b.verb === 'ioctl') {
    if (b.op === 'FWCTL_RPC' && (b.scope === undefined || b.payload === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['op'], message: `FWCTL_RPC needs ${b.scope === undefined ? 'scope:' : ''}${b.scope === undefined && b.payload === undefined ? ' and ' : ''}${b.payload === undefined ? 'payload:' : ''}` });
      return z.NEVER as never;
    }
    if (b.op === 'FWCTL_INFO' && (b.scope !== undefined || b.payload !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [b.scope !== undefined ? 'scope' : 'payload'], params: { anchor: 'key' }, message: 'FWCTL_INFO takes no scope: or payload: (they are for FWCTL_RPC)' });
      return z.NEVER as never;
    }
  }
  return {
    ...b,
    as: o.as as string | undefined,
    settle: acting && o.settle !== false,
    expect: (o.expect as Expect | undefined) ?? { kind: 'ok' },
  };
});

const rulesEntry = z.unknown().transform((v, ctx): RulesEntry => {
  const file = isMap(v) && 'file' in v;
  const r = file
    ? obj('rules entry', { file: str() }).safeParse(v)
    : obj('rules entry', { name: name('a rules file name'), text: str() }).safeParse(v);
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
  presets: list(name('a preset name')).optional(),
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
}).transform(
  (f): ScenarioFile => ({
    name: f.name,
    machine: f.machine ?? {},
    rules: f.rules ?? [],
    processes: f.processes ?? [],
    steps: f.steps.map((s, i) => ({ ...s, index: i + 1, node: ['steps', i] }) as Step),
  }),
);

