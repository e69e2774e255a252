/**
 * The closed sets of the rules language as udev 252 defines them in udev-rules.c: token types
 * (in 252's enum order, which is also the order tokens are sorted in within a line), operators,
 * match types, attribute substitution types and line flags; plus the compiled token and line
 * shapes the interpreter runs.
 */
import type { Glob } from './fnmatch.js';
import type { CompiledFormat } from './format.js';

/** Operators, in parse_operator()'s order of recognition. */
export const Op = {
  MATCH: 0, // ==
  NOMATCH: 1, // !=
  ADD: 2, // +=
  REMOVE: 3, // -=
  ASSIGN: 4, // =
  ASSIGN_FINAL: 5, // :=
} as const;
export type Op = (typeof Op)[keyof typeof Op];

/** Operator text, indexed by Op. */
export const opText: readonly string[] = ['==', '!=', '+=', '-=', '=', ':='];

/** How a match token compares (decided once, on the whole value, at parse time). */
export const MatchType = {
  EMPTY: 0, // "" (or "?*" with the operator inverted): value empty or absent
  PLAIN: 1, // no *?[ : byte equality against each |-alternative
  PLAIN_WITH_EMPTY: 2, // plain, and an empty alternative ("|foo") also matches empty/absent
  GLOB: 3, // fnmatch against each |-alternative
  GLOB_WITH_EMPTY: 4, // glob, and an empty alternative also matches empty/absent
  SUBSYSTEM: 5, // SUBSYSTEM=="subsystem"|"bus"|"class": matches any of the three
} as const;
export type MatchType = (typeof MatchType)[keyof typeof MatchType];

/** How an ATTR{}/ATTRS{} attribute name is resolved at event time. */
export const SubstType = {
  PLAIN: 0, // read the attribute as named
  FORMAT: 1, // contains % or $: substitute first
  SUBSYS: 2, // "[subsystem/sysname]attr": another device's attribute
} as const;
export type SubstType = (typeof SubstType)[keyof typeof SubstType];

/**
 * Token types in udev 252's enum order. Tokens of a line are stably sorted by this value, so the
 * order here is behaviour: e.g. RESULT runs after PROGRAM, RUN{builtin} before RUN{program}.
 */
export const TokenType = {
  M_ACTION: 0, // string, event action
  M_DEVPATH: 1, // path, device devpath
  M_KERNEL: 2, // string, device sysname
  M_DEVLINK: 3, // string list, current devlinks without /dev/
  M_NAME: 4, // string, NAME assigned so far in this event
  M_ENV: 5, // string, device property named by the attribute
  M_CONST: 6, // string, CONST{arch} or CONST{virt}
  M_TAG: 7, // string list, tags of the device
  M_SUBSYSTEM: 8, // string, device subsystem
  M_DRIVER: 9, // string, device driver
  M_ATTR: 10, // string, sysfs attribute named by the attribute
  M_SYSCTL: 11, // string, /proc/sys entry named by the attribute
  M_PARENTS_KERNEL: 12, // string, sysname of device or an ancestor
  M_PARENTS_SUBSYSTEM: 13, // string, subsystem of device or an ancestor
  M_PARENTS_DRIVER: 14, // string, driver of device or an ancestor
  M_PARENTS_ATTR: 15, // string, attribute of device or an ancestor
  M_PARENTS_TAG: 16, // string list, tags of device or an ancestor
  M_TEST: 17, // path, file existence with optional mode mask
  M_PROGRAM: 18, // command, run a program, store its output as result
  M_IMPORT_FILE: 19, // path, import KEY=VALUE lines of a file
  M_IMPORT_PROGRAM: 20, // command, import KEY=VALUE lines of a program's output
  M_IMPORT_BUILTIN: 21, // command, import the properties a builtin sets
  M_IMPORT_DB: 22, // property name, copy from the device's previous database entry
  M_IMPORT_CMDLINE: 23, // kernel command line option name
  M_IMPORT_PARENT: 24, // glob, copy matching properties of the direct parent
  M_RESULT: 25, // string, result of the last PROGRAM
  A_OPTIONS_STRING_ESCAPE_NONE: 26, // no argument
  A_OPTIONS_STRING_ESCAPE_REPLACE: 27, // no argument
  A_OPTIONS_DB_PERSIST: 28, // no argument
  A_OPTIONS_INOTIFY_WATCH: 29, // boolean (watch / nowatch)
  A_OPTIONS_DEVLINK_PRIORITY: 30, // int
  A_OPTIONS_LOG_LEVEL: 31, // log level, or -1 for reset
  A_OWNER: 32, // user name with substitutions, resolved at event time
  A_GROUP: 33, // group name with substitutions, resolved at event time
  A_MODE: 34, // mode with substitutions, parsed at event time
  A_OWNER_ID: 35, // uid resolved at parse time
  A_GROUP_ID: 36, // gid resolved at parse time
  A_MODE_ID: 37, // mode parsed at parse time
  A_TAG: 38, // tag name
  A_OPTIONS_STATIC_NODE: 39, // device node name below /dev
  A_SECLABEL: 40, // security label, module in the attribute
  A_ENV: 41, // property value, name in the attribute
  A_NAME: 42, // network interface name
  A_DEVLINK: 43, // symlink names, space separated
  A_ATTR: 44, // value written to the attribute
  A_SYSCTL: 45, // value written to the /proc/sys entry
  A_RUN_BUILTIN: 46, // builtin command line
  A_RUN_PROGRAM: 47, // program command line
} as const;
export type TokenType = (typeof TokenType)[keyof typeof TokenType];

