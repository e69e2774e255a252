/**
 * The rules interpreter (apply side of udev-rules.c): files in order, lines in order with the
 * line pre-filter, GOTO jumps, tokens in their sorted order through one switch over the token
 * type, the parent-key group evaluated on the device and then each ancestor (the matching one
 * becomes the event's selected parent, a failed group resets it), := finality, and every
 * message 252 logs while applying. Values were classified and formats compiled by the compiler;
 * nothing here re-parses rule text. One cohesive engine, like its twin, hence its size.
 */
import type { ErrnoName } from '../../base/index.js';
import type { UdevDevice } from '../device.js';
import { strerrorName } from '../diagnostics.js';
import type { UdevEvent } from '../event.js';
import { builtins, runBuiltin } from '../builtins/index.js';
import { spawnProgram } from '../spawn.js';
import { joinPath } from '../sources/sysfs-access.js';
import {
  cmdlineGetKey,
  formatOctalAlt,
  parseMode,
  parsePropertyLine,
  parseUid,
  replaceChars,
  replaceIfname,
  resolveSubsysPath,
  splitNewlines,
  sysctlNormalize,
  UDEV_ALLOWED_CHARS_INPUT,
} from '../udev-util.js';
import { namingScheme } from '../builtins/net-id.js';
import type { CompiledRules } from './compiler.js';
import { ID_INVALID, MODE_INVALID } from './compiler.js';
import { compileGlob, type Glob } from './fnmatch.js';
import { applyFormat, type CompiledFormat } from './format.js';
import { readLine } from './lexer.js';
import { type FirstTokenMemo, Memo } from './first-token.js';
import { acquireMemo, LINE_SLOTS, LineSlot, lineTable, unfilteredLines } from './line-table.js';
import { UDEV_LINE_SIZE, UDEV_NAME_SIZE, UDEV_PATH_SIZE } from './limits.js';
import {
  Escape,
  FIRST_ASSIGN_TYPE,
  isParentToken,
  LineFlag,
  MatchType,
  Op,
  type RuleFile,
  type RuleLine,
  type RuleToken,
  SubstType,
  TokenType,
} from './token.js';

/** A token's outcome: pass, fail, or a fatal error that stops all rules (252's negative return). */
const PASS = 1;
const FAIL = 0;
const FATAL = -1;
type TokenResult = typeof PASS | typeof FAIL | typeof FATAL;

/** What explain mode is told about each line (see explain.ts). */
export interface ExplainSink {
  /** The line was not evaluated: its flags do not apply to this device/action. */
  skipped(line: RuleLine): void;
  /**
   * The line was evaluated and stopped at `token`, which compared `value` on `device`; with
   * `parentGroup`, no ancestor satisfied all parent keys and `device` is the last one tried.
   */
  failed(line: RuleLine, token: RuleToken, value: string | undefined, device: string, parentGroup?: boolean): void;
  /** A match token passed on `device`, comparing `value` (undefined: absent or not a string). */
  passed(line: RuleLine, token: RuleToken, value: string | undefined, device: string): void;
  /** All tokens passed; `jumped` is the GOTO target line if it jumped. */
  matched(line: RuleLine, jumped: RuleLine | undefined): void;
}

/** True if fnmatch would treat `p` differently from a plain string (wildcards, brackets, escapes). */
function hasGlobSyntax(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 42 || c === 63 || c === 91 || c === 92) return true;
  }
  return false;
}

/** IMPORT{parent} patterns are substituted per event; their compiled forms are memoised. */
const parentGlobs = new Map<string, Glob>();
function parentGlob(pattern: string): Glob {
  let g = parentGlobs.get(pattern);
  if (!g) {
    if (parentGlobs.size > 256) parentGlobs.clear();
    g = compileGlob(pattern);
    parentGlobs.set(pattern, g);
  }
  return g;
}

/** True if one of the literal alternatives equals `s`. */
function plainMatches(alts: readonly string[], s: string): boolean {
  const n = s.length;
  for (let i = 0; i < alts.length; i++) {
    // The length test first keeps the common mismatch out of the string comparison.
    const a = alts[i]!;
    if (a.length === n && a === s) return true;
  }
  return false;
}

/** token_match_string(): compare one value (absent = "") with the token's pattern. */
function matchString(t: RuleToken, str: string | undefined): boolean {
  // Literal patterns are most tokens; kept small so that callers inline it.
  if (t.matchType === MatchType.PLAIN) return t.op === (plainMatches(t.alternatives, str ?? '') ? Op.MATCH : Op.NOMATCH);
  return matchPattern(t, str ?? '');
}

/** matchString() for the other match types. */
function matchPattern(t: RuleToken, s: string): boolean {
  let match = false;
  switch (t.matchType) {
    case MatchType.EMPTY:
      match = s.length === 0;
      break;
    case MatchType.SUBSYSTEM:
      match = s === 'subsystem' || s === 'class' || s === 'bus';
      break;
    case MatchType.PLAIN_WITH_EMPTY:
    case MatchType.PLAIN: {
      if (s.length === 0 && t.matchType === MatchType.PLAIN_WITH_EMPTY) {
        match = true;
        break;
      }
      match = plainMatches(t.alternatives, s);
      break;
    }
    case MatchType.GLOB_WITH_EMPTY:
    case MatchType.GLOB: {
      if (s.length === 0 && t.matchType === MatchType.GLOB_WITH_EMPTY) {
        match = true;
        break;
      }
      const globs = t.globs!;
      for (let i = 0; i < globs.length; i++)
        if (globs[i]!.match(s)) {
          match = true;
          break;
        }
      break;
    }
    default: {
      const never: never = t.matchType;
      return never;
    }
  }
  return t.op === (match ? Op.MATCH : Op.NOMATCH);
}

/** Multi-valued keys (SYMLINK==, TAG==, TAGS): any element decides, none leaves the default. */
function matchList(t: RuleToken, values: Iterable<string>, strip: boolean): boolean {
  const want = t.op === Op.MATCH;
  for (const v of values) {
    const s = strip ? (v.startsWith('/dev/') ? v.slice(5) : '') : v;
    if (matchString(t, s) === want) return want;
  }
  return t.op === Op.NOMATCH;
}

function trimTrailingWs(s: string): string {
  let e = s.length;
  while (e > 0) {
    const c = s.charCodeAt(e - 1);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    e--;
  }
  return e === s.length ? s : s.slice(0, e);
}

function fmt(ev: UdevEvent, f: CompiledFormat, size: number, replaceWs = false): { value: string; truncated: boolean } {
  return applyFormat(ev, f, size, replaceWs);
}

