/**
 * What a CLI verb writes to and reads from. Verbs never touch process.stdout directly, so tests
 * run them in-process and capture output.
 */
export { colors } from './colors.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Colour on: a TTY without NO_COLOR (and not forced off by --no-color). */
  readonly color: boolean;
  /** Directory relative paths resolve against. */
  readonly cwd: string;
}

/** Exit statuses every verb uses: 0 success, 1 a check/expectation failed, 2 bad input. */
export const ExitStatus = { OK: 0, FAILED: 1, BAD_INPUT: 2 } as const;

/** The real process's terminal. */
export function processIo(): CliIo {
  const color = Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    color,
    cwd: process.cwd(),
  };
}

/** An in-memory io for tests: everything written is kept. */
export function captureIo(cwd: string = process.cwd()): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    color: false,
    cwd,
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
  };
  return io;
}
