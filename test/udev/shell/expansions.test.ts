/**
 * The shell of src/udev/shell checked against the host's /bin/sh (dash) on the same inputs:
 * every row runs `dash -c SCRIPT sh ARGS…` and `shProgram` with the same environment and
 * compares stdout, exit status and stderr. Rows cover options, parameter expansion, quoting,
 * field splitting, pipelines, and-or lists, compound commands, command substitution,
 * arithmetic and the coreutils rules pipe through.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultPrograms } from '../../../src/udev/index.js';
import { runRegistered } from '../../../src/udev/spawn.js';
import { SysfsAccess } from '../../../src/udev/sources/sysfs-access.js';
import { MemorySysfs } from '../../../src/udev/sources/sysfs-memory.js';

const DASH = existsSync('/usr/bin/dash') ? '/usr/bin/dash' : existsSync('/bin/dash') ? '/bin/dash' : undefined;

const ENV: Record<string, string> = {
  D: 'wwan0/qmi_wwan',
  E: '',
  P: '/devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4:1.0',
  S: 'a  b\tc',
  N: '42',
  G: '*',
  ID_NET_NAME_PATH: 'enp0s20f0u4',
  PATH: '/usr/bin:/bin',
};

/** [script, positional args]. */
const ROWS: Array<[string, string[]?]> = [
  ['echo ${D}'],
  ['echo ${D#*/} ${D##*/} ${D%/*} ${D%%_*}'],
  ['echo "${P#/devices/}" "${P##*/}" "${P%/*}" "${P%%:*}"'],
  ['echo ${U:-0} ${E:-empty} ${E-unset} ${U-unset} ${D:+set} ${E:+set} ${E+null}'],
  ['echo ${U:=dflt}; echo $U; echo ${E:=x} $E'],
  ['echo ${#D} ${#E} ${#U}'],
  ['x=abcabc; echo ${x#a*b} ${x##a*b} ${x%b*c} ${x%%b*c} ${x#"a*"} ${x#[ab]} ${x%?}'],
  ['x=a.b.c; echo ${x%.*} ${x%%.*} ${x#*.} ${x##*.}'],
  ['echo $S; echo "$S"; for w in $S; do echo "[$w]"; done'],
  ['echo "$G" $G_ "${G}x"'],
  ["echo 'single $D' \"double $D\" \\$D \"\\$D\" \"a\\\\b\" 'it'\\''s'"],
  ['echo $1 $2 $# "$*" $0', ['one', 'two words']],
  ['for a in "$@"; do echo "<$a>"; done; for a in $@; do echo "{$a}"; done', ['x y', 'z']],
  ['for a in "$@"; do echo never; done; echo done $#'],
  ['set -- a b c; shift; echo $# $1 $*; set -- ; echo $#'],
  ['true && echo yes || echo no; false && echo yes || echo no; false || false || echo third'],
  ['! true; echo $?; ! false; echo $?'],
  ['if [ "$N" -gt 40 ]; then echo big; elif [ "$N" -gt 10 ]; then echo mid; else echo small; fi'],
  ['case "$D" in wwan*) echo modem;; eth*|en*) echo eth;; *) echo other;; esac'],
  ['case x$E in x) echo empty;; *) echo set;; esac; case "*" in "*") echo star;; esac; case abc in "a"*) echo q;; esac'],
  ['for i in 1 2 3; do if [ $i = 2 ]; then continue; fi; echo $i; done; for i in a b c; do echo $i; break; done'],
  ['i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo $i; done; until true; do echo no; done'],
  ['echo $((1+2*3)) $((7/2)) $((7%3)) $((1<<4)) $((0x10+010)) $((N*2)) $(( (1+2)*3 )) $((3>2 && 1)) $((-5/2))'],
  ['x=$(echo hi; echo there); echo "$x"; y=`echo back`; echo $y; echo "$(printf "a\\n\\n\\n")|"'],
  ['echo $(echo $(echo nested))'],
  ['f() { echo "fn $1 $#"; return 3; }; f a b; echo $?'],
  ['g() { local v=1; echo $v; }; g'],
  ['echo a | sed -n s/a/b/p; echo "net/wwan0" | sed -n "s/^net\\///p"'],
  ['echo "$P" | cut -d/ -f3; echo "$P" | cut -d/ -f2-3; echo abcdef | cut -c2-4'],
  ['echo Hello | tr a-z A-Z; echo "a b  c" | tr -s " "; echo "a:b:c" | tr ":" "\\n"; echo abc | tr -d b'],
  ['printf "1\\n2\\n3\\n" | head -n 2; printf "1\\n2\\n3\\n" | head -1; printf "1\\n2\\n3\\n" | tail -n 1'],
  ['basename /a/b/c.txt .txt; basename /a/b/; dirname /a/b/c; dirname c; basename "$P"'],
  ['echo abc | grep -q b && echo found; echo abc | grep -c x; echo $?'],
  ['printf "%s=%d\\n" a 1 b 2; printf "%05.1f|%x|%o\\n" 3 255 8 2>/dev/null; printf "%s\\n"'],
  ['x=1; { x=2; }; echo $x; (x=3); echo $x'],
  ['echo out; echo err >&2; echo both 2>&1'],
  ['v="a b"; set -- $v; echo $#; IFS=:; w="x:y:z"; set -- $w; echo $# $2'],
  ['IFS=, read a b <<EOF\nx,y,z\nEOF\necho "$a|$b"'],
  ['cat <<EOF\nD=$D\n$(echo sub)\nEOF\ncat <<"EOF"\nD=$D\nEOF'],
  ['echo ${U?custom message}; echo not reached'],
  ['echo $UNSET_VAR; set -u; echo $UNSET_VAR; echo no'],
  ['set -e; false; echo unreachable'],
  ['set -e; false || true; if false; then :; fi; ! true; echo reached'],
  ['nosuchcommand arg; echo $?'],
  ['echo "unterminated'],
  ['if true; then echo x'],
  ['echo ${D/x}'],
  ['exit 7'],
  ['test -n "$D" && [ -z "$E" ] && [ "$D" != x ] && echo ok; [ 3 -eq 4 ]; echo $?'],
  ['x=; [ -n "$x" ] || echo empty; [ abc = abc ] && echo eq'],
  ['echo -n no newline; echo; echo "a\\tb"; echo \'\\101\''],
  ['a=1 b=2; echo $a$b; c=$a-$b; echo "$c"'],
  ['echo ~ ~/x', []],
  ['echo one; # comment\necho two # trailing'],
  ['echo a\\\nb'],
  ['echo "${ID_NET_NAME_PATH:-none}" | sed -e "s/^en//"'],
  ['x=$(false); echo $?; $(true); echo $?'],
];

function runOurs(script: string, args: string[]): { stdout: string; stderr: string; status: number } {
  const fs = new SysfsAccess(new MemorySysfs());
  const env = new Map(Object.entries(ENV));
  const r = runRegistered(defaultPrograms(), fs, undefined, ['/bin/sh', '-c', script, 'sh', ...args], env, '');
  return { stdout: r.stdout, stderr: r.stderr, status: r.exitCode };
}

function runDash(script: string, args: string[]): { stdout: string; stderr: string; status: number } {
  const r = spawnSync(DASH!, ['-c', script, 'sh', ...args], { env: ENV, encoding: 'latin1', cwd: '/' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}

describe.skipIf(DASH === undefined)('sh -c agrees with dash', () => {
  // Without dash on the host the table cannot be checked (skipIf above names the reason).
  it('runs on a host dash', () => {
    expect(execFileSync(DASH!, ['-c', 'echo $((1+1))'], { encoding: 'utf8' })).toBe('2\n');
  });
  for (const [script, args = []] of ROWS) {
    it(`${JSON.stringify(script)}`, () => {
      const ours = runOurs(script, args);
      const dash = runDash(script, args);
      expect(ours).toEqual(dash);
    });
  }
});
