/**
 * Rule explanation (DESIGN §7): for every rules line of every file, whether the event reached
 * it, whether the pre-filter skipped it, at which token it stopped (on which device, comparing
 * which value), or that it matched (each match token with the device and value it compared,
 * and where a GOTO jumped). Collected through the interpreter's ExplainSink and printed as
 * text or JSON.
 */
import { bytesToText } from '../bytes.js';
import type { ExplainSink } from './apply.js';
import { opText, type RuleLine, type RuleToken } from './token.js';

/** One match token's outcome: the token as written, where it was evaluated, what it compared. */
export interface ExplainToken {
  readonly token: string;
  readonly device: string;
  /** The value compared; null when there was none (unset property, missing attribute, no result). */
  readonly value: string | null;
}

/** What happened to one line. */
export interface ExplainEntry {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  /**
   * skipped: the pre-filter left the line out (nothing on it applies to this device/action);
   * not-reached: a GOTO jumped over it; failed: a token did not pass; matched: all passed.
   */
  readonly status: 'skipped' | 'not-reached' | 'failed' | 'matched';
  /** For 'failed' and 'matched': the match tokens that passed, in evaluation order. */
  readonly passed?: readonly ExplainToken[];
  /** For 'failed': the token that did not pass. */
  readonly failed?: ExplainToken;
  /** For 'failed': no ancestor satisfied all parent keys; `failed.device` is the last tried. */
  readonly parentGroup?: boolean;
  /** For 'matched' with GOTO: the line jumped to; for 'not-reached': the line that jumped. */
  readonly jumpedTo?: number;
  readonly jumpedFrom?: number;
}

/** Render a token as it was written. */
export function tokenText(t: RuleToken): string {
  const attr = t.attr === undefined ? '' : `{${bytesToText(t.attr)}}`;
  return `${t.key}${attr}${opText[t.writtenOp]}"${bytesToText(t.value)}"`;
}

function explainToken(token: RuleToken, value: string | undefined, device: string): ExplainToken {
  return { token: tokenText(token), device: bytesToText(device), value: value === undefined ? null : bytesToText(value) };
}

/** Collects explain entries in evaluation order. */
export class ExplainCollector implements ExplainSink {
  readonly entries: ExplainEntry[] = [];
  #passed: ExplainToken[] = [];

  #base(line: RuleLine): { file: string; line: number; text: string } {
    return { file: bytesToText(line.file.name), line: line.line, text: bytesToText(line.text) };
  }

  #takePassed(): ExplainToken[] {
    const p = this.#passed;
    this.#passed = [];
    return p;
  }

  skipped(line: RuleLine): void {
    this.#passed = [];
    this.entries.push({ ...this.#base(line), status: 'skipped' });
  }

  passed(line: RuleLine, token: RuleToken, value: string | undefined, device: string): void {
    void line;
    this.#passed.push(explainToken(token, value, device));
  }

  failed(line: RuleLine, token: RuleToken, value: string | undefined, device: string, parentGroup = false): void {
    this.entries.push({
      ...this.#base(line),
      status: 'failed',
      passed: this.#takePassed(),
      failed: explainToken(token, value, device),
      ...(parentGroup ? { parentGroup } : {}),
    });
  }

  matched(line: RuleLine, jumped: RuleLine | undefined): void {
    this.entries.push({ ...this.#base(line), status: 'matched', passed: this.#takePassed(), ...(jumped ? { jumpedTo: jumped.line } : {}) });
    if (!jumped) return;
    const lines = line.file.lines;
    const to = lines.indexOf(jumped);
    for (let i = lines.indexOf(line) + 1; i < to; i++) this.entries.push({ ...this.#base(lines[i]!), status: 'not-reached', jumpedFrom: line.line });
  }
}

function valueText(v: string | null): string {
  return v === null ? '(none)' : JSON.stringify(v);
}

/** A passed token; one that compared no value (IMPORT, an unset ENV{}=="") shows none. */
function passedText(t: ExplainToken): string {
  return `    ok   ${t.token} on ${t.device}${t.value === null ? '' : `: ${valueText(t.value)}`}\n`;
}

/**
 * Human-readable report: per line `file:line: STATUS  text`, then one indented line per match
 * token that passed ("ok") and the one that failed ("FAIL") with the device and value.
 */
export function formatExplain(entries: readonly ExplainEntry[]): string {
  let out = '';
  for (const e of entries) {
    const where = `${e.file}:${e.line}:`;
    switch (e.status) {
      case 'skipped':
        out += `${where} SKIP   ${e.text}\n    (nothing on this line applies to this device and action)\n`;
        break;
      case 'not-reached':
        out += `${where} ----   ${e.text}\n    (not reached: GOTO on line ${e.jumpedFrom})\n`;
        break;
      case 'failed': {
        out += `${where} FAIL   ${e.text}\n`;
        for (const t of e.passed ?? []) out += passedText(t);
        const f = e.failed!;
        out += e.parentGroup
          ? `    FAIL ${f.token}: no ancestor matched all parent keys (last tried ${f.device}: ${valueText(f.value)})\n`
          : `    FAIL ${f.token} on ${f.device}: ${valueText(f.value)}\n`;
        break;
      }
      case 'matched':
        out += `${where} MATCH  ${e.text}\n`;
        for (const t of e.passed ?? []) out += passedText(t);
        if (e.jumpedTo !== undefined) out += `    GOTO line ${e.jumpedTo}\n`;
        break;
      default: {
        const never: never = e.status;
        return never;
      }
    }
  }
  return out;
}
