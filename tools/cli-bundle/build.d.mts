import type { BuildOptions } from 'esbuild';

/** The esbuild options of the CLI bundle (outdir apart): build.mjs. */
export declare const cliBundleOptions: BuildOptions;
