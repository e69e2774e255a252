/**
 * The rules compiler (parse side of udev-rules.c): scans KEY{ATTR}OP"VALUE" tokens (plain and
 * e"" values), validates every key with its operators and attribute rules exactly as 252's
 * parse_token() does, normalises doubtful operators with a warning, checks substitutions
 * strictly, resolves OWNER/GROUP names, sets line flags, sorts tokens by type, resolves
 * GOTO/LABEL per file and orders files by base name. It reports every message 252 logs, with
 * the same level, file and line. One cohesive engine, like its twin, hence its size.
 */
import { debianPasswd, type PasswdDatabase } from '../../base/index.js';
import { canonicalString, inputToBytes } from '../bytes.js';
import { type Diagnostic, plainDiagnostic, ruleDiagnostic, ruleDiagnosticColon, type LogLevel, strerrorName } from '../diagnostics.js';
import { parseModeErrno, parseUid, safeAtoiErrno } from '../udev-util.js';
import { cunescape } from './escape.js';
import { compileGlob, stringIsGlob } from './fnmatch.js';
import { checkFormat, compileFormat, type CompiledFormat } from './format.js';
import { isWhitespace, splitRulesFile } from './lexer.js';
import {
  type BuiltinId,
  builtinNames,
  FIRST_ASSIGN_TYPE,
  LineFlag,
  MatchType,
  Op,
  type RuleFile,
  type RuleLine,
  type RuleToken,
  SubstType,
  TokenType,
} from './token.js';

/** A rules file to compile: a name (file name or path) and its contents. */
export interface RulesFileInput {
  readonly name: string;
  readonly text: string | Uint8Array;
}

/** When OWNER/GROUP names are resolved (udevadm --resolve-names). */
export type ResolveNames = 'early' | 'late' | 'never';

export interface CompileOptions {
  /** Default 'early', as udevd and udevadm test. */
  readonly resolveNames?: ResolveNames;
  /** Users and groups for OWNER/GROUP (default: Debian bookworm's). */
  readonly passwd?: PasswdDatabase;
}

/** Rules compiled once, reusable for any number of events. */
export interface CompiledRules {
  /** Files in processing order (byte order of base names). */
  readonly files: readonly RuleFile[];
  /** Everything 252 logs while loading the rules, in order. */
  readonly diagnostics: readonly Diagnostic[];
  readonly resolveNames: ResolveNames;
  readonly passwd: PasswdDatabase;
}

/** Sentinel numbers in RuleToken.num. */
export const MODE_INVALID = -1;
export const ID_INVALID = -1;

/** ENV keys that ENV{}= may not set. */
const protectedEnvKeys = new Set([
  'ACTION',
  'DEVLINKS',
  'DEVNAME',
  'DEVPATH',
  'DEVTYPE',
  'DRIVER',
  'IFINDEX',
  'MAJOR',
  'MINOR',
  'SEQNUM',
  'SUBSYSTEM',
  'TAGS',
]);

/** Log levels by name or number (log_level_from_string with numeric fallback). */
const logLevelNames: Readonly<Record<string, number>> = {
  emerg: 0, // LOG_EMERG
  alert: 1, // LOG_ALERT
  crit: 2, // LOG_CRIT
  err: 3, // LOG_ERR
  warning: 4, // LOG_WARNING
  notice: 5, // LOG_NOTICE
  info: 6, // LOG_INFO
  debug: 7, // LOG_DEBUG
};

/** udev_builtin_lookup(): prefix match of the value's first word against the builtin names. */
export function lookupBuiltin(command: string): BuiltinId | undefined {
  let i = 0;
  while (i < command.length && isWhitespace(command.charCodeAt(i))) i++;
  let j = i;
  while (j < command.length && !isWhitespace(command.charCodeAt(j))) j++;
  const word = command.slice(i, j);
  for (let b = 0; b < builtinNames.length; b++) {
    const name = builtinNames[b]!;
    // strneq(name, word, n): the first n bytes of both, where name's NUL counts.
    if (word.length <= name.length ? name.startsWith(word) : false) return b as BuiltinId;
  }
  return undefined;
}

/** A token scanned from a line, before validation. */
interface Scanned {
  readonly key: string;
  readonly attr: string | undefined;
  readonly op: Op;
  readonly value: string;
  readonly next: number;
}

