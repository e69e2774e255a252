import { describe, expect, it } from 'vitest';
import { normalizeAbsolute } from '../../src/base/index.js';

describe('normalizeAbsolute', () => {
  it.each([
    ['/sys//bus/./pci/', '/sys/bus/pci'],
    ['/dev/doe/../char/254:0', '/dev/char/254:0'],
    ['/../..', '/'],
    ['/', '/'],
    ['dev/x', '/dev/x'],
  ])('should turn %s into %s', (input, out) => {
    expect(normalizeAbsolute(input)).toBe(out);
  });
});
