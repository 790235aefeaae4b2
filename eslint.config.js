// Lint only what the compiler cannot see: promises nobody awaits or catches (a rejection nobody
// handles ends the process) and promises passed where a plain value is expected. Type-aware, so it
// reads tsconfig.json; style is left to review.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // The dashboard's browser scripts are plain JS without types; the rules need types.
  { ignores: ['node_modules/**', '.vigil/**', '**/*.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    // Older comments name rules this config does not enable.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // `void p` is no handling either: the intake's crash on deep JSON came from a `void`-started promise.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  // Layer boundaries (issue #14): workflow code is deterministic and bundled apart, the domain is
  // pure, and the API must not load worker code (start-up time, and the runbooks' commands and
  // file access belong on the worker). docs/decisions.md records why workflows may still import
  // activity *types*: `proxyActivities<...>` needs them and they are erased from the bundle.
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*'], message: 'Workflow code is deterministic and sandboxed: no Node modules.' },
          { group: ['**/activities/**'], allowTypeImports: true, message: 'Workflows reach activities through proxyActivities; import their types only (import type).' },
          { group: ['**/platform/**', '**/api/**', '**/runbooks/**', '**/worker/**'], message: 'Workflow code may import only domain/, contracts/, workflows/ and activity types.' },
        ],
      }],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*'], message: 'The domain is pure: no Node modules.' },
          { group: ['**/activities/**', '**/platform/**', '**/api/**', '**/runbooks/**', '**/worker/**', '**/workflows/**'], message: 'The domain imports only the domain.' },
        ],
      }],
    },
  },
  {
    // A workflow's messages are what its clients and its code agree on: names and payload types,
    // nothing that runs. They are bundled into workflow code, so the same rules apply.
    files: ['contracts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*'], message: 'Contracts are bundled into workflow code: no Node modules.' },
          { group: ['**/activities/**', '**/platform/**', '**/api/**', '**/runbooks/**', '**/worker/**', '**/workflows/**'], message: 'Contracts import only domain types and @temporalio/workflow.' },
        ],
      }],
    },
  },
  {
    // Activities that signal a workflow (as its client) read its contract in contracts/; workflow code, never.
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/workflows/**'], message: 'Activities import no workflow module: a workflow\'s messages are in contracts/.' },
          { group: ['**/api/**'], message: 'Activities import no API module: shared records live in platform/.' },
        ],
      }],
    },
  },
  {
    // The development kit, benches and scripts run without the test tree (#14.5, decision 52).
    files: ['devkit/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['**/test/**'], message: 'What benches and scripts share with tests lives in devkit/.' }],
      }],
    },
  },
  {
    // The worker and what it runs share records with the API through platform/, never through api/.
    files: ['worker/**/*.ts', 'runbooks/**/*.ts', 'platform/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['**/api/**'], message: 'Worker-side code imports no API module: shared records live in platform/.' }],
      }],
    },
  },
  {
    files: ['api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/activities/**', '**/runbooks/**', '**/worker/**'], message: 'The API loads no worker code: plan with domain/incidentPlan.ts and domain/runbookSpecs/.' },
        ],
      }],
    },
  },
);
