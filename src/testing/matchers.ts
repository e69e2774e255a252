/**
 * Vitest matchers for the driver model. Each names what it saw in its message:
 * - `expect(device).toBeBoundTo('cxl_pci')`, `expect(device).toBeUnbound()`;
 * - `expect(device).toBeOwnedBy('kernel' | 'none' | processName)` — the owner as `check: owner` reports it;
 * - `expect(machineOrEvents).toHaveEmittedUevents([...])` — exactly these events, in this order;
 *   `toHaveEmittedUeventsInOrder([...])` — these events among others, in this order. A pattern is
 *   `"ACTION DEVPATH"` or `{ action, devpath, subsystem, env }`; a devpath matches the whole path or
 *   its last components (`add cxl_pci.doe.1`); `env` values must equal the event's variables.
 *   Both also fail when the received events are not in strictly increasing SEQNUM order;
 * - `expect(machine).toHaveTaint('J')` — every letter set in /proc/sys/kernel/tainted's letters;
 * - `expect(() => …).toFailWithErrno('EBUSY')` — threw the errno error class with that errno;
 * - `expect(result | fileOrText).toPassScenario()` — fails with the scenario's own `FILE:LINE` messages.
 * The udev database needs no matcher of its own: `expect(udevProperties(m, dev)).toHaveProperty(K, V)`.
 */
import { expect } from 'vitest';
import { DriverModelError } from '../base/index.js';
import type { Device, Uevent } from '../bus/index.js';
import { type Machine, ownerName } from '../machine/index.js';
import { type ScenarioRunResult, runScenario, scenarioFailures } from './scenario.js';

export type UeventPattern =
  string | { readonly action?: string; readonly devpath?: string; readonly subsystem?: string; readonly env?: Readonly<Record<string, string>> };

interface MatcherResult {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

function isDevice(x: unknown): x is Device {
  return typeof x === 'object' && x !== null && typeof (x as Device).name === 'string' && typeof (x as Device).devpath === 'string';
}

function notADevice(name: string, x: unknown): MatcherResult {
  return { pass: false, message: () => `${name}: expected a Device (machine.findDevice(name)), got ${typeof x}` };
}

function boundText(dev: Device): string {
  return dev.driver ? `bound to ${dev.driver.name}` : 'unbound';
}

/** The events a received value stands for: a machine's whole uevent log, or an array of events. */
function eventsOf(x: unknown): readonly Uevent[] | undefined {
  if (Array.isArray(x)) return x as Uevent[];
  const log = (x as Machine | undefined)?.uevent?.log;
  return Array.isArray(log) ? log : undefined;
}

function envOf(ev: Uevent, key: string): string | undefined {
  return ev.env.find(([k]) => k === key)?.[1];
}

function devpathMatches(actual: string, want: string): boolean {
  return actual === want || actual.endsWith(want.startsWith('/') ? want : `/${want}`);
}

function matches(ev: Uevent, p: UeventPattern): boolean {
  if (typeof p === 'string') {
    const sp = p.indexOf(' ');
    const action = sp < 0 ? p : p.slice(0, sp);
    return ev.action === action && (sp < 0 || devpathMatches(ev.devpath, p.slice(sp + 1)));
  }
  if (p.action !== undefined && ev.action !== p.action) return false;
  if (p.devpath !== undefined && !devpathMatches(ev.devpath, p.devpath)) return false;
  if (p.subsystem !== undefined && ev.subsystem !== p.subsystem) return false;
  for (const [k, v] of Object.entries(p.env ?? {})) if (envOf(ev, k) !== v) return false;
  return true;
}

function patternText(p: UeventPattern): string {
  if (typeof p === 'string') return p;
  const env = Object.entries(p.env ?? {}).map(([k, v]) => `${k}=${v}`);
  return [p.action ?? '*', p.devpath ?? '*', ...(p.subsystem ? [`SUBSYSTEM=${p.subsystem}`] : []), ...env].join(' ');
}

function eventText(ev: Uevent): string {
  return `${ev.seqnum} ${ev.action} ${ev.devpath}`;
}

function listText(events: readonly Uevent[]): string {
  return events.length === 0 ? '  (no events)' : events.map((e) => `  ${eventText(e)}`).join('\n');
}

/** The first pair of events out of SEQNUM order, if any. */
function seqnumDisorder(events: readonly Uevent[]): string | undefined {
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.seqnum <= events[i - 1]!.seqnum) return `SEQNUM ${events[i]!.seqnum} follows ${events[i - 1]!.seqnum}`;
  }
  return undefined;
}

