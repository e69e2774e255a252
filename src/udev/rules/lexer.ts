/**
 * Physical and logical lines of a rules file, as udev 252's udev_rules_parse_file() reads them:
 * read_line() terminators (\n, \r, NUL and their pairs), the 16 KiB physical-line limit that
 * silently drops the rest of the file, comment lines (also inside a continuation), backslash
 * continuation, and the rule numbering by the last physical line. Token scanning is in
 * compiler.ts. UDEV_LINE_SIZE limits both a physical line and a joined continuation.
 */

import { UDEV_LINE_SIZE } from './limits.js';

/** One rule as the parser sees it: the joined text and the number of its last physical line. */
export interface LogicalLine {
  readonly text: string;
  readonly line: number;
  /** Leading whitespace skipped on the rule's physical line (0 for a continued rule): text offset + indent + 1 is the column. */
  readonly indent?: number;
}

/** Something the line reader reports (always about the file being read). */
export interface LexerEvent {
  readonly kind: 'line-too-long' | 'read-failed';
  /** Physical line number for 'line-too-long'; the line that could not be read for 'read-failed'. */
  readonly line: number;
}

export interface LexResult {
  /** Rules and reader events, in the order the reader met them. */
  readonly items: ReadonlyArray<LogicalLine | LexerEvent>;
  /** True when a physical line hit the limit: the rest of the file was dropped (ENOBUFS). */
  readonly readFailed: boolean;
}

const EOL_NONE = 0;
const EOL_ZERO = 1; // \0
const EOL_TEN = 2; // \n
const EOL_THIRTEEN = 4; // \r

function categorizeEol(c: number): number {
  if (c === 10) return EOL_TEN;
  if (c === 13) return EOL_THIRTEEN;
  if (c === 0) return EOL_ZERO;
  return EOL_NONE;
}

/**
 * systemd's read_line(): reads one physical line starting at `pos`. Returns the line text and
 * the position after its terminator, `undefined` at end of file, or 'ENOBUFS' when the line
 * reaches `limit` characters (checked before each character, so a line of exactly `limit`
 * characters fails even at end of file).
 */
export function readLine(s: string, pos: number, limit: number): { text: string; next: number } | 'ENOBUFS' | undefined {
  let n = 0;
  let count = 0;
  let prev = EOL_NONE;
  let i = pos;
  const start = pos;
  let end = pos;
  for (;;) {
    if (n >= limit) return 'ENOBUFS';
    if (i >= s.length) break;
    const c = s.charCodeAt(i);
    const eol = categorizeEol(c);
    // A NUL always ends the line; after an EOL a non-EOL char starts the next line; the same
    // EOL char twice is two lines ("\n\n"), but "\r\n", "\n\r", "\n\0" … are one terminator.
    if (prev & EOL_ZERO || (eol === EOL_NONE && prev !== EOL_NONE) || (eol !== EOL_NONE && (prev & eol) !== 0)) break;
    count++;
    i++;
    if (eol !== EOL_NONE) {
      prev |= eol;
      continue;
    }
    n++;
    end = i;
  }
  if (count === 0) return undefined;
  return { text: s.slice(start, end), next: i };
}

/** WHITESPACE of systemd: space, tab, newline, carriage return. */
export function isWhitespace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function skipLeadingWhitespace(s: string): string {
  let i = 0;
  while (i < s.length && isWhitespace(s.charCodeAt(i))) i++;
  return i === 0 ? s : s.slice(i);
}

/**
 * Split a rules file (a byte string) into logical lines. Physical lines are numbered from 1; a
 * rule continued over several lines carries the number of the line that completed it (for a
 * continuation ended by an empty line, that empty line's number).
 */
export function splitRulesFile(bytes: string): LexResult {
  const items: Array<LogicalLine | LexerEvent> = [];
  let continuation: string | undefined;
  let ignoreLine = false;
  let lineNr = 0;
  let pos = 0;
  for (;;) {
    const r = readLine(bytes, pos, UDEV_LINE_SIZE);
    if (r === 'ENOBUFS') {
      // 252: the read error aborts the file; earlier rules stay, GOTOs are not resolved.
      items.push({ kind: 'read-failed', line: lineNr + 1 });
      return { items, readFailed: true };
    }
    if (r === undefined) break;
    pos = r.next;
    lineNr++;
    let line = skipLeadingWhitespace(r.text);
    const indent = continuation === undefined ? r.text.length - line.length : 0;
    // A comment line is skipped even in the middle of a continuation.
    if (line.charCodeAt(0) === 35 /* # */) continue;
    if (continuation !== undefined && !ignoreLine) {
      if (continuation.length + line.length >= UDEV_LINE_SIZE) ignoreLine = true;
      continuation += line;
      if (!ignoreLine) line = continuation;
    }
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 92 /* \ */) {
      if (ignoreLine) continue;
      line = line.slice(0, -1);
      // The first line of a continuation starts the buffer; later ones were joined above.
      continuation = line;
      continue;
    }
    if (ignoreLine) items.push({ kind: 'line-too-long', line: lineNr });
    else if (line.length > 0) items.push({ text: line, line: lineNr, ...(indent > 0 ? { indent } : {}) });
    continuation = undefined;
    ignoreLine = false;
  }
  // A continuation still open at end of file is dropped without a message in 252.
  return { items, readFailed: false };
}
