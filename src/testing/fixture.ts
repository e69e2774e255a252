/**
 * The machine fixture: a booted machine that is disposed when the test ends — passed or failed
 * (vitest's onTestFinished runs after a failed assertion too). `machineTest(options)` is the same
 * as a `test.extend` fixture, for suites that prefer `({ machine }) => …`.
 */
import { onTestFinished, test as baseTest } from 'vitest';
import { type Machine, type MachineOptions, createMachine } from '../machine/index.js';

/** A machine booted with `options` (default presets and autoload), settled. No disposal. */
export function bootMachine(options: MachineOptions = {}): Machine {
  const machine = createMachine(options);
  machine.boot();
  return machine;
}

/**
 * A booted machine for the running test, disposed when the test finishes whatever its outcome.
 * Call it inside a test (or a beforeEach); options: presets, modules, rules, lockdown, doe, cmdline…
 */
export function useMachine(options: MachineOptions = {}): Machine {
  const machine = bootMachine(options);
  onTestFinished(() => machine.dispose());
  return machine;
}

/** A `test` whose context carries `machine`, booted with `options` and disposed after each test. */
export function machineTest(options: MachineOptions = {}) {
  return baseTest.extend<{ machine: Machine }>({
    // eslint-disable-next-line no-empty-pattern -- vitest reads the fixture's dependencies from this pattern
    machine: async ({}, use) => {
      const machine = bootMachine(options);
      try {
        await use(machine);
      } finally {
        machine.dispose();
      }
    },
  });
}
