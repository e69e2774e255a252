/**
 * Tab completion: the first word completes to command names, later words to what the command
 * says (paths of /sys, /dev, /proc and /etc/udev/rules.d by default, or its own list).
 * Returns readline's shape: the candidates and the text they replace.
 */
import { RULES_DIR, type ShellSessionApi } from './types.js';
import { lastWord } from './words.js';

function pathCandidates(session: ShellSessionApi, word: string): string[] {
  const slash = word.lastIndexOf('/');
  const dirPart = slash >= 0 ? word.slice(0, slash + 1) : '';
  const base = slash >= 0 ? word.slice(slash + 1) : word;
  const dir = session.path(dirPart === '' ? '.' : dirPart);
  let names: string[];
  if (dir === RULES_DIR) names = [...session.rulesFiles.keys()];
  else if (dir === '/etc/udev') names = ['rules.d'];
  else if (dir === '/etc') names = ['udev'];
  else {
    try {
      names = [...session.proc.readdir(dir)];
      if (dir === '/') names.push('etc');
    } catch {
      return [];
    }
  }
  return names
    .filter((n) => n.startsWith(base))
    .sort()
    .map((n) => {
      const full = `${dir === '/' ? '' : dir}/${n}`;
      let isDir = full === '/etc' || full === '/etc/udev' || full === RULES_DIR;
      try {
        isDir ||= session.proc.stat(full).type === 'dir';
      } catch {
        // a dangling link or an entry that vanished: complete it as a file
      }
      return `${dirPart}${n}${isDir ? '/' : ''}`;
    });
}

/** Candidates for the word at the end of `line`, and that word. */
export function complete(session: ShellSessionApi, line: string): [string[], string] {
  const { word, index } = lastWord(line);
  if (index === 0) return [[...session.commands.keys()].filter((c) => c.startsWith(word)).sort(), word];
  const words = line
    .slice(line.lastIndexOf(';') + 1)
    .trim()
    .split(/\s+/);
  let cmdName = words[0]!;
  let argIndex = index;
  // `as PROC CMD …` completes CMD's arguments.
  if (cmdName === 'as' && index >= 2) {
    if (index === 2) return [[...session.commands.keys()].filter((c) => c.startsWith(word)).sort(), word];
    cmdName = words[2]!;
    argIndex = index - 2;
  }
  const cmd = session.commands.get(cmdName);
  const how = cmd?.completes ?? 'paths';
  if (typeof how === 'function') {
    const list = how(session, argIndex);
    if (list.length > 0 || (cmdName !== 'udevadm' && cmdName !== 'driverctl')) return [list.filter((c) => c.startsWith(word)).sort(), word];
    return [pathCandidates(session, word), word];
  }
  if (how === 'commands') return [[...session.commands.keys()].filter((c) => c.startsWith(word)).sort(), word];
  if (how === 'none') return [[], word];
  return [pathCandidates(session, word), word];
}