/** token_match_attr(): ATTR{}/ATTRS{} against `dev`; an unreadable attribute fails either operator. */
function matchAttr(ev: UdevEvent, t: RuleToken, dev: UdevDevice): boolean {
  let value: string | undefined;
  switch (t.attrSubst) {
    case SubstType.FORMAT: {
      const r = fmt(ev, t.attrFormat!, UDEV_NAME_SIZE);
      if (r.truncated) {
        ev.ruleLog(
          'debug',
          `The sysfs attribute name '${r.value}' is truncated while substituting into '${t.attr}', assuming the ${t.type === TokenType.M_ATTR ? 'ATTR' : 'ATTRS'} key does not match.`,
          dev,
        );
        return false;
      }
      value = dev.sysattr(r.value);
      break;
    }
    case SubstType.PLAIN:
      value = dev.sysattr(t.attr!);
      break;
    case SubstType.SUBSYS:
      value = ev.resolveSubsysValue(t.attr!);
      break;
    default: {
      const never: never = t.attrSubst;
      return never;
    }
  }
  ev.lastValue = value;
  if (value === undefined) return false;
  if (t.removeTrailingWhitespace) value = trimTrailingWs(value);
  return matchString(t, value);
}

/**
 * attr_subst_subdir(): replace a "/*\/" component by the first directory entry under which the
 * rest exists. 252 measures the room for "entry + rest" by the prefix length, so only short
 * tails work (quirk kept). Returns the path, or the errno.
 */
function substSubdir(ev: UdevEvent, path: string): string | { errno: string } {
  const tail = path.indexOf('/*/');
  if (tail < 0) return path;
  const len = tail + 1;
  if (len >= UDEV_PATH_SIZE) return { errno: 'ENOENT' };
  const prefix = path.slice(0, len);
  const rest = path.slice(tail + 2);
  const dirPath = prefix.length > 1 ? prefix.slice(0, -1) : prefix;
  const st = ev.ctx.fs.lstat(dirPath);
  if (!st) return { errno: 'ENOENT' };
  const entries = ev.ctx.fs.readdir(dirPath);
  if (!entries) return { errno: st.type === 'dir' ? 'EACCES' : 'ENOTDIR' };
  for (const name of entries) {
    if (name.charCodeAt(0) === 46 /* . */) continue;
    if (name.length + rest.length >= len) continue;
    const candidate = prefix + name + rest;
    if (!ev.ctx.fs.stat(candidate)) continue;
    return candidate;
  }
  return { errno: 'ENOENT' };
}

/** The environment programs see: all properties of the device. */
function programEnv(dev: UdevDevice): Map<string, string> {
  return dev.allProperties();
}

/** Spawn with 252's logging; the outcome for PROGRAM / IMPORT{program}. */
function spawn(ev: UdevEvent, cmd: string): ReturnType<typeof spawnProgram> {
  if (ev.ctx.sink.debug) ev.deviceLog('debug', `Starting '${cmd}'`);
  const out = spawnProgram(ev.ctx.programs, ev.ctx.fs, ev.ctx.devfs, cmd, programEnv(ev.dev));
  if (out.kind === 'error') {
    ev.deviceLog('error', out.message);
    return out;
  }
  if (ev.ctx.sink.debug) {
    for (const l of splitNewlines(out.stdout)) ev.deviceLog('debug', `'${cmd}'(out) '${l}'`);
    for (const l of splitNewlines(out.stderr)) ev.deviceLog('debug', `'${cmd}'(err) '${l}'`);
    if (out.exitCode === 0) ev.deviceLog('debug', `Process '${cmd}' succeeded.`);
    else ev.deviceLog('debug', `Process '${cmd}' failed with exit code ${out.exitCode}.`);
  }
  if (out.truncated) ev.deviceLog('warning', `Truncating stdout of '${cmd}' up to ${UDEV_LINE_SIZE} byte.`);
  return out;
}

/** Set properties from KEY=VALUE lines (IMPORT{program}, IMPORT{file}). */
function importLines(ev: UdevEvent, lines: readonly string[]): void {
  for (const line of lines) {
    const p = parsePropertyLine(line);
    if (p === null) continue;
    if ('invalid' in p) {
      if (ev.ctx.sink.debug) ev.ruleLog('debug', `Failed to parse key and value from '${p.invalid}', ignoring: Invalid argument`);
      continue;
    }
    ev.dev.addProperty(p.key, p.value);
  }
}

/** user/group name lookup as get_user_creds()/get_group_creds() with ALLOW_MISSING. */
function resolveOwner(ev: UdevEvent, name: string, user: boolean): number | undefined {
  if (name === 'root' || name === '0') return 0;
  const numeric = parseUid(name);
  if (numeric !== undefined) return numeric;
  const passwd = ev.ctx.passwd;
  const found = user ? passwd.userByName(name)?.uid : passwd.groupByName(name)?.gid;
  if (found !== undefined) return found;
  if (name === 'nobody' || (!user && name === 'nogroup')) return 65534;
  return undefined;
}

