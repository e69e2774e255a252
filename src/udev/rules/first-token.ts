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
import { type RuleToken, TokenType } from './token.js';
import { tokenIdentity } from './token-identity.js';

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

/**
 * The token types whose outcome is fixed for the event (see above). M_ENV is left out on
 * purpose: the rules change properties (runs.ts keeps it, since its runs end at assignments).
 */
const MEMO_TYPES: ReadonlySet<TokenType> = new Set<TokenType>([
  TokenType.M_ACTION,
  TokenType.M_DEVPATH,
  TokenType.M_KERNEL,
  TokenType.M_SUBSYSTEM,
  TokenType.M_DRIVER,
  TokenType.M_ATTR,
  TokenType.M_PARENTS_KERNEL,
  TokenType.M_PARENTS_SUBSYSTEM,
  TokenType.M_PARENTS_DRIVER,
  TokenType.M_PARENTS_ATTR,
]);

/** The memo key of a first token, or undefined when its outcome may change during the event. */
export function firstTokenKey(t: RuleToken | undefined): string | undefined {
  return tokenIdentity(t, MEMO_TYPES);
}

/**
 * Which value a key's outcome depends on. ACTION, SUBSYSTEM, DRIVER, KERNEL and DEVPATH
 * outcomes are a pure function of one string of the event device (a token's pattern against
 * it), so they are kept across events per value (`ValueOutcomes`): a device's next event (bind
 * after add, a change, a trigger) and every device of the same subsystem reuse them. The
 * others (ATTR{}, parent groups) are kept per event.
 */
export const KeyKind = {
  EVENT: 0,
  ACTION: 1,
  SUBSYSTEM: 2,
  DRIVER: 3,
  KERNEL: 4,
  DEVPATH: 5,
} as const;
export type KeyKind = (typeof KeyKind)[keyof typeof KeyKind];

/** The kind of a first token's key (see KeyKind). */
export function keyKindOf(t: RuleToken): KeyKind {
  switch (t.type) {
    case TokenType.M_ACTION:
      return KeyKind.ACTION;
    case TokenType.M_SUBSYSTEM:
      return KeyKind.SUBSYSTEM;
    case TokenType.M_DRIVER:
      return KeyKind.DRIVER;
    case TokenType.M_KERNEL:
      return KeyKind.KERNEL;
    case TokenType.M_DEVPATH:
      return KeyKind.DEVPATH;
    default:
      return KeyKind.EVENT;
  }
}

/** At most this many values per kind are kept; then that kind starts afresh. */
const MAX_VALUES = 64;

/**
 * The outcomes of the ACTION, SUBSYSTEM, DRIVER, KERNEL and DEVPATH keys of one rule set, per value compared
 * (an absent subsystem or driver compares as "", as token_match_string() does), filled as events
 * evaluate them. Only PASS, FAIL and FAIL_ABSENT of a token against the value are stored.
 */
export class ValueOutcomes {
  readonly #byKind: Array<Map<string, Uint8Array>> = [new Map(), new Map(), new Map(), new Map(), new Map(), new Map()];

  constructor(private readonly count: number) {}

  /** The outcomes of `kind` keys for `value`. */
  of(kind: KeyKind, value: string): Uint8Array {
    const m = this.#byKind[kind]!;
    let a = m.get(value);
    if (a === undefined) {
      if (m.size >= MAX_VALUES) m.clear();
      a = new Uint8Array(this.count);
      m.set(value, a);
    }
    return a;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#byKind];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

/** The device values the shared outcomes are looked up by (the event device). */
export interface KeyValues {
  readonly action: string | undefined;
  readonly subsystem: string | undefined;
  readonly driver: string | undefined;
  readonly sysname: string;
  readonly devpath: string;
}

/**
 * The outcomes of one event: EVENT keys per event — per key, the event's epoch times 8 plus the
 * Memo value, so one load answers; the array is reused from event to event (a new epoch
 * forgets the previous outcomes), a nested rules run gets its own — and the other kinds through
 * the rule set's ValueOutcomes, looked up when a line first needs them (reading the device's
 * subsystem or driver then, as the token itself would).
 */
export class FirstTokenMemo {
  readonly #slots: Int32Array;
  #epoch = 0;
  /** The shared outcomes for this event's values, by KeyKind (index 0 unused). */
  readonly #shared: Array<Uint8Array | undefined> = [undefined, undefined, undefined, undefined, undefined, undefined];
  #dev: KeyValues | undefined;
  /** True while a rules run uses this memo. */
  busy = false;

  constructor(
    private readonly kinds: Uint8Array,
    private readonly outcomes: ValueOutcomes,
  ) {
    this.#slots = new Int32Array(kinds.length);
  }

  /** Forget the previous event's outcomes; `dev` is the new event's device. */
  reset(dev: KeyValues): void {
    if (++this.#epoch === 1 << 27) {
      this.#slots.fill(0);
      this.#epoch = 1;
    }
    this.#dev = dev;
    this.#shared.fill(undefined);
  }

  #sharedOf(kind: KeyKind): Uint8Array {
    const dev = this.#dev!;
    let value: string | undefined;
    switch (kind) {
      case KeyKind.ACTION:
        value = dev.action;
        break;
      case KeyKind.SUBSYSTEM:
        value = dev.subsystem;
        break;
      case KeyKind.DRIVER:
        value = dev.driver;
        break;
      case KeyKind.KERNEL:
        value = dev.sysname;
        break;
      default:
        value = dev.devpath;
    }
    return (this.#shared[kind] = this.outcomes.of(kind, value ?? ''));
  }

  get(key: number): Memo {
    const kind = this.kinds[key]! as KeyKind;
    if (kind !== KeyKind.EVENT) return (this.#shared[kind] ?? this.#sharedOf(kind))[key]! as Memo;
    const s = this.#slots[key]!;
    return (s >> 3 === this.#epoch ? s & 7 : Memo.UNKNOWN) as Memo;
  }

  set(key: number, m: Memo): void {
    const kind = this.kinds[key]! as KeyKind;
    if (kind !== KeyKind.EVENT) (this.#shared[kind] ?? this.#sharedOf(kind))[key] = m;
    else this.#slots[key] = (this.#epoch << 3) | m;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#slots, this.#epoch, this.#shared, this.#dev];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#epoch = v[1] as never;
    this.#dev = v[3] as never;
  }
}
