/** A scenario file loaded for the machine's host; a file that does not load fails the test with its diagnostics. */
import { readFileSync } from 'node:fs';
import { machineScenarioHost } from '../../src/machine/index.js';
import { type LoadedScenario, loadScenario } from '../../src/scenario/index.js';

export function loadScenarioFile(file: string, options?: { readonly baseDir?: string }): LoadedScenario {
  const r = loadScenario(readFileSync(file, 'utf8'), file, machineScenarioHost(), options);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.loaded;
}
