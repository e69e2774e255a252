/**
 * Rule explanation (DESIGN §7): for every rules line an event reaches, whether it was skipped by
 * the pre-filter, stopped at a token (which one, on which device, comparing which value), or
 * matched (and where it jumped). Collected through the interpreter's ExplainSink and printed
 * as text or JSON.
 */
import { bytesToText } from '../bytes.js';
import type { ExplainSink } from './apply.js';
import { opText, type RuleLine, type RuleToken } from './token.js';

/** What happened to one line. */
export interface ExplainEntry {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly status: 'skipped' | 'failed' | 'matched';
  /** For 'failed': the token that did not pass, as written (`KEY{attr}OP"value"`). */
  readonly token?: string;
  /** For 'failed': the value the token compared (undefined: absent). */
  readonly value?: string | null;
  /** For 'failed': the device the token was evaluated on (or why the parent walk failed). */
  readonly device?: string;
  /** For 'matched' with GOTO: the line jumped to. */
  readonly jumpedTo?: number;
}

/** Render a token as it was written. */
export function tokenText(t: RuleToken): string {
  const attr = t.attr === undefined ? '' : `{${bytesToText(t.attr)}}`;
  return `${t.key}${attr}${opText[t.op]}"${bytesToText(t.value)}"`;
}

/** Collects explain entries in evaluation order. */
export class ExplainCollector implements ExplainSink {
  readonly entries: ExplainEntry[] = [];

  #base(line: RuleLine): { file: string; line: number; text: string } {
    return { file: bytesToText(line.file.name), line: line.line, text: bytesToText(line.text) };
  }

  skipped(line: RuleLine): void {
    this.entries.push({ ...this.#base(line), status: 'skipped' });
  }

  failed(line: RuleLine, token: RuleToken, value: string | undefined, device: string): void {
    this.entries.push({
      ...this.#base(line),
      status: 'failed',
      token: tokenText(token),
      value: value === undefined ? null : bytesToText(value),
      device: bytesToText(device),
    });
  }

  matched(line: RuleLine, jumped: RuleLine | undefined): void {
    this.entries.push({ ...this.#base(line), status: 'matched', ...(jumped ? { jumpedTo: jumped.line } : {}) });
  }
}

/** Human-readable report: one line per rules line, skipped lines left out unless asked. */
export function formatExplain(entries: readonly ExplainEntry[], includeSkipped = false): string {
  let out = '';
  for (const e of entries) {
    const where = `${e.file}:${e.line}`;
    switch (e.status) {
      case 'skipped':
        if (includeSkipped) out += `${where}: skipped (nothing on this line applies to this device or action)\n`;
        break;
      case 'failed':
        out += `${where}: FAIL at ${e.token} on ${e.device}: value ${e.value === null ? '(absent)' : JSON.stringify(e.value)}\n`;
        break;
      case 'matched':
        out += `${where}: MATCH${e.jumpedTo !== undefined ? ` (GOTO line ${e.jumpedTo})` : ''}  ${e.text}\n`;
        break;
      default: {
        const never: never = e.status;
        return never;
      }
    }
  }
  return out;
}
