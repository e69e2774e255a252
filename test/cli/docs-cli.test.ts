/**
 * docs/cli.md documents every verb and every flag: each verb of `auxbus`, `auxbus udevadm` and
 * `auxbus spdm` has its place in the page, and every long option its `--help` lists appears there.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { udevadmVerbs } from '../../src/cli/udevadm.js';
import { runCli, verbs } from '../../src/cli/verbs.js';

const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');

const commands: string[][] = [
  ...verbs.filter((v) => v.name !== 'udevadm' && v.name !== 'spdm').map((v) => [v.name]),
  ...udevadmVerbs.map((v) => ['udevadm', v.name]),
  ['spdm', 'serve'],
  ['spdm', 'connect'],
];

describe('docs/cli.md', () => {
  it.each(commands.map((c) => [c.join(' '), c] as const))('documents %s and every flag of its --help', async (_, argv) => {
    const io = captureIo();
    expect(await runCli([...argv, '--help'], io)).toBe(0);
    const verb = argv.at(-1)!;
    expect(doc).toMatch(
      argv[0] === 'udevadm'
        ? new RegExp(`\\| \`${verb} `)
        : new RegExp(`auxbus ${argv.join(' ')}`.replace('spdm serve', 'spdm serve\\|connect').replace('spdm connect', 'spdm serve\\|connect')),
    );
    // Each option line of --help: `  -c, --command <commands>` or `  --json`.
    const options = [...io.out.matchAll(/^ {2}(?:(-[a-zA-Z]), )?(--[a-z][a-z-]*)/gm)].filter((m) => m[2] !== '--help');
    const documented = (short: string | undefined, long: string) =>
      doc.includes(long) || (short !== undefined && new RegExp(`[\\s\\[\`]${short}[\\s\\]\`]`).test(doc));
    const missing = options.filter((m) => !documented(m[1], m[2]!)).map((m) => m[2]);
    expect(missing).toEqual([]);
  });
});
