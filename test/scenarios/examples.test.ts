/**
 * Every example scenario under examples/scenarios/ (the top level: the documentation that runs)
 * must hold on the real machine; failing/ and invalid/ are checked by test/scenario.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineScenarioHost } from '../../src/machine/index.js';
import { formatStepText, runScenarioFile } from '../../src/scenario/index.node.js';
import pc from 'picocolors';

const dir = join(import.meta.dirname, '../../examples/scenarios');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const host = machineScenarioHost();
const plain = pc.createColors(false);

describe('examples/scenarios on the real machine', () => {
  it('should have example scenarios to run', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  for (const file of files) {
    it(`${file} should hold step by step`, () => {
      const result = runScenarioFile(join(dir, file), host);
      const report = [
        ...result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`),
        ...result.steps.filter((s) => !s.ok).map((s) => formatStepText(file, s, plain)),
      ].join('');
      expect(report).toBe('');
      expect(result.status).toBe(0);
      expect(result.steps.length).toBeGreaterThan(1);
    });
  }
});
