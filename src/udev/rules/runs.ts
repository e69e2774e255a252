/**
 * Runs of lines the interpreter may skip at once (no twin in udev-rules.c, which visits every
 * line; the outcome is the same). A line whose first token fails is left without any effect, so
 * when the next lines start with a token that must fail too, they can be stepped over:
 *
 * - `same`: the following lines start with an identical token (same key, attribute, operator
 *   and pattern) over a value that nothing between them can change — ACTION, DEVPATH, KERNEL,
 *   SUBSYSTEM, DRIVER, ENV{} and ATTR{} with a plain attribute name of the event device, and
 *   KERNELS, SUBSYSTEMS, DRIVERS and ATTRS{} with a plain name when the first such token failed
 *   on the device and every ancestor;
 * - `absent`: the following lines start with ENV{NAME}==, ATTR{NAME} or ATTRS{NAME} of the same
 *   name, each of which fails when the property or attribute is absent (on the device and every
 *   ancestor for ATTRS): `==` against patterns that cannot match "" for ENV; any operator for
 *   ATTR, since an unreadable attribute fails either — Debian's 40-usb_modeswitch.rules is 414
 *   lines of `ATTR{idVendor}=="…", ATTR{idProduct}=="…"`.
 *
 * Computed once per compiled file and kept beside it.
 */
import { MatchType, Op, type RuleFile, type RuleLine, type RuleToken, SubstType, TokenType } from './token.js';
import { tokenIdentity } from './token-identity.js';

export interface LineRuns {
  /** For each line: the index after the run of lines whose first token equals this one's. */
  readonly same: Int32Array;
  /** For each line: the index after the run of lines that fail when this one's ENV/ATTR is absent. */
  readonly absent: Int32Array;
}

const cache = new WeakMap<readonly RuleFile[], readonly LineRuns[]>();

/** The runs of each file's lines, in file order (computed on first use, once per rule set). */
export function fileRuns(files: readonly RuleFile[]): readonly LineRuns[] {
  let r = cache.get(files);
  if (r === undefined) {
    r = files.map(({ lines }) => ({ same: runEnds(lines, sameKey), absent: runEnds(lines, absentKey) }));
    cache.set(files, r);
  }
  return r;
}

/** For each line, the end of the run of consecutive lines with the same defined key. */
function runEnds(lines: readonly RuleLine[], key: (t: RuleToken | undefined) => string | undefined): Int32Array {
  const n = lines.length;
  const out = new Int32Array(n);
  let i = 0;
  while (i < n) {
    const k = key(lines[i]!.tokens[0]);
    let j = i + 1;
    if (k !== undefined) while (j < n && key(lines[j]!.tokens[0]) === k) j++;
    for (let x = i; x < j; x++) out[x] = j;
    i = j;
  }
  return out;
}

/**
 * The token types whose value stays the same until a line's assignments run. Unlike the
 * first-token memo (first-token.ts), M_ENV is included: a run of skipped lines runs no
 * assignment, so no property changes inside it.
 */
const SAME_TYPES: ReadonlySet<TokenType> = new Set<TokenType>([
  TokenType.M_ACTION,
  TokenType.M_DEVPATH,
  TokenType.M_KERNEL,
  TokenType.M_SUBSYSTEM,
  TokenType.M_DRIVER,
  TokenType.M_ENV,
  TokenType.M_ATTR,
  TokenType.M_PARENTS_KERNEL,
  TokenType.M_PARENTS_SUBSYSTEM,
  TokenType.M_PARENTS_DRIVER,
  TokenType.M_PARENTS_ATTR,
]);

/** The first tokens whose value stays the same until a line's assignments run. */
function sameKey(t: RuleToken | undefined): string | undefined {
  return tokenIdentity(t, SAME_TYPES);
}

/** First tokens that fail when their property or attribute is absent. */
function absentKey(t: RuleToken | undefined): string | undefined {
  if (t === undefined) return undefined;
  if (t.type === TokenType.M_ATTR && t.attrSubst === SubstType.PLAIN) return `a\0${t.attr}`;
  if (t.type === TokenType.M_PARENTS_ATTR && t.attrSubst === SubstType.PLAIN) return `A\0${t.attr}`;
  // An absent property compares as "": only patterns that cannot match "" fail on it.
  if (t.type === TokenType.M_ENV && t.op === Op.MATCH && t.alternatives.length > 0) {
    if (t.matchType === MatchType.PLAIN || (t.matchType === MatchType.GLOB && !t.globs!.some((g) => g.match('')))) return `e\0${t.attr}`;
  }
  return undefined;
}