/** parse_operator(): recognised in this order. */
function parseOperator(s: string, i: number): Op | undefined {
  const a = s[i];
  const b = s[i + 1];
  if (a === '=' && b === '=') return Op.MATCH;
  if (a === '!' && b === '=') return Op.NOMATCH;
  if (a === '+' && b === '=') return Op.ADD;
  if (a === '-' && b === '=') return Op.REMOVE;
  if (a === '=') return Op.ASSIGN;
  if (a === ':' && b === '=') return Op.ASSIGN_FINAL;
  return undefined;
}

/**
 * udev_rule_parse_value(): a value must start with `"` or `e"`. Plain values turn `\"` into
 * `"` and keep every other backslash; e"" values are C-unescaped.
 */
function parseValue(s: string, start: number): { value: string; next: number } | undefined {
  let i = start;
  const escaped = s[i] === 'e';
  if (escaped) i++;
  if (s[i] !== '"') return undefined;
  if (!escaped) {
    let out = '';
    for (i = i + 1; ; i++) {
      if (i >= s.length) return undefined;
      const c = s[i];
      if (c === '"') break;
      if (c === '\\' && s[i + 1] === '"') i++;
      out += s[i];
    }
    return { value: out, next: i + 1 };
  }
  const begin = i + 1;
  for (i = begin; ; i++) {
    if (i >= s.length) return undefined;
    if (s[i] === '"') break;
    if (s[i] === '\\') i++;
    if (i >= s.length) return undefined;
  }
  const raw = s.slice(begin, i);
  const value = cunescape(raw);
  if (value === undefined) return undefined;
  return { value, next: i + 1 };
}

/** parse_line(): the next token, null at end of line, undefined on a syntax error. */
function scanToken(s: string, pos: number): Scanned | null | undefined {
  let i = pos;
  while (i < s.length && (isWhitespace(s.charCodeAt(i)) || s[i] === ',')) i++;
  if (i >= s.length) return null;
  const keyBegin = i;
  let keyEnd = i;
  for (; ; keyEnd++) {
    if (keyEnd >= s.length) return undefined;
    const c = s[keyEnd]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '=' || c === '{') break;
    if ((c === '+' || c === '-' || c === '!' || c === ':') && s[keyEnd + 1] === '=') break;
  }
  let attr: string | undefined;
  let t: number;
  if (s[keyEnd] === '{') {
    const close = s.indexOf('}', keyEnd + 1);
    if (close < 0) return undefined;
    attr = s.slice(keyEnd + 1, close);
    t = close + 1;
  } else t = keyEnd;
  while (t < s.length && isWhitespace(s.charCodeAt(t))) t++;
  const op = parseOperator(s, t);
  if (op === undefined) return undefined;
  t += op === Op.ASSIGN ? 1 : 2;
  while (t < s.length && isWhitespace(s.charCodeAt(t))) t++;
  const v = parseValue(s, t);
  if (!v) return undefined;
  return { key: s.slice(keyBegin, keyEnd), attr, op, value: v.value, next: v.next };
}

/** isspace() in the C locale. */
function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function substTypeOf(s: string): SubstType {
  if (s.charCodeAt(0) === 91 /* [ */) return SubstType.SUBSYS;
  if (s.includes('%') || s.includes('$')) return SubstType.FORMAT;
  return SubstType.PLAIN;
}

/** Tokens whose value is substituted at event time. */
function valueIsFormatted(t: TokenType): boolean {
  switch (t) {
    case TokenType.M_TEST:
    case TokenType.M_PROGRAM:
    case TokenType.M_IMPORT_FILE:
    case TokenType.M_IMPORT_PROGRAM:
    case TokenType.M_IMPORT_BUILTIN:
    case TokenType.M_IMPORT_PARENT:
    case TokenType.A_OWNER:
    case TokenType.A_GROUP:
    case TokenType.A_MODE:
    case TokenType.A_TAG:
    case TokenType.A_SECLABEL:
    case TokenType.A_ENV:
    case TokenType.A_NAME:
    case TokenType.A_DEVLINK:
    case TokenType.A_ATTR:
    case TokenType.A_SYSCTL:
    case TokenType.A_RUN_BUILTIN:
    case TokenType.A_RUN_PROGRAM:
      return true;
    default:
      return false;
  }
}

/** Compiles one file; `emit` receives its messages in order. */
class FileCompiler {
  readonly file: RuleFile;
  #line: RuleLine | undefined;
  /** The operator of the token being parsed, before any normalisation. */
  #writtenOp: Op = Op.MATCH;

  constructor(
    path: string,
    name: string,
    private readonly opts: { resolveNames: ResolveNames; passwd: PasswdDatabase },
    private readonly emit: (d: Diagnostic) => void,
    private readonly formats: Map<string, CompiledFormat>,
  ) {
    this.file = { path, name, lines: [] };
  }

