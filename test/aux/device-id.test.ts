import { describe, expect, it } from 'vitest';
import { auxiliaryIdAlias, auxiliaryMatchId, auxiliaryMatchName, auxiliaryModuleAliases } from '../../src/aux/index.js';

describe('auxiliaryMatchName', () => {
  it.each([
    ['mlx5_core.eth.0', 'mlx5_core.eth'],
    ['cxl_pci.doe.12', 'cxl_pci.doe'],
    ['snd_sof.hda-probes.0', 'snd_sof.hda-probes'],
    ['mod.dev.with.dots.3', 'mod.dev.with.dots'],
    ['nodot', undefined],
  ])('%s → %s', (name, expected) => {
    expect(auxiliaryMatchName(name)).toBe(expected);
  });
});

describe('auxiliaryMatchId', () => {
  const ids = [{ name: 'mlx5_core.eth' }, { name: 'cxl_pci.doe', overrideOnly: true }, { name: 'mod.dev.with.dots' }];
  it.each([
    ['exact match name', 'mlx5_core.eth.0', false, 'mlx5_core.eth'],
    ['prefix is not enough', 'mlx5_core.eth-rep.0', false, undefined],
    ['a shorter name does not match', 'mlx5_core.0', false, undefined],
    ['dots in the devname', 'mod.dev.with.dots.7', false, 'mod.dev.with.dots'],
    ['override-only without override', 'cxl_pci.doe.1', false, undefined],
    ['override-only with override', 'cxl_pci.doe.1', true, 'cxl_pci.doe'],
  ])('%s', (_what, device, hasOverride, expected) => {
    expect(auxiliaryMatchId(ids, device, hasOverride)?.name).toBe(expected);
  });
});

describe('aliases', () => {
  it('should give auxiliary:<name> without a wildcard, and nothing for override-only ids', () => {
    expect(auxiliaryIdAlias({ name: 'cxl_pci.doe' })).toBe('auxiliary:cxl_pci.doe');
    expect(auxiliaryModuleAliases([{ name: 'a.b' }, { name: 'c.d', overrideOnly: true }])).toEqual(['auxiliary:a.b']);
  });
});
