/**
 * Re-records the outputs in docs/tutorial.md: every `console` block's commands are typed into
 * `auxbus shell` (sessions as test/cli/tutorial.test.ts starts them) and the block is rewritten
 * with what the shell printed. Review the diff before committing: the test then checks it.
 *
 * Usage: npx tsx tools/docs/update-tutorial.ts
 */
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { createShellSession } from '../../src/cli/shell/index.js';
import { createMachine, defaultPresets, machineUdev } from '../../src/machine/index.js';

const PROMPT = /^(\S+:\S*[#$] )(.*)$/;
const file = new URL('../../docs/tutorial.md', import.meta.url);
const doc = readFileSync(file, 'utf8');
let shell: ReturnType<typeof createShellSession> | undefined;
const out = doc.replace(
  /<!-- tutorial-session: (.*?) -->|```console\n([\s\S]*?)```/g,
  (whole, options: string | undefined, block: string | undefined) => {
    if (options !== undefined) {
      const preset: string[] = [];
      const module: string[] = [];
      let list: string[] | undefined;
      for (const a of options.split(/\s+/).filter((w) => w !== '')) {
        if (a === '--preset') list = preset;
        else if (a === '--module') list = module;
        else list?.push(a);
      }
      const m = createMachine({ presets: preset.length > 0 ? preset : defaultPresets, modules: module });
      m.boot();
      shell = createShellSession(m, machineUdev(m));
      return whole;
    }
    if (!shell) throw new Error('a console block before any tutorial-session comment');
    let text = '';
    for (const line of block!.split('\n')) {
      const p = PROMPT.exec(line);
      if (!p) continue;
      const prompt = shell.prompt;
      const r = shell.execute(p[2]!);
      text += `${prompt}${p[2]}\n${r.stdout}${r.stderr}`;
    }
    return `\`\`\`console\n${text}\`\`\``;
  },
);
writeFileSync(file, out);
