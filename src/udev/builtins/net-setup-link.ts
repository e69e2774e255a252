/**
 * The `net_setup_link` builtin (udev-builtin-net_setup_link.c, 252). Without arguments only
 * (EINVAL "This program takes no arguments."). It needs the link over netlink: a host without
 * one (udevadm test in an empty network namespace, as the oracle runs it) sees the link vanish —
 * success, no properties. With the host's .link files (BuiltinHost.linkFiles) it sets
 * ID_NET_DRIVER (the driver bound to the netdev's device), picks the first matching .link file
 * (ID_NET_LINK_FILE) and the name of NamePolicy/Name= (ID_NET_NAME; the rules' NAME= does the
 * rename). No matching file: success without ID_NET_LINK_FILE. The older linkConfig hook is
 * still honoured when no .link files are given.
 */
import { cmdlineGetKey } from '../udev-util.js';
import type { Builtin, BuiltinContext } from './builtin.js';
import { generateNewName, linkMatches, parseLinkFile, type LinkConfig } from './link-config.js';

const configCache = new WeakMap<object, LinkConfig[]>();

function configs(files: NonNullable<BuiltinContext['host']['linkFiles']>): LinkConfig[] {
  let c = configCache.get(files);
  if (!c) {
    c = files.map(parseLinkFile).filter((x): x is LinkConfig => x !== undefined);
    configCache.set(files, c);
  }
  return c;
}

/** ARPHRD → the Type= name (arphrd_to_name, lowercased) or the DEVTYPE when there is one. */
function linkType(devtype: string | undefined, iftype: string | undefined): string {
  if (devtype !== undefined) return devtype;
  switch (iftype) {
    case '1':
      return 'ether';
    case '32':
      return 'infiniband';
    case '772':
      return 'loopback';
    case '256':
      return 'slip';
    default:
      return iftype ?? '';
  }
}

function run(ctx: BuiltinContext): 'EINVAL' | undefined {
  const { dev, host } = ctx;
  if (ctx.argv.length > 1) {
    host.log('error', 'This program takes no arguments.');
    return 'EINVAL';
  }
  if (!host.linkFiles) {
    const cfg = host.linkConfig?.(dev);
    if (!cfg) return undefined;
    if (cfg.driver !== undefined) dev.addProperty('ID_NET_DRIVER', cfg.driver);
    if (cfg.linkFile !== undefined) dev.addProperty('ID_NET_LINK_FILE', cfg.linkFile);
    if (cfg.name !== undefined) dev.addProperty('ID_NET_NAME', cfg.name);
    return undefined;
  }
  const ifname = dev.sysname;
  const driver = dev.parent?.driver;
  if (driver !== undefined) dev.addProperty('ID_NET_DRIVER', driver);
  const prop = (k: string): string | undefined => dev.getProperty(k);
  const address = dev.sysattr('address');
  const facts = {
    ifname,
    mac: address,
    permanentMac: address,
    path: prop('ID_PATH'),
    driver,
    type: linkType(dev.getDevtype(), dev.sysattr('type')),
    kind: undefined,
    property: prop,
  };
  const cfg = configs(host.linkFiles).find((c) => linkMatches(c, facts));
  if (!cfg) {
    host.log('debug', 'No matching link configuration found, ignoring device.');
    return undefined;
  }
  const nat = dev.sysattr('name_assign_type');
  const ifnames = cmdlineGetKey(host.cmdline, 'net.ifnames');
  const newName = generateNewName(cfg, {
    ifname,
    action: dev.action ?? 'add',
    nameAssignType: nat !== undefined && /^\d+$/.test(nat) ? Number(nat) : undefined,
    property: prop,
    namePolicyEnabled: !(typeof ifnames === 'string' && /^(0|no|n|false|f|off)$/i.test(ifnames)),
  });
  dev.addProperty('ID_NET_LINK_FILE', cfg.filename);
  dev.addProperty('ID_NET_NAME', newName);
  return undefined;
}

export const netSetupLinkBuiltin: Builtin = { name: 'net_setup_link', runOnce: false, run };
