/**
 * /dev/cxl/memN (drivers/cxl/core/memdev.c, mbox.c; reference protocols §4.4.5): the memdev on
 * the `cxl` bus, CXL_MEM_QUERY_COMMANDS and CXL_MEM_SEND_COMMAND through the device file with
 * raw structs in process memory, the userspace gating rows in the kernel's order, the raw
 * command path's WARN (taint `W`, once), and the file outliving its memdev (ENXIO).
 */
import { describe, expect, it } from 'vitest';
import { type CxlCoreModule, ICxlCore } from '../../src/drivers/cxl/memdev.js';
import type { Machine } from '../../src/machine/index.js';
import {
  CXL_MEM_COMMAND_FLAG_ENABLED,
  CXL_MEM_QUERY_COMMANDS,
  CXL_MEM_SEND_COMMAND,
  CXL_VARIABLE_PAYLOAD,
  CXL_VENDOR_DEBUG_UUID,
  type CxlSendCommandStruct,
  cxlOpcodes as OP,
  decodeCxlCommandInfo,
  decodeCxlSendCommand,
  encodeCxlSendCommand,
  uuidBytes,
} from '../../src/protocols/index.js';
import type { Process } from '../../src/userspace/index.js';
import { CXL, CXL_PATH, bootMachine, errnoOf } from '../support/pci-machine.js';

const NODE = '/dev/cxl/mem0';
const PAYLOAD = 2048;
const ID = { IDENTIFY: 1, RAW: 2, GET_SUPPORTED_LOGS: 3, GET_FW_INFO: 4, GET_LOG: 8 } as const;

function machine(o: { raw?: boolean; allowAll?: boolean; lockdown?: 'integrity' } = {}): Machine {
  const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'], ...(o.lockdown ? { lockdown: o.lockdown } : {}) });
  const core = m.get<CxlCoreModule>(ICxlCore);
  core.rawCommandsBuiltIn = o.raw ?? false;
  core.rawAllowAll = o.allowAll ?? false;
  return m;
}

function cxlCore(m: Machine): CxlCoreModule {
  return m.get<CxlCoreModule>(ICxlCore);
}

interface Send {
  readonly errno: string;
  readonly struct: CxlSendCommandStruct;
  readonly out: Uint8Array;
}

/** CXL_MEM_SEND_COMMAND with a struct built from `f` in `p`'s memory; the out buffer is out.size bytes (at most 4 KiB). */
function send(p: Process, fd: number, f: Partial<CxlSendCommandStruct> & { input?: Uint8Array }): Send {
  const input = f.input ?? new Uint8Array(0);
  const inPayload = input.length ? p.mm.map(input) : 0n;
  const outSize = f.outSize ?? 0;
  const outPayload = p.mm.map(Math.max(1, Math.min(outSize, 4096)));
  const s: CxlSendCommandStruct = {
    id: 0,
    flags: 0,
    rawOpcode: 0,
    rawRsvd: 0,
    retval: 0,
    inRsvd: 0,
    outRsvd: 0,
    ...f,
    inSize: f.inSize ?? input.length,
    inPayload,
    outSize,
    outPayload,
  };
  const addr = p.mm.map(encodeCxlSendCommand(s));
  const errno = errnoOf(() => p.ioctl(fd, CXL_MEM_SEND_COMMAND, addr));
  const struct = decodeCxlSendCommand(p.mm.read(addr, 48));
  return { errno, struct, out: p.mm.read(outPayload, Math.max(1, Math.min(outSize, 4096))) };
}

function query(p: Process, fd: number, n: number, slots = n): { errno: string; n: number; infos: ReturnType<typeof decodeCxlCommandInfo>[] } {
  const addr = p.mm.map(new Uint8Array(8 + 16 * Math.max(slots, 1)).fill(0xaa).map((b, i) => (i < 8 ? 0 : b)));
  p.mm.write(addr, new Uint8Array(new Uint32Array([n]).buffer));
  const errno = errnoOf(() => p.ioctl(fd, CXL_MEM_QUERY_COMMANDS, addr));
  const b = p.mm.read(addr, 8 + 16 * Math.max(slots, 1));
  const infos = Array.from({ length: slots }, (_, i) => decodeCxlCommandInfo(b.subarray(8 + 16 * i, 24 + 16 * i)));
  return { errno, n: new DataView(b.buffer, b.byteOffset).getUint32(0, true), infos };
}

function opened(m: Machine, name = 'cxl-cli'): { p: Process; fd: number } {
  const p = m.processes.spawn(name, { uid: 0, gid: 0, caps: ['CAP_SYS_ADMIN'] });
  return { p, fd: p.open(NODE, 'rw') };
}