/** udev_rule_apply_token_to_event(): one token against `dev` (the event device or an ancestor). */
function applyToken(ev: UdevEvent, t: RuleToken, dev: UdevDevice): TokenResult {
  switch (t.type) {
    case TokenType.M_ACTION: {
      const a = dev.action;
      if (a === undefined) {
        ev.ruleLog('error', 'Failed to get uevent action type: No such file or directory', dev);
        ev.errno = 'ENOENT';
        return FATAL;
      }
      ev.lastValue = a;
      return matchString(t, a) ? PASS : FAIL;
    }
    case TokenType.M_DEVPATH:
      ev.lastValue = dev.devpath;
      return matchString(t, dev.devpath) ? PASS : FAIL;
    case TokenType.M_KERNEL:
    case TokenType.M_PARENTS_KERNEL:
      ev.lastValue = dev.sysname;
      return matchString(t, dev.sysname) ? PASS : FAIL;
    case TokenType.M_DEVLINK:
      if (ev.explaining) ev.lastValue = [...dev.getDevlinks()].join(' ');
      return matchList(t, dev.getDevlinks(), true) ? PASS : FAIL;
    case TokenType.M_NAME:
      ev.lastValue = ev.name;
      return matchString(t, ev.name) ? PASS : FAIL;
    case TokenType.M_ENV: {
      const v = dev.getProperty(t.attr!);
      ev.lastValue = v;
      return matchString(t, v) ? PASS : FAIL;
    }
    case TokenType.M_CONST: {
      const v = t.attr === 'arch' ? ev.ctx.constants.arch : ev.ctx.constants.virt;
      ev.lastValue = v;
      return matchString(t, v) ? PASS : FAIL;
    }
    case TokenType.M_TAG:
    case TokenType.M_PARENTS_TAG: {
      const tags = dev.matchTags();
      if (ev.explaining) ev.lastValue = [...tags].join(':');
      return matchList(t, tags, false) ? PASS : FAIL;
    }
    case TokenType.M_SUBSYSTEM:
    case TokenType.M_PARENTS_SUBSYSTEM:
      ev.lastValue = dev.subsystem;
      return matchString(t, dev.subsystem) ? PASS : FAIL;
    case TokenType.M_DRIVER:
    case TokenType.M_PARENTS_DRIVER:
      ev.lastValue = dev.driver;
      return matchString(t, dev.driver) ? PASS : FAIL;
    case TokenType.M_ATTR:
    case TokenType.M_PARENTS_ATTR:
      return matchAttr(ev, t, dev) ? PASS : FAIL;
    case TokenType.M_SYSCTL: {
      const r = fmt(ev, t.attrFormat!, UDEV_PATH_SIZE);
      if (r.truncated) {
        ev.ruleLog(
          'debug',
          `The sysctl entry name '${r.value}' is truncated while substituting into '${t.attr}', assuming the SYSCTL key does not match.`,
          dev,
        );
        return FAIL;
      }
      const key = sysctlNormalize(r.value);
      const data = ev.ctx.fs.readFile('/proc/sys/' + key);
      let v: string | undefined;
      if (typeof data === 'string') v = data.trim();
      else if (data.errno !== 'ENOENT') {
        ev.ruleLog('error', `Failed to read sysctl '${key}': ${strerrorName(data.errno)}`, dev);
        ev.errno = data.errno;
        return FATAL;
      }
      ev.lastValue = v;
      return matchString(t, v) ? PASS : FAIL;
    }
    case TokenType.M_TEST: {
      const r = fmt(ev, t.valueFormat!, UDEV_PATH_SIZE);
      if (r.truncated) {
        ev.ruleLog(
          'debug',
          `The file name '${r.value}' is truncated while substituting into '${t.value}', assuming the TEST key does not match`,
          dev,
        );
        return FAIL;
      }
      let path = r.value;
      if (path.charCodeAt(0) !== 47) {
        const resolved = resolveSubsysPath(ev.ctx.fs, ev.ctx.db, path);
        if (resolved !== undefined) path = resolved;
        else {
          path = dev.syspath + '/' + path;
          if (path.length >= UDEV_PATH_SIZE) return FAIL;
        }
      }
      const sub = substSubdir(ev, path);
      if (typeof sub !== 'string') {
        if (sub.errno === 'ENOENT') return t.op === Op.NOMATCH ? PASS : FAIL;
        ev.ruleLog('error', `Failed to test for the existence of '${path}': ${strerrorName(sub.errno)}`, dev);
        ev.errno = sub.errno as ErrnoName;
        return FATAL;
      }
      ev.lastValue = sub;
      const st = ev.ctx.fs.stat(sub);
      if (!st) return t.op === Op.NOMATCH ? PASS : FAIL;
      if (t.num === MODE_INVALID) return t.op === Op.MATCH ? PASS : FAIL;
      const match = (st.mode & t.num) > 0;
      return t.op === (match ? Op.MATCH : Op.NOMATCH) ? PASS : FAIL;
    }
    case TokenType.M_PROGRAM: {
      ev.programResult = undefined;
      const r = fmt(ev, t.valueFormat!, UDEV_LINE_SIZE);
      if (r.truncated) {
        ev.ruleLog(
          'debug',
          `The command '${r.value}' is truncated while substituting into '${t.value}', assuming the PROGRAM key does not match.`,
          dev,
        );
        return FAIL;
      }
      if (ev.ctx.sink.debug) ev.ruleLog('debug', `Running PROGRAM '${r.value}'`, dev);
      const out = spawn(ev, r.value);
      if (out.kind === 'error') {
        ev.ruleLog('warning', `Failed to execute "${r.value}": ${strerrorName(out.errno)}`, dev);
        return t.op === Op.NOMATCH ? PASS : FAIL;
      }
      if (out.exitCode !== 0) {
        if (ev.ctx.sink.debug) ev.ruleLog('debug', `Command "${r.value}" returned ${out.exitCode} (error)`, dev);
        return t.op === Op.NOMATCH ? PASS : FAIL;
      }
      let result = out.stdout;
      let e = result.length;
      while (e > 0 && result.charCodeAt(e - 1) === 10) e--;
      result = result.slice(0, e);
      const nul = result.indexOf('\0');
      if (nul >= 0) result = result.slice(0, nul);
      const rep = replaceChars(result, UDEV_ALLOWED_CHARS_INPUT);
      if (rep.count > 0) ev.ruleLog('debug', `Replaced ${rep.count} character(s) in result of "${r.value}"`, dev);
      ev.programResult = rep.value;
      ev.lastValue = rep.value;
      return t.op === Op.MATCH ? PASS : FAIL;
    }
    case TokenType.M_IMPORT_FILE: {
      const r = fmt(ev, t.valueFormat!, UDEV_PATH_SIZE);
      if (r.truncated) {
        ev.ruleLog(
          'debug',
          `The file name '${r.value}' to be imported is truncated while substituting into '${t.value}', assuming the IMPORT key does not match.`,
          dev,
        );
        return FAIL;
      }
      if (ev.ctx.sink.debug) ev.ruleLog('debug', `Importing properties from '${r.value}'`, dev);
      const data = ev.ctx.fs.readFile(r.value);
      if (typeof data !== 'string') {
        if (data.errno === 'ENOENT') return t.op === Op.NOMATCH ? PASS : FAIL;
        if (data.errno === 'EISDIR') {
          if (ev.ctx.sink.debug) ev.ruleLog('debug', `Failed to read '${r.value}', ignoring: Is a directory`, dev);
          return t.op === Op.NOMATCH ? PASS : FAIL;
        }
        ev.ruleLog('error', `Failed to open '${r.value}': ${strerrorName(data.errno)}`, dev);
        ev.errno = data.errno;
        return FATAL;
      }
      const lines: string[] = [];
      for (let pos = 0; ;) {
        const l = readLine(data, pos, 1024 * 1024);
        if (l === undefined) break;
        if (l === 'ENOBUFS') {
          if (ev.ctx.sink.debug) ev.ruleLog('debug', `Failed to read '${r.value}', ignoring: No buffer space available`, dev);
          return t.op === Op.NOMATCH ? PASS : FAIL;
        }
        lines.push(l.text);
        pos = l.next;
      }
      importLines(ev, lines);
      return t.op === Op.MATCH ? PASS : FAIL;
    }
    case TokenType.M_IMPORT_PROGRAM: {
      const r = fmt(ev, t.valueFormat!, UDEV_LINE_SIZE);
      if (r.truncated) {
        ev.ruleLog(
          'debug',
          `The command '${r.value}' is truncated while substituting into '${t.value}', assuming the IMPORT key does not match.`,
          dev,
        );
        return FAIL;
      }
      if (ev.ctx.sink.debug) ev.ruleLog('debug', `Importing properties from results of '${r.value}'`, dev);
      const out = spawn(ev, r.value);
      if (out.kind === 'error') {
        ev.ruleLog('warning', `Failed to execute '${r.value}', ignoring: ${strerrorName(out.errno)}`, dev);
        return t.op === Op.NOMATCH ? PASS : FAIL;
      }
      if (out.exitCode !== 0) {
        if (ev.ctx.sink.debug) ev.ruleLog('debug', `Command "${r.value}" returned ${out.exitCode} (error), ignoring`, dev);
        return t.op === Op.NOMATCH ? PASS : FAIL;
      }
      let stdout = out.stdout;
      const nul = stdout.indexOf('\0');
      if (nul >= 0) stdout = stdout.slice(0, nul);
      importLines(ev, splitNewlines(stdout));
      return t.op === Op.MATCH ? PASS : FAIL;
    }
    case TokenType.M_IMPORT_BUILTIN: {
      const id = t.num as keyof typeof builtins;
      const mask = 1 << id;
      const b = builtins[id];
      if (b.runOnce) {
        if (ev.builtinRun & mask) {
          if (ev.ctx.sink.debug) ev.ruleLog('debug', `Skipping builtin '${b.name}' in IMPORT key`, dev);
          return t.op === (ev.builtinRet & mask ? Op.NOMATCH : Op.MATCH) ? PASS : FAIL;
        }
        ev.builtinRun |= mask;
      }
      const r = fmt(ev, t.valueFormat!, UDEV_LINE_SIZE);
      if (r.truncated) {
        ev.ruleLog(
          'debug',
          `The builtin command '${r.value}' is truncated while substituting into '${t.value}', assuming the IMPORT key does not match`,
          dev,
        );
        return FAIL;
      }
      if (ev.ctx.sink.debug) ev.ruleLog('debug', `Importing properties from results of builtin command '${r.value}'`, dev);
      const err = runBuiltin(id, dev, r.value, ev.builtinHost());
      if (err !== undefined) {
        if (ev.ctx.sink.debug) ev.ruleLog('debug', `Failed to run builtin '${r.value}': ${strerrorName(err)}`, dev);
        ev.builtinRet |= mask;
      }
      return t.op === (err === undefined ? Op.MATCH : Op.NOMATCH) ? PASS : FAIL;
    }
    case TokenType.M_IMPORT_DB: {
      const clone = ev.devDbClone;
      if (!clone) return t.op === Op.NOMATCH ? PASS : FAIL;
      const v = clone.getProperty(t.value);
      ev.lastValue = v;
      if (v === undefined) return t.op === Op.NOMATCH ? PASS : FAIL;
      dev.addProperty(t.value, v);
      return t.op === Op.MATCH ? PASS : FAIL;
    }
    case TokenType.M_IMPORT_CMDLINE: {
      if (t.value.length === 0) {
        ev.ruleLog('error', `Failed to read '${t.value}' option from /proc/cmdline: Invalid argument`, dev);
        ev.errno = 'EINVAL';
        return FATAL;
      }
      const v = cmdlineGetKey(ev.ctx.cmdline, t.value);
      if (v === undefined) return t.op === Op.NOMATCH ? PASS : FAIL;
      dev.addProperty(t.value, v ?? '1');
      return t.op === Op.MATCH ? PASS : FAIL;
    }
    case TokenType.M_IMPORT_PARENT: {
      const r = fmt(ev, t.valueFormat!, UDEV_PATH_SIZE);
      if (r.truncated) {
        ev.ruleLog(
          'debug',
          `The property name '${r.value}' is truncated while substituting into '${t.value}', assuming the IMPORT key does not match.`,
          dev,
        );
        return FAIL;
      }
      const parent = dev.parent;
      if (!parent) return t.op === Op.NOMATCH ? PASS : FAIL;
      const pattern = r.value;
      if (!hasGlobSyntax(pattern)) {
        // No wildcard or escape: fnmatch is equality, so at most this one key is copied.
        const v = parent.getProperty(pattern);
        if (v !== undefined) dev.addProperty(pattern, v);
        return t.op === Op.MATCH ? PASS : FAIL;
      }
      const glob = parentGlob(pattern);
      for (const [k, v] of parent.allProperties()) if (glob.match(k)) dev.addProperty(k, v);
      return t.op === Op.MATCH ? PASS : FAIL;
    }
    case TokenType.M_RESULT:
      ev.lastValue = ev.programResult;
      return matchString(t, ev.programResult) ? PASS : FAIL;
    case TokenType.A_OPTIONS_STRING_ESCAPE_NONE:
      ev.esc = Escape.NONE;
      return PASS;
    case TokenType.A_OPTIONS_STRING_ESCAPE_REPLACE:
      ev.esc = Escape.REPLACE;
      return PASS;
    case TokenType.A_OPTIONS_DB_PERSIST:
      dev.dbPersist = true;
      return PASS;
    case TokenType.A_OPTIONS_INOTIFY_WATCH:
      if (ev.inotifyWatchFinal) return PASS;
      if (t.op === Op.ASSIGN_FINAL) ev.inotifyWatchFinal = true;
      ev.inotifyWatch = t.num !== 0;
      return PASS;
    case TokenType.A_OPTIONS_DEVLINK_PRIORITY:
      dev.devlinkPriority = t.num;
      return PASS;
    case TokenType.A_OPTIONS_LOG_LEVEL:
      // Changes only udevd's own log level; nothing in the event.
      return PASS;
    case TokenType.A_OWNER:
    case TokenType.A_GROUP: {
      const owner = t.type === TokenType.A_OWNER;
      if (owner ? ev.ownerFinal : ev.groupFinal) return PASS;
      if (t.op === Op.ASSIGN_FINAL) {
        if (owner) ev.ownerFinal = true;
        else ev.groupFinal = true;
      }
      const r = fmt(ev, t.valueFormat!, UDEV_NAME_SIZE);
      if (r.truncated) {
        ev.ruleLog(
          'warning',
          `The ${owner ? 'user' : 'group'} name '${r.value}' is truncated while substituting into '${t.value}', refusing to apply the ${owner ? 'OWNER' : 'GROUP'} key.`,
          dev,
        );
        return PASS;
      }
      const id = resolveOwner(ev, r.value, owner);
      if (id === undefined) ev.ruleLog('error', `Unknown ${owner ? 'user' : 'group'} '${r.value}', ignoring`, dev);
      else {
        if (owner) ev.uid = id;
        else ev.gid = id;
        if (ev.ctx.sink.debug) ev.ruleLog('debug', `${owner ? 'OWNER' : 'GROUP'} ${r.value}(${id})`, dev);
      }
      return PASS;
    }
    case TokenType.A_MODE: {
      if (ev.modeFinal) return PASS;
      if (t.op === Op.ASSIGN_FINAL) ev.modeFinal = true;
      const r = fmt(ev, t.valueFormat!, UDEV_NAME_SIZE);
      if (r.truncated) {
        ev.ruleLog('warning', `The mode '${r.value}' is truncated while substituting into ${t.value}, refusing to apply the MODE key.`, dev);
        return PASS;
      }
      const m = parseMode(r.value);
      if (m === undefined) ev.ruleLog('error', `Failed to parse mode '${r.value}', ignoring: ${modeErrno(r.value)}`, dev);
      else {
        ev.mode = m;
        if (ev.ctx.sink.debug) ev.ruleLog('debug', `MODE ${formatOctalAlt(m)}`, dev);
      }
      return PASS;
    }
    case TokenType.A_OWNER_ID:
      if (ev.ownerFinal) return PASS;
      if (t.op === Op.ASSIGN_FINAL) ev.ownerFinal = true;
      // A name /etc/passwd lacks was resolved to UID_INVALID at parse time; assigning it
      // resets the owner an earlier line set (udev 252, recorded: 255-group-unknown-name).
      if (t.num === ID_INVALID) {
        ev.uid = undefined;
        return PASS;
      }
      ev.uid = t.num;
      if (ev.ctx.sink.debug) ev.ruleLog('debug', `OWNER ${t.num}`, dev);
      return PASS;
    case TokenType.A_GROUP_ID:
      if (ev.groupFinal) return PASS;
      if (t.op === Op.ASSIGN_FINAL) ev.groupFinal = true;
      // GROUP="unknown" carries GID_INVALID: it resets an earlier GROUP= (so no 0660 default).
      if (t.num === ID_INVALID) {
        ev.gid = undefined;
        return PASS;
      }
      ev.gid = t.num;
      if (ev.ctx.sink.debug) ev.ruleLog('debug', `GROUP ${t.num}`, dev);
      return PASS;
    case TokenType.A_MODE_ID:
      if (ev.modeFinal) return PASS;
      if (t.op === Op.ASSIGN_FINAL) ev.modeFinal = true;
      ev.mode = t.num;
      if (ev.ctx.sink.debug) ev.ruleLog('debug', `MODE ${formatOctalAlt(t.num)}`, dev);
      return PASS;
    case TokenType.A_TAG: {
      const r = fmt(ev, t.valueFormat!, UDEV_PATH_SIZE);
      if (r.truncated) {
        ev.ruleLog(
          'warning',
          `The tag name '${r.value}' is truncated while substituting into '${t.value}',refusing to ${t.op === Op.REMOVE ? 'remove' : 'add'} the tag.`,
          dev,
        );
        return PASS;
      }
      if (t.op === Op.ASSIGN) dev.cleanupTags();
      const tag = r.value;
      for (let i = 0; i < tag.length; i++) {
        const c = tag.charCodeAt(i);
        const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;
        if (!ok) {
          ev.ruleLog('error', `Invalid tag name '${tag}', ignoring`, dev);
          return PASS;
        }
      }
      if (t.op === Op.REMOVE) dev.removeTag(tag);
      else dev.addTag(tag, true);
      return PASS;
    }
    case TokenType.A_OPTIONS_STATIC_NODE:
      return PASS;
    case TokenType.A_SECLABEL: {
      const r = fmt(ev, t.valueFormat!, UDEV_LINE_SIZE);
      if (r.truncated) {
        ev.ruleLog(
          'warning',
          `The security label '${r.value}' is truncated while substituting into '${t.value}', refusing to apply the SECLABEL key.`,
          dev,
        );
        return PASS;
      }
      const label = r.value.length > 0 ? r.value : t.value;
      if (t.op === Op.ASSIGN) ev.seclabels.length = 0;
      ev.seclabels.push([t.attr!, label]);
      if (ev.ctx.sink.debug) ev.ruleLog('debug', `SECLABEL{${t.attr}}='${label}'`, dev);
      return PASS;
    }
    case TokenType.A_ENV:
      return applyEnv(ev, t, dev);
    case TokenType.A_NAME: {
      if (ev.nameFinal) return PASS;
      if (t.op === Op.ASSIGN_FINAL) ev.nameFinal = true;
      if (dev.getIfindex() === undefined) {
        ev.ruleLog('error', `Only network interfaces can be renamed, ignoring NAME="${t.value}".`, dev);
        return PASS;
      }
      const r = fmt(ev, t.valueFormat!, UDEV_PATH_SIZE);
      if (r.truncated) {
        ev.ruleLog(
          'warning',
          `The network interface name '${r.value}' is truncated while substituting into '${t.value}', refusing to set the name.`,
          dev,
        );
        return PASS;
      }
      let name = r.value;
      if (ev.esc === Escape.UNSET || ev.esc === Escape.REPLACE) {
        const strict = (namingScheme(ev.ctx.cmdline).flags & (1 << 12)) !== 0;
        const rep = strict ? replaceIfname(name) : replaceChars(name, '/');
        if (rep.count > 0) ev.ruleLog('debug', `Replaced ${rep.count} character(s) from result of NAME="${t.value}"`, dev);
        name = rep.value;
      }
      ev.name = name;
      if (ev.ctx.sink.debug) ev.ruleLog('debug', `NAME '${name}'`, dev);
      return PASS;
    }
    case TokenType.A_DEVLINK:
      return applyDevlink(ev, t, dev);
    case TokenType.A_ATTR:
      return applyAttr(ev, t, dev);
    case TokenType.A_SYSCTL: {
      const k = fmt(ev, t.attrFormat!, UDEV_PATH_SIZE);
      if (k.truncated) {
        ev.ruleLog(
          'warning',
          `The sysctl entry name '${k.value}' is truncated while substituting into '${t.attr}', refusing to set the sysctl entry.`,
          dev,
        );
        return PASS;
      }
      const v = fmt(ev, t.valueFormat!, UDEV_NAME_SIZE);
      if (v.truncated) {
        ev.ruleLog(
          'warning',
          `The sysctl value '${v.value}' is truncated while substituting into '${t.value}', refusing to set the sysctl entry '${k.value}'`,
          dev,
        );
        return PASS;
      }
      const key = sysctlNormalize(k.value);
      if (ev.ctx.sink.debug) ev.ruleLog('debug', `SYSCTL '${key}' writing '${v.value}'`, dev);
      const err = sysctlWrite(ev, key, v.value);
      if (err) ev.ruleLog('error', `Failed to write SYSCTL{${key}}='${v.value}', ignoring: ${strerrorName(err)}`, dev);
      return PASS;
    }
    case TokenType.A_RUN_BUILTIN:
    case TokenType.A_RUN_PROGRAM: {
      if (ev.runFinal) return PASS;
      if (t.op === Op.ASSIGN_FINAL) ev.runFinal = true;
      if (t.op === Op.ASSIGN || t.op === Op.ASSIGN_FINAL) ev.runList.length = 0;
      const r = fmt(ev, t.valueFormat!, UDEV_LINE_SIZE);
      if (r.truncated) {
        ev.ruleLog('warning', `The command '${r.value}' is truncated while substituting into '${t.value}', refusing to invoke the command.`, dev);
        return PASS;
      }
      ev.runList.push({ cmd: r.value, builtin: t.type === TokenType.A_RUN_BUILTIN ? (t.num as never) : undefined });
      if (ev.ctx.sink.debug) ev.ruleLog('debug', `RUN '${t.value}'`, dev);
      return PASS;
    }
    default: {
      const never: never = t.type;
      return never;
    }
  }
}

