/**
 * Every recorded udev 252 case (shared cases/, locally recorded cases-local/, and cases-real/:
 * the rules Debian's packages ship on realistic device descriptions) run through
 * runUdevTest and compared with its expected.jsonl by the conformance README's rules.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRecords } from '../../../src/udev/index.js';
import { listCases, loadCase, runCase } from './case.js';
import { compareRecords, formatMismatches, parseJsonLines } from './compare.js';

const here = import.meta.dirname;

describe('udev conformance corpus', () => {
  it('should hold all 28 shared cases', () => {
    expect(listCases(join(here, 'cases')).length).toBeGreaterThanOrEqual(28);
  });
});

for (const folder of ['cases', 'cases-local', 'cases-real', 'cases-machine']) {
  const root = join(here, folder);
  const names = listCases(root);
  describe(`udev conformance (${folder})`, () => {
    for (const name of names) {
      it(`should agree with udev 252 on ${name}`, () => {
        const c = loadCase(join(root, name), name);
        const result = runCase(c);
        const expected = parseJsonLines(c.expected);
        expect(expected.errors).toEqual([]);
        const actual = parseJsonLines(formatRecords(result.records));
        expect(actual.errors).toEqual([]);
        const problems = compareRecords(expected.records, actual.records);
        expect(problems, formatMismatches(problems)).toEqual([]);
      });
    }
  });
}
