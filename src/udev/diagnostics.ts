/**
 * What the engine logs, as udev 252 logs it: a syslog level, an optional rules location, an
 * optional device (the "sysname: " prefix of log_device_*), and the message. `text` is the
 * exact line 252 writes to stderr; `diagnostic` records (warning and above) are what the
 * oracle reports, with their file and line.
 */

import { isErrnoName, strerror } from '../base/index.js';

/** syslog levels udev uses, most severe first. */
export const logLevels = ['error', 'warning', 'notice', 'info', 'debug'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Numeric syslog priority of a level (LOG_ERR = 3 … LOG_DEBUG = 7). */
export const logPriority: Readonly<Record<LogLevel, number>> = {
  error: 3, // LOG_ERR
  warning: 4, // LOG_WARNING
  notice: 5, // LOG_NOTICE
  info: 6, // LOG_INFO
  debug: 7, // LOG_DEBUG
};

/** One message, from rules parsing or event processing. */
export interface Diagnostic {
  readonly level: LogLevel;
  /** Rules file path as given (null for messages without a rules location). */
  readonly file: string | null;
  /** Line number of the rule (null without location). */
  readonly line: number | null;
  /** The message without location and device prefix. */
  readonly message: string;
  /** The full stderr line as 252 prints it. */
  readonly text: string;
  /** Sysname of the device for event messages (log_device_*), else null. */
  readonly device: string | null;
  /**
   * Parse-time messages about one token: its 1-based column (in the physical line for a one-line
   * rule, in the joined text for a continued one) and length, for editors. 252 prints no column;
   * `text` stays 252's line.
   */
  readonly col?: number;
  readonly length?: number;
}

/** A parse-time message about a rules line: "<path>:<line> <message>". */
export function ruleDiagnostic(level: LogLevel, file: string, line: number, message: string, span?: { col: number; length: number }): Diagnostic {
  return { level, file, line, message, text: `${file}:${line} ${message}`, device: null, ...(span ? { col: span.col, length: span.length } : {}) };
}

/** A parse-time message with 252's "<path>:<line>: " form (GOTO resolution, long lines). */
export function ruleDiagnosticColon(level: LogLevel, file: string, line: number, message: string): Diagnostic {
  return { level, file, line, message, text: `${file}:${line}: ${message}`, device: null };
}

/** A message without any location. */
export function plainDiagnostic(level: LogLevel, message: string): Diagnostic {
  return { level, file: null, line: null, message, text: message, device: null };
}

/** A message about a device, optionally with the rules line being applied. */
export function deviceDiagnostic(level: LogLevel, device: string, file: string | null, line: number | null, message: string): Diagnostic {
  const text = file !== null ? `${device}: ${file}:${line} ${message}` : `${device}: ${message}`;
  return { level, file, line, message, text, device };
}

/** Where messages go. `debug` false lets hot paths skip building debug texts. */
export interface DiagnosticSink {
  readonly debug: boolean;
  emit(d: Diagnostic): void;
}

/** A sink that keeps everything (or only non-debug messages when `debug` is false). */
export class DiagnosticCollector implements DiagnosticSink {
  readonly items: Diagnostic[] = [];
  constructor(readonly debug: boolean = true) {}
  emit(d: Diagnostic): void {
    if (d.level === 'debug' && !this.debug) return;
    this.items.push(d);
  }
}

/** strerror() of an errno name (the name itself for unknown ones). */
export function strerrorName(errno: string): string {
  return isErrnoName(errno) ? strerror(errno) : errno;
}
