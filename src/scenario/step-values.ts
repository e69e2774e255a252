/**
 * Value schemas of step maps (paths, names, PCI addresses, fd names, fwctl scopes, `check:`
 * maps, DOE requests), shared by the verb table (verbs.ts) and the file schema (schema.ts).
 */
import { z } from 'zod';
import { type DoeProtocol, discoveryRequest, doeRequestNames, namedDoeRequest } from './doe-requests.js';
import type { FwctlScope } from './host.js';
import { normalizeHex } from './hex.js';
import { FWCTL_SCOPES, TAINT_LETTERS, UEVENT_ACTIONS } from './names.js';
import type { DevnodeExpectation, UeventPattern } from './schema.js';
import { MISSING, forward, isMap, list, nullableStr, obj, once, record, str, strWhere } from './schema-values.js';
import { PlainScalar, type SourcePath } from './yaml-source.js';

export const absPath = () => strWhere('an absolute path (starting with /)', (s) => s.startsWith('/'));
export const name = (what: string) => strWhere(what, (s) => s.length > 0 && !/\s/.test(s));
export const bdf = () => strWhere('a PCI address such as 0000:0d:00.0', (s) => /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(s));
export const fdName = () => strWhere('an fd name (letters, digits, _ . -)', (s) => /^[A-Za-z_][\w.-]*$/.test(s));

export const scope = () =>
  z.unknown().transform((v, ctx): FwctlScope => {
    // Any u32 goes to the kernel unchanged; 0-3 read as their names.
    if (v instanceof PlainScalar && typeof v.value === 'number' && Number.isInteger(v.value) && v.value >= 0 && v.value <= 0xffffffff) {
      return FWCTL_SCOPES[v.value] ?? v.value;
    }
    if (typeof v === 'string') {
      const s = v.replace(/^FWCTL_RPC_/, '');
      if ((FWCTL_SCOPES as readonly string[]).includes(s)) return s as FwctlScope;
    }
    ctx.addIssue({
      code: 'custom',
      message:
        v === undefined
          ? 'missing'
          : `expected a fwctl scope (${FWCTL_SCOPES.join(', ')}, or a number 0-4294967295), got ${JSON.stringify(v instanceof PlainScalar ? v.source : v)}`,
      ...(v === undefined ? { params: MISSING } : {}),
    });
    return z.NEVER as never;
  });

const ueventEntry = once(() => obj('uevent entry', { event: str(), env: record(nullableStr()).optional() }));

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
      const r = ueventEntry().safeParse(v);
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

const devnodeExpectationMap = once(() =>
  obj('devnode expectation', {
    mode: strWhere('an octal mode such as "0660"', (s) => /^0?[0-7]{3}$/.test(s)).optional(),
    owner: name('a user name').optional(),
    group: name('a group name').optional(),
  }),
);

const devnodeExpectation = () =>
  z.unknown().transform((v, ctx): DevnodeExpectation | null => {
    if (v === null) return null;
    const r = devnodeExpectationMap().safeParse(v);
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

export const checkSchema = () =>
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
export function resolveDoeRequest(protocol: DoeProtocol, v: unknown): string | { problem: string } {
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
