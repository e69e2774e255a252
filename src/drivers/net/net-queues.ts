/**
 * The queue kobjects of an interface (net/core/net-sysfs.c register_queue_kobjects,
 * rx_queue_add_kobject, netdev_queue_add_kobject, remove_queue_kobjects):
 * `queues/rx-N` and `queues/tx-N` below the net device, one per real RX and TX queue.
 *
 * Order and uevents, as the kernel has them: netdev_register_kobject first adds the net device
 * (its `add`), then the `queues` kset — whose `add` the device kset's filter drops (it is no
 * device), so it never sends one — then rx-0 … rx-(n-1), then tx-0 … tx-(m-1), each with its
 * attribute groups and then `kobject_uevent(KOBJ_ADD)`: DEVPATH …/net/eth0/queues/rx-0,
 * SUBSYSTEM `queues` (the kset's name: it has no uevent_ops), no other variables. On
 * unregister (netdev_unregister_kobject) the queues go before the device: RX from the highest
 * index down, then TX likewise, each with its `remove` (kobject_put → kobject_cleanup), then
 * the kset (no event, none was sent for it), then the device's own `remove`.
 *
 * Attributes (CONFIG_RPS, CONFIG_XPS, CONFIG_BQL as Debian builds them):
 * - rx-N: rps_cpus 0644 (a CPU mask, "%*pb"; store: CAP_NET_ADMIN or EPERM, a hex mask, bits
 *   beyond the online CPUs dropped), rps_flow_cnt 0644 ("%lu"; store: CAP_NET_ADMIN, kstrtoul,
 *   above 2^29 EINVAL, rounded up to a power of two).
 * - tx-N: tx_timeout 0444, traffic_class 0444 (ENOENT unless multiqueue; "0" without mqprio),
 *   tx_maxrate 0644 (CAP_NET_ADMIN, kstrtou32; the driver's ndo_set_tx_maxrate accepts it),
 *   xps_cpus and xps_rxqs 0644 (ENOENT unless multiqueue; store CAP_NET_ADMIN), and
 *   byte_queue_limits/: hold_time 0644 (1000 ms), inflight 0444, limit 0644, limit_max 0644
 *   (DQL_MAX_LIMIT), limit_min 0644, stall_thrs 0644, stall_cnt 0444, stall_max 0644; their
 *   stores take a number or "max" (bql_set: above DQL_MAX_LIMIT EINVAL) with no capability check.
 */
import { kerr, sideTable } from '../../base/index.js';
import { type Attribute, type AttributeAccessor, type AttributeGroup, type Device, type IKobjectUevent, attrRO, attrRW } from '../../bus/index.js';
import type { NetDevice } from './netdevice.js';

/** DQL_MAX_LIMIT on 64-bit: (UINT_MAX / 2) - DQL_MAX_OBJECT. */
export const DQL_MAX_LIMIT = 0x7fffffff - Math.floor(0xffffffff / 16);
/** The rps_flow_cnt ceiling (1 << 29 entries on 64-bit). */
const RPS_FLOW_CNT_MAX = 1 << 29;

/** State of one RX queue (struct netdev_rx_queue, what sysfs shows). */
export interface RxQueue {
  readonly index: number;
  rpsCpus: number;
  rpsFlowCnt: number;
}

/** State of one TX queue (struct netdev_queue and its dql). */
export interface TxQueue {
  readonly index: number;
  txMaxrate: number;
  xpsCpus: number;
  xpsRxqs: number;
  readonly bql: { holdTime: number; limit: number; limitMax: number; limitMin: number; stallThrs: number; stallMax: number };
}

/** The queues of one registered interface. */
export interface NetQueues {
  readonly rx: RxQueue[];
  readonly tx: TxQueue[];
  /** num_tx_queues > 1 (netif_is_multiqueue). */
  readonly multiqueue: boolean;
  readonly cpus: number;
}

const queuesOf = sideTable(new WeakMap<Device, NetQueues>());

/** The queue state of a registered interface. */
export function netQueues(dev: Device): NetQueues | undefined {
  return queuesOf.get(dev);
}

