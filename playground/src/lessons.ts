/** Guided lessons: a starting scenario and what to look at. */
import raceShared from '../../examples/explore/doe-pci-core-shared.yaml?raw';
export interface Lesson {
  readonly id: string;
  readonly title: string;
  readonly text: string;
  /** What to do and watch, shown beside the tree. */
  readonly guide: string;
  /** Replay this explorer schedule of the scenario's concurrent: block in the scheduler panel. */
  readonly race?: string;
  /** Run the same steps on a twin machine under the other DOE policy, side by side. */
  readonly compare?: boolean;
}

const cxl = (doe: string) => `name: playground
machine:
  presets: [cxl-type3]
  modules: [doe_user]
  doe: ${doe}
processes:
  tool: { uid: 0, caps: [CAP_SYS_ADMIN, CAP_SYS_RAWIO] }
steps:
  - boot: {}
  - advance: 500
`;

export const lessons: readonly Lesson[] = [
  {
    id: 'split',
    title: 'The split of a PCI function',
    text: cxl('aux-exclusive'),
    guide:
      'cxl_pci binds the CXL memory device 0000:0d:00.0 and splits it: one auxiliary device per DOE mailbox (cxl_pci.doe.N), each bound by pci_doe.doe. Expand the tree and the add/bind uevents in the log.',
  },
  {
    id: 'bind',
    title: 'bind/unbind and the uevent order',
    text: cxl('aux-exclusive'),
    guide:
      'Select cxl_pci.doe.1 and press unbind: the kernel sends "unbind" (no DRIVER); bind it again and watch "bind" follow. Unbind 0000:0d:00.0: its auxiliary children are removed first.',
  },
  {
    id: 'doe-aux',
    title: 'DOE hand-off — aux-exclusive',
    text: cxl('aux-exclusive'),
    guide:
      'Hand cxl_pci.doe.1 to doe_user (the "hand to userspace" button), then run a compliance exchange through /dev/doe/cxl_pci.doe.1. Raw config access stays refused.',
  },
  {
    id: 'doe-shared',
    title: 'DOE hand-off — pci-core-shared',
    text: cxl('pci-core-shared'),
    guide:
      'Mainline: the PCI core owns the mailboxes, no auxiliary DOE devices exist. A raw exchange through the config file goes through — and taints the kernel. Compare with the aux-exclusive lesson.',
  },
  {
    id: 'doe-both',
    title: 'DOE hand-off — both policies side by side',
    text: cxl('aux-exclusive'),
    compare: true,
    guide:
      'Two machines run the same steps: aux-exclusive on the left (the page), pci-core-shared on the right. Press "raw DOE exchange": on the left pci_doe.doe owns the mailbox and the raw exchange is refused (EPERM) before it touches a register; on the right it goes through the config file — and taints the kernel. Then hand cxl_pci.doe.1 to userspace: only the left machine has a DOE auxiliary device to hand over.',
  },
  {
    id: 'race',
    title: 'The pci-core-shared race (explorer schedule 1.1)',
    text: raceShared,
    race: '1.1',
    guide:
      "The explorer's shortest schedule for the DOE hand-off race: lane 2 rebinds cxl_pci (its probe reads the CDAT over mailbox 0) while lane 1, a compliance tool, runs an exchange on the same mailbox through the config file. Press \"step ▶\" in the scheduler panel and watch the mailbox line: at the race both the kernel and userspace drive mailbox 0, and the kernel log shows the tool's register writes landing in the middle of the kernel's CDAT read.",
  },
  {
    id: 'fwctl',
    title: 'fwctl revoke',
    text: `name: playground
machine:
  presets: [mlx5-nic]
processes:
  tool: { uid: 0, caps: [CAP_SYS_ADMIN, CAP_SYS_RAWIO] }
steps:
  - boot: {}
  - open: /dev/fwctl/fwctl0
    as: tool
    mode: rw
    fd: fw
  - ioctl: fw
    as: tool
    op: FWCTL_INFO
`,
    guide: 'tool holds /dev/fwctl/fwctl0. Unbind mlx5_core.fwctl.0: the node goes, the open file stays and every ioctl is ENODEV ("fwctl info").',
  },
  {
    id: 'vfio',
    title: 'A VF handed to vfio-pci',
    text: `name: playground
machine:
  presets: [mlx5-nic]
  modules: [mlx5_core, vfio_pci]
  autoload: false
processes:
  qemu: { uid: 0, caps: [] }
steps:
  - boot: {}
  - write: /sys/bus/pci/devices/0000:03:00.0/sriov_numvfs
    value: "2"
`,
    guide:
      'Two VFs exist, marked "pci VF" with their physfn (the PF shows how many VFs it has); mlx5_core took them. Select a VF, unbind it, set driver_override to vfio-pci and press drivers_probe: vfio-pci binds and /dev/vfio/N appears for its IOMMU group.',
  },
];
