import { describe, expect, it } from 'vitest';
import { bootMachine, errnoOf } from '../support/pci-machine.js';

describe('kernel modules on disk', () => {
  it('should install the modules, none loaded, every fwctl driver depending on fwctl and its parent driver', () => {
    const m = bootMachine({ presets: [] });
    expect(m.modules.available.map((i) => i.name)).toEqual(
      expect.arrayContaining(['cxl_fwctl', 'cxl_pci', 'doe_user', 'fwctl', 'mlx5_core', 'mlx5_fwctl', 'pci_doe']),
    );
    expect(m.modules.loaded).toEqual([]);
    const deps = Object.fromEntries(m.modules.available.map((i) => [i.name, [...(i.depends ?? [])].sort()]));
    expect(deps).toMatchObject({
      cxl_core: [],
      cxl_pci: ['cxl_core'],
      doe_user: [],
      fwctl: [],
      mlx5_core: [],
      pci_doe: [],
      mlx5_fwctl: ['fwctl', 'mlx5_core'],
      cxl_fwctl: ['cxl_pci', 'fwctl'],
      ib_uverbs: ['ib_core'],
      mlx5_ib: ['ib_core', 'ib_uverbs', 'mlx5_core'],
    });
  });

  it('should write modules.alias from the id tables, without override-only drivers', () => {
    const m = bootMachine({ presets: [] });
    expect(m.modules.modulesAlias()).toBe(
      [
        'alias auxiliary:cxl_pci.fwctl cxl_fwctl',
        'alias pci:v*d*sv*sd*bc05sc02i10* cxl_pci',
        'alias pci:v000015B3d0000101Dsv*sd*bc*sc*i* mlx5_core',
        'alias pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_core',
        'alias auxiliary:mlx5_core.eth mlx5_core',
        'alias auxiliary:mlx5_core.fwctl mlx5_fwctl',
        'alias auxiliary:mlx5_core.rdma mlx5_ib',
        'alias auxiliary:cxl_pci.doe pci_doe',
        'alias char-major-10-196 vfio',
        'alias devname:vfio/vfio vfio',
        // file2alias writes vfio-pci's override-only id with the vfio_pci: prefix, which no
        // device's pci: MODALIAS matches (doe_user's override-only ids produce no line).
        'alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci',
        '',
      ].join('\n'),
    );
  });

  it.each([['irdma'], ['vfio_iommu_type1']])('modprobe %s → ENOENT (not on this machine’s disk)', (name) => {
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
