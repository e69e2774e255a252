/**
 * Terminal colours bound to an output's colour setting (picocolors). Browser-safe: no node:*
 * module and no `process` (the playground's terminal pane renders through it; picocolors' browser
 * build has no colour). Node I/O — the real process's terminal — stays in io.ts.
 */
import pc from 'picocolors';

/** What the colour functions need of an output: whether colour is on. */
export interface ColorSetting {
  readonly color: boolean;
}

export type Colors = ReturnType<typeof pc.createColors>;

/** picocolors bound to an output's colour setting. */
export function colors(io: ColorSetting): Colors {
  return pc.createColors(io.color);
}
