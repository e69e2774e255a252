/**
 * net_setup_link with Debian's .link files (99-default.link: NamePolicy=keep kernel database
 * onboard slot path; 73-usb-net-by-mac.link: Path=*-usb-* → NamePolicy=mac) and 80-net-setup-link.rules:
 * which file applies, which name each policy picks, and what a host without netlink sees
 * (udevadm test in an empty network namespace: the link vanished, nothing set — the oracle's
 * cases 242–245 record that).
 */
import { describe, expect, it } from 'vitest';
import { loadDeviceDesc, runUdevTest, type LinkFileInput, type UdevRecord } from '../../src/udev/index.js';
import { fixtureLinkFiles } from '../conformance/udev/case.js';
import { alternativeNames, generateNewName, parseLinkFile } from '../../src/udev/builtins/link-config.js';

const RULES = [
  {
    name: '80-net-setup-link.rules',
    text: new TextEncoder().encode(
      'SUBSYSTEM!="net", GOTO="net_setup_link_end"\nIMPORT{builtin}="path_id"\nACTION=="remove", GOTO="net_setup_link_end"\nIMPORT{builtin}="net_id"\nIMPORT{builtin}="net_setup_link"\nNAME=="", ENV{ID_NET_NAME}!="", NAME="$env{ID_NET_NAME}"\nLABEL="net_setup_link_end"\n',
    ),
  },
];

function netdesc(path: string, name: string, nameAssignType: number, parentDesc: string): string {
  return `P: ${path}/net/${name}\nE: SUBSYSTEM=net\nE: INTERFACE=${name}\nE: IFINDEX=2\nA: address=54:e1:ad:7b:2e:11\\n\nA: addr_assign_type=0\\n\nA: type=1\\n\nA: ifindex=2\\n\nA: iflink=2\\n\nA: name_assign_type=${nameAssignType}\\n\n\n${parentDesc}`;
}
const PCI = 'P: /devices/pci0000:00/0000:00:1f.6\nE: SUBSYSTEM=pci\nE: DRIVER=e1000e\nA: index=1\\n\n';
const USB =
  'P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nE: DRIVER=r8152\n\nP: /devices/pci0000:00/0000:00:14.0/usb1/1-2\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\n\nP: /devices/pci0000:00/0000:00:14.0\nE: SUBSYSTEM=pci\n';

function run(desc: string, linkFiles: readonly LinkFileInput[] | undefined): Map<string, string> {
  const env = loadDeviceDesc(desc);
  const result = runUdevTest({
    rules: RULES,
    ...env,
    events: [{ action: 'add', devpath: env.devpaths[0]! }],
    renameNetif: () => {},
    ...(linkFiles ? { linkFiles } : {}),
  });
  const props = new Map<string, string>();
  for (const r of result.records as UdevRecord[]) if (r.kind === 'property') props.set(r.key, r.value);
  for (const r of result.records as UdevRecord[]) if (r.kind === 'name') props.set('(NAME)', r.value);
  return props;
}

describe('net_setup_link', () => {
  const links = fixtureLinkFiles();

  it('has the Debian .link files', () => {
    expect(links.map((l) => l.path)).toEqual(['/usr/lib/systemd/network/73-usb-net-by-mac.link', '/usr/lib/systemd/network/99-default.link']);
  });

  it('without netlink (udevadm test) sees the link vanish: no properties', () => {
    const p = run(netdesc('/devices/pci0000:00/0000:00:1f.6', 'eth0', 1, PCI), undefined);
    expect(p.has('ID_NET_LINK_FILE')).toBe(false);
    expect(p.has('ID_NET_NAME')).toBe(false);
  });

  it.each([
    // [case, netdev desc, expected link file, expected name]
    ['kernel-enumerated PCI NIC: onboard name', netdesc('/devices/pci0000:00/0000:00:1f.6', 'eth0', 1, PCI), '99-default.link', 'eno1'],
    ['predictable kernel name is kept (kernel)', netdesc('/devices/pci0000:00/0000:00:1f.6', 'eth0', 2, PCI), '99-default.link', 'eth0'],
    ['userspace name is kept (keep)', netdesc('/devices/pci0000:00/0000:00:1f.6', 'lan0', 3, PCI), '99-default.link', 'lan0'],
    [
      'USB NIC: 73-usb-net-by-mac.link, MAC name',
      netdesc('/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0', 'eth1', 1, USB),
      '73-usb-net-by-mac.link',
      'enx54e1ad7b2e11',
    ],
  ])('%s', (_name, desc, file, name) => {
    const p = run(desc, links);
    expect(p.get('ID_NET_LINK_FILE')).toBe(`/usr/lib/systemd/network/${file}`);
    expect(p.get('ID_NET_NAME')).toBe(name);
    if (name !== desc.match(/net\/(\w+)/)![1]) expect(p.get('(NAME)')).toBe(name);
  });

  it('reports the driver, and no config when no file matches', () => {
    const p = run(netdesc('/devices/pci0000:00/0000:00:1f.6', 'eth0', 1, PCI), [
      { path: '/etc/systemd/network/10-x.link', text: '[Match]\nDriver=igb\n[Link]\nName=x\n' },
    ]);
    expect(p.get('ID_NET_DRIVER')).toBe('e1000e');
    expect(p.has('ID_NET_LINK_FILE')).toBe(false);
  });

  it('follows Name= when no policy gives a name, ignores files without a [Match] condition, negated lists', () => {
    const files = [
      { path: '/etc/systemd/network/01-empty.link', text: '[Match]\n[Link]\nName=never\n' },
      { path: '/etc/systemd/network/02-not-e1000e.link', text: '[Match]\nDriver=!e1000e\n[Link]\nName=never2\n' },
      {
        path: '/etc/systemd/network/10-lan.link',
        text: '[Match]\nMACAddress=54:E1:AD:7B:2E:11\nType=ether\n[Link]\nNamePolicy=database\nName=lan7\n',
      },
    ];
    expect(run(netdesc('/devices/pci0000:00/0000:00:1f.6', 'eth0', 1, PCI), files).get('ID_NET_NAME')).toBe('lan7');
  });

  it('orders alternative names by AlternativeNamesPolicy, without the chosen name', () => {
    const cfg = parseLinkFile(links.find((l) => l.path.endsWith('99-default.link'))!)!;
    const props: Record<string, string> = { ID_NET_NAME_ONBOARD: 'eno1', ID_NET_NAME_PATH: 'enp0s31f6', ID_NET_NAME_SLOT: 'enp0s31f6' };
    const name = generateNewName(cfg, { ifname: 'eth0', action: 'add', nameAssignType: 1, property: (k) => props[k], namePolicyEnabled: true });
    expect(name).toBe('eno1');
    expect(alternativeNames(cfg, name, (k) => props[k])).toEqual(['enp0s31f6']);
    expect(generateNewName(cfg, { ifname: 'eth0', action: 'change', nameAssignType: 1, property: (k) => props[k], namePolicyEnabled: true })).toBe(
      'eth0',
    );
    expect(generateNewName(cfg, { ifname: 'eth0', action: 'add', nameAssignType: 1, property: (k) => props[k], namePolicyEnabled: false })).toBe(
      'eth0',
    );
  });
});
