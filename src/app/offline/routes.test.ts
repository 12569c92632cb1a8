import { describe, expect, it } from 'vitest';
import { cacheKeyOf, route, routeTable } from './routes';
import { isModelsBase, type PrecacheEntry } from './protocol';

const scope = new URL('https://app.test/');
const entries: PrecacheEntry[] = [
  { url: 'index.html', revision: 'aaaa', bytes: 600 },
  { url: 'assets/index-X1.js', revision: 'bbbb', bytes: 1000 },
  { url: 'assets/ort-wasm-simd-threaded.asyncify-D5.wasm', revision: 'cccc', bytes: 27e6 },
  { url: 'samples/sample.mp4', revision: 'dddd', bytes: 80e3 },
];
const table = routeTable(entries, scope);
const get = (url: string, mode = 'cors', range = false) => route({ method: 'GET', url, mode, range }, table);

describe('service worker routes', () => {
  it('answers navigations to the app with the cached index.html, whatever the query and hash', () => {
    const index = { kind: 'app', key: 'https://app.test/index.html?__rev=aaaa' };
    expect(get('https://app.test/', 'navigate')).toEqual(index);
    expect(get('https://app.test/?testmodels&wasm', 'navigate')).toEqual(index);
    expect(get('https://app.test/index.html?x=1', 'navigate')).toEqual(index);
  });

  it('answers the build\'s files from the cache by path, keyed by revision', () => {
    expect(get('https://app.test/assets/index-X1.js')).toEqual({ kind: 'app', key: 'https://app.test/assets/index-X1.js?__rev=bbbb' });
    expect(get('https://app.test/samples/sample.mp4')).toEqual({ kind: 'app', key: cacheKeyOf(entries[3], scope) });
  });

  it('leaves e2e fixtures, model files, other files, other origins, non-GET and ranges alone', () => {
    expect(get('https://app.test/e2e/fixtures/clip-64x48.mp4').kind).toBe('none');
    expect(get('https://app.test/e2e/gpu/index.html', 'navigate').kind).toBe('none');
    expect(get('https://app.test/models/vsr.step.onnx').kind).toBe('none');
    expect(get('https://app.test/assets/unknown-Z9.js').kind).toBe('none');
    expect(get('https://other.test/assets/index-X1.js').kind).toBe('none');
    expect(get('https://app.test/samples/sample.mp4', 'cors', true).kind).toBe('none');
    expect(route({ method: 'POST', url: 'https://app.test/assets/index-X1.js', mode: 'cors', range: false }, table).kind).toBe('none');
  });

  it('sends model manifests network-first (any models base, test set included)', () => {
    expect(get('https://app.test/models/manifest.json').kind).toBe('model-manifest');
    expect(get('https://app.test/e2e/fixtures/models/manifest.json').kind).toBe('model-manifest');
    expect(get('https://app.test/manifest.webmanifest').kind).toBe('none');
  });

  it('keeps to its scope when the app is served under a path', () => {
    const sub = new URL('https://app.test/vqdsr/');
    const t = routeTable(entries, sub);
    expect(route({ method: 'GET', url: 'https://app.test/vqdsr/?wasm', mode: 'navigate', range: false }, t)).toEqual({ kind: 'app', key: 'https://app.test/vqdsr/index.html?__rev=aaaa' });
    expect(route({ method: 'GET', url: 'https://app.test/', mode: 'navigate', range: false }, t).kind).toBe('none');
    expect(route({ method: 'GET', url: 'https://app.test/assets/index-X1.js', mode: 'cors', range: false }, t).kind).toBe('none');
  });

  it('accepts only same-site absolute folders as a models base', () => {
    expect(isModelsBase('/models/')).toBe(true);
    expect(isModelsBase('/e2e/fixtures/models/')).toBe(true);
    expect(isModelsBase('https://evil.test/models/')).toBe(false);
    expect(isModelsBase('//evil.test/')).toBe(false);
    expect(isModelsBase('/models/../../')).toBe(false);
    expect(isModelsBase('/models')).toBe(false);
  });
});
