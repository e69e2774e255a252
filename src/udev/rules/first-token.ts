/**
 * First tokens whose outcome is fixed for a whole event (no twin in udev-rules.c, which
 * evaluates every line's tokens again; the outcome is the same). Most lines of a large rule set
 * stop at their first token, and the same first token recurs across files: `ACTION=="remove"`
 * dozens of times, `SUBSYSTEMS=="usb"` in every ModemManager file. When the value a first token
 * compares cannot change while the rules run, its outcome is computed once per event and every
 * later line starting with an identical token reuses it:
 *
 * - ACTION, DEVPATH, KERNEL, SUBSYSTEM and DRIVER of the event device (the device object
 *   caches subsystem and driver once read; a rename happens after the rules);
 * - ATTR{} with a plain name: sd-device caches an attribute once read (udev_rule_apply_token's
 *   ATTR{}= writes the file directly and leaves the cache alone, so a rules run sees one value);
 * - KERNELS, SUBSYSTEMS, DRIVERS and ATTRS{} with a plain name as the first token of a parent
 *   group: only "fails on the device and every ancestor" is kept (the ancestors are the event's
 *   cached device objects). Such a skipped line still resets the selected parent, as the failed
 *   group does (udev_rule_apply_parent_token_to_event sets event->dev_parent to NULL).
 *
 * ENV{} is left out: the rules change properties. Identical means the same key, attribute,
 * operator and pattern; keys are numbered once per compiled rule set.
 */
import { type RuleToken, SubstType, TokenType } from './token.js';

/** What the memo knows about a key in the current event. */
export const Memo = {
  UNKNOWN: 0,
  /** The token passed on the event device: the line goes on with its second token. */
  PASS: 1,
  /** Failed (for a parent group: on the device and every ancestor). */
  FAIL: 2,
  /** Failed because the attribute is absent (everywhere, for ATTRS{}). */
  FAIL_ABSENT: 3,
  /** A parent group's first token that passed somewhere: evaluate the line. */
  EVALUATE: 4,
} as const;
export type Memo = (typeof Memo)[keyof typeof Memo];

/** The memo key of a first token, or undefined when its outcome may change during the event. */
export function firstTokenKey(t: RuleToken | undefined): string | undefined {
  if (t === undefined) return undefined;
  switch (t.type) {
    case TokenType.M_ACTION:
    case TokenType.M_DEVPATH:
    case TokenType.M_KERNEL:
    case TokenType.M_SUBSYSTEM:
    case TokenType.M_DRIVER:
    case TokenType.M_PARENTS_KERNEL:
    case TokenType.M_PARENTS_SUBSYSTEM:
    case TokenType.M_PARENTS_DRIVER:
      break;
    case TokenType.M_ATTR:
    case TokenType.M_PARENTS_ATTR:
      if (t.attrSubst !== SubstType.PLAIN) return undefined;
      break;
    default:
      return undefined;
  }
  return `${t.type}\0${t.attr ?? ''}\0${t.op}\0${t.matchType}\0${t.removeTrailingWhitespace ? 1 : 0}\0${t.alternatives.join('\0')}`;
}

/**
 * The outcomes of one event: per key, the event's epoch times 8 plus the Memo value, so one load
 * answers. The array is reused from event to event (a new epoch forgets the previous outcomes);
 * a nested rules run gets its own.
 */
export class FirstTokenMemo {
  readonly #slots: Int32Array;
  #epoch = 0;
  /** True while a rules run uses this memo. */
  busy = false;

  constructor(count: number) {
    this.#slots = new Int32Array(count);
  }

  /** Forget the previous event's outcomes. */
  reset(): void {
    if (++this.#epoch === 1 << 27) {
      this.#slots.fill(0);
      this.#epoch = 1;
    }
  }

  get(key: number): Memo {
    const s = this.#slots[key]!;
    return (s >> 3 === this.#epoch ? s & 7 : Memo.UNKNOWN) as Memo;
  }

  set(key: number, m: Memo): void {
    this.#slots[key] = (this.#epoch << 3) | m;
  }
}