/** Why parse_mode() failed: ERANGE above 07777, else EINVAL. */
function modeErrno(s: string): string {
  let digits = true;
  let v = 0;
  const t = s.trim();
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 55) digits = false;
    else v = v * 8 + (c - 48);
  }
  return digits && t.length > 0 && v > 0o7777 ? 'Numerical result out of range' : 'Invalid argument';
}

function applyEnv(ev: UdevEvent, t: RuleToken, dev: UdevDevice): TokenResult {
  const name = t.attr!;
  if (t.value.length === 0) {
    if (t.op === Op.ADD) return PASS;
    dev.addProperty(name, undefined);
    return PASS;
  }
  let head = '';
  let size = UDEV_NAME_SIZE;
  if (t.op === Op.ADD) {
    const old = dev.getProperty(name);
    if (old !== undefined) {
      head = old + ' ';
      if (head.length >= size) {
        ev.ruleLog('warning', `The buffer for the property '${name}' is full, refusing to append the new value '${t.value}'.`, dev);
        return PASS;
      }
      size -= head.length;
    }
  }
  const r = fmt(ev, t.valueFormat!, size);
  if (r.truncated) {
    ev.ruleLog(
      'warning',
      `The property value '${r.value}' is truncated while substituting into '${t.value}', refusing to add property '${name}'.`,
      dev,
    );
    return PASS;
  }
  let value = r.value;
  if (ev.esc === Escape.REPLACE) {
    const rep = replaceChars(value, undefined);
    if (rep.count > 0)
      if (ev.ctx.sink.debug)
        ev.ruleLog('debug', `Replaced ${rep.count} slash(es) from result of ENV{${name}}${t.op === Op.ADD ? '+' : ''}="${t.value}"`, dev);
    value = rep.value;
  }
  dev.addProperty(name, head + value);
  return PASS;
}

