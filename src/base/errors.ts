/**
 * The one error class of auxbus, `DriverModelError`, carrying an errno name (P4), and
 * `BugIndicatingError` for misuse of the API (the role of WARN_ON). Nothing else is thrown
 * across a service boundary; callers branch on `errno`, never on message text.
 */
import { Errno, type ErrnoName, strerror } from './errno.js';

const brand = Symbol.for('auxbus.DriverModelError');

export interface DriverModelErrorOptions {
  /** Name of the device the failure is about (`bus:name` or plain name), for messages. */
  readonly device?: string;
  /** The operation that failed, e.g. `bind`, `write /sys/bus/pci/drivers_probe`. */
  readonly op?: string;
  readonly cause?: unknown;
}

/** A failure with a Linux errno. `errno` is the name, `code` the positive number. */
export class DriverModelError extends Error {
  readonly [brand] = true;
  readonly errno: ErrnoName;
  readonly device: string | undefined;
  readonly op: string | undefined;

  constructor(errno: ErrnoName, message?: string, options: DriverModelErrorOptions = {}) {
    super(message ?? strerror(errno), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DriverModelError';
    this.errno = errno;
    this.device = options.device;
    this.op = options.op;
  }

  /** The positive errno number. */
  get code(): number {
    return Errno[this.errno];
  }

  /** True if `e` is a DriverModelError (of the given errno, when one is named). */
  static is(e: unknown, errno?: ErrnoName): e is DriverModelError {
    return (
      typeof e === 'object' &&
      e !== null &&
      (e as { [brand]?: unknown })[brand] === true &&
      (errno === undefined || (e as DriverModelError).errno === errno)
    );
  }
}

/** Shorthand: `throw kerr('EBUSY', 'cxl_pci: already bound')`. */
export function kerr(errno: ErrnoName, message?: string, options?: DriverModelErrorOptions): DriverModelError {
  return new DriverModelError(errno, message, options);
}

/**
 * `kerr` for the errno a simulated process expects as the end of what it does — a DOE tool's
 * ETIMEDOUT after a second of polls, once per exchange — made without capturing the JavaScript
 * stack: V8 walks up to `Error.stackTraceLimit` frames at every Error construction (3–5 µs, a
 * sixth of a DOE tool's whole exchange), and the stack of such an error never points at a bug. Its `stack` is the name and message alone; everything else is `kerr`'s.
 */
export function kerrExpected(errno: ErrnoName, message?: string, options?: DriverModelErrorOptions): DriverModelError {
  const limit = v8Error.stackTraceLimit;
  if (limit === undefined) return new DriverModelError(errno, message, options);
  v8Error.stackTraceLimit = 0;
  try {
    return new DriverModelError(errno, message, options);
  } finally {
    v8Error.stackTraceLimit = limit;
  }
}

/** `Error` with V8's frame limit for stacks (absent in other engines, where nothing is changed). */
const v8Error = Error as ErrorConstructor & { stackTraceLimit?: number };

/** Misuse of the API by its caller: a bug in the caller, never an expected outcome. */
export class BugIndicatingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BugIndicatingError';
  }
}
