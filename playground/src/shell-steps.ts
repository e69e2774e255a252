/**
 * What a line typed in the terminal pane means for the page's state, which is a scenario text:
 * the acting shell commands the scenario format has a verb for become steps, so a replay (any
 * later action) or a shared URL keeps them.
 */
import { parseLine } from '../../src/cli/shell/index.js';

/**
 * The scenario steps (SCENARIOS.md) a shell line amounts to, when it is one of the acting
 * commands the scenario format has a verb for; undefined for anything else (the change then
 * lives on the live machine only). Steps settle, as the pane settles after a line.
 */
export function shellSteps(line: string): string[] | undefined {
  let parsed;
  try {
    parsed = parseLine(line);
  } catch {
    return undefined;
  }
  const steps: string[] = [];
  const y = (s: string) => JSON.stringify(s);
  for (const { argv, redirect } of parsed) {
    let [cmd, ...args] = argv;
    let as = '';
    if (cmd === 'as' && args.length >= 2) {
      as = `    as: ${args[0]}\n`;
      [cmd, ...args] = args.slice(1);
    }
    if (cmd === 'echo' && redirect !== undefined) {
      if (!redirect.startsWith('/sys/')) return undefined;
      const n = args[0] === '-n';
      const value = (n ? args.slice(1) : args).join(' ') + (n ? '' : '\n');
      steps.push(`  - write: ${redirect}\n    value: ${y(value)}\n${as}`);
    } else if (redirect !== undefined) {
      continue;
    } else if ((cmd === 'modprobe' || cmd === 'rmmod') && args.length === 1 && !args[0]!.startsWith('-') && as === '') {
      steps.push(`  - ${cmd}: ${args[0]}\n`);
    } else if ((cmd === 'hotplug' || cmd === 'unplug') && args.length === 1 && as === '') {
      steps.push(`  - ${cmd}: ${y(args[0]!)}\n`);
    } else if (
      [
        'ls',
        'cat',
        'cd',
        'pwd',
        'readlink',
        'tree',
        'lsmod',
        'dmesg',
        'tasks',
        'ps',
        'lsof',
        'fuser',
        'owner',
        'lspci',
        'help',
        'history',
        'rules',
        'explain',
      ].includes(cmd ?? '') ||
      cmd === undefined
    ) {
      continue;
    } else return undefined;
  }
  return steps;
}