function applyDevlink(ev: UdevEvent, t: RuleToken, dev: UdevDevice): TokenResult {
  if (ev.devlinkFinal) return PASS;
  if (!dev.getDevnum()) return PASS;
  if (t.op === Op.ASSIGN_FINAL) ev.devlinkFinal = true;
  if (t.op === Op.ASSIGN || t.op === Op.ASSIGN_FINAL) dev.cleanupDevlinks();
  const esc: Escape = ev.esc;
  const r = fmt(ev, t.valueFormat!, UDEV_PATH_SIZE, esc !== Escape.NONE);
  if (r.truncated) {
    ev.ruleLog(
      'warning',
      `The symbolic link path '${r.value}' is truncated while substituting into '${t.value}', refusing to add the device symbolic link.`,
      dev,
    );
    return PASS;
  }
  let buf = r.value;
  let count = 0;
  if (esc === Escape.UNSET) ({ value: buf, count } = replaceChars(buf, '/ '));
  else if (esc === Escape.REPLACE) ({ value: buf, count } = replaceChars(buf, '/'));
  if (count > 0) ev.ruleLog('debug', `Replaced ${count} character(s) from result of SYMLINK="${t.value}"`, dev);
  // Split at spaces; leading whitespace of each name is skipped.
  let p = 0;
  const n = buf.length;
  const isWs = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
  while (p < n && isWs(buf.charCodeAt(p))) p++;
  while (p < n) {
    let end = buf.indexOf(' ', p);
    if (end < 0) end = n;
    const word = buf.slice(p, end);
    p = end;
    if (p < n) {
      p++;
      while (p < n && isWs(buf.charCodeAt(p))) p++;
    }
    const filename = '/dev/' + word;
    if (filename.length >= UDEV_PATH_SIZE) continue;
    dev.addDevlink(filename);
    if (ev.ctx.sink.debug) ev.ruleLog('debug', `LINK '${word}'`, dev);
  }
  return PASS;
}

