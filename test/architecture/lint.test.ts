/**
 * The layer rules are enforced: ESLint (eslint.config.js) rejects, in files it has never seen,
 * every import the layer table of docs/architecture.md does not allow, deep imports past a
 * folder's index.ts, node:* in the browser-safe core and import cycles; and it accepts the
 * imports the table allows (so the rules are not vacuous).
 */
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: process.cwd() });
});

/** The rule ids ESLint reports for `text` as if it were the file `path`. */
async function ruleIds(path: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: `${process.cwd()}/${path}` });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

describe('layer rules', () => {
  it.each([
    ['src/bus/x.ts', "import { compileRules } from '../udev/index.js';\nexport const f = compileRules;\n"],
    ['src/bus/x.ts', "import { PciDevice } from '../pci/index.js';\nexport const f = PciDevice;\n"],
    ['src/base/x.ts', "import { Device } from '../bus/index.js';\nexport const f = Device;\n"],
    ['src/pci/x.ts', "import { presetTable } from '../drivers/index.js';\nexport const f = presetTable;\n"],
    ['src/udev/x.ts', "import { Device } from '../bus/index.js';\nexport const f = Device;\n"],
    ['src/userspace/x.ts', "import { IPciCore } from '../pci/index.js';\nexport const f = IPciCore;\n"],
    ['src/drivers/x.ts', "import { createMachine } from '../machine/index.js';\nexport const f = createMachine;\n"],
    ['src/scenario/x.ts', "import { createMachine } from '../machine/index.js';\nexport const f = createMachine;\n"],
    ['src/cli/x.ts', "import { Device } from '../bus/index.js';\nexport const f = Device;\n"],
  ])('%s: %j is a forbidden import', async (path, text) => {
    expect(await ruleIds(path, text)).toContain('boundaries/dependencies');
  });

  it('forbids a deep import past another folder’s index.ts', async () => {
    expect(await ruleIds('src/drivers/x.ts', "import { PciDevice } from '../pci/device.js';\nexport const f = PciDevice;\n")).toContain(
      'boundaries/dependencies',
    );
  });

  it.each([
    ['src/drivers/x.ts', "import { PciDevice } from '../pci/index.js';\nexport const f = PciDevice;\n"],
    ['src/machine/x.ts', "import { IPciCore } from '../pci/index.js';\nexport const f = IPciCore;\n"],
    ['src/cli/x.ts', "import type { Device } from '../bus/index.js';\nexport type F = Device;\n"],
    ['src/udev/daemon/x.ts', "import { UdevDatabase } from '../database.js';\nexport const f = UdevDatabase;\n"],
    ['src/protocols/x.ts', "import { kerr } from '../base/index.js';\nexport const f = kerr;\n"],
  ])('%s: %j is allowed', async (path, text) => {
    expect(await ruleIds(path, text)).toEqual([]);
  });

  it('keeps node:* out of the browser-safe core, but not out of *.node.ts files or the CLI', async () => {
    const text = "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n";
    expect(await ruleIds('src/scenario/x.ts', text)).toContain('no-restricted-imports');
    expect(await ruleIds('src/scenario/x.node.ts', text)).toEqual([]);
    expect(await ruleIds('src/cli/x.ts', text)).toEqual([]);
  });

  it('keeps Node I/O out of the browser-safe shell interpreter (the playground runs it)', async () => {
    const rule = '@typescript-eslint/no-restricted-imports';
    expect(await ruleIds('src/cli/shell/x.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n")).toContain(rule);
    expect(await ruleIds('src/cli/shell/x.ts', "import { processIo } from '../io.js';\nexport const f = processIo;\n")).toContain(rule);
    expect(await ruleIds('src/cli/render.ts', "import { processIo } from './io.js';\nexport const f = processIo;\n")).toContain(rule);
    expect(await ruleIds('src/cli/shell/x.ts', "import type { CliIo } from '../io.js';\nexport type F = CliIo;\n")).toEqual([]);
    expect(await ruleIds('src/cli/shell/x.ts', "import { colors } from '../colors.js';\nexport const f = colors;\n")).toEqual([]);
  });

  it('reports an import cycle', async () => {
    // src/base/index.ts re-exports errno.ts; errno.ts importing the index back closes a cycle.
    expect(await ruleIds('src/base/errno.ts', "import { kerr } from './index.js';\nexport const f = kerr;\n")).toContain('import-x/no-cycle');
  });
});
