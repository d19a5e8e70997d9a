// Lint: typescript-eslint with type information, for the promise rules above all (a floating or
// misused promise is an error swallowed or a race); the rest of recommended-type-checked where it
// is not noise here. Unused exports, files and dependencies are knip's (knip.json), not ESLint's.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.wrangler/',
      'dist/',
      '.data/',
      'test-artifacts/',
      // Browser pages, not in tsconfig.json: no type information to lint them with.
      'public/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The point of this config: an un-awaited promise (a test's expect.poll, a write, a send)
      // fails silently or races; void marks a deliberate fire-and-forget, with a comment saying
      // where its errors go.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `Promise.all` over `T | Promise<T>` (Hono's app.request, a maybe-pending wait) is fine.
      '@typescript-eslint/await-thenable': ['error', { allowMixedPromiseArrays: true }],
      // Rethrowing a caught `unknown` (or an AbortSignal's reason) as it came is deliberate here.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      // tsc's noUnusedLocals/noUnusedParameters already enforce this (with its `_` convention).
      '@typescript-eslint/no-unused-vars': 'off',
      // Async methods that only satisfy an async interface (Durable Object RPC, stand-in fakes).
      '@typescript-eslint/require-await': 'off',
      // Interfaces here declare function-valued properties as methods and implement them with
      // arrows: passing `scope.mayWatch` along is safe, and the rule cannot tell.
      '@typescript-eslint/unbound-method': 'off',
      // Logging and error text stringify unknown values on purpose (String(cause), `${value}`).
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      // `'pending' | 'accepted' | string` documents the known values of an open set.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // Stylistic, auto-fixable, and spread over ~50 files: left for a quiet moment (no merge churn).
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  {
    // Tests, benchmarks, the dev stand-ins and scripts read untyped JSON bodies and driver results
    // as `any` by design; the product code (worker/, durable-objects/, shared/, transcoder/) keeps
    // the any-safety rules.
    files: ['test/**', 'dev-services/**', '**/*.test.ts', 'eslint.config.js'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
)
