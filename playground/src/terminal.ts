/**
 * The terminal pane: `auxbus shell`'s interpreter (src/cli/shell, browser-safe) in an xterm.js
 * terminal, on the page's live machine. This file is only the terminal's line discipline —
 * editing, history (↑/↓), tab completion through the interpreter's `complete()`, Ctrl-C/Ctrl-L —
 * the commands are the shell's own.
 *
 * The page owns the machine and replaces it on every replay (session.ts); `attach()` moves the
 * session onto the new machine, keeping the working directory and the history. After a command
 * the page settles (unless it holds the scheduler), records what it can as scenario steps
 * (shell-steps.ts) and redraws.
 */
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { type Machine, machineUdev } from '../../src/machine/index.js';
import { type ShellOutput, type ShellSession, complete, createShellSession } from '../../src/cli/shell/index.js';

const CSI = '\x1b[';

/** The common prefix of completion candidates. */
function commonPrefix(list: readonly string[]): string {
  if (list.length === 0) return '';
  let p = list[0]!;
  for (const s of list) while (!s.startsWith(p)) p = p.slice(0, -1);
  return p;
}

export interface TerminalHost {
  /** Runs after each command line: `changed` tells whether the machine's uevent log grew. */
  afterCommand(line: string, result: ShellOutput, changed: boolean): void;
}

export class TerminalPane {
  readonly term: Terminal;
  #session: ShellSession | undefined;
  #line = '';
  #cursor = 0;
  #historyIndex = 0;
  #history: string[] = [];
  #cwd = '/';

  constructor(
    el: HTMLElement,
    private readonly host: TerminalHost,
  ) {
    this.term = new Terminal({
      convertEol: true,
      fontSize: 12,
      rows: 20,
      cols: 120,
      scrollback: 2000,
      theme: { background: '#1e272c', foreground: '#e0e0e0' },
    });
    this.term.open(el);
    this.term.onData((d) => this.#input(d));
    this.term.writeln("auxbus shell on this page's machine — 'help' lists the commands; Tab completes.");
  }

  get session(): ShellSession | undefined {
    return this.#session;
  }

  /** Moves the shell onto `machine` (a fresh replay), keeping cwd and history; redraws the prompt. */
  attach(machine: Machine | undefined): void {
    if (this.#session) this.#cwd = this.#session.cwd;
    this.#session = machine ? createShellSession(machine, machineUdev(machine), { color: true }) : undefined;
    if (this.#session) {
      this.#session.history.push(...this.#history);
      try {
        this.#session.proc.stat(this.#cwd);
        this.#session.cwd = this.#cwd;
      } catch {
        this.#session.cwd = '/';
      }
    }
  }

  /** Writes the prompt and the line being edited (a fresh line). */
  prompt(): void {
    this.term.write(`\r${CSI}K${CSI}1;32m${this.#session?.prompt ?? '$ '}${CSI}0m${this.#line}`);
    const back = this.#line.length - this.#cursor;
    if (back > 0) this.term.write(`${CSI}${back}D`);
  }

  /** Types `line` and runs it, as if entered (tests and lessons use the keyboard instead). */
  run(line: string): ShellOutput | undefined {
    this.#line = line;
    this.#cursor = line.length;
    this.prompt();
    return this.#enter();
  }

  #redraw(): void {
    this.prompt();
  }

  #enter(): ShellOutput | undefined {
    const line = this.#line;
    this.#line = '';
    this.#cursor = 0;
    this.term.write('\r\n');
    if (line.trim() !== '') {
      this.#history.push(line);
      this.#historyIndex = this.#history.length;
    }
    const s = this.#session;
    let result: ShellOutput | undefined;
    if (!s) this.term.writeln('no machine (the scenario was rejected)');
    else if (line.trim() === 'clear') this.term.clear();
    else if (line.trim() !== '') {
      const before = s.machine.uevent.log.length;
      result = s.execute(line);
      if (result.stdout) this.term.write(result.stdout);
      if (result.stderr) this.term.write(`${CSI}31m${result.stderr}${CSI}0m`);
      this.host.afterCommand(line, result, s.machine.uevent.log.length !== before);
    }
    this.prompt();
    return result;
  }

  #complete(): void {
    const s = this.#session;
    if (!s) return;
    const head = this.#line.slice(0, this.#cursor);
    const [cands, word] = complete(s, head);
    if (cands.length === 0) return;
    const prefix = commonPrefix(cands);
    if (prefix.length > word.length) {
      const add = prefix.slice(word.length) + (cands.length === 1 && !prefix.endsWith('/') ? ' ' : '');
      this.#line = head + add + this.#line.slice(this.#cursor);
      this.#cursor += add.length;
      this.#redraw();
      return;
    }
    if (cands.length > 1) {
      this.term.write('\r\n' + cands.map((c) => c.slice(c.lastIndexOf('/', c.length - 2) + 1)).join('  ') + '\r\n');
      this.#redraw();
    }
  }

  #input(data: string): void {
    switch (data) {
      case '\r':
        this.#enter();
        return;
      case '\t':
        this.#complete();
        return;
      case '\x7f':
      case '\b':
        if (this.#cursor > 0) {
          this.#line = this.#line.slice(0, this.#cursor - 1) + this.#line.slice(this.#cursor);
          this.#cursor--;
          this.#redraw();
        }
        return;
      case '\x03':
        this.term.write('^C\r\n');
        this.#line = '';
        this.#cursor = 0;
        this.prompt();
        return;
      case '\x0c':
        this.term.clear();
        this.#redraw();
        return;
      case `${CSI}A`:
      case `${CSI}B`: {
        const up = data === `${CSI}A`;
        this.#historyIndex = Math.max(0, Math.min(this.#history.length, this.#historyIndex + (up ? -1 : 1)));
        this.#line = this.#history[this.#historyIndex] ?? '';
        this.#cursor = this.#line.length;
        this.#redraw();
        return;
      }
      case `${CSI}C`:
        if (this.#cursor < this.#line.length) this.#cursor++;
        this.#redraw();
        return;
      case `${CSI}D`:
        if (this.#cursor > 0) this.#cursor--;
        this.#redraw();
        return;
    }
    // Printable text (typed or pasted; a pasted newline runs the line).
    for (const ch of data.replace(/\r\n?/g, '\r')) {
      if (ch === '\r') this.#enter();
      else if (ch >= ' ') {
        this.#line = this.#line.slice(0, this.#cursor) + ch + this.#line.slice(this.#cursor);
        this.#cursor++;
      }
    }
    this.#redraw();
  }
}