describe('the memdev', () => {
  it('is mem0 on the cxl bus below the function, node cxl/mem0 0600 root:root, DEVTYPE cxl_memdev, MODALIAS cxl:t5, unbound', () => {
    const m = machine();
    const root = m.processes.root;
    expect(root.readlink('/sys/bus/cxl/devices/mem0')).toBe(`../../../devices/pci0000:00/0000:00:01.0/${CXL}/mem0`);
    expect(m.vfs.stat(NODE)).toMatchObject({ type: 'chr', mode: 0o600, uid: 0, gid: 0 });
    const { major } = m.vfs.stat(NODE).rdev!;
    expect(root.readFile('/sys/bus/cxl/devices/mem0/uevent')).toBe(
      `MAJOR=${major}\nMINOR=0\nDEVNAME=cxl/mem0\nDEVTYPE=cxl_memdev\nMODALIAS=cxl:t5\n`,
    );
    expect(root.readFile('/sys/bus/cxl/devices/mem0/payload_max')).toBe(`${PAYLOAD}\n`);
    expect(m.vfs.exists('/sys/bus/cxl/devices/mem0/driver')).toBe(false);
    // The add sits between the DOE children and the fwctl child, before the function's bind.
    const adds = m.uevent.log.filter((e) => e.devpath.startsWith(CXL_PATH)).map((e) => `${e.action} ${e.devpath.slice(CXL_PATH.length)}`);
    expect(adds.slice(-4)).toEqual(['add /cxl_pci.doe.2', 'add /mem0', 'add /cxl_pci.fwctl.0', 'bind ']);
  });

  it('rmmod cxl_core → EBUSY while cxl_pci (which depends on it) is loaded', () => {
    const m = machine();
    expect(errnoOf(() => m.rmmod('cxl_core'))).toBe('EBUSY');
  });
});

describe('CXL_MEM_QUERY_COMMANDS', () => {
  it('n_commands 0 → the table size; otherwise that many entries in table order, ENABLED for what the CEL enabled', () => {
    const m = machine();
    const { p, fd } = opened(m);
    expect(query(p, fd, 0, 0)).toMatchObject({ errno: 'ok', n: 25 });
    const { infos } = query(p, fd, 25);
    expect(infos[0]).toEqual({ id: 0, flags: 0, sizeIn: 0, sizeOut: 0 });
    // RAW (id 2) is a zero slot without CONFIG_CXL_MEM_RAW_COMMANDS.
    expect(infos[2]).toEqual({ id: 0, flags: 0, sizeIn: 0, sizeOut: 0 });
    expect(infos[ID.IDENTIFY]).toEqual({ id: 1, flags: CXL_MEM_COMMAND_FLAG_ENABLED, sizeIn: 0, sizeOut: 0x43 });
    expect(infos[ID.GET_SUPPORTED_LOGS]).toEqual({ id: 3, flags: CXL_MEM_COMMAND_FLAG_ENABLED, sizeIn: 0, sizeOut: CXL_VARIABLE_PAYLOAD });
    expect(infos[ID.GET_FW_INFO]).toEqual({ id: 4, flags: 0, sizeIn: 0, sizeOut: 0x50 });
    expect(infos.filter((i) => i.flags & CXL_MEM_COMMAND_FLAG_ENABLED).map((i) => i.id)).toEqual([1, 3, 8]);
  });

  it('writes only n entries (the next slot keeps its bytes) and shows RAW when built in', () => {
    const m = machine({ raw: true });
    const { p, fd } = opened(m);
    const { infos } = query(p, fd, 3, 4);
    expect(infos[2]).toEqual({ id: 2, flags: 0, sizeIn: CXL_VARIABLE_PAYLOAD, sizeOut: CXL_VARIABLE_PAYLOAD });
    expect(infos[3]).toEqual({ id: 0xaaaaaaaa, flags: 0xaaaaaaaa, sizeIn: 0xaaaaaaaa, sizeOut: 0xaaaaaaaa });
  });
});

const clearLog = (uuid: string) => {
  const b = new Uint8Array(16);
  b.set(uuidBytes(uuid));
  return b;
};
const setPartition = (flags: number) => {
  const b = new Uint8Array(10);
  b[8] = flags;
  return b;
};

