/**
 * The shell's command-line syntax, a small subset of sh: commands separated by `;` (or new
 * lines), words split on blanks, '…' and "…" quoting, backslash escapes, `#` comments, and one
 * output redirection `> FILE` (or `>FILE`) per command, which writes the command's output to a
 * file of the machine (`echo 1 > /sys/…/remove`). No globbing, variables or pipes.
 */
import { kerr } from '../../base/index.js';

export interface ParsedCommand {
  readonly argv: readonly string[];
  /** The `> FILE` target, if any. */
  readonly redirect?: string;
}

/** Splits `line` into commands; throws EINVAL for an unterminated quote or a `>` without a file. */
export function parseLine(line: string): ParsedCommand[] {
  const commands: ParsedCommand[] = [];
  let argv: string[] = [];
  let redirect: string | undefined;
  let word: string | undefined;
  let redirectNext = false;
  const endWord = () => {
    if (word === undefined) return;
    if (redirectNext) {
      redirect = word;
      redirectNext = false;
    } else argv.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (redirectNext) throw kerr('EINVAL', "syntax error: '>' needs a file");
    if (argv.length > 0) commands.push(redirect === undefined ? { argv } : { argv, redirect });
    else if (redirect !== undefined) throw kerr('EINVAL', "syntax error: '>' without a command");
    argv = [];
    redirect = undefined;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw kerr('EINVAL', 'syntax error: unterminated quote');
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1]!)) j++;
        s += line[j];
      }
      if (j >= line.length) throw kerr('EINVAL', 'syntax error: unterminated quote');
      word = (word ?? '') + s;
      i = j;
    } else if (c === '\\') {
      if (i + 1 < line.length) word = (word ?? '') + line[++i];
    } else if (c === ' ' || c === '\t') {
      endWord();
    } else if (c === ';' || c === '\n') {
      endCommand();
    } else if (c === '#' && word === undefined) {
      const nl = line.indexOf('\n', i);
      if (nl < 0) break;
      i = nl - 1;
    } else if (c === '>' && word === undefined) {
      if (redirectNext || redirect !== undefined) throw kerr('EINVAL', "syntax error: only one '>' per command");
      redirectNext = true;
    } else {
      word = (word ?? '') + c;
    }
  }
  endCommand();
  return commands;
}

/** The word being typed at the end of `line` (for completion) and where it starts. */
export function lastWord(line: string): { word: string; start: number; index: number } {
  const cmdStart = Math.max(line.lastIndexOf(';'), -1) + 1;
  const part = line.slice(cmdStart);
  const m = /(\S*)$/.exec(part)!;
  const before = part.slice(0, part.length - m[1]!.length).trim();
  const index = before === '' ? 0 : before.split(/\s+/).filter((w) => w !== '>').length;
  return { word: m[1]!.replace(/^>/, ''), start: line.length - m[1]!.replace(/^>/, '').length, index };
}
