/**
 * docs/tutorial.md cannot rot: every `console` block is typed into `auxbus shell` and must
 * print exactly what the document shows. A `<!-- tutorial-session: OPTIONS -->` comment starts a
 * new machine (OPTIONS are `auxbus shell`'s); blocks after it continue that session. In a block,
 * a line starting with the prompt (`NAME:DIR# ` or `NAME:DIR$ `) is a command; the lines up to the
 * next prompt are its output (stdout, then stderr).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openMachine } from '../../src/cli/machine-args.js';
import { captureIo } from '../../src/cli/io.js';
import { createShellSession } from '../../src/cli/shell/index.js';
import { defaultPresets } from '../../src/machine/index.js';

interface Session {
  readonly options: string[];
  readonly transcript: string[];
}

function sessions(markdown: string): Session[] {
  const out: Session[] = [];
  const re = /<!-- tutorial-session: (.*?) -->|```console\n([\s\S]*?)```/g;
  for (const m of markdown.matchAll(re)) {
    if (m[1] !== undefined) out.push({ options: m[1].split(/\s+/).filter((w) => w !== ''), transcript: [] });
    else out.at(-1)?.transcript.push(m[2]!);
  }
  return out;
}

function parseOptions(argv: string[]): { preset: string[]; module: string[] } {
  const preset: string[] = [];
  const module: string[] = [];
  let list: string[] | undefined;
  for (const a of argv) {
    if (a === '--preset') list = preset;
    else if (a === '--module') list = module;
    else list?.push(a);
  }
  return { preset: preset.length > 0 ? preset : [...defaultPresets], module };
}

const PROMPT = /^(\S+:\S*[#$] )(.*)$/;
const doc = readFileSync(new URL('../../docs/tutorial.md', import.meta.url), 'utf8');

describe('docs/tutorial.md', () => {
  const all = sessions(doc);
  it('has sessions with steps', () => {
    expect(all.length).toBeGreaterThan(0);
    expect(all.flatMap((s) => s.transcript).length).toBeGreaterThanOrEqual(5);
  });

  all.forEach((s, i) => {
    it(`session ${i + 1} (${s.options.join(' ')}) prints what the tutorial shows`, () => {
      const o = parseOptions(s.options);
      const live = openMachine({ ...o, autoload: true, doe: 'aux-exclusive', lockdown: 'none', rules: [] }, captureIo());
      if (typeof live === 'number') throw new Error('bad session options');
      const shell = createShellSession(live.machine, live.udev);
      for (const block of s.transcript) {
        let actual = '';
        for (const line of block.split('\n')) {
          const m = PROMPT.exec(line);
          if (!m) continue;
          const prompt = shell.prompt;
          const r = shell.execute(m[2]!);
          actual += `${prompt}${m[2]}\n${r.stdout}${r.stderr}`;
        }
        expect(actual).toBe(block);
      }
    });
  });
});
