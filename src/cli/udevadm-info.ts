/**
 * `auxbus udevadm info [OPTIONS] [DEVPATH|FILE…]`: boot a machine, then query sysfs and the udev
 * database as udevadm info 252 does (-q, -p, -n, -r, -a, -x, -P, -e, --property, --value);
 * --json prints the devices' records as JSON.
 */
import { Option } from 'commander';
import pc from 'picocolors';
import { type RecordStyle, findDevice, infoDeviceArg, infoQueries, parseInfoQuery, udevadmInfo } from '../udev/index.js';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus, colors } from './io.js';
import { type MachineArgs, addMachineOptions, openMachine, unswallow } from './machine-args.js';

interface InfoArgs extends MachineArgs {
  query?: string;
  root?: boolean;
  attributeWalk?: boolean;
  export?: boolean;
  exportPrefix?: string;
  exportDb?: boolean;
  property?: string[];
  value?: boolean;
  json?: boolean;
}

/** udevadm's field colours: names white, categories green, nodes cyan, the driver yellow. */
function recordStyle(io: CliIo): RecordStyle {
  const c: ReturnType<typeof pc.createColors> = colors(io);
  return {
    name: (s) => c.bold(c.white(s)),
    category: (s) => c.bold(c.green(s)),
    node: (s) => c.bold(c.cyan(s)),
    driver: (s) => c.yellow(s),
  };
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const devices: string[] = [];
  const cmd = addMachineOptions(newCommand('udevadm info', io).description('query sysfs or the udev database of a booted machine'))
    .argument('[devices...]', 'DEVPATH (/sys/…), device node or link (/dev/…), or a .device unit')
    .addOption(new Option('-q, --query <type>', `query device information: ${infoQueries.join(', ')}`))
    .option('-p, --path <syspath>', 'sysfs device path used for query or attribute walk', (v: string) => {
      devices.push(infoDeviceArg('path', v));
      return v;
    })
    .option('-n, --name <name>', 'node or symlink name used for query or attribute walk', (v: string) => {
      devices.push(infoDeviceArg('name', v));
      return v;
    })
    .option('-r, --root', 'prepend dev directory to path names')
    .option('-a, --attribute-walk', 'print all key matches walking along the chain of parent devices')
    .option('-x, --export', 'export key/value pairs')
    .option('-P, --export-prefix <prefix>', 'export the key name with a prefix')
    .option('-e, --export-db', 'export the content of the udev database')
    .option('--property <names>', 'show only properties by this name (comma separated)', (v: string, prev: string[] | undefined) => [
      ...(prev ?? []),
      ...v.split(',').filter((s) => s.length > 0),
    ])
    .option('--value', 'when showing properties, print only their values')
    .option('--json', 'machine-readable output');
  return runCommand(cmd, unswallow(argv), io, () => {
    const o = cmd.opts<InfoArgs>();
    const query = o.query === undefined ? undefined : parseInfoQuery(o.query);
    if (o.query !== undefined && query === undefined) {
      io.stderr('auxbus udevadm info: unknown query type\n');
      return ExitStatus.BAD_INPUT;
    }
    const all = [...devices, ...((cmd.processedArgs[0] as string[] | undefined) ?? [])];
    const live = openMachine(o, io);
    if (typeof live === 'number') return live;
    const { udev } = live;
    const host = { sysfs: udev.sysfs, devfs: udev.devfs, db: udev.daemon.db };
    if (o.json) {
      const records = [];
      for (const id of all) {
        const dev = findDevice(host, id);
        if (typeof dev === 'string') {
          io.stderr(`auxbus udevadm info: Unknown device "${id}" (${dev})\n`);
          return ExitStatus.FAILED;
        }
        records.push({
          devpath: dev.devpath,
          sysname: dev.sysname,
          subsystem: dev.subsystem ?? null,
          devtype: dev.getDevtype() ?? null,
          driver: dev.driver ?? null,
          devnode: dev.getDevname() ?? null,
          devlinks: [...dev.getDevlinks()],
          properties: Object.fromEntries(dev.allProperties()),
        });
      }
      io.stdout(`${JSON.stringify({ devices: records })}\n`);
      return ExitStatus.OK;
    }
    const r = udevadmInfo(host, {
      devices: all,
      query,
      attributeWalk: o.attributeWalk,
      exportDb: o.exportDb,
      root: o.root,
      export: o.export || o.exportPrefix !== undefined,
      exportPrefix: o.exportPrefix,
      properties: o.property,
      value: o.value,
      style: recordStyle(io),
    });
    io.stdout(r.out);
    for (const line of r.err.split('\n').filter((l) => l.length > 0)) io.stderr(`auxbus udevadm info: ${line}\n`);
    return r.status;
  });
}
