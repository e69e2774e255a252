/**
 * The interactive shell's history file (Node only): where it is, reading it at start and adding
 * each line typed, as bash keeps ~/.bash_history.
 *
 * - `AUXBUS_HISTORY=FILE` keeps it in FILE; `AUXBUS_HISTORY=` (empty) or `off` keeps none;
 * - otherwise `$XDG_STATE_HOME/auxbus/history`, or `~/.local/state/auxbus/history` (the XDG
 *   base directory default) when XDG_STATE_HOME is unset or not absolute.
 *
 * At most HISTORY_SIZE lines are kept (the oldest go first). Blank lines and a line equal to the
 * one before are not added (readline's removeHistoryDuplicates-like, as bash's ignoredups). A file
 * that cannot be read or written is reported once, in one line, and the shell goes on without it.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

export const HISTORY_SIZE = 1000;

/** The history file for `env`, or undefined when history is off. */
export function historyPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string | undefined {
  const set = env.AUXBUS_HISTORY;
  if (set !== undefined) return set === '' || set === 'off' ? undefined : set;
  const state = env.XDG_STATE_HOME;
  return join(state !== undefined && isAbsolute(state) ? state : join(home, '.local', 'state'), 'auxbus', 'history');
}

export class ShellHistory {
  readonly #path: string | undefined;
  readonly #warn: (message: string) => void;
  #lines: string[] = [];
  #broken = false;

  /** `warn` gets the one-line message when the file cannot be used. */
  constructor(path: string | undefined, warn: (message: string) => void) {
    this.#path = path;
    this.#warn = warn;
  }

  /** The kept lines, oldest first (read from the file; trimmed there to HISTORY_SIZE). */
  load(): readonly string[] {
    if (this.#path === undefined) return [];
    let text: string;
    try {
      text = readFileSync(this.#path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.#fail('read', e);
      return [];
    }
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    this.#lines = lines.slice(-HISTORY_SIZE);
    if (lines.length > HISTORY_SIZE) this.#write(() => writeFileSync(this.#path!, this.#lines.map((l) => `${l}\n`).join('')));
    return this.#lines;
  }

  /** Add one typed line (not blank, not a repeat of the last). */
  add(line: string): void {
    if (this.#path === undefined || this.#broken || line.trim() === '' || line.includes('\n') || this.#lines.at(-1) === line) return;
    this.#lines.push(line);
    if (this.#lines.length > HISTORY_SIZE) this.#lines.shift();
    this.#write(() => {
      mkdirSync(dirname(this.#path!), { recursive: true });
      appendFileSync(this.#path!, `${line}\n`);
    });
  }

  #write(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.#fail('write', e);
    }
  }

  #fail(what: string, e: unknown): void {
    if (this.#broken) return;
    this.#broken = true;
    const err = e as NodeJS.ErrnoException;
    this.#warn(`auxbus shell: history: cannot ${what} ${this.#path}: ${err.code ?? err.message} (history not kept; AUXBUS_HISTORY= turns it off)`);
  }
}