  /** The token being parsed: offset and length in the logical line, and the line's indent (for Diagnostic.col). */
  #span: { offset: number; length: number; indent: number } | undefined;

  #log(level: LogLevel, message: string): void {
    const s = this.#span;
    this.emit(ruleDiagnostic(level, this.file.path, this.#line!.line, message, s ? { col: s.indent + s.offset + 1, length: s.length } : undefined));
  }

  #format(s: string): CompiledFormat {
    let f = this.formats.get(s);
    if (!f) {
      f = compileFormat(s);
      this.formats.set(s, f);
    }
    return f;
  }

  /** rule_add_line() */
  addLine(text: string, lineNr: number, indent = 0): void {
    const line: RuleLine = {
      file: this.file,
      line: lineNr,
      text,
      flags: 0,
      label: undefined,
      gotoLabel: undefined,
      gotoLine: undefined,
      gotoIndex: -1,
      tokens: [],
    };
    this.#line = line;
    for (let p = 0; p < text.length;) {
      const tok = scanToken(text, p);
      // The token's position: from its first character (separators skipped) to the scan's end.
      let start = p;
      while (start < text.length && (isWhitespace(text.charCodeAt(start)) || text[start] === ',')) start++;
      if (tok === undefined) {
        this.#span = { offset: start, length: Math.max(1, text.length - start), indent };
        this.#log('error', 'Invalid key/value pair, ignoring.');
        this.#span = undefined;
        return;
      }
      if (tok === null) break;
      this.#span = { offset: start, length: tok.next - start, indent };
      p = tok.next;
      const ok = this.#parseToken(line, tok.key, tok.attr, tok.op, tok.value);
      this.#span = undefined;
      if (!ok) return;
    }
    if (line.flags === 0) {
      this.#log('warning', 'The line takes no effect, ignoring.');
      return;
    }
    // Stable sort by type (252's selection sort keeps textual order among equal types).
    line.tokens = line.tokens
      .map((t, i) => [t, i] as const)
      .sort((a, b) => a[0].type - b[0].type || a[1] - b[1])
      .map(([t]) => t);
    this.file.lines.push(line);
  }

