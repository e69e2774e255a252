/**
 * The fleet forms of `machine:` (issue #12): `presets:` as a map of counts, and `topology:`, a
 * list of host bridges, each with `root_ports:` — what sits below each root port or downstream
 * port: `empty`, an endpoint preset (a name, or `{preset, functions}`), or a switch
 * (`{switch: pcie|cxl, ports: [...]}`). Shape only; which presets may be endpoints and every
 * limit (ports per switch, root ports per host bridge, bus numbers per segment) are the host's
 * (`ScenarioHost.topologyProblems`), so that the checks live once, beside the placement.
 */
import { z } from 'zod';
import type { ScenarioFleetHost, ScenarioFleetPort } from './host.js';
import { forward, int, isMap, list, obj, once, oneOf, record } from './schema-values.js';
import { name } from './step-values.js';

const endpoint = obj('endpoint', { preset: name('a preset name'), functions: int(1, 8).optional() });

const switchMap = once(() => obj('switch', { switch: oneOf(['pcie', 'cxl'] as const), ports: list(fleetPortSchema) }));
const portName = once(() => name("'empty', a preset name, {preset, functions} or {switch, ports}"));

/** What sits below a port. */
export const fleetPortSchema: z.ZodType<ScenarioFleetPort> = z.lazy(() =>
  z.unknown().transform((v, ctx): ScenarioFleetPort => {
    if (isMap(v)) {
      const r = 'switch' in v ? switchMap().safeParse(v) : endpoint.safeParse(v);
      if (!r.success) {
        forward(ctx, r.error.issues);
        return z.NEVER as never;
      }
      const d = r.data as { switch?: 'pcie' | 'cxl'; ports?: ScenarioFleetPort[]; preset?: string; functions?: number };
      if (d.switch !== undefined) return { switch: d.switch, ports: d.ports! };
      return { preset: d.preset!, ...(d.functions !== undefined ? { functions: d.functions } : {}) };
    }
    const r = portName().safeParse(v);
    if (!r.success) {
      forward(ctx, r.error.issues);
      return z.NEVER as never;
    }
    return r.data === 'empty' ? 'empty' : { preset: r.data };
  }),
);

/** `topology:`: host bridges in segment order. */
export const topologySchema = list(obj('host bridge', { root_ports: list(fleetPortSchema) })).transform((hosts): ScenarioFleetHost[] =>
  hosts.map((h) => ({ rootPorts: h.root_ports as ScenarioFleetPort[] })),
);

const presetCounts = once(() => record(int(0, 1_000_000), 'a map of preset counts'));
const presetNames = once(() => list(name('a preset name'), 'a list of preset names or a map of counts'));

/** `presets:`: a list of names (fixed addresses) or a map of counts (a fleet). */
export const presetsSchema = z.unknown().transform((v, ctx): readonly string[] | Readonly<Record<string, number>> => {
  const r = isMap(v) ? presetCounts().safeParse(v) : presetNames().safeParse(v);
  if (!r.success) {
    forward(ctx, r.error.issues);
    return z.NEVER as never;
  }
  return isMap(v) ? Object.fromEntries(r.data as [string, number][]) : (r.data as string[]);
});
