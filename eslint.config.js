// ESLint flat config: typescript-eslint, import cycles (eslint-plugin-import-x) and the layer
// rules of docs/architecture.md (eslint-plugin-boundaries; why that plugin: docs/architecture.md).
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layer table of docs/architecture.md: each folder of src/ and the folders it may import.
 * A folder may always import itself. Anything not listed is an error.
 */
export const layers = {
  base: [],
  bus: ['base'],
  pci: ['bus', 'base'],
  aux: ['bus', 'base'],
  protocols: ['base'],
  drivers: ['pci', 'aux', 'bus', 'protocols', 'base'],
  userspace: ['bus', 'protocols', 'base'],
  udev: ['base'],
  scenario: ['base'],
  machine: ['base', 'bus', 'pci', 'aux', 'protocols', 'drivers', 'userspace', 'udev', 'scenario'],
  cli: ['machine', 'scenario', 'udev', 'protocols', 'base'],
  testing: ['machine', 'scenario', 'udev', 'protocols', 'base'],
};
// src/index.ts, the package's curated API, is no folder: it re-exports the public surface of
// every layer and is checked only for cycles.

/** Folders whose code may use the public *types* of any folder (`import type`). */
const typeOnlyEverywhere = ['cli', 'testing'];

/** Node-only code: may import node:* modules. Everything else must run in a browser. */
const nodeFiles = [
  'src/cli/**',
  'src/testing/**',
  'src/**/*.node.ts',
  'tools/**',
  'bench/**',
  'test/**',
  'examples/**',
  '*.config.*',
  'playground/*.config.*',
  'playground/e2e/**',
];

/**
 * The files through which another folder is entered: its public surface (index.ts), its Node-only
 * surface (index.node.ts), and its closed sets of names (names.ts), which import nothing but other
 * folders' names.ts, so that a command can define its options without loading the folder
 * (test/architecture/cli-bundle.test.ts checks what each CLI verb loads).
 */
const entryFiles = ['index.ts', 'index.node.ts', 'names.ts'];

/** Browser-safe parts of src/cli: the shell interpreter (the playground's terminal pane) and its rendering. */
const browserSafeCli = ['src/cli/shell/**', 'src/cli/render.ts', 'src/cli/colors.ts'];

const folders = Object.keys(layers);

export default tseslint.config(
  { ignores: ['dist/**', 'dist-playground/**', 'node_modules/**', '.corpus/**', 'coverage/**', 'test/conformance/udev/cases*/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    plugins: { 'import-x': importX, boundaries },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['tsconfig.json', 'tools/tsconfig.json', 'playground/tsconfig.json', 'playground/e2e/tsconfig.json'],
          noWarnOnMultipleProjects: true,
        }),
      ],
      'import/resolver': { typescript: { project: ['tsconfig.json', 'tools/tsconfig.json'], noWarnOnMultipleProjects: true } },
      'boundaries/include': ['src/**/*'],
      'boundaries/legacy-templates': false,
      'boundaries/elements': [...folders.map((f) => ({ type: f, pattern: `src/${f}` }))],
    },
    rules: {
      // The code base's own conventions (kept as they are).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unsafe-declaration-merging': 'off', // `const IFoo` + `interface IFoo` is the service-id pattern (P6)
      '@typescript-eslint/no-redeclare': 'off',
      'no-redeclare': 'off',
      'no-control-regex': 'off', // udev and sysfs texts are full of control characters
      'no-constant-condition': ['error', { checkLoops: false }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-duplicates': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // Each folder imports only the folders of its row in the layer table, and enters another
      // folder only through its index.ts (index.node.ts for Node-only callers), or its names.ts:
      // closed sets of names, importable without loading the folder (docs/architecture.md).
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          message:
            '{{from.type}} may not import {{to.type}}/{{to.internalPath}} (docs/architecture.md, layer table; enter a folder through its index.ts)',
          policies: [
            // Within a folder, anything goes.
            { allow: { dependency: { relationship: { to: 'internal' } } } },
            ...Object.entries(layers).map(([from, allow]) => ({
              from: { element: { type: from } },
              allow: { to: { element: { type: allow.length > 0 ? allow : '__none__', fileInternalPath: entryFiles } } },
            })),
            ...typeOnlyEverywhere.map((from) => ({
              from: { element: { type: from } },
              allow: { to: { element: { type: folders, fileInternalPath: entryFiles } }, dependency: { kind: 'type' } },
            })),
          ],
        },
      ],
      // The core runs in a browser: no node:* outside cli, testing and *.node.ts files.
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^node:', message: 'node:* modules only in src/cli, src/testing or *.node.ts files (the core runs in a browser)' }] },
      ],
    },
  },
  {
    files: nodeFiles,
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Node-only entries may only be imported from Node-only code.
    files: ['src/**/*.ts'],
    ignores: nodeFiles,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'node:* modules only in src/cli, src/testing or *.node.ts files (the core runs in a browser)' },
            { regex: '\\.node\\.js$', message: 'a *.node.ts file may only be imported from Node-only code (cli, testing, *.node.ts)' },
          ],
        },
      ],
    },
  },
  {
    // The shell's interpreter and what it renders with run in the playground's terminal pane too:
    // no node:* module, no *.node.ts file and no value from io.ts (the Node I/O: `process`);
    // `import type { CliIo }` is fine. test/architecture/browser-bundle.test.ts checks the bundle.
    files: browserSafeCli,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'the shell interpreter runs in a browser: no node:* modules' },
            { regex: '\\.node\\.js$', message: 'the shell interpreter runs in a browser: no *.node.ts files' },
            {
              regex: '(^|/)(io|shell|main|machine-args|command)\\.js$',
              allowTypeImports: true,
              message: 'the shell interpreter runs in a browser: Node I/O (io.ts) and the CLI front end stay out of it',
            },
          ],
        },
      ],
    },
  },
  {
    // The playground (issue #13) is a browser layer over the browser-safe folders: it enters
    // machine, scenario, udev and base through their index.ts (and src/index.ts for public
    // types), and imports no node:* module and no *.node.ts file.
    files: ['playground/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'the playground runs in a browser: no node:* modules' },
            { regex: '\\.node\\.js$', message: 'the playground runs in a browser: no *.node.ts files' },
            {
              regex: '^(\\.\\./)+src/(?!(machine|scenario|udev|base|cli/shell)/index\\.js$|index\\.js$)',
              message: 'the playground imports src/ only through machine, scenario, udev, base, cli/shell (index.ts) or src/index.ts',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**', 'tools/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
