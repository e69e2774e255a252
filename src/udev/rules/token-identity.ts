/**
 * The static identity of a match token (no twin in udev-rules.c): two tokens with the same
 * identity compare the same value against the same pattern, so they have the same outcome while
 * that value stays put. Used by the first-token memo (first-token.ts) and the line runs
 * (runs.ts); each passes its own set of token types whose value it may rely on.
 */
import { type RuleToken, SubstType, TokenType } from './token.js';

/**
 * The identity of `t` (key, attribute, operator, match type, trailing-whitespace flag and
 * pattern), or undefined when `t` is absent, its type is not in `types`, or it is an ATTR{} or
 * ATTRS{} whose attribute name is substituted (its value depends on the event).
 */
export function tokenIdentity(t: RuleToken | undefined, types: ReadonlySet<TokenType>): string | undefined {
  if (t === undefined || !types.has(t.type)) return undefined;
  if ((t.type === TokenType.M_ATTR || t.type === TokenType.M_PARENTS_ATTR) && t.attrSubst !== SubstType.PLAIN) return undefined;
  return `${t.type}\0${t.attr ?? ''}\0${t.op}\0${t.matchType}\0${t.removeTrailingWhitespace ? 1 : 0}\0${t.alternatives.join('\0')}`;
}