/** "%*pb" of a mask `width` bits wide: 32-bit hex groups, comma separated, most significant first. */
function bitmapHex(mask: number, width: number): string {
  const groups: string[] = [];
  for (let base = 0; base < Math.max(width, 1); base += 32) {
    const n = Math.min(32, width - base);
    const bits = (Math.floor(mask / 2 ** base) % 2 ** n) >>> 0;
    groups.unshift(bits.toString(16).padStart(Math.ceil(n / 4), '0'));
  }
  return groups.map((g, i) => (i === 0 ? g : g.padStart(8, '0'))).join(',');
}

/** bitmap_parse of a hex mask ("3", "0x3", "00000003,00000000"): EINVAL otherwise. */
function parseMask(buf: string): number {
  const text = buf.trim().replace(/^0x/i, '').replace(/,/g, '');
  if (!/^[0-9a-fA-F]+$/.test(text)) throw kerr('EINVAL', `'${buf.trim()}': not a CPU mask`);
  return parseInt(text.slice(-8), 16);
}

function kstrtoul(buf: string, max: number): number {
  const text = buf.endsWith('\n') ? buf.slice(0, -1) : buf;
  if (!/^(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(text)) throw kerr('EINVAL', `'${text}': not a number`);
  const v = Number(text);
  if (v > max) throw kerr('ERANGE', `${v}: out of range`);
  return v;
}

function needNetAdmin(name: string, writer?: AttributeAccessor): void {
  if (writer && !writer.hasCapability('CAP_NET_ADMIN')) throw kerr('EPERM', `${name}: needs CAP_NET_ADMIN`);
}

function rxAttrs(q: RxQueue, queues: NetQueues): Attribute<Device>[] {
  return [
    attrRW<Device>(
      'rps_cpus',
      () => `${bitmapHex(q.rpsCpus, queues.cpus)}\n`,
      (_dev, buf, writer) => {
        needNetAdmin('rps_cpus', writer);
        q.rpsCpus = parseMask(buf) & (2 ** queues.cpus - 1);
        return buf.length;
      },
    ),
    attrRW<Device>(
      'rps_flow_cnt',
      () => `${q.rpsFlowCnt}\n`,
      (_dev, buf, writer) => {
        needNetAdmin('rps_flow_cnt', writer);
        const count = kstrtoul(buf, Number.MAX_SAFE_INTEGER);
        if (count > RPS_FLOW_CNT_MAX) throw kerr('EINVAL', `rps_flow_cnt ${count} above 2^29`);
        // roundup_pow_of_two; the table holds mask + 1 entries.
        q.rpsFlowCnt = count === 0 ? 0 : 2 ** Math.ceil(Math.log2(count));
        return buf.length;
      },
    ),
  ];
}

function txAttrs(q: TxQueue, queues: NetQueues): Attribute<Device>[] {
  const multi = (name: string) => {
    if (!queues.multiqueue) throw kerr('ENOENT', `${name}: not a multiqueue device`);
  };
  return [
    attrRO<Device>('tx_timeout', () => '0\n'),
    attrRO<Device>('traffic_class', () => {
      multi('traffic_class');
      return '0\n';
    }),
    attrRW<Device>(
      'tx_maxrate',
      () => `${q.txMaxrate}\n`,
      (_dev, buf, writer) => {
        needNetAdmin('tx_maxrate', writer);
        q.txMaxrate = kstrtoul(buf, 0xffffffff);
        return buf.length;
      },
    ),
    attrRW<Device>(
      'xps_cpus',
      () => {
        multi('xps_cpus');
        return `${bitmapHex(q.xpsCpus, queues.cpus)}\n`;
      },
      (_dev, buf, writer) => {
        needNetAdmin('xps_cpus', writer);
        multi('xps_cpus');
        q.xpsCpus = parseMask(buf) & (2 ** queues.cpus - 1);
        return buf.length;
      },
    ),
    attrRW<Device>(
      'xps_rxqs',
      () => {
        multi('xps_rxqs');
        return `${bitmapHex(q.xpsRxqs, queues.rx.length)}\n`;
      },
      (_dev, buf, writer) => {
        needNetAdmin('xps_rxqs', writer);
        multi('xps_rxqs');
        q.xpsRxqs = parseMask(buf) & (2 ** queues.rx.length - 1);
        return buf.length;
      },
    ),
  ];
}

/** bql_set: a number or "max"; above DQL_MAX_LIMIT EINVAL. */
function bqlValue(buf: string): number {
  if (buf.startsWith('max')) return DQL_MAX_LIMIT;
  const v = kstrtoul(buf, 0xffffffff);
  if (v > DQL_MAX_LIMIT) throw kerr('EINVAL', `${v} above DQL_MAX_LIMIT`);
  return v;
}

function bqlAttrs(q: TxQueue): Attribute<Device>[] {
  const rw = (name: string, key: keyof TxQueue['bql']) =>
    attrRW<Device>(
      name,
      () => `${q.bql[key]}\n`,
      (_dev, buf) => {
        q.bql[key] = key === 'holdTime' || key === 'stallThrs' || key === 'stallMax' ? kstrtoul(buf, 0xffffffff) : bqlValue(buf);
        return buf.length;
      },
    );
  return [
    rw('hold_time', 'holdTime'),
    attrRO<Device>('inflight', () => '0\n'),
    rw('limit', 'limit'),
    rw('limit_max', 'limitMax'),
    rw('limit_min', 'limitMin'),
    rw('stall_thrs', 'stallThrs'),
    attrRO<Device>('stall_cnt', () => '0\n'),
    rw('stall_max', 'stallMax'),
  ];
}

/** The kobject of one queue, for its uevents. */
function queueKobject(dev: NetDevice, name: string) {
  return { devpath: `${dev.devpath}/queues/${name}`, subsystem: 'queues' };
}

/**
 * register_queue_kobjects: the queues of `dev` (already added), RX then TX, each directory with
 * its attributes before its `add` uevent.
 */
export function registerQueueKobjects(dev: NetDevice, uevent: IKobjectUevent, counts: { rx: number; tx: number; numTx: number; cpus: number }): void {
  const queues: NetQueues = { rx: [], tx: [], multiqueue: counts.numTx > 1, cpus: counts.cpus };
  queuesOf.set(dev, queues);
  const groups = dev.groups;
  // kset_create_and_add("queues"): the directory, with no event of its own.
  groups.push({ name: 'queues', attrs: [] });
  for (let i = 0; i < counts.rx; i++) {
    const q: RxQueue = { index: i, rpsCpus: 0, rpsFlowCnt: 0 };
    queues.rx.push(q);
    groups.push({ name: `queues/rx-${i}`, attrs: rxAttrs(q, queues) });
    uevent.send(queueKobject(dev, `rx-${i}`), 'add');
  }
  for (let i = 0; i < counts.tx; i++) {
    const q: TxQueue = {
      index: i,
      txMaxrate: 0,
      xpsCpus: 0,
      xpsRxqs: 0,
      bql: { holdTime: 1000, limit: 0, limitMax: DQL_MAX_LIMIT, limitMin: 0, stallThrs: 0, stallMax: 0 },
    };
    queues.tx.push(q);
    groups.push({ name: `queues/tx-${i}`, attrs: txAttrs(q, queues) });
    groups.push({ name: `queues/tx-${i}/byte_queue_limits`, attrs: bqlAttrs(q) });
    uevent.send(queueKobject(dev, `tx-${i}`), 'add');
  }
}

/** remove_queue_kobjects: RX from the top down, then TX, each `remove` as its kobject goes. */
export function removeQueueKobjects(dev: NetDevice, uevent: IKobjectUevent): void {
  const queues = queuesOf.get(dev);
  if (!queues) return;
  const drop = (prefix: string) => {
    dev.groups = dev.groups.filter((g: AttributeGroup<Device>) => !(g.name === prefix || g.name?.startsWith(`${prefix}/`)));
  };
  for (let i = queues.rx.length - 1; i >= 0; i--) {
    drop(`queues/rx-${i}`);
    uevent.send(queueKobject(dev, `rx-${i}`), 'remove');
  }
  for (let i = queues.tx.length - 1; i >= 0; i--) {
    drop(`queues/tx-${i}`);
    uevent.send(queueKobject(dev, `tx-${i}`), 'remove');
  }
  drop('queues');
  queuesOf.delete(dev);
}
