/**
 * relativeTarget (kernfs_get_target_path's text) read off the strings gives what the
 * component-array version gives, for any two absolute paths.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { relativeTarget } from '../../src/bus/index.js';

/** The component-array version: up to the nearest common ancestor of the link's directory and the target's parent, then down. */
function reference(linkPath: string, target: string): string {
  const split = (p: string) => p.split('/').filter((x) => x.length > 0);
  const from = split(linkPath).slice(0, -1);
  const to = split(target);
  const toParent = to.slice(0, -1);
  let i = 0;
  while (i < from.length && i < toParent.length && from[i] === toParent[i]) i++;
  return [...Array(from.length - i).fill('..'), ...to.slice(i)].join('/') || '.';
}

const component = fc.constantFrom('sys', 'devices', 'class', 'net', 'eth0', 'eth', 'pci0000:00', '0000:00:01.0', 'a', 'ab', 'b');
const path = fc.array(component, { minLength: 1, maxLength: 7 }).map((c) => `/${c.join('/')}`);

describe('relativeTarget', () => {
  it('matches the component-array version (property)', () => {
    fc.assert(
      fc.property(path, path, (link, target) => {
        expect(relativeTarget(link, target)).toBe(reference(link, target));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['/sys/class/net/eth0/device', '/sys/devices/pci0000:00/0000:03:00.0', '../../../devices/pci0000:00/0000:03:00.0'],
    ['/sys/devices/pci0000:00/0000:03:00.0/net/eth0/device', '/sys/devices/pci0000:00/0000:03:00.0', '../../../0000:03:00.0'],
    ['/sys/devices/pci0000:00/0000:03:00.0/subsystem', '/sys/bus/pci', '../../../bus/pci'],
  ])('%s → %s is %s', (link, target, text) => {
    expect(relativeTarget(link, target)).toBe(text);
  });
});