describe('CXL_MEM_SEND_COMMAND: errno rows in the kernel’s order', () => {
  interface Row {
    readonly why: string;
    readonly errno: string;
    readonly send: Partial<CxlSendCommandStruct> & { input?: Uint8Array };
    readonly m?: { raw?: boolean; allowAll?: boolean; lockdown?: 'integrity' };
  }
  const rows: Row[] = [
    { why: 'id 0', errno: 'ENOTTY', send: { id: 0 } },
    { why: 'id CXL_MEM_COMMAND_ID_MAX', errno: 'ENOTTY', send: { id: 25 } },
    {
      why: 'in.size above the payload size (before anything else of the command)',
      errno: 'EINVAL',
      send: { id: ID.IDENTIFY, flags: 8, inSize: PAYLOAD + 1 },
    },
    { why: 'unknown flags', errno: 'EINVAL', send: { id: ID.IDENTIFY, flags: 4, outSize: 0x43 } },
    { why: 'rsvd (the raw union) set on a table command', errno: 'EINVAL', send: { id: ID.IDENTIFY, rawOpcode: 1, outSize: 0x43 } },
    { why: 'in.rsvd set', errno: 'EINVAL', send: { id: ID.IDENTIFY, inRsvd: 1, outSize: 0x43 } },
    { why: 'out.rsvd set', errno: 'EINVAL', send: { id: ID.IDENTIFY, outRsvd: 1, outSize: 0x43 } },
    { why: 'a command the CEL did not enable', errno: 'ENOTTY', send: { id: ID.GET_FW_INFO, outSize: 0x50 } },
    { why: 'in.size other than the command’s', errno: 'ENOMEM', send: { id: ID.IDENTIFY, input: new Uint8Array(4), outSize: 0x43 } },
    { why: 'out.size below the command’s', errno: 'ENOMEM', send: { id: ID.IDENTIFY, outSize: 0x42 } },
    { why: 'raw without CONFIG_CXL_MEM_RAW_COMMANDS', errno: 'EPERM', send: { id: ID.RAW, rawOpcode: OP.IDENTIFY, outSize: 0x43 } },
    { why: 'raw.rsvd set (checked before the config)', errno: 'EINVAL', send: { id: ID.RAW, rawOpcode: OP.IDENTIFY, rawRsvd: 1 } },
    {
      why: 'raw out.size above the payload size',
      errno: 'EINVAL',
      send: { id: ID.RAW, rawOpcode: OP.IDENTIFY, outSize: PAYLOAD + 1 },
      m: { raw: true },
    },
    {
      why: 'raw on the deny list (Set Partition Info)',
      errno: 'EPERM',
      send: { id: ID.RAW, rawOpcode: OP.SET_PARTITION_INFO, input: setPartition(0) },
      m: { raw: true },
    },
    { why: 'raw Sanitize (command set 0x44)', errno: 'EPERM', send: { id: ID.RAW, rawOpcode: OP.SANITIZE }, m: { raw: true } },
    { why: 'raw security command (set 0x45)', errno: 'EPERM', send: { id: ID.RAW, rawOpcode: OP.GET_SECURITY_STATE, outSize: 4 }, m: { raw: true } },
    {
      why: 'raw under lockdown=integrity',
      errno: 'EPERM',
      send: { id: ID.RAW, rawOpcode: OP.IDENTIFY, outSize: 0x43 },
      m: { raw: true, lockdown: 'integrity' },
    },
    {
      why: 'raw_allow_all lifts the deny list; the payload check still refuses an immediate Set Partition Info',
      errno: 'EBUSY',
      send: { id: ID.RAW, rawOpcode: OP.SET_PARTITION_INFO, input: setPartition(1) },
      m: { raw: true, allowAll: true },
    },
    {
      why: 'raw Clear Log of a log other than the vendor debug log',
      errno: 'EBUSY',
      send: { id: ID.RAW, rawOpcode: OP.CLEAR_LOG, input: clearLog('0da9c0b5-bf41-4b78-8f79-96b1623b3f17') },
      m: { raw: true },
    },
    {
      why: 'raw Clear Log of the vendor debug log reaches the device (Unsupported there: no ioctl error)',
      errno: 'ok',
      send: { id: ID.RAW, rawOpcode: OP.CLEAR_LOG, input: clearLog(CXL_VENDOR_DEBUG_UUID) },
      m: { raw: true },
    },
  ];
  it.each(rows)('$why → $errno', ({ errno, send: s, m: o }) => {
    const m = machine(o);
    const { p, fd } = opened(m);
    expect(send(p, fd, s).errno).toBe(errno);
  });

  it('an unknown ioctl → ENOTTY', () => {
    const m = machine();
    const { p, fd } = opened(m);
    expect(errnoOf(() => p.ioctl(fd, 0xc030ce09, p.mm.map(48)))).toBe('ENOTTY');
  });
});