function applyAttr(ev: UdevEvent, t: RuleToken, dev: UdevDevice): TokenResult {
  const keyName = t.attr!;
  let path = resolveSubsysPath(ev.ctx.fs, ev.ctx.db, keyName);
  if (path === undefined) {
    path = dev.syspath + '/' + keyName;
    if (path.length >= UDEV_PATH_SIZE) {
      ev.ruleLog('warning', `The path to the attribute '${dev.syspath}/${keyName}' is too long, refusing to set the attribute.`, dev);
      return PASS;
    }
  }
  const sub = substSubdir(ev, path);
  if (typeof sub !== 'string') {
    ev.ruleLog('error', `Could not find file matches '${path}', ignoring: ${strerrorName(sub.errno)}`, dev);
    return PASS;
  }
  path = sub;
  const v = fmt(ev, t.valueFormat!, UDEV_NAME_SIZE);
  if (v.truncated) {
    ev.ruleLog(
      'warning',
      `The attribute value '${v.value}' is truncated while substituting into '${t.value}', refusing to set the attribute '${path}'`,
      dev,
    );
    return PASS;
  }
  if (ev.ctx.sink.debug) ev.ruleLog('debug', `ATTR '${path}' writing '${v.value}'`, dev);
  const err = writeVerified(ev, path, v.value, v.value);
  if (err) ev.ruleLog('error', `Failed to write ATTR{${path}}, ignoring: ${strerrorName(err)}`, dev);
  return PASS;
}