export const auxbusMatchers = {
  toBeBoundTo(this: { isNot: boolean }, received: unknown, driver: string): MatcherResult {
    if (!isDevice(received)) return notADevice('toBeBoundTo', received);
    const pass = received.driver?.name === driver;
    return {
      pass,
      message: () => `expected ${received.name} ${this.isNot ? 'not ' : ''}to be bound to ${driver}, but it is ${boundText(received)}`,
      actual: received.driver?.name ?? null,
      expected: driver,
    };
  },

  toBeUnbound(this: { isNot: boolean }, received: unknown): MatcherResult {
    if (!isDevice(received)) return notADevice('toBeUnbound', received);
    return {
      pass: !received.driver,
      message: () => `expected ${received.name} ${this.isNot ? 'to be bound' : 'to be unbound'}, but it is ${boundText(received)}`,
    };
  },

  toBeOwnedBy(this: { isNot: boolean }, received: unknown, owner: string): MatcherResult {
    if (!isDevice(received)) return notADevice('toBeOwnedBy', received);
    const actual = ownerName(received);
    return {
      pass: actual === owner,
      message: () => `expected ${received.name} ${this.isNot ? 'not ' : ''}to be owned by ${owner}, but its owner is ${actual}`,
      actual,
      expected: owner,
    };
  },

  toHaveEmittedUevents(this: { isNot: boolean }, received: unknown, expected: readonly UeventPattern[]): MatcherResult {
    const events = eventsOf(received);
    if (!events) return { pass: false, message: () => 'toHaveEmittedUevents: expected a Machine or an array of uevents' };
    const disorder = seqnumDisorder(events);
    if (disorder) return { pass: false, message: () => `uevents out of SEQNUM order: ${disorder}\n${listText(events)}` };
    const mismatch = events.length !== expected.length ? -1 : expected.findIndex((p, i) => !matches(events[i]!, p));
    const pass = events.length === expected.length && mismatch < 0;
    const why =
      events.length !== expected.length
        ? `expected ${expected.length} events, got ${events.length}`
        : `event ${mismatch + 1}: expected ${patternText(expected[mismatch] ?? '')}, got ${events[mismatch] ? eventText(events[mismatch]) : 'nothing'}`;
    return {
      pass,
      message: () =>
        this.isNot
          ? `expected the uevents not to be exactly [${expected.map(patternText).join(', ')}]`
          : `${why}\nexpected exactly:\n${expected.map((p) => `  ${patternText(p)}`).join('\n')}\nreceived:\n${listText(events)}`,
    };
  },

  toHaveEmittedUeventsInOrder(this: { isNot: boolean }, received: unknown, expected: readonly UeventPattern[]): MatcherResult {
    const events = eventsOf(received);
    if (!events) return { pass: false, message: () => 'toHaveEmittedUeventsInOrder: expected a Machine or an array of uevents' };
    const disorder = seqnumDisorder(events);
    if (disorder) return { pass: false, message: () => `uevents out of SEQNUM order: ${disorder}\n${listText(events)}` };
    let i = 0;
    for (const ev of events) if (i < expected.length && matches(ev, expected[i]!)) i++;
    const pass = i === expected.length;
    return {
      pass,
      message: () =>
        this.isNot
          ? `expected the uevents not to include, in order, [${expected.map(patternText).join(', ')}]`
          : `no event matches ${patternText(expected[i] ?? '')} (pattern ${i + 1} of ${expected.length}) after the ${i} matched before it\nreceived:\n${listText(events)}`,
    };
  },

  toHaveTaint(this: { isNot: boolean }, received: unknown, letters: string): MatcherResult {
    const have = (received as Machine | undefined)?.taint?.letters;
    if (typeof have !== 'string') return { pass: false, message: () => 'toHaveTaint: expected a Machine' };
    const missing = [...letters].filter((l) => !have.includes(l));
    return {
      pass: missing.length === 0,
      message: () =>
        this.isNot
          ? `expected the kernel not to be tainted '${letters}', but its taint is '${have}'`
          : `expected the kernel to be tainted '${letters}', but its taint is ${have === '' ? 'empty (untainted)' : `'${have}'`} (missing '${missing.join('')}')`,
    };
  },

  toFailWithErrno(this: { isNot: boolean }, received: unknown, errno: string): MatcherResult {
    if (typeof received !== 'function') return { pass: false, message: () => 'toFailWithErrno: expected a function to call' };
    try {
      received();
    } catch (e) {
      if (DriverModelError.is(e)) {
        return {
          pass: e.errno === errno,
          message: () =>
            this.isNot ? `expected the call not to fail with ${errno}, but it did: ${e.message}` : `expected ${errno}, got ${e.errno}: ${e.message}`,
          actual: e.errno,
          expected: errno,
        };
      }
      return { pass: false, message: () => `expected ${errno}, but the call threw a non-errno error: ${e instanceof Error ? e.message : String(e)}` };
    }
    return { pass: false, message: () => `expected ${errno}, but the call succeeded` };
  },

  toPassScenario(this: { isNot: boolean }, received: unknown): MatcherResult {
    const result: ScenarioRunResult = typeof received === 'string' ? runScenario(received) : (received as ScenarioRunResult);
    if (!result || !Array.isArray(result.steps)) return { pass: false, message: () => 'toPassScenario: expected a scenario result, file or text' };
    const failures = scenarioFailures(result);
    return {
      pass: result.status === 0,
      message: () => (this.isNot ? `expected ${result.file} to fail, but its ${result.steps.length} steps held` : failures.join('\n')),
    };
  },
};

/** Registers the matchers with vitest's `expect` (importing `auxbus/testing` does it). */
export function installMatchers(): void {
  expect.extend(auxbusMatchers);
}

interface AuxbusMatchers<R = unknown> {
  toBeBoundTo(driver: string): R;
  toBeUnbound(): R;
  toBeOwnedBy(owner: string): R;
  toHaveEmittedUevents(expected: readonly UeventPattern[]): R;
  toHaveEmittedUeventsInOrder(expected: readonly UeventPattern[]): R;
  toHaveTaint(letters: string): R;
  toFailWithErrno(errno: string): R;
  toPassScenario(): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any -- vitest's augmentation point
  interface Matchers<T = any> extends AuxbusMatchers<T> {}
}