  #invalidOp(key: string): false {
    this.#log('error', `Invalid operator for ${key}.`);
    return false;
  }

  #invalidAttr(key: string): false {
    this.#log('error', `Invalid attribute for ${key}.`);
    return false;
  }

  /** check_value_format_and_warn() */
  #checkValue(key: string, value: string, nonempty: boolean): void {
    if (nonempty && value.length === 0) {
      this.#log('error', `Invalid value "${value}" for ${key} (char 0: empty value), ignoring.`);
      return;
    }
    const bad = checkFormat(value);
    if (bad) this.#log('error', `Invalid value "${value}" for ${key} (char ${bad.offset + 1}: ${bad.hint}), ignoring.`);
  }

  /** check_attr_format_and_warn(): false (line dropped) for a missing attribute. */
  #checkAttr(key: string, attr: string | undefined): boolean {
    if (attr === undefined || attr.length === 0) return this.#invalidAttr(key);
    const bad = checkFormat(attr);
    if (bad) this.#log('error', `Invalid attribute "${attr}" for ${key} (char ${bad.offset + 1}: ${bad.hint}), ignoring.`);
    return true;
  }

  /** rule_line_add_token() */
  #add(line: RuleLine, type: TokenType, op: Op, key: string, attr: string | undefined, value: string, num = 0): void {
    let matchType: MatchType = MatchType.PLAIN;
    let alternatives: string[] = [];
    let globs: ReturnType<typeof compileGlob>[] | undefined;
    let removeTrailingWhitespace = false;
    let attrSubst: SubstType = SubstType.PLAIN;
    if (type < FIRST_ASSIGN_TYPE) {
      if (type === TokenType.M_SUBSYSTEM && (value === 'subsystem' || value === 'bus' || value === 'class')) matchType = MatchType.SUBSYSTEM;
      else if (value.length === 0) matchType = MatchType.EMPTY;
      else if (value === '?*') {
        // KEY=="?*" is KEY!="" (and != becomes ==).
        matchType = MatchType.EMPTY;
        op = op === Op.MATCH ? Op.NOMATCH : Op.MATCH;
      } else if (stringIsGlob(value)) matchType = MatchType.GLOB;
      else matchType = MatchType.PLAIN;
      if (type < TokenType.M_TEST || type === TokenType.M_RESULT) {
        // Split at '|'; an empty alternative (leading, trailing or doubled '|') matches empty.
        let bar = true;
        let empty = false;
        let cur = '';
        for (let i = 0; i < value.length; i++) {
          const c = value[i];
          if (c !== '|') {
            cur += c;
            bar = false;
          } else {
            if (bar) empty = true;
            else {
              alternatives.push(cur);
              cur = '';
            }
            bar = true;
          }
        }
        if (!bar) alternatives.push(cur);
        alternatives = alternatives.map(canonicalString);
        if (bar) empty = true;
        if (empty) {
          if (matchType === MatchType.GLOB) matchType = MatchType.GLOB_WITH_EMPTY;
          if (matchType === MatchType.PLAIN) matchType = MatchType.PLAIN_WITH_EMPTY;
        }
        if (matchType === MatchType.GLOB || matchType === MatchType.GLOB_WITH_EMPTY) globs = alternatives.map(compileGlob);
      } else alternatives = [canonicalString(value)];
    }
    if (type === TokenType.M_ATTR || type === TokenType.M_PARENTS_ATTR) {
      removeTrailingWhitespace = value.length > 0 && !isCSpace(value.charCodeAt(value.length - 1));
      attrSubst = substTypeOf(attr ?? '');
    }
    let attrFormat: CompiledFormat | undefined;
    if ((type === TokenType.M_ATTR || type === TokenType.M_PARENTS_ATTR) && attrSubst === SubstType.FORMAT && attr !== undefined)
      attrFormat = this.#format(attr);
    if ((type === TokenType.M_SYSCTL || type === TokenType.A_SYSCTL) && attr !== undefined) attrFormat = this.#format(attr);
    const token: RuleToken = {
      type,
      op,
      writtenOp: this.#writtenOp,
      key,
      // Canonical: the attribute is a property name looked up in every event (ENV{}, IMPORT{db}).
      attr: attr === undefined ? undefined : canonicalString(attr),
      value: type === TokenType.M_IMPORT_DB || type === TokenType.M_IMPORT_CMDLINE ? canonicalString(value) : value,
      matchType,
      alternatives,
      globs,
      attrSubst,
      removeTrailingWhitespace,
      valueFormat: valueIsFormatted(type) ? this.#format(value) : undefined,
      attrFormat,
      num,
    };
    line.tokens.push(token);
    if (type === TokenType.A_NAME) line.flags |= LineFlag.HAS_NAME;
    else if (
      type === TokenType.A_DEVLINK ||
      type === TokenType.A_OWNER ||
      type === TokenType.A_GROUP ||
      type === TokenType.A_MODE ||
      type === TokenType.A_OWNER_ID ||
      type === TokenType.A_GROUP_ID ||
      type === TokenType.A_MODE_ID
    )
      line.flags |= LineFlag.HAS_DEVLINK;
    else if (type === TokenType.A_OPTIONS_STATIC_NODE) line.flags |= LineFlag.HAS_STATIC_NODE;
    else if (
      type >= FIRST_ASSIGN_TYPE ||
      type === TokenType.M_PROGRAM ||
      type === TokenType.M_IMPORT_FILE ||
      type === TokenType.M_IMPORT_PROGRAM ||
      type === TokenType.M_IMPORT_BUILTIN ||
      type === TokenType.M_IMPORT_DB ||
      type === TokenType.M_IMPORT_CMDLINE ||
      type === TokenType.M_IMPORT_PARENT
    )
      line.flags |= LineFlag.UPDATE_SOMETHING;
  }

  /** A match-only key without attribute: ACTION, DEVPATH, KERNEL, DRIVER, KERNELS, … */
  #simpleMatch(line: RuleLine, type: TokenType, key: string, attr: string | undefined, op: Op, value: string): boolean {
    if (attr !== undefined) return this.#invalidAttr(key);
    if (op !== Op.MATCH && op !== Op.NOMATCH) return this.#invalidOp(key);
    this.#add(line, type, op, key, attr, value);
    return true;
  }

  #resolveUser(name: string): number {
    if (name === 'root') return 0;
    const u = this.opts.passwd.userByName(name);
    if (u) return u.uid;
    if (name === 'nobody') return 65534;
    this.#log('error', `Unknown user '${name}', ignoring`);
    return ID_INVALID;
  }

  #resolveGroup(name: string): number {
    if (name === 'root') return 0;
    const g = this.opts.passwd.groupByName(name);
    if (g) return g.gid;
    if (name === 'nobody' || name === 'nogroup') return 65534;
    this.#log('error', `Unknown group '${name}', ignoring`);
    return ID_INVALID;
  }

  /** parse_token(): false when the line must be dropped. */
  #parseToken(line: RuleLine, key: string, attr: string | undefined, op: Op, value: string): boolean {
    this.#writtenOp = op;
    const isMatch = op === Op.MATCH || op === Op.NOMATCH;
    switch (key) {
      case 'ACTION':
        return this.#simpleMatch(line, TokenType.M_ACTION, key, attr, op, value);
      case 'DEVPATH':
        return this.#simpleMatch(line, TokenType.M_DEVPATH, key, attr, op, value);
      case 'KERNEL':
        return this.#simpleMatch(line, TokenType.M_KERNEL, key, attr, op, value);
      case 'SYMLINK':
        if (attr !== undefined) return this.#invalidAttr(key);
        if (op === Op.REMOVE) return this.#invalidOp(key);
        if (!isMatch) {
          this.#checkValue(key, value, false);
          this.#add(line, TokenType.A_DEVLINK, op, key, attr, value);
        } else this.#add(line, TokenType.M_DEVLINK, op, key, attr, value);
        return true;
      case 'NAME':
        if (attr !== undefined) return this.#invalidAttr(key);
        if (op === Op.REMOVE) return this.#invalidOp(key);
        if (op === Op.ADD) {
          this.#log('warning', `${key} key takes '==', '!=', '=', or ':=' operator, assuming '='.`);
          op = Op.ASSIGN;
        }
        if (!isMatch) {
          if (value === '%k') {
            this.#log('error', 'Ignoring NAME="%k", as it will take no effect.');
            return false;
          }
          if (value.length === 0) {
            this.#log('error', 'Ignoring NAME="", as udev will not delete any network interfaces.');
            return false;
          }
          this.#checkValue(key, value, false);
          this.#add(line, TokenType.A_NAME, op, key, attr, value);
        } else this.#add(line, TokenType.M_NAME, op, key, attr, value);
        return true;
      case 'ENV':
        if (attr === undefined || attr.length === 0) return this.#invalidAttr(key);
        if (op === Op.REMOVE) return this.#invalidOp(key);
        if (op === Op.ASSIGN_FINAL) {
          this.#log('warning', `${key} key takes '==', '!=', '=', or '+=' operator, assuming '='.`);
          op = Op.ASSIGN;
        }
        if (!isMatch) {
          if (protectedEnvKeys.has(attr)) {
            this.#log('error', `Invalid ENV attribute. '${attr}' cannot be set.`);
            return false;
          }
          this.#checkValue(key, value, false);
          this.#add(line, TokenType.A_ENV, op, key, attr, value);
        } else this.#add(line, TokenType.M_ENV, op, key, attr, value);
        return true;
      case 'CONST':
        if (attr === undefined || (attr !== 'arch' && attr !== 'virt')) return this.#invalidAttr(key);
        if (!isMatch) return this.#invalidOp(key);
        this.#add(line, TokenType.M_CONST, op, key, attr, value);
        return true;
      case 'TAG':
        if (attr !== undefined) return this.#invalidAttr(key);
        if (op === Op.ASSIGN_FINAL) {
          this.#log('warning', `${key} key takes '==', '!=', '=', or '+=' operator, assuming '='.`);
          op = Op.ASSIGN;
        }
        if (!isMatch) {
          this.#checkValue(key, value, true);
          this.#add(line, TokenType.A_TAG, op, key, attr, value);
        } else this.#add(line, TokenType.M_TAG, op, key, attr, value);
        return true;
      case 'SUBSYSTEM':
        if (attr !== undefined) return this.#invalidAttr(key);
        if (!isMatch) return this.#invalidOp(key);
        if (value === 'bus' || value === 'class') this.#log('warning', `"${value}" must be specified as "subsystem".`);
        this.#add(line, TokenType.M_SUBSYSTEM, op, key, attr, value);
        return true;
      case 'DRIVER':
        return this.#simpleMatch(line, TokenType.M_DRIVER, key, attr, op, value);
      case 'ATTR':
      case 'SYSCTL': {
        if (!this.#checkAttr(key, attr)) return false;
        if (op === Op.REMOVE) return this.#invalidOp(key);
        if (op === Op.ADD || op === Op.ASSIGN_FINAL) {
          this.#log('warning', `${key} key takes '==', '!=', or '=' operator, assuming '='.`);
          op = Op.ASSIGN;
        }
        const assign = key === 'ATTR' ? TokenType.A_ATTR : TokenType.A_SYSCTL;
        const match = key === 'ATTR' ? TokenType.M_ATTR : TokenType.M_SYSCTL;
        if (!isMatch) {
          this.#checkValue(key, value, false);
          this.#add(line, assign, op, key, attr, value);
        } else this.#add(line, match, op, key, attr, value);
        return true;
      }
      case 'KERNELS':
        return this.#simpleMatch(line, TokenType.M_PARENTS_KERNEL, key, attr, op, value);
      case 'SUBSYSTEMS':
        return this.#simpleMatch(line, TokenType.M_PARENTS_SUBSYSTEM, key, attr, op, value);
      case 'DRIVERS':
        return this.#simpleMatch(line, TokenType.M_PARENTS_DRIVER, key, attr, op, value);
      case 'ATTRS':
        if (!this.#checkAttr(key, attr)) return false;
        if (!isMatch) return this.#invalidOp(key);
        if (attr!.startsWith('device/')) this.#log('warning', "'device' link may not be available in future kernels.");
        if (attr!.includes('../')) this.#log('warning', 'Direct reference to parent sysfs directory, may break in future kernels.');
        this.#add(line, TokenType.M_PARENTS_ATTR, op, key, attr, value);
        return true;
      case 'TAGS':
        return this.#simpleMatch(line, TokenType.M_PARENTS_TAG, key, attr, op, value);
      case 'TEST': {
        let mode = MODE_INVALID;
        if (attr !== undefined && attr.length > 0) {
          const m = parseModeErrno(attr);
          if (typeof m === 'string') {
            this.#log('error', `Failed to parse mode '${attr}': ${strerrorName(m)}`);
            return false;
          }
          mode = m;
        }
        this.#checkValue(key, value, true);
        if (!isMatch) return this.#invalidOp(key);
        this.#add(line, TokenType.M_TEST, op, key, attr, value, mode);
        return true;
      }
      case 'PROGRAM':
        if (attr !== undefined) return this.#invalidAttr(key);
        this.#checkValue(key, value, true);
        if (op === Op.REMOVE) return this.#invalidOp(key);
        if (!isMatch) op = Op.MATCH;
        this.#add(line, TokenType.M_PROGRAM, op, key, attr, value);
        return true;
      case 'IMPORT': {
        if (attr === undefined || attr.length === 0) return this.#invalidAttr(key);
        this.#checkValue(key, value, true);
        if (op === Op.REMOVE) return this.#invalidOp(key);
        if (!isMatch) op = Op.MATCH;
        switch (attr) {
          case 'file':
            this.#add(line, TokenType.M_IMPORT_FILE, op, key, attr, value);
            return true;
          case 'program': {
            const b = lookupBuiltin(value);
            if (b !== undefined) {
              this.#log('debug', `Found builtin command '${value}' for ${key}, replacing attribute`);
              this.#add(line, TokenType.M_IMPORT_BUILTIN, op, key, attr, value, b);
            } else this.#add(line, TokenType.M_IMPORT_PROGRAM, op, key, attr, value);
            return true;
          }
          case 'builtin': {
            const b = lookupBuiltin(value);
            if (b === undefined) {
              this.#log('error', `Unknown builtin command: ${value}`);
              return false;
            }
            this.#add(line, TokenType.M_IMPORT_BUILTIN, op, key, attr, value, b);
            return true;
          }
          case 'db':
            this.#add(line, TokenType.M_IMPORT_DB, op, key, attr, value);
            return true;
          case 'cmdline':
            this.#add(line, TokenType.M_IMPORT_CMDLINE, op, key, attr, value);
            return true;
          case 'parent':
            this.#add(line, TokenType.M_IMPORT_PARENT, op, key, attr, value);
            return true;
          default:
            return this.#invalidAttr(key);
        }
      }
      case 'RESULT':
        return this.#simpleMatch(line, TokenType.M_RESULT, key, attr, op, value);
      case 'OPTIONS':
        return this.#parseOptions(line, key, attr, op, value);
      case 'OWNER':
      case 'GROUP': {
        if (attr !== undefined) return this.#invalidAttr(key);
        if (isMatch || op === Op.REMOVE) return this.#invalidOp(key);
        if (op === Op.ADD) {
          this.#log('warning', `${key} key takes '=' or ':=' operator, assuming '='.`);
          op = Op.ASSIGN;
        }
        const isOwner = key === 'OWNER';
        const numeric = parseUid(value);
        if (numeric !== undefined) {
          this.#add(line, isOwner ? TokenType.A_OWNER_ID : TokenType.A_GROUP_ID, op, key, attr, value, numeric);
        } else if (this.opts.resolveNames === 'early' && substTypeOf(value) === SubstType.PLAIN) {
          const id = isOwner ? this.#resolveUser(value) : this.#resolveGroup(value);
          this.#add(line, isOwner ? TokenType.A_OWNER_ID : TokenType.A_GROUP_ID, op, key, attr, value, id);
        } else if (this.opts.resolveNames !== 'never') {
          this.#checkValue(key, value, true);
          this.#add(line, isOwner ? TokenType.A_OWNER : TokenType.A_GROUP, op, key, attr, value);
        } else {
          this.#log(
            'debug',
            isOwner ? `User name resolution is disabled, ignoring ${key}=${value}` : `Resolving group name is disabled, ignoring GROUP="${value}"`,
          );
        }
        return true;
      }
      case 'MODE': {
        if (attr !== undefined) return this.#invalidAttr(key);
        if (isMatch || op === Op.REMOVE) return this.#invalidOp(key);
        if (op === Op.ADD) {
          this.#log('warning', `${key} key takes '=' or ':=' operator, assuming '='.`);
          op = Op.ASSIGN;
        }
        const m = parseModeErrno(value);
        if (typeof m === 'number') this.#add(line, TokenType.A_MODE_ID, op, key, attr, value, m);
        else {
          this.#checkValue(key, value, true);
          this.#add(line, TokenType.A_MODE, op, key, attr, value);
        }
        return true;
      }
      case 'SECLABEL':
        if (attr === undefined || attr.length === 0) return this.#invalidAttr(key);
        this.#checkValue(key, value, true);
        if (isMatch || op === Op.REMOVE) return this.#invalidOp(key);
        if (op === Op.ASSIGN_FINAL) {
          this.#log('warning', `${key} key takes '=' or '+=' operator, assuming '='.`);
          op = Op.ASSIGN;
        }
        this.#add(line, TokenType.A_SECLABEL, op, key, attr, value);
        return true;
      case 'RUN':
        if (isMatch || op === Op.REMOVE) return this.#invalidOp(key);
        this.#checkValue(key, value, true);
        if (attr === undefined || attr === 'program') {
          this.#add(line, TokenType.A_RUN_PROGRAM, op, key, attr, value);
          return true;
        }
        if (attr === 'builtin') {
          const b = lookupBuiltin(value);
          if (b === undefined) {
            this.#log('error', `Unknown builtin command '${value}', ignoring`);
            return false;
          }
          this.#add(line, TokenType.A_RUN_BUILTIN, op, key, attr, value, b);
          return true;
        }
        return this.#invalidAttr(key);
      case 'GOTO':
        if (attr !== undefined) return this.#invalidAttr(key);
        if (op !== Op.ASSIGN) return this.#invalidOp(key);
        if (line.flags & LineFlag.HAS_GOTO) {
          this.#log('warning', `Contains multiple GOTO keys, ignoring GOTO="${value}".`);
          return true;
        }
        line.gotoLabel = value;
        line.flags |= LineFlag.HAS_GOTO;
        return true;
      case 'LABEL':
        if (attr !== undefined) return this.#invalidAttr(key);
        if (op !== Op.ASSIGN) return this.#invalidOp(key);
        line.label = value;
        line.flags |= LineFlag.HAS_LABEL;
        return true;
      default:
        this.#log('error', `Invalid key '${key}'`);
        return false;
    }
  }

  #parseOptions(line: RuleLine, key: string, attr: string | undefined, op: Op, value: string): boolean {
    if (attr !== undefined) return this.#invalidAttr(key);
    if (op === Op.MATCH || op === Op.NOMATCH || op === Op.REMOVE) return this.#invalidOp(key);
    if (op === Op.ADD) op = Op.ASSIGN;
    if (value === 'string_escape=none') this.#add(line, TokenType.A_OPTIONS_STRING_ESCAPE_NONE, op, key, attr, value);
    else if (value === 'string_escape=replace') this.#add(line, TokenType.A_OPTIONS_STRING_ESCAPE_REPLACE, op, key, attr, value);
    else if (value === 'db_persist') this.#add(line, TokenType.A_OPTIONS_DB_PERSIST, op, key, attr, value);
    else if (value === 'watch') this.#add(line, TokenType.A_OPTIONS_INOTIFY_WATCH, op, key, attr, value, 1);
    else if (value === 'nowatch') this.#add(line, TokenType.A_OPTIONS_INOTIFY_WATCH, op, key, attr, value, 0);
    else if (value.startsWith('static_node=')) this.#add(line, TokenType.A_OPTIONS_STATIC_NODE, op, key, attr, value.slice('static_node='.length));
    else if (value.startsWith('link_priority=')) {
      const tmp = value.slice('link_priority='.length);
      const prio = safeAtoiErrno(tmp);
      if (typeof prio === 'string') {
        this.#log('error', `Failed to parse link priority '${tmp}': ${strerrorName(prio)}`);
        return false;
      }
      this.#add(line, TokenType.A_OPTIONS_DEVLINK_PRIORITY, op, key, attr, value, prio);
    } else if (value.startsWith('log_level=')) {
      const tmp = value.slice('log_level='.length);
      let level: number;
      if (tmp === 'reset') level = -1;
      else {
        const byName = logLevelNames[tmp];
        const byNum = parseUid(tmp);
        if (byName !== undefined) level = byName;
        else if (byNum !== undefined && byNum <= 7) level = byNum;
        else {
          this.#log('error', `Failed to parse log level '${tmp}': Invalid argument`);
          return false;
        }
      }
      this.#add(line, TokenType.A_OPTIONS_LOG_LEVEL, op, key, attr, value, level);
    } else this.#log('warning', `Invalid value for OPTIONS key, ignoring: '${value}'`);
    return true;
  }

  /** rule_resolve_goto(): link every GOTO to the first later line with that LABEL. */
  resolveGotos(): void {
    const lines = this.file.lines;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (!(line.flags & LineFlag.HAS_GOTO)) continue;
      for (let j = i + 1; j < lines.length; j++) {
        if (lines[j]!.label === line.gotoLabel) {
          line.gotoLine = lines[j];
          break;
        }
      }
      if (line.gotoLine) continue;
      this.emit(ruleDiagnosticColon('error', this.file.path, line.line, `GOTO="${line.gotoLabel}" has no matching label, ignoring`));
      line.flags &= ~LineFlag.HAS_GOTO;
      line.gotoLabel = undefined;
      if ((line.flags & ~LineFlag.HAS_LABEL) === 0) {
        this.emit(ruleDiagnosticColon('notice', this.file.path, line.line, 'The line takes no effect any more, dropping'));
        if (line.flags === LineFlag.HAS_LABEL) line.tokens = [];
        else {
          lines.splice(i, 1);
          i--;
        }
      }
    }
    for (const line of lines) line.gotoIndex = line.gotoLine ? lines.indexOf(line.gotoLine) : -1;
  }
}

function baseNameOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

/** strcmp() order of byte strings. */
function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compile rules files: the same base name twice keeps the first (as a higher-priority rules
 * directory does), files are processed in strcmp order of their base names, empty files are
 * skipped, a physical line over 16 KiB drops the rest of its file.
 */
export function compileRules(inputs: readonly RulesFileInput[], options: CompileOptions = {}): CompiledRules {
  const resolveNames = options.resolveNames ?? 'early';
  const passwd = options.passwd ?? debianPasswd();
  const diagnostics: Diagnostic[] = [];
  const emit = (d: Diagnostic): void => void diagnostics.push(d);
  const seen = new Map<string, { path: string; bytes: string }>();
  for (const input of inputs) {
    const path = inputToBytes(input.name);
    const name = baseNameOf(path);
    if (seen.has(name)) continue;
    seen.set(name, { path, bytes: inputToBytes(input.text) });
  }
  const ordered = [...seen.entries()].sort((a, b) => byteCompare(a[0], b[0]));
  const files: RuleFile[] = [];
  const formats = new Map<string, CompiledFormat>();
  for (const [name, { path, bytes }] of ordered) {
    if (bytes.length === 0) {
      emit(plainDiagnostic('debug', `Skipping empty file: ${path}`));
      continue;
    }
    emit(plainDiagnostic('debug', `Reading rules file: ${path}`));
    const fc = new FileCompiler(path, name, { resolveNames, passwd }, emit, formats);
    const lex = splitRulesFile(bytes);
    for (const item of lex.items) {
      if ('text' in item) fc.addLine(item.text, item.line, item.indent);
      else if (item.kind === 'line-too-long') emit(ruleDiagnosticColon('error', path, item.line, 'Line is too long, ignored'));
    }
    files.push(fc.file);
    if (lex.readFailed) {
      // 252 returns from the file on the read error: GOTOs of this file stay unresolved.
      emit(plainDiagnostic('debug', `Failed to read rules file ${path}, ignoring: No buffer space available`));
      continue;
    }
    fc.resolveGotos();
  }
  return { files, diagnostics, resolveNames, passwd };
}
