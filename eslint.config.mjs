// ESLint (flat config): a small, deliberate rule set. Each rule catches a real bug class or enforces a house rule;
// style is left to the authors. `npm run lint`.
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-renderer/**', 'node_modules/**', 'release/**', 'coverage/**'] },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.base],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // plain require() in TypeScript bypasses the types; the few deliberate ones (optional backends) say why
      '@typescript-eslint/no-require-imports': 'error',
      // `any` switches type checking off; allowed only with an eslint-disable comment that says why
      '@typescript-eslint/no-explicit-any': 'error',
      'no-debugger': 'error',
      'no-dupe-keys': 'error',
      'no-unreachable': 'error',
      'no-self-assign': 'error',
      'no-cond-assign': 'error',
    },
  },
  { files: ['**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  // tests: no leftover console.log, no focused or skipped tests
  {
    files: ['test/**/*.ts'],
    rules: {
      // fakes of Electron and the store are loosely typed on purpose
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': 'error',
      'no-restricted-properties': ['error',
        { object: 'it', property: 'only' }, { object: 'it', property: 'skip' }, { object: 'it', property: 'todo' },
        { object: 'describe', property: 'only' }, { object: 'describe', property: 'skip' }, { object: 'test', property: 'only' }, { object: 'test', property: 'skip' }],
    },
  },
  ...svelte.configs['flat/base'],
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    rules: { 'svelte/no-at-html-tags': 'error', 'svelte/valid-compile': 'error' },
  },
);
