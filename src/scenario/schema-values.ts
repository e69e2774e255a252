/**
 * Zod building blocks for scenario values: scalars that accept YAML's plain numbers and booleans
 * by their source text where a string is meant, maps and lists with messages that name the
 * offending key, and the missing-key marker the loader turns into "missing required key". Every
 * schema here reports problems as issues; none throws.
 */
import { z } from 'zod';
import { isErrnoName } from '../base/index.js';
import { normalizeHex } from './hex.js';
import { PlainScalar } from './yaml-source.js';

/** Issue params that mark a required key that is absent (the loader points at its map). */
export const MISSING = { missing: true } as const;

/** Placeholder the loader replaces with each unknown key of an `unrecognized_keys` issue. */
export const UNKNOWN_KEY = '{key}';

type Ctx = z.core.$RefinementCtx;

/** "a string", "a list", ... for messages. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (v instanceof PlainScalar) return typeof v.value === 'boolean' ? `a boolean (${v.source})` : `a number (${v.source})`;
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)})`;
  if (Array.isArray(v)) return 'a list';
  if (isMap(v)) return 'a map';
  return typeof v;
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PlainScalar);
}

function fail(ctx: Ctx, value: unknown, expected: string): never {
  if (value === undefined) ctx.addIssue({ code: 'custom', message: 'missing', params: MISSING });
  else ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${describe(value)}` });
  return z.NEVER as never;
}

/** A string; a plain number or boolean counts as its source text (`value: 1` writes "1"). */
export function str(what = 'a string') {
  return z.unknown().transform((v, ctx): string => {
    if (typeof v === 'string') return v;
    if (v instanceof PlainScalar) return v.source;
    return fail(ctx, v, what);
  });
}

/** A string that must satisfy `test`; `what` says what it should be. */
export function strWhere(what: string, test: (s: string) => boolean) {
  return z.unknown().transform((v, ctx): string => {
    const s = typeof v === 'string' ? v : v instanceof PlainScalar ? v.source : undefined;
    if (s === undefined || !test(s)) return fail(ctx, v, what);
    return s;
  });
}

/** One of a closed set of words. */
export function oneOf<const T extends string>(values: readonly T[], what?: string) {
  const expected = what ?? `one of ${values.join(', ')}`;
  return z.unknown().transform((v, ctx): T => {
    const s = typeof v === 'string' ? v : v instanceof PlainScalar ? v.source : undefined;
    if (s === undefined || !(values as readonly string[]).includes(s)) return fail(ctx, v, expected);
    return s as T;
  });
}

/** A string or null (null: "must be absent" in checks). */
export function nullableStr() {
  return z.unknown().transform((v, ctx): string | null => {
    if (v === null) return null;
    if (typeof v === 'string') return v;
    if (v instanceof PlainScalar) return v.source;
    return fail(ctx, v, 'a string or null');
  });
}

/** An integer in [min, max]. */
export function int(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z.unknown().transform((v, ctx): number => {
    if (v instanceof PlainScalar && typeof v.value === 'number' && Number.isInteger(v.value) && v.value >= min && v.value <= max) {
      return v.value;
    }
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    return fail(ctx, v, range);
  });
}

export function bool() {
  return z.unknown().transform((v, ctx): boolean => {
    if (v instanceof PlainScalar && typeof v.value === 'boolean') return v.value;
    return fail(ctx, v, 'true or false');
  });
}

/** Hex bytes (SCENARIOS.md "Hex"), returned in canonical form (lower case, no spaces). */
export function hex() {
  return z.unknown().transform((v, ctx): string => {
    const s = typeof v === 'string' ? v : v instanceof PlainScalar ? v.source : undefined;
    const h = s === undefined ? undefined : normalizeHex(s);
    if (h === undefined) return fail(ctx, v, 'hex bytes (an even number of hex digits, spaces allowed)');
    return h;
  });
}

