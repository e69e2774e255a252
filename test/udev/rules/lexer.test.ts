import { describe, expect, it } from 'vitest';
import { readLine, splitRulesFile } from '../../../src/udev/rules/lexer.js';

/** All physical lines read_line() returns for `s`. */
function physicalLines(s: string): string[] {
  const out: string[] = [];
  for (let pos = 0; ;) {
    const r = readLine(s, pos, 16384);
    if (r === undefined || r === 'ENOBUFS') break;
    out.push(r.text);
    pos = r.next;
  }
  return out;
}

describe('readLine', () => {
  describe('having the line terminators of systemd read_line()', () => {
    const cases: Array<[string, string, string[]]> = [
      ['LF', 'a\nb\n', ['a', 'b']],
      ['CRLF', 'a\r\nb\r\n', ['a', 'b']],
      ['lone CR', 'a\rb', ['a', 'b']],
      ['NUL', 'a\0b', ['a', 'b']],
      ['LF CR is one terminator', 'a\n\rb', ['a', 'b']],
      ['two LF are two lines', 'a\n\nb', ['a', '', 'b']],
      ['two CR are two lines', 'a\r\rb', ['a', '', 'b']],
      ['LF NUL is one terminator', 'a\n\0b', ['a', 'b']],
      ['NUL LF is two', 'a\0\nb', ['a', '', 'b']],
      ['CR LF NUL is one terminator', 'a\r\n\0b', ['a', 'b']],
      ['no final newline', 'a\nb', ['a', 'b']],
      ['empty input', '', []],
    ];
    for (const [what, input, expected] of cases)
      it(`should split ${what}`, () => {
        expect(physicalLines(input)).toEqual(expected);
      });
  });

  describe('when a line reaches the limit', () => {
    it('should fail with ENOBUFS at exactly limit characters, even at end of file', () => {
      expect(readLine('x'.repeat(10), 0, 10)).toBe('ENOBUFS');
      expect(readLine('x'.repeat(9), 0, 10)).toEqual({ text: 'x'.repeat(9), next: 9 });
    });
  });
});

describe('splitRulesFile', () => {
  const lines = (s: string): Array<[string, number]> =>
    splitRulesFile(s)
      .items.filter((i): i is { text: string; line: number } => 'text' in i)
      .map((l) => [l.text, l.line]);

  const cases: Array<[string, string, Array<[string, number]>]> = [
    ['a plain line', 'A="1"\n', [['A="1"', 1]]],
    ['leading whitespace skipped', '   A="1"\n', [['A="1"', 1]]],
    ['comments and empty lines', '# c\n\n  # d\nA="1"\n', [['A="1"', 4]]],
    ['a continuation numbered by its last line', 'A="1", \\\n  B="2"\n', [['A="1", B="2"', 2]]],
    ['a comment inside a continuation is skipped', 'A="1", \\\n# note\n  B="2"\n', [['A="1", B="2"', 3]]],
    [
      'backslash and space is not a continuation',
      'A="1", \\ \nB="2"\n',
      [
        ['A="1", \\ ', 1],
        ['B="2"', 2],
      ],
    ],
    [
      'an empty line ends a continuation',
      'A="1" \\\n\nB="2"\n',
      [
        ['A="1" ', 2],
        ['B="2"', 3],
      ],
    ],
    ['a continuation open at end of file is dropped', 'A="1"\nB="2" \\\n', [['A="1"', 1]]],
    [
      'CRLF files',
      'A="1"\r\nB="2"\r\n',
      [
        ['A="1"', 1],
        ['B="2"', 2],
      ],
    ],
  ];
  for (const [what, input, expected] of cases)
    it(`should handle ${what}`, () => {
      expect(lines(input)).toEqual(expected);
    });

  it('should drop the rest of the file after a physical line of 16 KiB', () => {
    const r = splitRulesFile(`A="1"\nB="${'x'.repeat(16384)}"\nC="3"\n`);
    expect(r.readFailed).toBe(true);
    expect(lines(`A="1"\nB="${'x'.repeat(16384)}"\nC="3"\n`)).toEqual([['A="1"', 1]]);
  });

  it('should report a joined continuation of 16 KiB as too long, at its last line', () => {
    const half = 'x'.repeat(9000);
    const r = splitRulesFile(`A="${half}" \\\nB="${half}"\nC="3"\n`);
    expect(r.readFailed).toBe(false);
    expect(r.items).toEqual([
      { kind: 'line-too-long', line: 2 },
      { text: 'C="3"', line: 3 },
    ]);
  });
});
