/**
 * blkid from a device description carrying probe results (`B:` lines): Debian's
 * 60-persistent-storage.rules turns them into ID_FS_*, ID_PART_* properties and the
 * by-uuid/by-label/by-partuuid/by-partlabel links; print_property()'s encodings (safe string,
 * \\x escapes) and the GPT auto-root match (the disk's ID_PART_GPT_AUTO_ROOT_UUID, imported by the
 * partition); a device without results is absent (nothing, success).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDeviceDesc, runUdevTest, type UdevRecord } from '../../src/udev/index.js';

const rules = ['60-persistent-storage.rules'].map((f) => ({
  name: f,
  text: new Uint8Array(readFileSync(join(import.meta.dirname, '../fixtures/udev-rules/bookworm', f))),
}));

const DISK = '/devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0/block/sda';
const DESC = `P: ${DISK}/sda2
E: SUBSYSTEM=block
E: DEVTYPE=partition
E: MAJOR=8
E: MINOR=2
E: DEVNAME=sda2
E: PARTN=2
B: UUID=9b1c6ab4-11a2-4b4c-9c7d-2f0c5e0d1a77
B: LABEL=My Root  
B: VERSION=1.0
B: TYPE=ext4
B: USAGE=filesystem
B: PART_ENTRY_SCHEME=gpt
B: PART_ENTRY_NAME=Linux root (x86-64)
B: PART_ENTRY_UUID=4f68bce3-e8cd-4db1-96e7-fbcaf984b709
B: PART_ENTRY_TYPE=4f68bce3-e8cd-4db1-96e7-fbcaf984b709
B: PART_ENTRY_NUMBER=2

P: ${DISK}
E: SUBSYSTEM=block
E: DEVTYPE=disk
E: MAJOR=8
E: MINOR=0
E: DEVNAME=sda
B: PTUUID=1c2b3a4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d
B: PTTYPE=gpt
D: ID_PART_GPT_AUTO_ROOT_UUID=4f68bce3-e8cd-4db1-96e7-fbcaf984b709

P: /devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0
E: SUBSYSTEM=scsi
E: DEVTYPE=scsi_device
A: vendor=ATA     \\n

P: /devices/pci0000:00/0000:00:17.0
E: SUBSYSTEM=pci
`;

function run(devpath: string): { props: Map<string, string>; links: string[] } {
  const env = loadDeviceDesc(DESC);
  const r = runUdevTest({ rules, ...env, events: [{ action: 'add', devpath }] });
  const props = new Map<string, string>();
  const links: string[] = [];
  for (const rec of r.records as UdevRecord[]) {
    if (rec.kind === 'property') props.set(rec.key, rec.value);
    if (rec.kind === 'symlink') links.push(rec.path);
  }
  return { props, links };
}

describe('blkid with described probe results', () => {
  it('gives a partition its filesystem and GPT entry properties and links', () => {
    const { props, links } = run(`${DISK}/sda2`);
    expect(props.get('ID_FS_TYPE')).toBe('ext4');
    expect(props.get('ID_FS_UUID')).toBe('9b1c6ab4-11a2-4b4c-9c7d-2f0c5e0d1a77');
    expect(props.get('ID_FS_LABEL')).toBe('My_Root');
    expect(props.get('ID_FS_LABEL_ENC')).toBe('My\\x20Root\\x20\\x20');
    expect(props.get('ID_PART_ENTRY_NAME')).toBe('Linux\\x20root\\x20\\x28x86-64\\x29');
    expect(props.get('ID_PART_ENTRY_NUMBER')).toBe('2');
    expect(props.get('ID_PART_GPT_AUTO_ROOT')).toBe('1');
    expect(links).toEqual(
      expect.arrayContaining([
        '/dev/disk/by-uuid/9b1c6ab4-11a2-4b4c-9c7d-2f0c5e0d1a77',
        '/dev/disk/by-label/My\\x20Root\\x20\\x20',
        '/dev/disk/by-partuuid/4f68bce3-e8cd-4db1-96e7-fbcaf984b709',
        '/dev/disk/by-partlabel/Linux\\x20root\\x20\\x28x86-64\\x29',
      ]),
    );
  });

  it('gives the disk its partition table type', () => {
    const { props } = run(DISK);
    expect(props.get('ID_PART_TABLE_TYPE')).toBe('gpt');
    expect(props.get('ID_PART_TABLE_UUID')).toBe('1c2b3a4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d');
    expect(props.has('ID_FS_TYPE')).toBe(false);
  });
});
