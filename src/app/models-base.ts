/**
 * The model set this page uses: the shipped one (BASE_URL/models/), or with `?testmodels` (end-to-end
 * tests) the narrow set under e2e/fixtures/models/. One rule for the engine (App.tsx) and the
 * service worker's offline copy (offline/offline-client.ts), so both see the same models.
 * Only in a test build (src/test-build.d.ts): a production page always uses the shipped set.
 */
export function pageModelsBase(search: string = location.search): string | undefined {
  return __VQDSR_TEST_BUILD__ && new URLSearchParams(search).has('testmodels') ? '/e2e/fixtures/models/' : undefined;
}
