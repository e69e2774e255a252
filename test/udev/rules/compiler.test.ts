import { describe, expect, it } from 'vitest';
import { compileRules, lookupBuiltin } from '../../../src/udev/rules/compiler.js';
import { LineFlag, MatchType, Op, TokenType } from '../../../src/udev/rules/token.js';

/** Compile one file and return its diagnostics as [level, line, message] (debug ones dropped). */
function diags(text: string): Array<[string, number | null, string]> {
  const r = compileRules([{ name: '50-t.rules', text }]);
  return r.diagnostics.filter((d) => d.level !== 'debug').map((d) => [d.level, d.line, d.message]);
}

function tokens(text: string): Array<[TokenType, Op]> {
  const r = compileRules([{ name: '50-t.rules', text }]);
  return r.files[0]!.lines[0]!.tokens.map((t) => [t.type, t.op]);
}

describe('compileRules', () => {
  describe('having lines with mistakes', () => {
    // [rules text, expected diagnostics]; each recorded against udevadm 252.
    const cases: Array<[string, Array<[string, number | null, string]>]> = [
      ['KERNEL="x", ENV{A}="1"', [['error', 1, 'Invalid operator for KERNEL.']]],
      ['kernel=="x", ENV{A}="1"', [['error', 1, "Invalid key 'kernel'"]]],
      ['ENV{A}="unterminated', [['error', 1, 'Invalid key/value pair, ignoring.']]],
      ['ENV{A}=1', [['error', 1, 'Invalid key/value pair, ignoring.']]],
      ['ENV{A}="1" # trailing', [['error', 1, 'Invalid key/value pair, ignoring.']]],
      ['ENV{DEVPATH}="x"', [['error', 1, "Invalid ENV attribute. 'DEVPATH' cannot be set."]]],
      ['ENV{A}:="x"', [['warning', 1, "ENV key takes '==', '!=', '=', or '+=' operator, assuming '='."]]],
      ['KERNEL=="x"', [['warning', 1, 'The line takes no effect, ignoring.']]],
      ['SYMLINK-="x"', [['error', 1, 'Invalid operator for SYMLINK.']]],
      ['KERNEL==i"x", ENV{A}="1"', [['error', 1, 'Invalid key/value pair, ignoring.']]],
      ['ENV{A}=e"\\q"', [['error', 1, 'Invalid key/value pair, ignoring.']]],
      ['OPTIONS+="last_rule", ENV{A}="1"', [['warning', 1, "Invalid value for OPTIONS key, ignoring: 'last_rule'"]]],
      ['NAME="%k"', [['error', 1, 'Ignoring NAME="%k", as it will take no effect.']]],
      ['NAME=""', [['error', 1, 'Ignoring NAME="", as udev will not delete any network interfaces.']]],
      ['NAME+="x"', [['warning', 1, "NAME key takes '==', '!=', '=', or ':=' operator, assuming '='."]]],
      ['MODE+="0666"', [['warning', 1, "MODE key takes '=' or ':=' operator, assuming '='."]]],
      ['ATTR{a}+="1"', [['warning', 1, "ATTR key takes '==', '!=', or '=' operator, assuming '='."]]],
      ['SECLABEL{selinux}:="x"', [['warning', 1, "SECLABEL key takes '=' or '+=' operator, assuming '='."]]],
      ['ENV{A}="$foo"', [['error', 1, 'Invalid value "$foo" for ENV (char 1: invalid substitution type), ignoring.']]],
      ['ENV{A}="$$ %% $foo"', [['error', 1, 'Invalid value "$$ %% $foo" for ENV (char 7: invalid substitution type), ignoring.']]],
      ['ENV{A}="$attr"', [['error', 1, 'Invalid value "$attr" for ENV (char 6: attribute value missing), ignoring.']]],
      ['ENV{A}="%c{x}"', [['error', 1, 'Invalid value "%c{x}" for ENV (char 6: attribute value not a valid number), ignoring.']]],
      ['ENV{A}="$env{"', [['error', 1, 'Invalid value "$env{" for ENV (char 1: invalid substitution type), ignoring.']]],
      ['TAG+=""', [['error', 1, 'Invalid value "" for TAG (char 0: empty value), ignoring.']]],
      ['ATTR{a%q}=="x", ENV{A}="1"', [['error', 1, 'Invalid attribute "a%q" for ATTR (char 2: invalid substitution type), ignoring.']]],
      ['ATTR=="x"', [['error', 1, 'Invalid attribute for ATTR.']]],
      ['ATTR{}=="x"', [['error', 1, 'Invalid attribute for ATTR.']]],
      ['ATTRS{device/x}=="1", ENV{A}="1"', [['warning', 1, "'device' link may not be available in future kernels."]]],
      ['ATTRS{../x}=="1", ENV{A}="1"', [['warning', 1, 'Direct reference to parent sysfs directory, may break in future kernels.']]],
      ['SUBSYSTEM=="bus", ENV{A}="1"', [['warning', 1, '"bus" must be specified as "subsystem".']]],
      ['CONST{foo}=="x", ENV{A}="1"', [['error', 1, 'Invalid attribute for CONST.']]],
      ['CONST{arch}="x"', [['error', 1, 'Invalid operator for CONST.']]],
      ['TEST{0999}=="x", ENV{A}="1"', [['error', 1, "Failed to parse mode '0999': Invalid argument"]]],
      ['TEST="x", ENV{A}="1"', [['error', 1, 'Invalid operator for TEST.']]],
      ['IMPORT{foo}="x"', [['error', 1, 'Invalid attribute for IMPORT.']]],
      ['IMPORT{builtin}="nosuch"', [['error', 1, 'Unknown builtin command: nosuch']]],
      ['RUN{builtin}+="nosuch x"', [['error', 1, "Unknown builtin command 'nosuch x', ignoring"]]],
      ['RUN{x}+="y"', [['error', 1, 'Invalid attribute for RUN.']]],
      ['RUN=="x"', [['error', 1, 'Invalid operator for RUN.']]],
      ['GOTO=="x"', [['error', 1, 'Invalid operator for GOTO.']]],
      ['LABEL+="x"', [['error', 1, 'Invalid operator for LABEL.']]],
      ['OWNER="nosuchuser"', [['error', 1, "Unknown user 'nosuchuser', ignoring"]]],
      ['GROUP="nosuchgroup"', [['error', 1, "Unknown group 'nosuchgroup', ignoring"]]],
      ['OPTIONS+="link_priority=high", ENV{A}="1"', [['error', 1, "Failed to parse link priority 'high': Invalid argument"]]],
      ['OPTIONS+="log_level=loud", ENV{A}="1"', [['error', 1, "Failed to parse log level 'loud': Invalid argument"]]],
      ['OPTIONS=="watch", ENV{A}="1"', [['error', 1, 'Invalid operator for OPTIONS.']]],
      ['="x"', [['error', 1, "Invalid key ''"]]],
      ['GOTO="a", GOTO="b"\nLABEL="a"', [['warning', 1, 'Contains multiple GOTO keys, ignoring GOTO="b".']]],
      ['GOTO="nowhere", ENV{A}="1"', [['error', 1, 'GOTO="nowhere" has no matching label, ignoring']]],
      ['ENV{A}="1", KERNEL=="x"GOTO="x"\nLABEL="x"', []],
      [
        'A="1"\n\nENV{B}="2"\nKERNEL=="x"',
        [
          ['error', 1, "Invalid key 'A'"],
          ['warning', 4, 'The line takes no effect, ignoring.'],
        ],
      ],
    ];
    for (const [text, expected] of cases)
      it(`should report ${JSON.stringify(text)} as 252 does`, () => {
        expect(diags(text)).toEqual(expected);
      });
  });

  describe('having a valid line', () => {
    it('should sort tokens by type, keeping textual order among equal types', () => {
      expect(tokens('RUN+="/bin/a", RUN{builtin}+="kmod load x", ENV{A}="1", KERNEL=="k", ENV{B}="2"')).toEqual([
        [TokenType.M_KERNEL, Op.MATCH],
        [TokenType.A_ENV, Op.ASSIGN],
        [TokenType.A_ENV, Op.ASSIGN],
        [TokenType.A_RUN_BUILTIN, Op.ADD],
        [TokenType.A_RUN_PROGRAM, Op.ADD],
      ]);
    });

    it('should evaluate RESULT after PROGRAM', () => {
      expect(tokens('RESULT=="x", PROGRAM=="/bin/true", ENV{A}="1"').map(([t]) => t)).toEqual([
        TokenType.M_PROGRAM,
        TokenType.M_RESULT,
        TokenType.A_ENV,
      ]);
    });

    it('should turn =="?*" into !="" and mark empty alternatives', () => {
      const r = compileRules([{ name: 'x.rules', text: 'ENV{A}=="?*", KERNEL=="|x", DRIVER=="a*|", ENV{B}="1"' }]);
      const [kernel, env, driver] = r.files[0]!.lines[0]!.tokens;
      expect([env!.matchType, env!.op]).toEqual([MatchType.EMPTY, Op.NOMATCH]);
      expect([kernel!.matchType, kernel!.alternatives]).toEqual([MatchType.PLAIN_WITH_EMPTY, ['x']]);
      expect([driver!.matchType, driver!.alternatives]).toEqual([MatchType.GLOB_WITH_EMPTY, ['a*']]);
    });

    it('should set line flags for the pre-filter', () => {
      const flags = (text: string): number => compileRules([{ name: 'x.rules', text }]).files[0]!.lines[0]!.flags;
      expect(flags('KERNEL=="x", SYMLINK+="y"')).toBe(LineFlag.HAS_DEVLINK);
      expect(flags('KERNEL=="x", NAME="y"')).toBe(LineFlag.HAS_NAME);
      expect(flags('PROGRAM=="/bin/true", MODE="0600"')).toBe(LineFlag.HAS_DEVLINK | LineFlag.UPDATE_SOMETHING);
      expect(flags('GOTO="a"\nLABEL="a"')).toBe(LineFlag.HAS_GOTO);
    });

    it('should resolve OWNER and GROUP names at parse time', () => {
      const r = compileRules([{ name: 'x.rules', text: 'OWNER="nobody", GROUP="plugdev", MODE="0640"' }]);
      expect(r.files[0]!.lines[0]!.tokens.map((t) => [t.type, t.num])).toEqual([
        [TokenType.A_OWNER_ID, 65534],
        [TokenType.A_GROUP_ID, 46],
        [TokenType.A_MODE_ID, 0o640],
      ]);
    });

    it('should scan separators, spaces around operators and escaped quotes', () => {
      const r = compileRules([{ name: 'x.rules', text: 'KERNEL == "x"   ENV{A}="a\\"b\\n" ,, ENV{B}=e"\\x41\\101"' }]);
      expect(r.diagnostics.filter((d) => d.level !== 'debug')).toEqual([]);
      expect(r.files[0]!.lines[0]!.tokens.map((t) => t.value)).toEqual(['x', 'a"b\\n', 'AA']);
    });
  });

  describe('having several files', () => {
    it('should order files by base name in byte order and let the first of a name win', () => {
      const r = compileRules([
        { name: '/etc/udev/rules.d/50-b.rules', text: 'ENV{A}="etc"' },
        { name: '/usr/lib/udev/rules.d/10-a.rules', text: 'ENV{A}="lib"' },
        { name: '/usr/lib/udev/rules.d/50-b.rules', text: 'ENV{A}="shadowed"' },
        { name: '9-c.rules', text: 'ENV{A}="nine"' },
      ]);
      expect(r.files.map((f) => [f.name, f.lines[0]!.tokens[0]!.value])).toEqual([
        ['10-a.rules', 'lib'],
        ['50-b.rules', 'etc'],
        ['9-c.rules', 'nine'],
      ]);
    });

    it('should resolve GOTO within one file only', () => {
      const r = compileRules([
        { name: '10-a.rules', text: 'GOTO="end"' },
        { name: '20-b.rules', text: 'LABEL="end"' },
      ]);
      expect(r.diagnostics.filter((d) => d.level === 'error').map((d) => d.text)).toEqual([
        '10-a.rules:1: GOTO="end" has no matching label, ignoring',
      ]);
      expect(r.files[0]!.lines).toEqual([]);
    });

    it('should skip an empty file with a debug message', () => {
      const r = compileRules([{ name: 'e.rules', text: '' }]);
      expect(r.files).toEqual([]);
      expect(r.diagnostics.map((d) => [d.level, d.message])).toEqual([['debug', 'Skipping empty file: e.rules']]);
    });
  });
});

describe('lookupBuiltin', () => {
  const cases: Array<[string, string | undefined]> = [
    ['path_id', 'path_id'],
    ['path', 'path_id'],
    ['net', 'net_id'],
    ['  kmod load x', 'kmod'],
    ['hwdb --subsystem=pci', 'hwdb'],
    ['kmodx', undefined],
    ['/bin/echo', undefined],
  ];
  const names = ['blkid', 'btrfs', 'hwdb', 'input_id', 'keyboard', 'kmod', 'net_id', 'net_setup_link', 'path_id', 'usb_id', 'uaccess'];
  for (const [cmd, expected] of cases)
    it(`should resolve ${JSON.stringify(cmd)} by prefix`, () => {
      const id = lookupBuiltin(cmd);
      expect(id === undefined ? undefined : names[id]).toBe(expected);
    });
});