/**
 * write_string_file(… VERIFY_ON_FAILURE …): a failed write still counts as done when the file
 * already holds the value (a trailing newline ignored).
 */
function writeVerified(ev: UdevEvent, path: string, data: string, expect: string): string | undefined {
  const err = ev.ctx.fs.writeFile(path, data);
  if (err === undefined) return undefined;
  const cur = ev.ctx.fs.readFile(path);
  if (typeof cur === 'string') {
    const a = cur.endsWith('\n') ? cur.slice(0, -1) : cur;
    if (a === expect) return undefined;
  }
  return err;
}

/** sysctl_write(): /proc/sys/<key> gets the value plus a newline. */
function sysctlWrite(ev: UdevEvent, key: string, value: string): string | undefined {
  const path = joinPath('/proc/sys', key);
  if (path.includes('/../') || path.endsWith('/..') || path.includes('/./') || path.endsWith('/.')) return 'EINVAL';
  return writeVerified(ev, path, value + '\n', value);
}

/**
 * udev_rule_apply_parent_token_to_event(): the parent tokens starting at `k` against the device,
 * then its ancestors; the first device where all pass becomes the selected parent.
 */
function applyParentTokens(
  ev: UdevEvent,
  tokens: readonly RuleToken[],
  k: number,
  explain: ExplainSink | undefined,
  line: RuleLine,
): TokenResult | typeof FAIL_FIRST | typeof FAIL_ABSENT {
  ev.devParent = ev.dev;
  // Whether the group's first token failed on every device so far, and on an absent attribute.
  const first = tokens[k]!;
  let firstEverywhere = true;
  let absentEverywhere = first.type === TokenType.M_PARENTS_ATTR && first.attrSubst === SubstType.PLAIN;
  for (;;) {
    const parent: UdevDevice = ev.devParent;
    let r: TokenResult = PASS;
    let failedAt: RuleToken | undefined;
    // Explain mode: the values the group compared on this ancestor, told only if all pass.
    const values: Array<string | undefined> | undefined = explain ? [] : undefined;
    let j = k;
    for (; j < tokens.length; j++) {
      const t = tokens[j]!;
      if (!isParentToken(t.type)) break;
      if (values) ev.lastValue = undefined;
      rulesWork.tokens++;
      r = applyToken(ev, t, parent);
      if (r === FATAL) return FATAL;
      if (r === FAIL) {
        failedAt = t;
        break;
      }
      values?.push(ev.lastValue);
    }
    if (r === FAIL && firstEverywhere) {
      if (failedAt !== first) firstEverywhere = absentEverywhere = false;
      else if (absentEverywhere && parent.sysattr(first.attr!) !== undefined) absentEverywhere = false;
    }
    if (r === PASS) {
      if (explain && values) for (let i = 0; i < values.length; i++) explain.passed(line, tokens[k + i]!, values[i], parent.sysname);
      return PASS;
    }
    const next: UdevDevice | undefined = parent.parent;
    if (!next) {
      if (explain && failedAt) explain.failed(line, failedAt, ev.lastValue, parent.sysname, true);
      ev.devParent = undefined;
      return absentEverywhere ? FAIL_ABSENT : firstEverywhere ? FAIL_FIRST : FAIL;
    }
    ev.devParent = next;
  }
}

/**
 * Work the interpreter did, for tests that count work instead of time: lines evaluated (past
 * the line pre-filter) and tokens evaluated. Only ever incremented.
 */
export const rulesWork = { lines: 0, tokens: 0 };

/** Not a token quickToken() evaluates. */
const UNHANDLED = 2;
/** quickToken(): failed because the property or attribute is absent (applyParentTokens: on every device). */
const FAIL_ABSENT = 3;
/** applyParentTokens(): failed because the group's first token failed on every device. */
const FAIL_FIRST = 4;

/**
 * The common leading tokens (ACTION, DEVPATH, KERNEL, SUBSYSTEM, DRIVER, ENV{} and ATTR{} with a
 * plain name on the event device) evaluated without the general dispatch: the same result and
 * the same side effects as applyToken, or UNHANDLED for every other token. Most lines stop at
 * their first token, so this is the interpreter's hot path. FAIL_ABSENT: failed on an absent
 * property or attribute.
 */
function quickToken(t: RuleToken, dev: UdevDevice): typeof PASS | typeof FAIL | typeof UNHANDLED | typeof FAIL_ABSENT {
  let v: string | undefined;
  switch (t.type) {
    case TokenType.M_ACTION:
      v = dev.action;
      if (v === undefined) return UNHANDLED;
      break;
    case TokenType.M_DEVPATH:
      v = dev.devpath;
      break;
    case TokenType.M_KERNEL:
      v = dev.sysname;
      break;
    case TokenType.M_ENV:
      v = dev.getProperty(t.attr!);
      if (v === undefined) return matchString(t, v) ? PASS : FAIL_ABSENT;
      break;
    case TokenType.M_SUBSYSTEM:
      v = dev.subsystem;
      break;
    case TokenType.M_DRIVER:
      v = dev.driver;
      break;
    case TokenType.M_ATTR:
      // matchAttr() for a plain name: an unreadable attribute fails either operator.
      if (t.attrSubst !== SubstType.PLAIN) return UNHANDLED;
      v = dev.sysattr(t.attr!);
      if (v === undefined) return FAIL_ABSENT;
      if (t.removeTrailingWhitespace) v = trimTrailingWs(v);
      break;
    default:
      return UNHANDLED;
  }
  return matchString(t, v) ? PASS : FAIL;
}

/**
 * udev_rule_apply_line_to_event() for a line past the pre-filter, from token `k` on (1 when the
 * first token is known to pass): returns -1 (fatal), or the next line index. With `tab` (the
 * fast path), past the lines the line table says must fail the same way when the first token
 * fails (runs.ts), and the first token's outcome is remembered under `key` (first-token.ts).
 */
