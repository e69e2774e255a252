/**
 * The `net` class attributes (net/core/net-sysfs.c `net_class_attrs`) and its uevent
 * (`netdev_uevent`: INTERFACE, IFINDEX). Modes and formats are the kernel's: `dev_id` and
 * `flags` print "%#x", `address` "%pM", `carrier`, `speed` and `duplex` fail EINVAL while the
 * interface is down, `name_assign_type` fails EINVAL for NET_NAME_UNKNOWN, `phys_port_name`
 * EOPNOTSUPP without a port name. Writable attributes need CAP_NET_ADMIN (`netdev_store`: EPERM).
 */
import { kerr } from '../../base/index.js';
import { type Attribute, type AttributeAccessor, type AttributeGroup, type Device, type UeventEnv, attrRO, attrRW } from '../../bus/index.js';
import { NetDevice, formatMac, netNameAssign, operstates } from './netdevice.js';

function ndev(dev: Device): NetDevice {
  if (!(dev instanceof NetDevice)) throw kerr('ENODEV', `${dev.name}: not a network interface`);
  return dev;
}

/** netdev_show: attributes of an interface being unregistered read EINVAL (dev_isalive). */
function show(name: string, fmt: (n: NetDevice) => string, mode = 0o444): Attribute<Device> {
  return attrRO(
    name,
    (dev) => {
      const n = ndev(dev);
      if (n.unregistering) throw kerr('EINVAL', `${n.name}: being unregistered`);
      return `${fmt(n)}\n`;
    },
    mode,
  );
}

/** netdev_store: CAP_NET_ADMIN, then kstrtoul, then the setter. */
function store(name: string, fmt: (n: NetDevice) => string, set: (n: NetDevice, value: number) => void): Attribute<Device> {
  return attrRW(
    name,
    (dev) => `${fmt(ndev(dev))}\n`,
    (dev, buf, writer?: AttributeAccessor) => {
      if (writer && !writer.hasCapability('CAP_NET_ADMIN')) throw kerr('EPERM', `${name}: needs CAP_NET_ADMIN`);
      const n = ndev(dev);
      const text = buf.endsWith('\n') ? buf.slice(0, -1) : buf;
      if (!/^(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(text)) throw kerr('EINVAL', `${name}: not a number`);
      set(n, Number(text));
      return buf.length;
    },
  );
}

const hexShort = (v: number) => (v === 0 ? '0x0' : `0x${v.toString(16)}`);

export const netClassAttrs: readonly Attribute<Device>[] = [
  show('addr_assign_type', (n) => String(n.addrAssignType)),
  show('addr_len', (n) => String(n.address.length)),
  show('address', (n) => formatMac(n.address)),
  show('broadcast', (n) => formatMac(new Uint8Array(n.address.length).fill(0xff))),
  attrRW(
    'carrier',
    (dev) => {
      const n = ndev(dev);
      // carrier_show: only a running interface has a carrier state.
      if (!n.isUp) throw kerr('EINVAL', `${n.name}: interface is down`);
      return `${n.carrier ? 1 : 0}\n`;
    },
    (_dev, _buf, writer) => {
      if (writer && !writer.hasCapability('CAP_NET_ADMIN')) throw kerr('EPERM', 'carrier: needs CAP_NET_ADMIN');
      // change_carrier: only drivers with ndo_change_carrier (dummy, team) accept it.
      throw kerr('EOPNOTSUPP', 'carrier: driver has no ndo_change_carrier');
    },
  ),
  show('dev_id', (n) => hexShort(n.devId)),
  show('dev_port', (n) => String(n.devPort)),
  attrRO('duplex', (dev) => {
    if (!ndev(dev).isUp) throw kerr('EINVAL', `${dev.name}: interface is down`);
    return 'unknown\n';
  }),
  store(
    'flags',
    (n) => hexShort(n.flags),
    () => {
      throw kerr('EOPNOTSUPP', 'flags: changing flags is not modelled');
    },
  ),
  show('ifindex', (n) => String(n.ifindex)),
  show('iflink', (n) => String(n.ifindex)),
  show('link_mode', () => '0'),
  store(
    'mtu',
    (n) => String(n.mtu),
    (n, v) => {
      // dev_validate_mtu.
      if (v < n.minMtu || v > n.maxMtu) throw kerr('EINVAL', `mtu ${v} outside [${n.minMtu}, ${n.maxMtu}]`);
      n.mtu = v;
    },
  ),
  attrRO('name_assign_type', (dev) => {
    const n = ndev(dev);
    if (n.nameAssignType === netNameAssign.UNKNOWN) throw kerr('EINVAL', `${n.name}: name assign type unknown`);
    return `${n.nameAssignType}\n`;
  }),
  show('operstate', (n) => operstates[n.operstate] ?? 'unknown'),
  attrRO('phys_port_name', (dev) => {
    const n = ndev(dev);
    if (n.physPortName === undefined) throw kerr('EOPNOTSUPP', `${n.name}: no phys_port_name`);
    return `${n.physPortName}\n`;
  }),
  attrRO('speed', (dev) => {
    if (!ndev(dev).isUp) throw kerr('EINVAL', `${dev.name}: interface is down`);
    return '-1\n';
  }),
  store(
    'tx_queue_len',
    (n) => String(n.txQueueLen),
    (n, v) => {
      n.txQueueLen = v;
    },
  ),
  show('type', (n) => String(n.hwType)),
];

export const netClassGroups: readonly AttributeGroup<Device>[] = [{ attrs: netClassAttrs }];

/** netdev_uevent: INTERFACE, then IFINDEX (when set). */
export function netdevUevent(dev: Device, env: UeventEnv): void {
  if (!(dev instanceof NetDevice)) return;
  env.add('INTERFACE', dev.name);
  if (dev.ifindex) env.add('IFINDEX', String(dev.ifindex));
}
