// The playground: a static page running the real simulator (src/) with no Node polyfill.
// `base: './'` makes the built folder work from any static host and any sub-path.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  build: { outDir: fileURLToPath(new URL('../dist-playground', import.meta.url)), emptyOutDir: true, chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1' },
});
