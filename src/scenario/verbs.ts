/**
 * The scenario verb table (SCENARIOS.md "Verbs"): one row per verb with its step schema, its
 * load-time cross-reference checks, the action it performs on a `ScenarioMachine`, and its
 * summary in the text report. A new verb is one row here plus the host method it calls (and its
 * name in SCENARIO_VERBS and its StepBody). The shape of a whole file is schema.ts's; running
 * and judging steps is runner.ts's.
 */
import { z } from 'zod';
import { BugIndicatingError, DriverModelError } from '../base/index.js';
import { DOE_PROTOCOLS, type DoeProtocol, buildDoeObject, unwrapDoeResponse } from './doe-requests.js';
import type { FwctlScope, ScenarioHost, ScenarioMachine, ScenarioVerb } from './host.js';
import { bytesToHex, hexToBytes } from './hex.js';
import { RESERVED_OWNERS, UEVENT_ACTIONS } from './names.js';
import type { CheckSpec, DoeTarget, Step, StepBody } from './schema.js';
import { MISSING, empty, forward, hex, int, isMap, obj, once, oneOf, record, str } from './schema-values.js';
import { absPath, bdf, checkSchema, fdName, name, resolveDoeRequest, scope } from './step-values.js';

/** A step of verb `V`. */
export type StepOf<V extends ScenarioVerb> = Step & { readonly verb: V };

/** What a successful step shows `expect:` (read, ls, ioctl, doe). */
export type StepData =
  | { readonly value: string }
  | { readonly entries: readonly string[] }
  | { readonly response: string; readonly out_len: number; readonly problem?: string };

/** An fd name's state at run time: the process that opened it and its number, null once unusable. */
export interface FdSlot {
  readonly proc: string;
  fd: number | null;
}

/** What an action runs with: the machine, the step's process and the fd names of the run. */
export interface PerformContext {
  readonly machine: ScenarioMachine;
  /** `as:`, else the opener of the step's fd, else root. */
  readonly proc: string;
  readonly fds: Map<string, FdSlot>;
}

/** What a load-time check sees: the host, the declared processes and the fd names opened so far. */
export interface ValidateContext {
  readonly host: ScenarioHost;
  readonly procs: ReadonlySet<string>;
  readonly fds: Map<string, { proc: string; open: boolean; step: number }>;
  /** Reports a problem at `path` below the step's node. */
  add(path: readonly (string | number)[], message: string, anchor?: 'key' | 'value'): void;
  /** Reports a use of fd `fd` (under key `key`) that no earlier step opened, or by another process. */
  fdUse(fd: string, key: string): void;
  unknownPreset(preset: string): string;
}

export interface VerbRow<V extends ScenarioVerb> {
  /** Only waits or looks: no `settle:` option and no settle after it. */
  readonly passive?: boolean;
  /** `expect:` keys the verb takes besides `errno` (none: only `ok` or `{errno}`). */
  readonly expectKeys?: readonly string[];
  /** The step map (minus `as`/`expect`/`settle`) and how to read it into the verb's body. */
  readonly schema: () => { readonly shape: Record<string, z.ZodType>; readonly body: (o: Record<string, unknown>) => StepBody };
  /** A check of the read body against the raw map; returns the final body or a problem at a key. */
  readonly refine?: (
    body: StepOf<V> | StepBody,
    raw: Record<string, unknown>,
  ) => StepBody | { readonly key: string; readonly problem: string; readonly anchor?: 'key'; readonly missing?: boolean };
  /** Cross-reference checks at load time (processes, fds, presets, supported checks). */
  readonly validate?: (ctx: ValidateContext, step: StepOf<V>) => void;
  /** The action; returns the data `expect:` may look at. Throws DriverModelError for an errno. */
  readonly perform: (ctx: PerformContext, step: StepOf<V>) => StepData | undefined;
  /** The step in a few words, for the text report. */
  readonly summarize: (step: StepOf<V>) => string;
}

export type ScenarioVerbTable = { readonly [V in ScenarioVerb]: VerbRow<V> };

/**
 * The fd number behind a name. A name whose open failed, or that was closed, is a bad fd: the
 * runner answers EBADF itself rather than pass a number the machine may have reused.
 */
