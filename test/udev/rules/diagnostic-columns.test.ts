/**
 * Parse-time diagnostics carry the column and length of the token they are about (an editor
 * underlines it; 252's own text has no column and stays unchanged): in the physical line, past
 * the leading whitespace udev skips, for the first token, a later token, and an unscannable tail.
 */
import { describe, expect, it } from 'vitest';
import { verify } from '../../../src/udev/index.js';

const diag = (text: string) => verify([{ name: 'x.rules', text }]).diagnostics[0]!;

describe('rules diagnostics: columns', () => {
  it.each([
    // [rule line, the text the diagnostic must point at, message part]
    ['SUBSYSTEM=="pci", DRIVR=="x", TAG+="t"', 'DRIVR=="x"', "Invalid key 'DRIVR'"],
    ['    SUBSYSTEM=="pci", DRIVR=="x", TAG+="t"', 'DRIVR=="x"', "Invalid key 'DRIVR'"],
    ['ACTION="add", TAG+="t"', 'ACTION="add"', 'Invalid operator for ACTION'],
    ['SUBSYSTEM=="pci", TAG+="t", KERNEL', 'KERNEL', 'Invalid key/value pair'],
    ['\tMODE="0660", SUBSYSTEM=="pci", GROUP:="nope-group-x"', 'GROUP:="nope-group-x"', 'Unknown group'],
  ])('%j: points at %j', (line, token, message) => {
    const d = diag(`# a comment\n${line}\n`);
    expect(d.message).toContain(message);
    expect(d.line).toBe(2);
    expect(line.slice(d.col! - 1, d.col! - 1 + d.length!)).toBe(token);
    // 252's text has no column.
    expect(d.text).toMatch(/^x\.rules:2 /);
  });
});