/** A JavaScript regular expression, kept as its source. */
export function regex() {
  return z.unknown().transform((v, ctx): string => {
    const s = typeof v === 'string' ? v : v instanceof PlainScalar ? v.source : undefined;
    if (s === undefined) return fail(ctx, v, 'a regular expression');
    try {
      new RegExp(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(e as Error).message}` });
      return z.NEVER as never;
    }
    return s;
  });
}

/** A Linux errno name such as EBUSY. */
export function errno() {
  return z.unknown().transform((v, ctx): string => {
    const s = typeof v === 'string' ? v : v instanceof PlainScalar ? v.source : undefined;
    if (s === undefined) return fail(ctx, v, 'an errno name such as EBUSY');
    if (!isErrnoName(s)) {
      ctx.addIssue({ code: 'custom', message: `'${s}' is not a Linux errno name` });
      return z.NEVER as never;
    }
    return s;
  });
}

/**
 * Re-raises issues of an inner parse in `ctx` (paths stay relative). Unknown keys become custom
 * issues carrying `params.unknownKeys`: zod lets an `unrecognized_keys` issue flow on into later
 * transforms, while any other issue stops them.
 */
export function forward(ctx: Ctx, issues: readonly z.core.$ZodIssue[]): void {
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message, params: { unknownKeys: issue.keys } });
    } else ctx.addIssue({ ...issue } as Parameters<Ctx['addIssue']>[0]);
  }
}

/** The unknown keys a forwarded issue reports, if it is one. */
export function unknownKeysOf(issue: z.core.$ZodIssue): readonly string[] | undefined {
  if (issue.code === 'unrecognized_keys') return issue.keys;
  if (issue.code !== 'custom') return undefined;
  return (issue.params as { unknownKeys?: string[] } | undefined)?.unknownKeys;
}

/**
 * A schema built on first use and kept: zod compiles an object schema the first time it parses,
 * so one built inside a transform for every value it checks costs more than the check.
 */
export function once<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

/**
 * A map with exactly the keys of `shape` (those not `.optional()` required). `context` names
 * the map in messages ("machine", "write step").
 */
export function obj<T extends z.core.$ZodLooseShape>(context: string, shape: T) {
  const allowed = Object.keys(shape).join(', ');
  const inner = z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key '${UNKNOWN_KEY}' in ${context} (expected one of: ${allowed})` : undefined),
  });
  return z.unknown().transform((v, ctx): z.output<typeof inner> => {
    if (!isMap(v)) return fail(ctx, v, `a map (${context})`);
    const r = inner.safeParse(v);
    if (!r.success) {
      forward(
        ctx,
        r.error.issues.map((i) =>
          isMissing(i) && i.path.length === 1 ? { ...i, message: `missing required key '${String(i.path[0])}' in ${context}` } : i,
        ),
      );
      return z.NEVER as never;
    }
    return r.data;
  });
}

/** Whether an issue is the missing-key marker. */
export function isMissing(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'custom' && (issue.params as { missing?: boolean } | undefined)?.missing === true;
}

/** A list of `item`. */
export function list<T extends z.ZodType>(item: T, what = 'a list') {
  const inner = z.array(item);
  return z.unknown().transform((v, ctx): z.output<T>[] => {
    if (!Array.isArray(v)) return fail(ctx, v, what);
    const r = inner.safeParse(v);
    if (!r.success) {
      forward(ctx, r.error.issues);
      return z.NEVER as never;
    }
    return r.data;
  });
}

/** A map from any key to `value`, in file order. */
export function record<T extends z.ZodType>(value: T, what = 'a map') {
  return z.unknown().transform((v, ctx): [string, z.output<T>][] => {
    if (!isMap(v)) return fail(ctx, v, what);
    const out: [string, z.output<T>][] = [];
    let ok = true;
    for (const [k, raw] of Object.entries(v)) {
      const r = value.safeParse(raw === undefined ? null : raw);
      if (r.success) out.push([k, r.data]);
      else {
        ok = false;
        forward(
          ctx,
          r.error.issues.map((i) => ({ ...i, path: [k, ...i.path] })),
        );
      }
    }
    return ok ? out : (z.NEVER as never);
  });
}

/** Empty argument: `{}` or nothing (`boot: {}`, `boot:`). */
export function empty(verb: string) {
  return z.unknown().transform((v, ctx): Record<string, never> => {
    if (v === null || (isMap(v) && Object.keys(v).length === 0)) return {};
    ctx.addIssue({ code: 'custom', message: `${verb} takes no arguments: write '${verb}: {}'` });
    return z.NEVER as never;
  });
}
