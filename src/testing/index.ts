/**
 * auxbus/testing — a small kit for vitest users: a booted machine, a uevent recorder that
 * gives the events since the last call, and `expectErrno` for asserting a kernel errno.
 */
import { DriverModelError, type ErrnoName } from '../base/index.js';
import type { Uevent } from '../bus/index.js';
import { type Machine, type MachineOptions, createMachine } from '../machine/index.js';

/** A machine booted with `options` (default presets and autoload), settled. */
export function bootMachine(options: MachineOptions = {}): Machine {
  const machine = createMachine(options);
  machine.boot();
  return machine;
}

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
