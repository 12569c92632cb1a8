// ESLint with typescript-eslint's type-aware rules, run by `npm test` (`npm run lint`).
//
// Why a package of its own: typescript-eslint reads types through TypeScript's JS
// compiler API, which TypeScript 7 (the repo's native `tsc`) no longer ships, and it
// accepts TypeScript < 6.1. This folder pins TypeScript 6.0 for the linter alone
// (installed by ./run.mjs from its own lockfile, so the app's tree keeps one
// TypeScript); `tsc` 7 stays the type checker. The layer order is enforced by
// src/layers.test.ts, which reads the imports of every file.
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default tseslint.config(
  {
    files: ['src/**/*.{ts,tsx}', 'e2e/gpu/**/*.ts', 'bench/quality/**/*.ts', 'training/fit_router.ts', 'vite.config.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      // The two classic hooks rules; the plugin's React Compiler rules assume a compiler this
      // project does not use.
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      // `_name` marks a parameter kept for an interface's shape.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Off on purpose: an `async` function without `await` is how a function that returns
      // a Promise (an interface's, a comlink API's) turns its throws into rejections.
      // Dropping the `async` to please the rule would make those throws synchronous.
      '@typescript-eslint/require-await': 'off',
      // Rethrowing what a `catch` caught (typed unknown) keeps the original error; throwing
      // a made-up non-Error is still flagged.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      // `const self = this` is the one way an inner generator function (no arrow form)
      // reaches its object; any other alias name is still an error.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
    },
  },
);
