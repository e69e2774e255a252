/**
 * The builtins the simulation has no data for: uaccess (no seats) and net_setup_link (driven
 * by a host hook, else a "vanished link"). Each behaves as 252 does when its data is missing.
 */
import type { Builtin } from './builtin.js';

/** uaccess: no active seat session. */
export const uaccessBuiltin: Builtin = { name: 'uaccess', runOnce: false, run: () => undefined };

/** net_setup_link: the host's link configuration, if it has one. */
export const netSetupLinkBuiltin: Builtin = {
  name: 'net_setup_link',
  runOnce: false,
  run: (ctx) => {
    if (ctx.argv.length > 1) {
      ctx.host.log('error', 'This program takes no arguments.');
      return 'EINVAL';
    }
    const cfg = ctx.host.linkConfig?.(ctx.dev);
    if (!cfg) return undefined;
    if (cfg.driver !== undefined) ctx.dev.addProperty('ID_NET_DRIVER', cfg.driver);
    if (cfg.linkFile !== undefined) ctx.dev.addProperty('ID_NET_LINK_FILE', cfg.linkFile);
    if (cfg.name !== undefined) ctx.dev.addProperty('ID_NET_NAME', cfg.name);
    return undefined;
  },
};