/** First assignment type (_TK_A_MIN): everything before it is a match. */
export const FIRST_ASSIGN_TYPE = TokenType.A_OPTIONS_STRING_ESCAPE_NONE;

/** True for the parent-group tokens (KERNELS, SUBSYSTEMS, DRIVERS, ATTRS, TAGS). */
export function isParentToken(t: TokenType): boolean {
  return t >= TokenType.M_PARENTS_KERNEL && t <= TokenType.M_PARENTS_TAG;
}

/** Line flags (UdevRuleLineType) used by the interpreter's pre-filter. */
export const LineFlag = {
  HAS_NAME: 1 << 0, // NAME= or NAME:=
  HAS_DEVLINK: 1 << 1, // SYMLINK=, OWNER=, GROUP=, MODE=
  HAS_STATIC_NODE: 1 << 2, // OPTIONS="static_node=…"
  HAS_GOTO: 1 << 3, // GOTO=
  HAS_LABEL: 1 << 4, // LABEL=
  UPDATE_SOMETHING: 1 << 5, // any other assignment, PROGRAM, or IMPORT
} as const;

/** The builtins udev 252 (Debian) knows, in lookup order (prefix match on the first word). */
export const BuiltinName = {
  BLKID: 0, // blkid: filesystem and partition probing
  BTRFS: 1, // btrfs: multi-device filesystem readiness
  HWDB: 2, // hwdb: hardware database lookup
  INPUT_ID: 3, // input_id: input device capabilities
  KEYBOARD: 4, // keyboard: scan code remapping
  KMOD: 5, // kmod: kernel module loading
  NET_ID: 6, // net_id: predictable network interface names
  NET_SETUP_LINK: 7, // net_setup_link: .link file configuration
  PATH_ID: 8, // path_id: persistent device path
  USB_ID: 9, // usb_id: USB device properties
  UACCESS: 10, // uaccess: seat ACLs
} as const;
export type BuiltinId = (typeof BuiltinName)[keyof typeof BuiltinName];

/** Builtin command names, indexed by BuiltinId. */
export const builtinNames: readonly string[] = [
  'blkid',
  'btrfs',
  'hwdb',
  'input_id',
  'keyboard',
  'kmod',
  'net_id',
  'net_setup_link',
  'path_id',
  'usb_id',
  'uaccess',
];

/** One compiled token. Fields not meaningful for a type are left undefined. */
export interface RuleToken {
  readonly type: TokenType;
  readonly op: Op;
  /** The operator as written (`op` may be normalised: `?*` inverts it, IMPORT's `=` is a match). */
  readonly writtenOp: Op;
  /** The key as written (`ATTR`, `RUN`), for traces and explain. */
  readonly key: string;
  /** The attribute as written, if any. */
  readonly attr: string | undefined;
  /** The value as written (after quote processing). */
  readonly value: string;
  /** Match tokens: how to compare. */
  readonly matchType: MatchType;
  /** Match tokens: the |-alternatives (empty ones removed). */
  readonly alternatives: readonly string[];
  /** Glob matches: one compiled pattern per alternative. */
  readonly globs: readonly Glob[] | undefined;
  /** ATTR/ATTRS match: how to resolve the attribute name. */
  readonly attrSubst: SubstType;
  /** ATTR/ATTRS match: strip trailing whitespace of the value read (pattern does not end in one). */
  readonly removeTrailingWhitespace: boolean;
  /** The value as a substitution program, for tokens that substitute their value. */
  readonly valueFormat: CompiledFormat | undefined;
  /** The attribute as a substitution program (ATTR/ATTRS with FORMAT, SYSCTL). */
  readonly attrFormat: CompiledFormat | undefined;
  /** Numeric payload: uid, gid, mode, link priority, log level, watch flag, builtin id, TEST mode. */
  readonly num: number;
}

/** One rule line after parsing and sorting. */
export interface RuleLine {
  readonly file: RuleFile;
  /** Last physical line of the rule. */
  readonly line: number;
  /** The logical line's text, as joined by the lexer. */
  readonly text: string;
  flags: number;
  label: string | undefined;
  gotoLabel: string | undefined;
  gotoLine: RuleLine | undefined;
  /** Index of `gotoLine` in the file's line list, for the interpreter. */
  gotoIndex: number;
  tokens: RuleToken[];
}

/** One rules file. */
export interface RuleFile {
  /** The path as given (used in diagnostics text). */
  readonly path: string;
  /** The base name (used for ordering and in conformance records). */
  readonly name: string;
  readonly lines: RuleLine[];
}

/** OPTIONS="string_escape=…" of the current line. */
export const Escape = {
  UNSET: 0, // default: SYMLINK sanitises and keeps spaces as separators
  NONE: 1, // string_escape=none
  REPLACE: 2, // string_escape=replace
} as const;
export type Escape = (typeof Escape)[keyof typeof Escape];
