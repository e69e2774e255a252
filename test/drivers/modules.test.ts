import { describe, expect, it } from 'vitest';
import { bootMachine, errnoOf } from '../support/pci-machine.js';

describe('kernel modules on disk', () => {
  it('should install cxl_pci, doe_user, mlx5_core and pci_doe, none loaded, none depending on another', () => {
    const m = bootMachine({ presets: [] });
    expect(m.modules.available.map((i) => i.name).sort()).toEqual(['cxl_pci', 'doe_user', 'mlx5_core', 'pci_doe']);
    expect(m.modules.loaded).toEqual([]);
    expect(m.modules.available.every((i) => (i.depends ?? []).length === 0)).toBe(true);
  });

  it('should write modules.alias from the id tables, without override-only drivers', () => {
    const m = bootMachine({ presets: [] });
    expect(m.modules.modulesAlias()).toBe(
      [
        'alias pci:v*d*sv*sd*bc05sc02i10* cxl_pci',
        'alias pci:v000015B3d0000101Dsv*sd*bc*sc*i* mlx5_core',
        'alias auxiliary:cxl_pci.doe pci_doe',
        '',
      ].join('\n'),
    );
  });

  it.each([['vfio_pci'], ['vfio-pci'], ['mlx5_ib'], ['mlx5_fwctl'], ['cxl_fwctl'], ['fwctl']])('modprobe %s → ENOENT for now', (name) => {
    const m = bootMachine({ presets: [] });
    expect(errnoOf(() => m.modprobe(name))).toBe('ENOENT');
  });

  it('should load the right module for each preset MODALIAS', () => {
    const m = bootMachine({ presets: ['cxl-type3', 'mlx5-nic'] });
    const modalias = (bdf: string) => m.processes.root.readFile(`/sys/bus/pci/devices/${bdf}/modalias`).trim();
    expect(m.modules.modprobeAlias(modalias('0000:0d:00.0'))).toEqual(['cxl_pci']);
    expect(m.modules.modprobeAlias(modalias('0000:03:00.0'))).toEqual(['mlx5_core']);
    expect(m.modules.modprobeAlias(modalias('0000:00:01.0'))).toEqual([]);
  });
});
