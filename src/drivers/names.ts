/**
 * The drivers' closed sets of names, with no code behind them: the presets a machine can boot
 * with and the kernel modules it has on disk. The tables behind the names are keyed by them
 * (`presetTable` in preset-host.ts, `builtinKernelModules` in modules.ts, checked at compile time
 * to hold exactly these names), so each set is written once. Importable without loading the
 * drivers (the CLI defines its options from it: src/machine/names.ts).
 */

/** Every preset a machine can boot with; names and fixed addresses are part of the contract (preset-host.ts). */
export const presetNames = ['cxl-type3', 'mlx5-nic', 'mlx5-nic-dual', 'qemu-cxl-type3', 'qemu-cxl-switch', 'cxl-switch'] as const;
export type PresetName = (typeof presetNames)[number];

/** Every module on disk (/lib/modules), in depmod's alphabetical order (modules.ts). */
export const moduleNames = [
  'cxl_core',
  'cxl_fwctl',
  'cxl_pci',
  'doe_user',
  'fwctl',
  'ib_core',
  'ib_uverbs',
  'mlx5_core',
  'mlx5_fwctl',
  'mlx5_ib',
  'pci_doe',
  'vfio',
  'vfio_pci',
  'vfio_pci_core',
] as const;
export type ModuleName = (typeof moduleNames)[number];