describe('CXL_MEM_SEND_COMMAND: what comes back', () => {
  it('Identify: retval 0, out.size 0x43, the payload copied', () => {
    const m = machine();
    const { p, fd } = opened(m);
    const r = send(p, fd, { id: ID.IDENTIFY, outSize: 0x100 });
    expect(r.errno).toBe('ok');
    expect(r.struct).toMatchObject({ retval: 0, outSize: 0x43 });
  });

  it('Get Supported Logs with out.size ~0 (variable): the whole answer, out.size its length', () => {
    const m = machine();
    const { p, fd } = opened(m);
    const r = send(p, fd, { id: ID.GET_SUPPORTED_LOGS, outSize: 0xffffffff });
    expect(r.struct).toMatchObject({ retval: 0, outSize: 8 + 20 });
  });

  it('a device error is no ioctl error: retval carries the return code, out.size stays the buffer size', () => {
    const m = machine({ raw: true });
    const { p, fd } = opened(m);
    const r = send(p, fd, { id: ID.RAW, rawOpcode: OP.GET_FW_INFO, outSize: 0x50 });
    expect(r.errno).toBe('ok');
    expect(r.struct).toMatchObject({ retval: 3, outSize: 0x50 }); // 3 = Unsupported
  });
});

describe('the raw command path taints W once (dev_WARN_ONCE in cxl_to_mem_cmd_raw)', () => {
  it('a refused raw command does not taint; the first permitted one warns and taints; later ones stay quiet', () => {
    const m = machine({ raw: true });
    const { p, fd } = opened(m);
    const warnings = () => m.log.records.filter((r) => r.message.endsWith('raw command path used')).map((r) => r.message);
    expect(send(p, fd, { id: ID.RAW, rawOpcode: OP.SANITIZE }).errno).toBe('EPERM');
    expect(m.processes.root.readFile('/proc/sys/kernel/tainted')).toBe('0\n');
    expect(warnings()).toEqual([]);
    expect(send(p, fd, { id: ID.RAW, rawOpcode: OP.IDENTIFY, outSize: 0x43 }).errno).toBe('ok');
    expect(warnings()).toEqual([`cxl_pci ${CXL}: raw command path used`]);
    expect(Number(m.processes.root.readFile('/proc/sys/kernel/tainted')) & (1 << 9)).toBe(1 << 9);
    send(p, fd, { id: ID.RAW, rawOpcode: OP.IDENTIFY, outSize: 0x43 });
    expect(warnings()).toHaveLength(1);
  });
});

describe('the file outlives its memdev', () => {
  function counts(m: Machine) {
    return { devices: [...m.core.devices].length, memdevs: cxlCore(m).live, openFiles: m.cdevs.all.reduce((n, c) => n + c.openFiles.size, 0) };
  }

  it.each([
    { how: 'cxl_pci unbinds', run: (m: Machine) => m.processes.root.writeFile(`/sys/bus/pci/drivers/cxl_pci/unbind`, CXL) },
    { how: 'rmmod cxl_pci', run: (m: Machine) => m.rmmod('cxl_pci') },
    { how: 'the function is removed', run: (m: Machine) => m.processes.root.writeFile(`/sys/bus/pci/devices/${CXL}/remove`, '1') },
  ])('$how: ioctls → ENXIO, the node is gone, close works, the id is freed at the last close', ({ run }) => {
    const m = machine();
    const before = counts(m);
    const { p, fd } = opened(m);
    run(m);
    expect(m.vfs.exists(NODE)).toBe(false);
    expect(send(p, fd, { id: ID.IDENTIFY, outSize: 0x43 }).errno).toBe('ENXIO');
    expect(query(p, fd, 0, 0).errno).toBe('ENXIO');
    // rmmod cxl_core waits for the file (its fops' module) once nothing depends on it.
    if (!m.modules.isLoaded('cxl_pci')) expect(errnoOf(() => m.rmmod('cxl_core'))).toBe('EBUSY');
    expect(cxlCore(m).live).toBe(1);
    p.close(fd);
    expect(cxlCore(m).live).toBe(0);
    if (!m.modules.isLoaded('cxl_pci')) m.modprobe('cxl_pci');
    if (!m.vfs.exists(`/sys/bus/pci/devices/${CXL}`)) m.processes.root.writeFile('/sys/bus/pci/rescan', '1');
    if (!m.vfs.exists(`/sys/bus/pci/devices/${CXL}/driver`)) m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/bind', CXL);
    expect(m.vfs.exists(NODE)).toBe(true);
    expect(counts(m)).toEqual(before);
  });

  it('a rebind while the old file is open gets mem1 (the id lives until the last close)', () => {
    const m = machine();
    const { p, fd } = opened(m);
    m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL);
    m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/bind', CXL);
    expect(m.processes.root.readdir('/dev/cxl')).toEqual(['mem1']);
    p.close(fd);
  });
});
