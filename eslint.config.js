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
);
