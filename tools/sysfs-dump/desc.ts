/**
 * Write an oracle device description (device.desc, shared/tools/udev-oracle/README.md) of some
 * devices of a machine, read through the machine's own sysfs: E: from each device's `uevent`
 * file (plus SUBSYSTEM from its subsystem link), A: for every readable text attribute, H: for the
 * first 64 bytes of a PCI `config`, L: for symlinks other than subsystem/driver/device. Used to
 * record conformance cases of udev builtins (net_id, path_id) on the machine's real devices.
 *
 * Usage: npx tsx tools/sysfs-dump/desc.ts sriov > test/conformance/udev/cases-local/NNN/device.desc
 */
import { createMachine, type Machine } from '../../src/machine/index.js';

const RP = '/devices/pci0000:00/0000:00:02.0';

/** The machines a description can be taken from, and the devices (event device first). */
const machines: Record<string, { make: () => Machine; devices: string[] }> = {
  sriov: {
    make: () => {
      const m = createMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core'], autoload: false });
      m.boot();
      m.processes.root.writeFile('/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs', '2');
      m.settle();
      return m;
    },
    devices: [
      `${RP}/0000:03:00.0/net/eth0`,
      `${RP}/0000:03:00.1/net/eth1`,
      `${RP}/0000:03:00.2/net/eth2`,
      `${RP}/0000:03:00.0/mlx5_core.eth.0`,
      `${RP}/0000:03:00.0`,
      `${RP}/0000:03:00.1`,
      `${RP}/0000:03:00.2`,
      RP,
    ],
  },
};

function escape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function describe(m: Machine, devpaths: readonly string[]): string {
  const root = m.processes.root;
  let out = '';
  for (const devpath of devpaths) {
    const dir = `/sys${devpath}`;
    out += `P: ${devpath}\n`;
    for (const line of root.readFile(`${dir}/uevent`).split('\n')) if (line) out += `E: ${line}\n`;
    const subsystem = root.readlink(`${dir}/subsystem`).split('/').pop();
    out += `E: SUBSYSTEM=${subsystem}\n`;
    for (const name of root.readdir(dir)) {
      const path = `${dir}/${name}`;
      const st = root.lstat(path);
      if (st.type === 'link') {
        if (!['subsystem', 'driver', 'device', 'iommu_group'].includes(name)) out += `L: ${name}=${root.readlink(path)}\n`;
        continue;
      }
      if (st.type !== 'file' || name === 'uevent' || /^resource\d/.test(name)) continue;
      if (name === 'config') {
        const fd = root.open(path, 'r');
        const bytes = root.pread(fd, 64, 0);
        root.close(fd);
        const words: string[] = [];
        for (let i = 0; i < bytes.length; i += 4) words.push([...bytes.slice(i, i + 4)].map((b) => b.toString(16).padStart(2, '0')).join(''));
        out += `H: config=${words.join(' ')}\n`;
        continue;
      }
      try {
        out += `A: ${name}=${escape(root.readFile(path))}\n`;
      } catch {
        // write-only or failing attributes (carrier of a down interface) are left out
      }
    }
    out += '\n';
  }
  return out;
}

const which = process.argv[2] ?? 'sriov';
const spec = machines[which];
if (!spec) {
  process.stderr.write(`desc: unknown machine '${which}' (known: ${Object.keys(machines).join(', ')})\n`);
  process.exit(2);
}
process.stdout.write(describe(spec.make(), spec.devices));
