/**
 * `true` only in a build made for the end-to-end tests (`npm run build:test`, vitest); `false`
 * in `npm run build` / `npm start`, where the minifier drops every branch it guards, so the
 * test switches (?testhooks, ?testvariants, ?testmodels) and their code are not in the bundle
 * users get. Set by `define` in vite.config.ts; e2e/prod-bundle.e2e.mjs checks both builds.
 */
declare const __VQDSR_TEST_BUILD__: boolean;
