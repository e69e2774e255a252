/**
 * The fleet forms of `machine:` (presets as counts, topology): a file with one runs on the real
 * machine, and bad ones are rejected at FILE:LINE:COL before any machine is built.
 */
import { describe, expect, it } from 'vitest';
import { machineScenarioHost } from '../../src/machine/index.js';
import { formatDiagnostic, runScenarioText } from '../../src/scenario/index.node.js';

const F = 'fleet.yaml';

describe('machine: presets as counts and topology', () => {
  it('boots a fleet from counts and checks a function behind a switch', () => {
    const text = [
      'name: fleet',
      'machine:',
      '  presets: { cxl-type3: 10, mlx5-nic: 2 }',
      '  modules: [cxl_pci]',
      'steps:',
      '  - boot: {}',
      '  - check:',
      '      bound: { 0000:04:00.1: cxl_pci }',
      '  - read: /sys/bus/pci/devices/0000:02:00.0/subordinate_bus_number',
      '    expect: { value: "3\\n" }',
      '',
    ].join('\n');
    const result = runScenarioText(text, F, machineScenarioHost());
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('boots a topology with a second PCI segment', () => {
    const text = [
      'name: topology',
      'machine:',
      '  topology:',
      '    - root_ports: [empty]',
      '    - root_ports:',
      '        - switch: cxl',
      '          ports: [cxl-type3, { preset: cxl-type3, functions: 2 }]',
      '  modules: [cxl_pci]',
      'steps:',
      '  - boot: {}',
      '  - check:',
      '      bound: { 0001:04:00.1: cxl_pci }',
      '      exists: [/sys/devices/pci0001:00/0001:00:01.0/0001:01:00.0/0001:02:01.0/0001:04:00.0]',
      '',
    ].join('\n');
    const result = runScenarioText(text, F, machineScenarioHost());
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(result.status).toBe(0);
  });

  it.each([
    {
      why: 'a count that is not a number',
      text: 'name: x\nmachine:\n  presets: { cxl-type3: many }\nsteps: []\n',
      diagnostic: `${F}:3:25: expected an integer from 0 to 1000000, got a string ("many")`,
    },
    {
      why: 'a preset that is not an endpoint in counts',
      text: 'name: x\nmachine:\n  presets: { qemu-cxl-switch: 2 }\nsteps: []\n',
      diagnostic: `${F}:3:31: 'qemu-cxl-switch' is not an endpoint preset (endpoint presets: cxl-type3, mlx5-nic, qemu-cxl-type3)`,
    },
    {
      why: 'an unknown switch kind',
      text: 'name: x\nmachine:\n  topology:\n    - root_ports:\n        - { switch: nvlink, ports: [empty] }\nsteps: []\n',
      diagnostic: `${F}:5:21: expected one of pcie, cxl, got a string ("nvlink")`,
    },
    {
      why: 'an unknown key in a host bridge',
      text: 'name: x\nmachine:\n  topology:\n    - root_port: []\nsteps: []\n',
      diagnostic: `${F}:4:7: missing required key 'root_ports' in host bridge`,
    },
    {
      why: 'nine functions',
      text: 'name: x\nmachine:\n  topology:\n    - root_ports: [{ preset: cxl-type3, functions: 9 }]\nsteps: []\n',
      diagnostic: `${F}:4:52: expected an integer from 1 to 8, got a number (9)`,
    },
    {
      why: 'an unknown endpoint preset',
      text: 'name: x\nmachine:\n  topology:\n    - root_ports:\n        - switch: pcie\n          ports: [gpu]\nsteps: []\n',
      diagnostic: `${F}:6:19: 'gpu' is not an endpoint preset (endpoint presets: cxl-type3, mlx5-nic, qemu-cxl-type3)`,
    },
    {
      why: 'too many downstream ports',
      text: `name: x\nmachine:\n  topology:\n    - root_ports:\n        - switch: pcie\n          ports: [${Array(33).fill('empty').join(', ')}]\nsteps: []\n`,
      diagnostic: `${F}:6:18: a switch has 1 to 32 downstream ports, not 33`,
    },
  ])('rejects $why at its position', ({ text, diagnostic }) => {
    const result = runScenarioText(text, F, machineScenarioHost());
    expect(result.status).toBe(2);
    expect(result.diagnostics.map(formatDiagnostic)[0]).toBe(diagnostic);
  });
});
