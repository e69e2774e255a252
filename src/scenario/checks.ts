/**
 * Judging a `check:` step: every key must hold. Reads the machine only through its pure check
 * members. Owns the uevent window rule: a check sees the kernel uevents from `windowStart` (the
 * end of the previous check, or 0) to now, and the next window starts where this one ended.
 */
import { DriverModelError } from '../base/index.js';
import type { ScenarioMachine, ScenarioUevent } from './host.js';
import type { CheckSpec, UeventPattern } from './schema.js';

export interface CheckOutcome {
  readonly result: { readonly ok: boolean; readonly expected: unknown; readonly actual: unknown; readonly failures: readonly string[] };
  /** Where the next check's uevent window starts. */
  readonly windowEnd: number;
}

/** What a check read from the machine: a value, or the error it got instead. */
type Read<T> = { ok: true; value: T } | { ok: false; error: string; errno?: string };

function read<T>(f: () => T): Read<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (DriverModelError.is(e)) return { ok: false, errno: e.errno, error: e.errno === 'ENODEV' ? 'no such device' : `${e.errno}: ${e.message}` };
    return { ok: false, error: `internal error: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function readJson<T>(r: Read<T>): unknown {
  return r.ok ? r.value : r.errno !== undefined ? { errno: r.errno } : { error: r.error };
}

const q = (v: string | null | undefined): string => (v === null || v === undefined ? 'null' : JSON.stringify(v));

export function evaluateCheck(m: ScenarioMachine, spec: CheckSpec, windowStart: number): CheckOutcome {
  const failures: string[] = [];
  const expected: Record<string, unknown> = {};
  const actual: Record<string, unknown> = {};

  if (spec.bound) {
    expected.bound = Object.fromEntries(spec.bound);
    const got: Record<string, unknown> = {};
    for (const [device, want] of spec.bound) {
      const r = read(() => m.boundDriver(device));
      got[device] = readJson(r);
      if (!r.ok) failures.push(`bound ${device}: ${r.error}`);
      else if (r.value !== want) failures.push(`bound ${device}: expected ${want ?? 'null (no driver)'}, got ${r.value ?? 'null (no driver)'}`);
    }
    actual.bound = got;
  }

  for (const key of ['exists', 'absent'] as const) {
    const paths = spec[key];
    if (!paths) continue;
    expected[key] = paths;
    const got: Record<string, unknown> = {};
    for (const path of paths) {
      const r = read(() => m.exists(path));
      got[path] = readJson(r);
      if (!r.ok) failures.push(`${key} ${path}: ${r.error}`);
      else if (r.value !== (key === 'exists')) failures.push(`${key} ${path}: ${r.value ? 'it exists' : 'it does not exist'}`);
    }
    actual[key] = got;
  }

  if (spec.owner) {
    expected.owner = Object.fromEntries(spec.owner);
    const got: Record<string, unknown> = {};
    for (const [device, want] of spec.owner) {
      const r = read(() => m.owner(device));
      got[device] = readJson(r);
      if (!r.ok) failures.push(`owner ${device}: ${r.error}`);
      else if (r.value !== want) failures.push(`owner ${device}: expected ${want}, got ${r.value}`);
    }
    actual.owner = got;
  }

  if (spec.taint !== undefined) {
    expected.taint = spec.taint;
    const r = read(() => [...new Set(m.taint())].sort().join(''));
    actual.taint = readJson(r);
    if (!r.ok) failures.push(`taint: ${r.error}`);
    else if (r.value !== spec.taint) failures.push(`taint: expected ${q(spec.taint)}, got ${q(r.value)}`);
  }

  let windowEnd = windowStart;
  if (spec.uevents !== undefined || spec.uevents_include !== undefined) {
    const r = read(() => m.uevents());
    if (!r.ok) {
      failures.push(`uevents: ${r.error}`);
    } else {
      const window = r.value.slice(windowStart);
      windowEnd = r.value.length;
      const texts = window.map(eventText);
      if (spec.uevents) {
        expected.uevents = spec.uevents.map(patternJson);
        actual.uevents = texts;
        failures.push(...exactSequence(spec.uevents, window));
      }
      if (spec.uevents_include) {
        expected.uevents_include = spec.uevents_include.map(patternJson);
        actual.uevents_include = texts;
        failures.push(...subsequence(spec.uevents_include, window));
      }
    }
  }
  if (windowEnd === windowStart) {
    // The window ends with every check, even one without uevent keys.
    const r = read(() => m.uevents().length);
    if (r.ok) windowEnd = r.value;
  }

  if (spec.property) {
    expected.property = Object.fromEntries(spec.property.map(([d, kv]) => [d, Object.fromEntries(kv)]));
    const got: Record<string, unknown> = {};
    for (const [device, props] of spec.property) {
      const values: Record<string, unknown> = {};
      for (const [key, want] of props) {
        const r = read(() => m.udevProperty(device, key));
        values[key] = r.ok ? (r.value ?? null) : readJson(r);
        if (!r.ok) failures.push(`property ${device} ${key}: ${r.error}`);
        else if ((r.value ?? null) !== want)
          failures.push(
            `property ${device} ${key}: expected ${want === null ? 'absent' : q(want)}, got ${r.value === undefined ? 'absent' : q(r.value)}`,
          );
      }
      got[device] = values;
    }
    actual.property = got;
  }

  if (spec.devnode) {
    expected.devnode = Object.fromEntries(spec.devnode);
    const got: Record<string, unknown> = {};
    for (const [path, want] of spec.devnode) {
      const r = read(() => m.devnode(path));
      got[path] = r.ok ? (r.value ?? null) : readJson(r);
      if (!r.ok) {
        failures.push(`devnode ${path}: ${r.error}`);
        continue;
      }
      const node = r.value;
      if (want === null) {
        if (node !== undefined) failures.push(`devnode ${path}: expected no node, but it exists`);
        continue;
      }
      if (node === undefined) {
        failures.push(`devnode ${path}: no such node`);
        continue;
      }
      const mode = normalizeMode(node.mode);
      if (want.mode !== undefined && mode !== want.mode) failures.push(`devnode ${path}: expected mode ${want.mode}, got ${mode}`);
      if (want.owner !== undefined && node.owner !== want.owner) failures.push(`devnode ${path}: expected owner ${want.owner}, got ${node.owner}`);
      if (want.group !== undefined && node.group !== want.group) failures.push(`devnode ${path}: expected group ${want.group}, got ${node.group}`);
    }
    actual.devnode = got;
  }

  return { result: { ok: failures.length === 0, expected, actual, failures }, windowEnd };
}

function normalizeMode(mode: string): string {
  return /^[0-7]+$/.test(mode) ? mode.replace(/^0+(?=[0-7]{4})/, '').padStart(4, '0') : mode;
}

function eventText(e: ScenarioUevent): string {
  return `${e.action} ${e.devpath}`;
}

function patternText(p: UeventPattern): string {
  return `${p.action} ${p.devpath}`;
}

function patternJson(p: UeventPattern): unknown {
  return p.env.length === 0 ? patternText(p) : { event: patternText(p), env: Object.fromEntries(p.env) };
}

/** Why `e` does not match `p`'s env (empty when it does); action and devpath are compared by the caller. */
function envMismatches(p: UeventPattern, e: ScenarioUevent): string[] {
  const out: string[] = [];
  for (const [key, want] of p.env) {
    const got = Object.prototype.hasOwnProperty.call(e.env, key) ? e.env[key] : undefined;
    if (want === null && got !== undefined) out.push(`${key} expected absent, got ${q(got)}`);
    else if (want !== null && got !== want) out.push(`${key} expected ${q(want)}, got ${got === undefined ? 'absent' : q(got)}`);
  }
  return out;
}

function matches(p: UeventPattern, e: ScenarioUevent): boolean {
  return p.action === e.action && p.devpath === e.devpath && envMismatches(p, e).length === 0;
}

function exactSequence(want: readonly UeventPattern[], window: readonly ScenarioUevent[]): string[] {
  const failures: string[] = [];
  const n = Math.max(want.length, window.length);
  for (let i = 0; i < n; i++) {
    const p = want[i];
    const e = window[i];
    if (p && !e) {
      failures.push(`uevents[${i}]: expected ${q(patternText(p))}, but the window has only ${window.length} event(s)`);
      break;
    }
    if (!p && e) {
      failures.push(`uevents: expected ${want.length} event(s), the window has ${window.length}; first unexpected: ${q(eventText(e))}`);
      break;
    }
    if (p && e) {
      if (p.action !== e.action || p.devpath !== e.devpath) {
        failures.push(`uevents[${i}]: expected ${q(patternText(p))}, got ${q(eventText(e))}`);
        break;
      }
      const env = envMismatches(p, e);
      if (env.length > 0) {
        failures.push(`uevents[${i}] ${q(eventText(e))}: ${env.join(', ')}`);
        break;
      }
    }
  }
  return failures;
}

function subsequence(want: readonly UeventPattern[], window: readonly ScenarioUevent[]): string[] {
  let from = 0;
  for (let i = 0; i < want.length; i++) {
    const p = want[i]!;
    let found = -1;
    for (let j = from; j < window.length; j++) {
      if (matches(p, window[j]!)) {
        found = j;
        break;
      }
    }
    if (found < 0) {
      const after = from > 0 ? ` after ${q(eventText(window[from - 1]!))}` : '';
      const near = window.slice(from).find((e) => e.action === p.action && e.devpath === p.devpath);
      const why = near ? ` (the event was seen but ${envMismatches(p, near).join(', ')})` : '';
      return [`uevents_include[${i}]: ${q(patternText(p))} not found in the window${after}${why}`];
    }
    from = found + 1;
  }
  return [];
}
