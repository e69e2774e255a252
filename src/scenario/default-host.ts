/**
 * The host `auxbus run` uses. Until the machine is wired in, it is the host of a build where no
 * subsystem has landed: every verb and check key is unsupported and no preset exists, so every
 * scenario is rejected with a message that says so (exit 2) rather than run against nothing.
 * Wiring the real machine means returning its ScenarioHost here.
 */
import { DriverModelError } from '../base/index.js';
import type { ScenarioHost } from './host.js';

export function defaultScenarioHost(): ScenarioHost {
  return {
    supportedVerbs: new Set(),
    supportedChecks: new Set(),
    presets: new Set(),
    createMachine() {
      throw new DriverModelError('ENOSYS', 'no machine in this build');
    },
  };
}