function fdOf(fds: ReadonlyMap<string, FdSlot>, fdName: string): number {
  const fd = fds.get(fdName)?.fd;
  if (fd === null || fd === undefined) throw new DriverModelError('EBADF', `fd '${fdName}' is not open`);
  return fd;
}

const moduleRow = (verb: 'modprobe' | 'rmmod'): VerbRow<typeof verb> => ({
  schema: () => ({ shape: { [verb]: name('a module name') }, body: (o) => ({ verb, module: o[verb] as string }) }),
  // modprobe/rmmod run as the step's process (`as:`): init_module/delete_module check its CAP_SYS_MODULE.
  perform: ({ machine, proc }, step) => void (verb === 'modprobe' ? machine.modprobe(step.module, proc) : machine.rmmod(step.module, proc)),
  summarize: (step) => `${step.verb} ${step.module}`,
});

const doeTargetMap = once(() => obj('doe target', { config: bdf(), mailbox: int(0, 255) }));

const doeTarget = () =>
  z.unknown().transform((v, ctx): DoeTarget => {
    if (isMap(v)) {
      const r = doeTargetMap().safeParse(v);
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
  });

const triggerMap = once(() =>
  obj('trigger', {
    action: oneOf(UEVENT_ACTIONS).optional(),
    subsystem: name('a subsystem name').optional(),
    attrs: record(str()).optional(),
  }),
);

const triggerOptions = () =>
  z.unknown().transform((v, ctx) => {
    if (v === null) return {};
    const r = triggerMap().safeParse(v);
    if (r.success) return r.data;
    forward(ctx, r.error.issues);
    return z.NEVER as never;
  });

/** Every verb of SCENARIOS.md, in the order of its table. */
export const scenarioVerbs: ScenarioVerbTable = {
  boot: {
    schema: () => ({ shape: { boot: empty('boot') }, body: () => ({ verb: 'boot' }) }),
    perform: ({ machine }) => void machine.boot(),
    summarize: () => 'boot',
  },
  modprobe: moduleRow('modprobe'),
  rmmod: moduleRow('rmmod'),
  hotplug: {
    schema: () => ({ shape: { hotplug: name('a preset name') }, body: (o) => ({ verb: 'hotplug', preset: o.hotplug as string }) }),
    validate: (ctx, step) => {
      if (!ctx.host.presets.has(step.preset)) ctx.add(['hotplug'], ctx.unknownPreset(step.preset));
    },
    perform: ({ machine }, step) => void machine.hotplug(step.preset),
    summarize: (step) => `hotplug ${step.preset}`,
  },
  unplug: {
    schema: () => ({ shape: { unplug: bdf() }, body: (o) => ({ verb: 'unplug', bdf: o.unplug as string }) }),
    perform: ({ machine }, step) => void machine.unplug(step.bdf),
    summarize: (step) => `unplug ${step.bdf}`,
  },
  write: {
    schema: () => ({
      shape: { write: absPath(), value: str() },
      body: (o) => ({ verb: 'write', path: o.write as string, value: o.value as string }),
    }),
    perform: ({ machine, proc }, step) => void machine.write(proc, step.path, step.value),
    summarize: (step) => `write ${step.path} ${JSON.stringify(step.value)}`,
  },
  read: {
    expectKeys: ['value', 'match'],
    schema: () => ({ shape: { read: absPath() }, body: (o) => ({ verb: 'read', path: o.read as string }) }),
    perform: ({ machine, proc }, step) => ({ value: machine.read(proc, step.path) }),
    summarize: (step) => `read ${step.path}`,
  },
  ls: {
    expectKeys: ['entries', 'contains'],
    schema: () => ({ shape: { ls: absPath() }, body: (o) => ({ verb: 'ls', path: o.ls as string }) }),
    perform: ({ machine, proc }, step) => ({ entries: [...machine.ls(proc, step.path)].sort() }),
    summarize: (step) => `ls ${step.path}`,
  },
  open: {
    schema: () => ({
      shape: { open: absPath(), mode: oneOf(['r', 'w', 'rw'] as const).optional(), fd: fdName() },
      body: (o) => ({ verb: 'open', path: o.open as string, mode: (o.mode as 'r' | 'w' | 'rw' | undefined) ?? 'r', fd: o.fd as string }),
    }),
    validate: (ctx, step) => {
      const entry = ctx.fds.get(step.fd);
      if (entry?.open) ctx.add(['fd'], `fd '${step.fd}' is already open (step ${entry.step}); close it first or pick another name`);
      ctx.fds.set(step.fd, { proc: step.as ?? 'root', open: true, step: step.index });
    },
    perform: ({ machine, proc, fds }, step) => {
      const slot: FdSlot = { proc, fd: null };
      fds.set(step.fd, slot);
      slot.fd = machine.open(proc, step.path, step.mode);
      return undefined;
    },
    summarize: (step) => `open ${step.path} (${step.mode}) as ${step.fd}`,
  },
  close: {
    schema: () => ({ shape: { close: fdName() }, body: (o) => ({ verb: 'close', fd: o.close as string }) }),
    validate: (ctx, step) => {
      ctx.fdUse(step.fd, 'close');
      const entry = ctx.fds.get(step.fd);
      if (entry) entry.open = false;
    },
    perform: ({ machine, proc, fds }, step) => {
      const fd = fdOf(fds, step.fd);
      // close(2) releases the descriptor even when it reports an error.
      fds.get(step.fd)!.fd = null;
      machine.close(proc, fd);
      return undefined;
    },
    summarize: (step) => `close ${step.fd}`,
  },
  ioctl: {
    expectKeys: ['response', 'response_match', 'out_len'],
    schema: () => ({
      shape: {
        ioctl: fdName(),
        op: oneOf(['FWCTL_INFO', 'FWCTL_RPC'] as const),
        scope: scope().optional(),
        payload: hex().optional(),
        out_len: int(0, 0xffffffff).optional(),
      },
      body: (o) => ({
        verb: 'ioctl',
        fd: o.ioctl as string,
        op: o.op as 'FWCTL_INFO' | 'FWCTL_RPC',
        ...(o.scope !== undefined && { scope: o.scope as FwctlScope }),
        ...(o.payload !== undefined && { payload: o.payload as string }),
        ...(o.out_len !== undefined && { outLen: o.out_len as number }),
      }),
    }),
    refine: (b) => {
      if (b.verb !== 'ioctl') return b;
      if (b.op === 'FWCTL_RPC' && (b.scope === undefined || b.payload === undefined)) {
        return {
          key: 'op',
          problem: `FWCTL_RPC needs ${b.scope === undefined ? 'scope:' : ''}${b.scope === undefined && b.payload === undefined ? ' and ' : ''}${b.payload === undefined ? 'payload:' : ''}`,
        };
      }
      if (b.op === 'FWCTL_INFO' && (b.scope !== undefined || b.payload !== undefined || b.outLen !== undefined)) {
        return {
          key: b.scope !== undefined ? 'scope' : b.payload !== undefined ? 'payload' : 'out_len',
          anchor: 'key',
          problem: 'FWCTL_INFO takes no scope:, payload: or out_len: (they are for FWCTL_RPC)',
        };
      }
      return b;
    },
    validate: (ctx, step) => ctx.fdUse(step.fd, 'ioctl'),
    perform: ({ machine, proc, fds }, step) => {
      const fd = fdOf(fds, step.fd);
      const r = machine.ioctl(proc, fd, step.op, {
        ...(step.scope !== undefined && { scope: step.scope }),
        ...(step.payload !== undefined && { payload: hexToBytes(step.payload) }),
        ...(step.outLen !== undefined && { outLen: step.outLen }),
      });
      return { response: bytesToHex(r.response), out_len: r.outLen };
    },
    summarize: (step) => `ioctl ${step.fd} ${step.op}${step.scope !== undefined ? ` ${step.scope}` : ''}`,
  },
  doe: {
    expectKeys: ['response', 'response_match', 'out_len'],
    schema: () => ({
      shape: { doe: doeTarget(), protocol: oneOf(Object.keys(DOE_PROTOCOLS) as DoeProtocol[]), request: z.unknown().optional() },
      body: (o) => ({ verb: 'doe', target: o.doe as DoeTarget, protocol: o.protocol as DoeProtocol, request: o.request as string }),
    }),
    refine: (b, raw) => {
      if (b.verb !== 'doe') return b;
      if (raw.request === undefined) return { key: 'request', problem: 'missing', missing: true };
      const req = resolveDoeRequest(b.protocol, raw.request);
      if (typeof req !== 'string') return { key: 'request', problem: req.problem };
      return { ...b, request: req };
    },
    validate: (ctx, step) => {
      if ('fd' in step.target) ctx.fdUse(step.target.fd, 'doe');
    },
    perform: ({ machine, proc, fds }, step) => {
      const target = 'fd' in step.target ? { fd: fdOf(fds, step.target.fd) } : step.target;
      const object = machine.doe(proc, target, buildDoeObject(step.protocol, hexToBytes(step.request)));
      const unwrapped = unwrapDoeResponse(step.protocol, object);
      if ('problem' in unwrapped) return { response: bytesToHex(object), out_len: object.length, problem: unwrapped.problem };
      return { response: bytesToHex(unwrapped.payload), out_len: unwrapped.payload.length };
    },
    summarize: (step) => `doe ${'fd' in step.target ? step.target.fd : `${step.target.config} mailbox ${step.target.mailbox}`} ${step.protocol}`,
  },
  trigger: {
    schema: () => ({
      shape: { trigger: triggerOptions() },
      body: (o) => {
        const t = o.trigger as { action?: string; subsystem?: string; attrs?: [string, string][] };
        return {
          verb: 'trigger',
          ...(t.action !== undefined && { action: t.action }),
          ...(t.subsystem !== undefined && { subsystem: t.subsystem }),
          ...(t.attrs !== undefined && { attrs: Object.fromEntries(t.attrs) }),
        };
      },
    }),
    perform: ({ machine }, step) =>
      void machine.trigger({
        ...(step.action !== undefined && { action: step.action }),
        ...(step.subsystem !== undefined && { subsystem: step.subsystem }),
        ...(step.attrs !== undefined && { attrs: step.attrs }),
      }),
    summarize: (step) => ['trigger', step.action ?? 'change', step.subsystem].filter(Boolean).join(' '),
  },
  settle: {
    passive: true,
    schema: () => ({ shape: { settle: empty('settle') }, body: () => ({ verb: 'settle' }) }),
    perform: ({ machine }) => void machine.settle(),
    summarize: () => 'settle',
  },
  advance: {
    passive: true,
    schema: () => ({ shape: { advance: int(0) }, body: (o) => ({ verb: 'advance', ms: o.advance as number }) }),
    perform: ({ machine }, step) => void machine.advance(step.ms),
    summarize: (step) => `advance ${step.ms}ms`,
  },
  concurrent: {
    // Parsed by schema.ts (its lanes are whole steps), validated lane by lane by validate.ts and
    // run by the runner (lane by lane) or the race explorer (interleaved).
    schema: () => ({ shape: {}, body: () => ({ verb: 'concurrent', lanes: [] }) }),
    perform: () => {
      throw new BugIndicatingError('concurrent blocks are run by the runner or the explorer');
    },
    summarize: (step) => `concurrent: ${step.lanes.map((l) => `${l.length} step${l.length === 1 ? '' : 's'}`).join(' | ')}`,
  },
  check: {
    passive: true,
    schema: () => ({ shape: { check: checkSchema() }, body: (o) => ({ verb: 'check', check: o.check as CheckSpec }) }),
    validate: (ctx, step) => {
      for (const key of Object.keys(step.check)) {
        if (!ctx.host.supportedChecks.has(key)) {
          ctx.add(['check', key], `check '${key}' is not supported by this build: its subsystem has not landed`, 'key');
        }
      }
      for (const [device, owner] of step.check.owner ?? []) {
        if (!(RESERVED_OWNERS as readonly string[]).includes(owner) && !ctx.procs.has(owner)) {
          ctx.add(['check', 'owner', device], `owner '${owner}' is neither kernel, none nor a process (known: ${[...ctx.procs].join(', ')})`);
        }
      }
    },
    perform: () => {
      throw new BugIndicatingError('check steps are judged by checks.ts');
    },
    summarize: (step) => `check ${Object.keys(step.check).join(', ') || '(nothing)'}`,
  },
};

/** The row of `verb`, typed for a step of that verb. */
export function verbRow<V extends ScenarioVerb>(verb: V): VerbRow<V> {
  return scenarioVerbs[verb] as VerbRow<ScenarioVerb> as VerbRow<V>;
}
