/**
 * The scenario host's udev parts over the real machine: `rules:` installed as the machine's rules
 * files, the `trigger` verb, the `property` check (udev database) and `devnode` after rules.
 */
import { describe, expect, it } from 'vitest';
import { machineScenarioHost } from '../../src/machine/index.js';
import { runScenarioText } from '../../src/scenario/index.node.js';

const CXL = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0';

const SCENARIO = `name: compliance DOE goes to userspace
machine:
  presets: [cxl-type3]
  modules: [pci_doe, doe_user]
rules:
  - name: 60-doe.rules
    text: |
      SUBSYSTEM=="auxiliary", KERNEL=="cxl_pci.doe.1", ATTR{driver_override}="doe_user.doe", ENV{ID_DOE_ROLE}="compliance"
  - name: 70-node.rules
    text: |
      SUBSYSTEM=="doe", GROUP="plugdev", MODE="0660", SYMLINK+="doe-compliance"
      ACTION=="change", SUBSYSTEM=="auxiliary", ENV{ID_SEEN_CHANGE}="1"
steps:
  - boot: {}
  - check:
      bound: { "cxl_pci.doe.1": pci_doe.doe }
      property: { "cxl_pci.doe.1": { ID_DOE_ROLE: compliance, MODALIAS: "auxiliary:cxl_pci.doe", ID_UNSET: null } }
  - write: /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver/unbind
    value: cxl_pci.doe.1
  - write: /sys/bus/auxiliary/drivers_probe
    value: cxl_pci.doe.1
  - check:
      bound: { "auxiliary:cxl_pci.doe.1": doe_user.doe }
      exists: [/dev/doe/cxl_pci.doe.1, /dev/doe-compliance]
      devnode: { /dev/doe/cxl_pci.doe.1: { mode: "0660", owner: root, group: plugdev } }
  - trigger: { action: change, subsystem: auxiliary }
  - check:
      uevents_include: ["change ${CXL}/cxl_pci.doe.0", "change ${CXL}/cxl_pci.doe.1", "change ${CXL}/cxl_pci.doe.2", "change ${CXL}/cxl_pci.fwctl.0"]
      property: { "auxiliary:cxl_pci.doe.1": { ID_SEEN_CHANGE: "1", ID_DOE_ROLE: compliance } }
`;

describe('scenario host: udev', () => {
  it('supports the trigger verb and the property and devnode checks', () => {
    const host = machineScenarioHost();
    expect(host.supportedVerbs.has('trigger')).toBe(true);
    expect(host.supportedChecks.has('property')).toBe(true);
    expect(host.supportedChecks.has('devnode')).toBe(true);
  });

  it('runs rules, trigger and the udev checks end to end', () => {
    const result = runScenarioText(SCENARIO, 'udev.yaml', machineScenarioHost());
    expect(result.diagnostics).toEqual([]);
    const failed = result.steps.filter((s) => !s.ok);
    expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
    expect(result.steps).toHaveLength(7);
    expect(result.status).toBe(0);
  });

  it('reports a property mismatch as a failed check', () => {
    const text = `name: mismatch
machine: { presets: [cxl-type3] }
steps:
  - boot: {}
  - check:
      property: { "cxl_pci.doe.0": { DRIVER: doe_user.doe } }
`;
    const result = runScenarioText(text, 'm.yaml', machineScenarioHost());
    expect(result.steps.map((s) => s.ok)).toEqual([true, false]);
  });
});
