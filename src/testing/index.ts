/**
 * auxbus/testing — the kit for unit-testing policies and ownership rules with vitest. Importing it
 * registers the matchers (matchers.ts) with vitest's `expect`.
 * - machines: `useMachine(options)` (disposed when the test ends, passed or failed), `machineTest(options)`
 *   (a `test.extend` fixture), `bootMachine(options)` (no disposal);
 * - ownership: `ownerOf(machine, device)` (kernel, none or a process name, as `check: owner`), `holders(machine, path)`;
 * - scenarios: `runScenario(fileOrText)` → per-step results, `scenarioFailures`, the `toPassScenario` matcher;
 * - processes: `actAs(machine, name, credentials)` → open/read/write/ioctl/close, DOE exchanges;
 * - udev: `udevProperties(machine, device)`;
 * - events and errors: `ueventRecorder(machine)`, `expectErrno(fn, errno)`.
 */
import { DriverModelError, type ErrnoName } from '../base/index.js';
import type { Uevent } from '../bus/index.js';
import type { Machine } from '../machine/index.js';
import { installMatchers } from './matchers.js';

export { bootMachine, useMachine, machineTest } from './fixture.js';
export { ownerOf, holders, deviceOf, type DeviceRef, type Holder } from './ownership.js';
export { runScenario, scenarioFailures, type RunScenarioOptions, type ScenarioRunResult, type StepResult, type Diagnostic } from './scenario.js';
export { actAs, type Actor, type Credentials, type OpenMode } from './process.js';
export { udevProperties } from './udev.js';
export { auxbusMatchers, installMatchers, type UeventPattern } from './matchers.js';
export type { Machine, MachineOptions } from '../machine/index.js';

installMatchers();

/** Returns, at each call, the uevents sent since the previous call as `ACTION DEVPATH` strings. */
export function ueventRecorder(machine: Machine): { take(): string[]; takeEvents(): Uevent[] } {
  let seen = machine.uevent.log.length;
  const takeEvents = () => {
    const events = machine.uevent.log.slice(seen);
    seen = machine.uevent.log.length;
    return events;
  };
  return { takeEvents, take: () => takeEvents().map((e) => `${e.action} ${e.devpath}`) };
}

/** Runs `fn` and returns the errno it failed with; throws if it succeeded or failed otherwise. */
export function expectErrno(fn: () => unknown, errno: ErrnoName): DriverModelError {
  try {
    fn();
  } catch (e) {
    if (DriverModelError.is(e)) {
      if (e.errno !== errno) throw new Error(`expected ${errno}, got ${e.errno}: ${e.message}`);
      return e;
    }
    throw e;
  }
  throw new Error(`expected ${errno}, but the call succeeded`);
}