function applyLine(
  ev: UdevEvent,
  line: RuleLine,
  index: number,
  explain: ExplainSink | undefined,
  tab: Int32Array | undefined,
  key: number,
  memo: FirstTokenMemo | undefined,
  k: number,
  keys?: Int32Array,
): number {
  const dev = ev.dev;
  const tokens = line.tokens;
  const b = index * LINE_SLOTS;
  // Where the keys of the line's leading event-device match tokens are (their outcomes are remembered).
  const keysLen = keys !== undefined ? tab![b + LineSlot.KEYS_LEN]! : 0;
  const keysAt = keys !== undefined ? tab![b + LineSlot.KEYS_AT]! : 0;
  if (k === 0 && tab !== undefined && tokens.length > 0) {
    const q = quickToken(tokens[0]!, dev);
    if (q !== UNHANDLED) rulesWork.tokens++;
    if (key >= 0 && q !== UNHANDLED) memo!.set(key >> 1, q === PASS ? Memo.PASS : q === FAIL ? Memo.FAIL : Memo.FAIL_ABSENT);
    if (q === FAIL) return tab[b + LineSlot.SAME_END]!;
    if (q === FAIL_ABSENT) return tab[b + LineSlot.ABSENT_END]!;
    if (q === PASS) k = 1;
  }
  ev.esc = Escape.UNSET;
  ev.currentLine = line;
  let parentsDone = false;
  for (; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.type >= TokenType.M_PARENTS_KERNEL && t.type <= TokenType.M_PARENTS_TAG) {
      if (parentsDone) continue;
      const r = applyParentTokens(ev, tokens, k, explain, line);
      if (r === FATAL) return -1;
      if (k === 0 && key >= 0) memo!.set(key >> 1, r === FAIL_FIRST ? Memo.FAIL : r === FAIL_ABSENT ? Memo.FAIL_ABSENT : Memo.EVALUATE);
      if (r === FAIL) return index + 1;
      // The line's first token failed on the device and every ancestor: so do the same
      // tokens leading the next lines (the values compared do not change between them).
      if (r === FAIL_FIRST) return k === 0 && tab ? tab[b + LineSlot.SAME_END]! : index + 1;
      if (r === FAIL_ABSENT) return k === 0 && tab ? tab[b + LineSlot.ABSENT_END]! : index + 1;
      parentsDone = true;
      continue;
    }
    if (explain) ev.lastValue = undefined;
    rulesWork.tokens++;
    const r = applyToken(ev, t, dev);
    if (r === FATAL) return -1;
    if (k < keysLen) memo!.set(keys![keysAt + k]!, r === PASS ? Memo.PASS : Memo.FAIL);
    if (r === FAIL) {
      if (explain) explain.failed(line, t, ev.lastValue, dev.sysname);
      return index + 1;
    }
    if (explain && t.type < FIRST_ASSIGN_TYPE) explain.passed(line, t, ev.lastValue, dev.sysname);
  }
  if (explain) explain.matched(line, line.gotoLine);
  return line.gotoLine ? line.gotoIndex : index + 1;
}

/**
 * The lines of all files through the line table: the pre-filter and remembered first tokens
 * are decided from the table's numbers, only the other lines are read and evaluated. -1: fatal.
 */
function applyTable(ev: UdevEvent, files: readonly RuleFile[], mask: number): number {
  const table = lineTable(files);
  const memo = acquireMemo(table, ev.dev);
  const unfiltered = unfilteredLines(table, files, mask);
  try {
    for (let f = 0; f < files.length; f++) {
      const lines = files[f]!.lines;
      const tab = table.files[f]!;
      const keys = table.keys[f]!;
      // For each line, the first line from it on that passes the pre-filter (n: none).
      const pass = unfiltered[f]!;
      const n = lines.length;
      for (let i = n > 0 ? pass[0]! : 0; i < n; i = i < n ? pass[i]! : i) {
        const b = i * LINE_SLOTS;
        rulesWork.lines++;
        const key = tab[b + LineSlot.KEY]!;
        let k = 0;
        if (key >= 0) {
          const m = memo.get(key >> 1);
          if (m === Memo.FAIL || m === Memo.FAIL_ABSENT) {
            // A parent group that fails resets the selected parent.
            if (key & 1) ev.devParent = undefined;
            i = tab[b + (m === Memo.FAIL ? LineSlot.SAME_END : LineSlot.ABSENT_END)]!;
            continue;
          }
          if (m === Memo.PASS) {
            // The line's next remembered tokens, in order while they pass: a failed one fails
            // the line (none of them has a side effect, and those before it passed); when all
            // its tokens passed, the line jumps without being read.
            k = 1;
            const len = tab[b + LineSlot.KEYS_LEN]!;
            const at = tab[b + LineSlot.KEYS_AT]!;
            let mk: Memo = Memo.PASS;
            while (k < len && (mk = memo.get(keys[at + k]!)) === Memo.PASS) k++;
            if (mk === Memo.FAIL || mk === Memo.FAIL_ABSENT) {
              i++;
              continue;
            }
            if (k === len) {
              const passNext = tab[b + LineSlot.PASS_NEXT]!;
              if (passNext >= 0) {
                i = passNext;
                continue;
              }
            }
          }
        }
        const next = applyLine(ev, lines[i]!, i, undefined, tab, key, memo, k, keys);
        if (next < 0) return -1;
        i = next;
      }
    }
  } finally {
    memo.busy = false;
  }
  return 0;
}

/**
 * udev_rules_apply_to_event(): all files, all lines. 'fatal' when a token failed hard (252's
 * negative return), which stops the rules and, for add/change, skips the rest of the event.
 */
export function applyRules(rules: CompiledRules, ev: UdevEvent, explain?: ExplainSink): 'ok' | 'fatal' {
  const files = rules.files;
  // The pre-filter mask depends only on the event device, which lines cannot change.
  const dev = ev.dev;
  let mask: number = LineFlag.HAS_GOTO | LineFlag.UPDATE_SOMETHING;
  if (dev.action !== 'remove') {
    if (dev.devnum) mask |= LineFlag.HAS_DEVLINK;
    if (dev.ifindex !== undefined) mask |= LineFlag.HAS_NAME;
  }
  if (explain) {
    // Explain mode reports every line, so it steps over none and remembers no outcome.
    for (const file of files) {
      const lines = file.lines;
      for (let i = 0; i < lines.length;) {
        const line = lines[i]!;
        if ((line.flags & mask) === 0) {
          explain.skipped(line);
          i++;
          continue;
        }
        rulesWork.lines++;
        const next = applyLine(ev, line, i, explain, undefined, -1, undefined, 0);
        if (next < 0) return 'fatal';
        i = next;
      }
    }
  } else if (applyTable(ev, files, mask) < 0) return 'fatal';
  ev.currentLine = undefined;
  return 'ok';
}
